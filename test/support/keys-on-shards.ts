import { shardOfSlot, slotOf } from '../../src/shards/slot.js';

/** `count` keys named `prefix:N` that land on the given shard of `shards`. */
export function keysOnShard(shard: number, shards: number, count: number, prefix = 'k'): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < count; i++) if (shardOfSlot(slotOf(`${prefix}:${i}`), shards) === shard) keys.push(`${prefix}:${i}`);
  return keys;
}

/** One key on each of the first `count` shards of `shards`. */
export function keysOnDifferentShards(count: number, shards: number): string[] {
  return Array.from({ length: count }, (_, shard) => keysOnShard(shard, shards, 1, `s${shard}`)[0]);
}
