import { defaultEncodingLimits, type EncodingLimits } from './encoding-limits.js';
import { Keyspace } from './keyspace.js';

export const DATABASES = 16;
/**
 * Function libraries (FUNCTION LOAD) live in one more keyspace, past the ones SELECT reaches: the
 * library name is the key and its code the value. So they are logged, checkpointed, restored and
 * replicated like any key, and FLUSHALL leaves them, as in Redis.
 */
export const FUNCTIONS_DB = DATABASES;

/** The in-memory projection of one shard's log: one keyspace per database, then the functions'. */
export interface ShardState {
  dbs: Keyspace[];
  /** The encoding thresholds its writes are applied with (the store's, shared by its shards). */
  readonly limits: EncodingLimits;
}

export function emptyShardState(limits = defaultEncodingLimits()): ShardState {
  return { dbs: Array.from({ length: DATABASES + 1 }, () => new Keyspace()), limits };
}
