/**
 * Redis's keyspace event names for commands whose effects carry a different name: INCR logs a
 * `put` but Redis notifies `incrby`. Every other effect is named by itself (see
 * src/log/change-events.ts): `hset`, `lpush`, `expire`, `del`, ...
 */
export const COMMAND_EVENTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  incr: { put: 'incrby' },
  decr: { put: 'incrby' },
  incrby: { put: 'incrby' },
  decrby: { put: 'incrby' },
  incrbyfloat: { put: 'incrbyfloat' },
  setex: { put: 'set,expire' },
  psetex: { put: 'set,expire' },
  // SETBIT and BITFIELD log the bytes they change.
  setbit: { setrange: 'setbit' },
  bitfield: { setrange: 'setbit' },
  hincrby: { hset: 'hincrby' },
  hincrbyfloat: { hset: 'hincrbyfloat' },
  spop: { srem: 'spop' },
  // Across shards a rename is a deletion and a put.
  rename: { del: 'rename_from', put: 'rename_to' },
  renamenx: { del: 'rename_from', put: 'rename_to' },
  copy: { put: 'copy_to' },
  restore: { put: 'restore' },
  'restore-asking': { put: 'restore' },
  sinterstore: { put: 'sinterstore' },
  sunionstore: { put: 'sunionstore' },
  sdiffstore: { put: 'sdiffstore' },
  zunionstore: { put: 'zunionstore' },
  zinterstore: { put: 'zinterstore' },
  zdiffstore: { put: 'zdiffstore' },
  zrangestore: { put: 'zrangestore' },
  sort: { rpush: 'sortstore' },
  zremrangebyscore: { zremrange: 'zremrangebyscore' },
  zremrangebylex: { zremrange: 'zremrangebylex' },
  pfadd: { put: 'pfadd', setrange: 'pfadd' },
  // Redis notifies `pfadd` for PFMERGE too: "in theory a mass-add of elements".
  pfmerge: { put: 'pfadd', setrange: 'pfadd' },
  // A cached count (PFCOUNT) and a conversion (PFDEBUG) notify nothing in Redis: no keyspace class
  // has these names, so only log tails, WATCH and client tracking see them.
  pfcount: { setrange: 'pfcount' },
  pfdebug: { put: 'pfdebug' },
  // A search's STORE is a put, named as in Redis 7.0's geo.c (GEOADD runs ZADD, which notifies zadd).
  georadius: { put: 'georadiusstore' },
  georadiusbymember: { put: 'georadiusstore' },
  geosearchstore: { put: 'geosearchstore' },
};

// Where an option, not the command, names the event, the handler gives it with its write.

/** SET with EX, PX, EXAT or PXAT notifies `set`, then `expire` (its `put`). */
export const SET_WITH_EXPIRY_EVENT = 'set,expire';

/** ZADD INCR (and so ZINCRBY) notifies `zincr` (its `zadd`). */
export const ZADD_INCR_EVENT = 'zincr';

/** Every pop names its end, whatever the command (ZMPOP MAX notifies `zpopmax`; its `zremrange`). */
export const ZSET_POP_EVENT: Readonly<Record<'min' | 'max', string>> = { min: 'zpopmin', max: 'zpopmax' };
