import { Keyspace } from './keyspace.js';

export const DATABASES = 16;

/** The in-memory projection of one shard's log: one keyspace per database. */
export interface ShardState {
  dbs: Keyspace[];
}

export function emptyShardState(): ShardState {
  return { dbs: Array.from({ length: DATABASES }, () => new Keyspace()) };
}
