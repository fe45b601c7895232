import type { ValueSnapshot } from '../log/record.js';

/** A key as an RDB holds it: times absolute ms (0: no expiry), idle time and LFU counter when the file has them. */
export interface RdbKey {
  db: number;
  key: string;
  snapshot: ValueSnapshot;
  expireAtMs: number;
  idleSeconds?: number;
  frequency?: number;
}

/**
 * The commands a redis-server primary's stream runs, as its client (src/session/primary-client.ts
 * builds it: replication never sees a session). `run` answers an error's text, or undefined.
 */
export interface PrimaryCommands {
  run(args: string[]): string | undefined | Promise<string | undefined>;
  /**
   * A key of a full resync's RDB stored as it was read (a `put` record, as RESTORE logs it, without
   * a DUMP payload encoded and decoded between): Redis's replica loads its RDB without commands
   * too. A promise only when the key's shard is held by a job and the write waits for it.
   */
  put(key: RdbKey): Promise<void> | undefined;
  inTransaction(): boolean;
  dropTransaction(): void;
  /** A new client: database 0, no transaction (a full resync starts from there). */
  reset(): void;
}
