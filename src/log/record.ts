/**
 * A record is one deterministic effect in the log. Replaying records in revision order rebuilds the
 * state anywhere (recovery, followers, point-in-time recovery) without clocks or randomness.
 */

/** An effect names an operation and its resolved arguments, e.g. ['put', key, value, expireAtMs]. */
export type Effect = readonly [op: string, ...args: unknown[]];

export interface LogRecord {
  /** Node-wide revision, strictly increasing (etcd's revision). */
  rev: number;
  /** Wall-clock milliseconds when the effect was decided. */
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
