/**
 * Redis 7.2's default thresholds for compact encodings (redis.conf), so that OBJECT ENCODING answers
 * as Redis would. Eddy's structures do not change with them: only the reported name does.
 */
export const LISTPACK_MAX_ENTRIES = 128;
export const LISTPACK_MAX_VALUE = 64;
export const INTSET_MAX_ENTRIES = 512;
/** list-max-listpack-size -2: a list stays a listpack up to 8 KiB. */
export const LIST_LISTPACK_MAX_BYTES = 8192;
