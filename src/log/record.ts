/**
 * A record is one deterministic effect in the log. Replaying records in revision order rebuilds the
 * state anywhere (recovery, followers, point-in-time recovery) without clocks or randomness.
 */

/**
 * Why a key was deleted; kept in the log so that replays and tailers can tell expiry, eviction
 * (maxmemory) and a key whose slot moved to another cluster node (CLUSTER MIGRATESLOTS) from DEL.
 */
export type DeleteReason = 'del' | 'expired' | 'evicted' | 'migrated';

/** An end of a list (LMOVE's LEFT and RIGHT). */
export type ListEnd = 'left' | 'right';

/**
 * A value as a `put` carries it: a string as itself, a collection as a plain, immutable array
 * `[type, ...elements]`. Collections in the projection keep changing after the record is appended,
 * so the log never holds them directly.
 */
export type ValueSnapshot = string | CollectionSnapshot;

export type CollectionSnapshot =
  | readonly [type: 'hash', ...fieldsAndValues: string[]]
  | readonly [type: 'list', ...items: string[]]
  | readonly [type: 'set', ...members: string[]]
  | readonly [type: 'zset', ...scoresAndMembers: (number | string)[]]
  | readonly [type: 'stream', stream: StreamSnapshot];

/**
 * A stream as a snapshot holds it, IDs as `ms-seq` text: its counters, its node layout (first and
 * last ID, live and appended entries, bytes: five items per node), its entries (ID, then the
 * field/value list) and its consumer groups.
 */
export type StreamSnapshot = readonly [
  lastId: string,
  maxDeletedId: string,
  entriesAdded: number,
  nodes: readonly (string | number)[],
  entries: readonly (string | readonly string[])[],
  groups: readonly GroupSnapshot[],
];

/** A consumer group: name, last delivered ID, entries read (-1: unknown), consumers (name, seen time), PEL (ID, consumer, delivery time, count). */
export type GroupSnapshot = readonly [name: string, lastId: string, entriesRead: number, consumers: readonly (string | number)[], pending: readonly (string | number)[]];

/**
 * An effect: an operation and its resolved arguments (times absolute, 0 for none; positions and
 * counts decided), exactly the array msgpack writes to the log, so old data directories depend on
 * it (test/integration/old-data-directory.test.ts). A variadic tail is flat, as on disk: `hset`'s
 * field, value, field, value, ...; `zadd`'s score, member, ...
 *
 * Stream effects carry IDs as `ms-seq` text and times as ms. `xtrim` removes the first `count`
 * entries; `xdeliver` sets a group's last ID and entries read (-1: unknown) and puts the IDs that
 * follow in the consumer's PEL (none under NOACK); `xredeliver` is a re-read of the consumer's own
 * history (with no IDs, a read that found nothing: it still refreshes the consumer's seen time); `xclaim` gives (ID, delivery time, delivery count) triples to a consumer.
 *
 * `slots-moved` changes no key: it says that the slots start..end of this shard are served by
 * cluster node `node` (at host:port `address`) from now on, and that their later changes are in
 * that node's log from revision `from`. The slots' keys leave after it, as deletes of reason
 * `migrated` (CLUSTER MIGRATESLOTS).
 */
