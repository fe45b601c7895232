/**
 * Redis 7.0's default thresholds for compact encodings (redis.conf), so that OBJECT ENCODING answers
 * as Redis 7.0 would. Eddy's structures do not change with them: only the reported name does.
 */
export const LISTPACK_MAX_ENTRIES = 128;
export const LISTPACK_MAX_VALUE = 64;
export const INTSET_MAX_ENTRIES = 512;
