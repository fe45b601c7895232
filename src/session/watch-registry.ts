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
    // A key already expired when watched does not abort EXEC by going away (Redis's expired flag).
    if (this.isExpired(db, key, client.now)) client.watchedExpired.set(id, false);
    if (this.watchers.size === 0) this.store.listen(this);
    if (!this.forgets.has(client))
      this.forgets.set(
        client,
        client.onDisconnect(() => this.unwatchAll(client)),
      );
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

  /**
   * Heard before the change applies. The first change to a key that had expired when watched is
   * let through (it is its deletion, unless EXEC still finds the key); any later one breaks.
   */
  keyChanged(db: number, key: string): void {
    const id = `${db}:${key}`;
    const clients = this.watchers.get(id);
    if (clients === undefined) return;
    for (const client of clients) {
      if (client.watchedExpired.get(id) === false) client.watchedExpired.set(id, true);
      else client.watchBroken = true;
    }
  }

  /**
   * Redis's touchAllWatchedKeysInDb: only keys in the emptied or the replacing database count; an
   * expired key that goes away or stays expired is no change; a missing key replaced by an expired
   * one becomes one already expired. `replacement === db` empties the database (FLUSHDB, FLUSHALL).
   */
  dbChanged(shard: Shard, db: number, replacement: number, now: number): void {
    const prefix = `${db}:`;
    for (const [id, clients] of this.watchers) {
      if (!id.startsWith(prefix)) continue;
      const key = id.slice(prefix.length);
      if (this.store.shardOf(key) !== shard) continue;
      const inEmptied = shard.state.dbs[db].data.has(key);
      const inReplacement = replacement !== db && shard.state.dbs[replacement].data.has(key);
      if (!inEmptied && !inReplacement) continue;
      const replacementExpired = inReplacement && this.isExpired(replacement, key, now);
      for (const client of clients) {
        let expiredWhenWatched = client.watchedExpired.get(id);
        // Its one change let through deleted it (the key is gone): a plain watched key from now on.
        if (expiredWhenWatched === true && !inEmptied) expiredWhenWatched = undefined;
        if (expiredWhenWatched === false) {
          if (!inReplacement) client.watchedExpired.delete(id);
          else if (!replacementExpired) client.watchBroken = true;
        } else if (expiredWhenWatched === undefined && !inEmptied && replacementExpired) client.watchedExpired.set(id, false);
        else client.watchBroken = true;
      }
    }
  }

  private isExpired(db: number, key: string, now: number): boolean {
    const expireAt = this.store.keyspace(db, key).expireAt(key);
    return expireAt !== 0 && expireAt <= now;
  }
}
