import { createHash } from 'node:crypto';
import { pack } from 'msgpackr';
import { snapshotOf } from '../projections/value-snapshot.js';
import type { Store } from '../shards/store.js';

/**
 * A hash of the whole dataset (every database, the function libraries, values and expiry times),
 * independent of key order: a primary and a follower at the same revision answer the same. As
 * Redis's DEBUG DIGEST, an empty dataset is forty zeros. A key kept on a shard that its slot does
 * not route to cannot be read: it counts as a different key, so that equal digests mean equal reads.
 */
export function datasetDigest(store: Store): string {
  const digest = Buffer.alloc(20);
  for (const shard of store.shards)
    shard.state.dbs.forEach((ks, db) => {
      for (const [key, value] of ks.data) {
        const row: unknown[] = [db, key, snapshotOf(value), ks.expires.get(key) ?? 0];
        if (store.shardOf(key) !== shard) row.push('misplaced');
        const keyDigest = createHash('sha1').update(pack(row)).digest();
        for (let i = 0; i < 20; i++) digest[i] ^= keyDigest[i];
      }
    });
  return digest.toString('hex');
}