export type Effect =
  | readonly [op: 'put', key: string, value: ValueSnapshot, expireAt: number]
  | readonly [op: 'mset', ...keysAndValues: string[]]
  | readonly [op: 'del', key: string, reason: DeleteReason]
  | readonly [op: 'expire', key: string, expireAt: number]
  | readonly [op: 'persist', key: string]
  | readonly [op: 'append', key: string, suffix: string]
  | readonly [op: 'setrange', key: string, offset: number, patch: string]
  | readonly [op: 'rename', from: string, to: string]
  | readonly [op: 'move', key: string, toDb: number]
  | readonly [op: 'copy', from: string, to: string, toDb: number]
  | readonly [op: 'hset', key: string, ...fieldsAndValues: string[]]
  | readonly [op: 'hdel', key: string, ...fields: string[]]
  | readonly [op: 'lpush', key: string, ...items: string[]]
  | readonly [op: 'rpush', key: string, ...items: string[]]
  | readonly [op: 'lpop', key: string, count: number]
  | readonly [op: 'rpop', key: string, count: number]
  | readonly [op: 'lrotate', key: string, from: ListEnd, to: ListEnd]
  | readonly [op: 'lset', key: string, index: number, item: string]
  | readonly [op: 'linsert', key: string, index: number, item: string]
  | readonly [op: 'lrem', key: string, count: number, item: string]
  | readonly [op: 'ltrim', key: string, start: number, stop: number]
  | readonly [op: 'sadd', key: string, ...members: string[]]
  | readonly [op: 'srem', key: string, ...members: string[]]
  | readonly [op: 'zadd', key: string, ...scoresAndMembers: (number | string)[]]
  | readonly [op: 'zrem', key: string, ...members: string[]]
  | readonly [op: 'zremrange', key: string, startRank: number, stopRank: number]
  | readonly [op: 'xadd', key: string, id: string, ...fieldsAndValues: string[]]
  | readonly [op: 'xtrim', key: string, count: number]
  | readonly [op: 'xdel', key: string, ...ids: string[]]
  | readonly [op: 'xsetid', key: string, lastId: string, entriesAdded: number, maxDeletedId: string]
  | readonly [op: 'xgroup-create', key: string, group: string, lastId: string, entriesRead: number]
  | readonly [op: 'xgroup-setid', key: string, group: string, lastId: string, entriesRead: number]
  | readonly [op: 'xgroup-destroy', key: string, group: string]
  | readonly [op: 'xgroup-createconsumer', key: string, group: string, consumer: string, time: number]
  | readonly [op: 'xgroup-delconsumer', key: string, group: string, consumer: string]
  | readonly [op: 'xdeliver', key: string, group: string, consumer: string, time: number, lastId: string, entriesRead: number, ...ids: string[]]
  | readonly [op: 'xredeliver', key: string, group: string, consumer: string, time: number, ...ids: string[]]
  | readonly [op: 'xack', key: string, group: string, ...ids: string[]]
  | readonly [op: 'xclaim', key: string, group: string, consumer: string, time: number, ...idTimeAndCount: (string | number)[]]
  | readonly [op: 'flushdb']
  | readonly [op: 'flushall']
  | readonly [op: 'swapdb', a: number, b: number]
  | readonly [op: 'slots-moved', start: number, end: number, node: string, address: string, from: number];

/** The effects of the given kinds: `EffectOf<'put'>`. */
export type EffectOf<K extends Effect[0]> = Extract<Effect, { readonly 0: K }>;

/** An effect being built: its variadic tail is pushed onto before the effect is written. */
export type EffectDraft<K extends Effect[0]> = Writable<EffectOf<K>>;

type Writable<T> = { -readonly [I in keyof T]: T[I] };

/**
 * The kind (first element) of an effect or snapshot that no case knows. Callers pass `x satisfies
 * never` after a case for every kind, so a kind a switch forgets fails to compile; a corrupt or
 * newer log can still hold one at run time.
 */
export function unknownKind(tuple: readonly unknown[]): string {
  return String(tuple[0]);
}

export interface LogRecord {
  /** Node-wide revision, strictly increasing (etcd's revision). */
  rev: number;
  /** Wall-clock milliseconds of the command that decided the effect (one time for a whole EXEC or script run). */
  ts: number;
  shard: number;
  db: number;
  /** Transaction id shared by records that must apply together (0: none); it is the txn's first rev. */
  txn: number;
  effect: Effect;
  /**
   * Redis's keyspace event name, when the command that decided the effect names it differently from
   * the effect's own (INCR's 'put' is 'incrby'); see src/log/change-events.ts.
   */
  event?: string;
}
