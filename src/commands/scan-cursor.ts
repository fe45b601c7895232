import type { Keyspace } from '../projections/keyspace.js';
import type { Value } from '../projections/value.js';

/**
 * SCAN cursors. A cursor names a shard and how many of its entries were walked: `walked * 1024 +
 * shard`. JS Map iterators survive inserts and deletes without skipping live entries, so the live
 * iterator behind a cursor is kept (a bounded number of them) and resumed; an unknown cursor (evicted,
 * or from before a restart) is rebuilt by walking past `walked` entries. Either way every key present
 * for the whole scan is returned, Redis's guarantee.
 */
const SHARD_BITS = 1024;
const KEPT_ITERATORS = 1024;

export interface ScanStep {
  next: number;
  entries: [key: string, value: Value, expireAt: number | undefined][];
}

interface LiveCursor {
  data: Map<string, Value>;
  iterator: Iterator<[string, Value]>;
}

export class ScanCursors {
  private readonly live = new Map<string, LiveCursor>();

  step(keyspaces: readonly Keyspace[], db: number, cursor: number, count: number): ScanStep {
    let shard = cursor % SHARD_BITS;
    let walked = Math.floor(cursor / SHARD_BITS);
    const entries: ScanStep['entries'] = [];
    if (shard >= keyspaces.length) return { next: 0, entries };
    let iterator = this.resume(keyspaces[shard], db, cursor, walked);
    while (entries.length < count) {
      const next = iterator.next();
      if (next.done) {
        if (++shard >= keyspaces.length) return { next: 0, entries };
        walked = 0;
        iterator = keyspaces[shard].data.entries();
        continue;
      }
      const [key, value] = next.value;
      walked++;
      const ks = keyspaces[shard];
      entries.push([key, value, ks.expires.size > 0 ? ks.expires.get(key) : undefined]);
    }
    const nextCursor = walked * SHARD_BITS + shard;
    this.keep(`${db}:${nextCursor}`, { data: keyspaces[shard].data, iterator });
    return { next: nextCursor, entries };
  }

  private resume(ks: Keyspace, db: number, cursor: number, walked: number): Iterator<[string, Value]> {
    const id = `${db}:${cursor}`;
    const kept = this.live.get(id);
    this.live.delete(id);
    if (kept !== undefined && kept.data === ks.data) return kept.iterator;
    const iterator = ks.data.entries();
    for (let i = 0; i < walked && !iterator.next().done; i++);
    return iterator;
  }

  private keep(id: string, cursor: LiveCursor): void {
    this.live.set(id, cursor);
    if (this.live.size > KEPT_ITERATORS) this.live.delete(this.live.keys().next().value as string);
  }
}
