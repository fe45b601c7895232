import { PendingReply } from '../replies/pending-reply.js';
import type { Reply } from '../replies/reply.js';
import type { Shard } from './shard.js';
import type { Store } from './store.js';

/** Where a command's keys are among its arguments: first, last (negative counts from the end), step; 0, 0, 0 when keyless. */
export interface KeySpec {
  readonly firstKey: number;
  readonly lastKey: number;
  readonly step: number;
}

/** The positions of the keys a command names. */
export function keyPositions(spec: KeySpec, argc: number): number[] {
  if (spec.firstKey === 0) return [];
  const last = spec.lastKey < 0 ? argc + spec.lastKey : spec.lastKey;
  const positions: number[] = [];
  for (let i = spec.firstKey; i <= last && i < argc; i += spec.step) positions.push(i);
  return positions;
}

/** Whether `test` holds for every key at a command's fixed positions, without gathering them (a hot path's check). */
export function everyKey(spec: KeySpec, args: readonly string[], test: (key: string) => boolean): boolean {
  if (spec.firstKey === 0) return true;
  const last = spec.lastKey < 0 ? args.length + spec.lastKey : spec.lastKey;
  for (let i = spec.firstKey; i <= last && i < args.length; i += spec.step) if (!test(args[i])) return false;
  return true;
}

/** The shards owning a command's keys, in shard order (the order jobs take them, so none deadlock). */
export function shardsOfKeys(store: Store, spec: KeySpec, args: readonly string[]): Shard[] {
  return [...new Set(keyPositions(spec, args.length).map((i) => store.shardOf(args[i])))].sort((a, b) => a.id - b.id);
}

/** Whether no job holds a shard owning one of the keys (one look-up for single-key commands). */
export function keysFree(store: Store, spec: KeySpec, args: readonly string[]): boolean {
  if (spec.lastKey === spec.firstKey) return args.length <= spec.firstKey || store.shardOf(args[spec.firstKey]).queue.free;
  return everyKey(spec, args, (key) => store.shardOf(key).queue.free);
}

/** Runs `job` once every shard in `shards` is free, holding them all meanwhile; the reply is pending. */
export function runHoldingShards(shards: readonly Shard[], job: () => Reply | PendingReply): PendingReply {
  const pending = new PendingReply();
  void holdAll(shards).then(() => {
    try {
      const reply = job();
      if (reply instanceof PendingReply) reply.onSettled((settled) => pending.resolve(settled));
      else pending.resolve(reply);
    } finally {
      for (const shard of shards) shard.queue.release();
    }
  });
  return pending;
}

async function holdAll(shards: readonly Shard[]): Promise<void> {
  for (const shard of shards) await shard.queue.acquire();
}
