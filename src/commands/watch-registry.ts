import type { Shard } from '../shards/shard.js';
import type { ChangeListener, Store } from '../shards/store.js';
import type { Client } from './client.js';

/**
 * Keys under WATCH. Any change to one — by any client, by expiry, by FLUSHDB/FLUSHALL/SWAPDB — breaks
 * the transactions watching it (Redis's touchWatchedKey). It listens to the store only while
 * something is watched.
 */
export class WatchRegistry implements ChangeListener {
  private readonly watchers = new Map<string, Set<Client>>();
  /** Per watching client, the call that cancels its unwatch-on-disconnect. */
  private readonly forgets = new Map<Client, () => void>();

  constructor(private readonly store: Store) {}

  watch(client: Client, db: number, key: string): void {
    const id = `${db}:${key}`;
    if (client.watched.has(id)) return;
    // A key already expired when watched does not abort EXEC by expiring (Redis's expired flag).
    const expireAt = this.store.keyspace(db, key).expireAt(key);
    if (expireAt !== 0 && expireAt <= Date.now()) client.watchedExpired.add(id);
    if (this.watchers.size === 0) this.store.listen(this);
    if (!this.forgets.has(client)) this.forgets.set(client, client.onDisconnect(() => this.unwatchAll(client)));
    client.watched.add(id);
    const clients = this.watchers.get(id);
    if (clients === undefined) this.watchers.set(id, new Set([client]));
    else clients.add(client);
  }

  unwatchAll(client: Client): void {
    for (const id of client.watched) {
      const clients = this.watchers.get(id);
      clients?.delete(client);
      if (clients?.size === 0) this.watchers.delete(id);
    }
    client.watched.clear();
    client.watchedExpired.clear();
    client.watchBroken = false;
    this.forgets.get(client)?.();
    this.forgets.delete(client);
    if (this.watchers.size === 0) this.store.unlisten(this);
  }

  keyChanged(db: number, key: string): void {
    const clients = this.watchers.get(`${db}:${key}`);
    if (clients !== undefined) for (const client of clients) client.watchBroken = true;
  }

  /** Redis breaks only the watches on keys that exist in the emptied or the replacing database. */
  dbChanged(shard: Shard, db: number, replacement: number): void {
    const prefix = `${db}:`;
    for (const [id, clients] of this.watchers) {
      if (!id.startsWith(prefix)) continue;
      const key = id.slice(prefix.length);
      if (this.store.shardOf(key) !== shard) continue;
      if (!shard.state.dbs[db].data.has(key) && !shard.state.dbs[replacement].data.has(key)) continue;
      for (const client of clients) client.watchBroken = true;
    }
  }
}
