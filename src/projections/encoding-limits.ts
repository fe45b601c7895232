/**
 * The thresholds of Redis 7.0's compact encodings (hash-max-listpack-*, set-max-intset-entries,
 * zset-max-listpack-*, stream-node-max-*), so that OBJECT ENCODING answers as Redis 7.0 would. Eddy's structures do
 * not change with them: a collection keeps a flag, set when a write takes it past a threshold, and
 * it keeps it (Redis never converts back while the value lives; a value loaded from a checkpoint
 * or a put is rebuilt, and so compact when it fits, as Redis loads one). One object per store: the
 * server changes it on CONFIG SET, and the projection reads it as it applies each write, so
 * recovery and followers decide with their own settings, as Redis replicas do.
 */
export interface EncodingLimits {
  hashEntries: number;
  hashValue: number;
  intsetEntries: number;
  zsetEntries: number;
  zsetValue: number;
  /** A stream's listpack nodes: approximate trims (`~`) remove whole nodes only. */
  streamNodeMaxEntries: number;
  streamNodeMaxBytes: number;
}

export function defaultEncodingLimits(): EncodingLimits {
  return { hashEntries: 512, hashValue: 64, intsetEntries: 512, zsetEntries: 128, zsetValue: 64, streamNodeMaxEntries: 100, streamNodeMaxBytes: 4096 };
}

/** Redis caps an intset at 2^30 entries whatever set-max-intset-entries says. */
export const INTSET_MOST_ENTRIES = 2 ** 30;
