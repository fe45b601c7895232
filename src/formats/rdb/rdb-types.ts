/** Redis 7.0's RDB object types (rdb.h): the first byte of a DUMP payload. */
export const RDB_TYPE = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
} as const;

/** The RDB version Redis 7.0 writes (RDB_VERSION); RESTORE refuses a payload of a later one. */
export const RDB_VERSION = 10;

/** A quicklist node's container (QUICKLIST_NODE_CONTAINER_*): one element as itself, or a listpack. */
export const QUICKLIST_PLAIN = 1;
export const QUICKLIST_PACKED = 2;
