import { typeOf, type TypeName, type Value } from '../projections/value.js';
import type { Client } from '../session/client.js';
import { WRONGTYPE } from '../replies/errors.js';
import type { ErrorReply } from '../replies/reply.js';

/**
 * The value at `key` when it has the expected type, undefined when the key is missing, WRONGTYPE
 * otherwise. Counts keyspace hits and misses for INFO, as Redis's lookupKeyRead does.
 */
export function lookupTyped<T extends Value>(client: Client, key: string, type: TypeName): T | undefined | ErrorReply {
  const value = client.server.store.lookup(client.db, key, client);
  const stats = client.server.stats;
  if (value === undefined) {
    stats.keyspaceMisses++;
    return undefined;
  }
  stats.keyspaceHits++;
  return typeOf(value) === type ? (value as T) : WRONGTYPE;
}
