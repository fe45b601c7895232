import { typeOf, type TypeName, type Value } from '../projections/value.js';
import type { Client } from '../session/client.js';
import { WRONGTYPE } from '../replies/errors.js';
import type { ErrorReply } from '../replies/reply.js';

/**
 * The value at `key` when it has the expected type, undefined when the key is missing, WRONGTYPE
 * otherwise. Counts keyspace hits and misses for INFO, as Redis's lookupKeyRead does.
 */
export function lookupTyped<T extends Value>(client: Client, key: string, type: TypeName): T | undefined | ErrorReply {
  const value = lookupCounted(client, key);
  if (value === undefined) return undefined;
  return typeOf(value) === type ? (value as T) : WRONGTYPE;
}

/** The value at `key` whatever its type, counted as a keyspace hit or miss (lookupKeyRead). */
export function lookupCounted(client: Client, key: string): Value | undefined {
  const value = client.server.store.lookup(client.db, key, client);
  if (value === undefined) client.server.stats.keyspaceMisses++;
  else client.server.stats.keyspaceHits++;
  return value;
}
