import { unknownKind, type Effect, type LogRecord } from './record.js';

/**
 * What an effect changed, as Redis names it: one event per key it touched (RENAME is `rename_from`
 * on one key and `rename_to` on the other), or a database-wide event with `key` null (FLUSHDB,
 * FLUSHALL, SWAPDB). Keyspace notifications, log tails, blocked clients and WATCH all read changes
 * this one way.
 */
export interface Change {
  db: number;
  /** null for a change to a whole database, or to a range of slots. */
  key: string | null;
  event: string;
  /** The slots (inclusive) a `slots_moved` change is about. */
  slots?: readonly [start: number, end: number];
}

/** Event names that differ from the effect's own name. */
const EVENT_OF_EFFECT: Readonly<Record<string, string>> = { put: 'set', mset: 'set', zremrange: 'zremrangebyrank' };

/** The event an effect is named by when its command gives no other name. */
export function defaultEventOf(op: string): string {
  return EVENT_OF_EFFECT[op] ?? op;
}

/**
 * The changes of one effect in `db`. `named` is the event the deciding command gave it (INCR's `put`
 * is `incrby`), recorded beside the effect; without it, the effect's own name says.
 */
export function changesOf(db: number, effect: Effect, named?: string): Change[] {
  switch (effect[0]) {
    case 'mset': {
      const changes: Change[] = [];
      for (let i = 1; i < effect.length; i += 2) changes.push({ db, key: effect[i], event: named ?? 'set' });
      return changes;
    }
    case 'del':
      // An expiry or eviction is named by its reason, whatever command came across it.
      return [{ db, key: effect[1], event: effect[2] === 'del' ? (named ?? 'del') : effect[2] }];
    case 'rename':
      return [
        { db, key: effect[1], event: 'rename_from' },
        { db, key: effect[2], event: 'rename_to' },
      ];
    case 'move':
      return [
        { db, key: effect[1], event: 'move_from' },
        { db: effect[2], key: effect[1], event: 'move_to' },
      ];
    case 'copy':
      return [{ db: effect[3], key: effect[2], event: 'copy_to' }];
    case 'lrotate': {
      // LMOVE within one list: a pop from one end, a push onto the other.
      const key = effect[1];
      return [
        { db, key, event: effect[2] === 'left' ? 'lpop' : 'rpop' },
        { db, key, event: effect[3] === 'left' ? 'lpush' : 'rpush' },
      ];
    }
    case 'flushdb':
      return [{ db, key: null, event: 'flushdb' }];
    case 'flushall':
      return [{ db, key: null, event: 'flushall' }];
    case 'swapdb':
      return [
        { db: effect[1], key: null, event: 'swapdb' },
        { db: effect[2], key: null, event: 'swapdb' },
      ];
    case 'slots-moved':
      return [{ db, key: null, event: 'slots_moved', slots: [effect[1], effect[2]] }];
    case 'put':
    case 'expire':
    case 'persist':
    case 'append':
    case 'setrange':
    case 'hset':
    case 'hdel':
    case 'lpush':
    case 'rpush':
    case 'lpop':
    case 'rpop':
    case 'lset':
    case 'linsert':
    case 'lrem':
    case 'ltrim':
    case 'sadd':
    case 'srem':
    case 'zadd':
    case 'zrem':
    case 'zremrange':
    case 'xadd':
    case 'xtrim':
    case 'xdel':
    case 'xsetid':
    case 'xgroup-create':
    case 'xgroup-setid':
    case 'xgroup-destroy':
    case 'xgroup-createconsumer':
    case 'xgroup-delconsumer':
    case 'xdeliver':
    case 'xredeliver':
    case 'xack':
    case 'xclaim':
      return keyChanges(db, effect[1], effect[0], named);
    default: {
      // A newer log's effect (eddy-log on a newer data directory): named by its op, on its first argument.
      const unknown: readonly unknown[] = effect satisfies never;
      return keyChanges(db, unknown[1] as string, unknownKind(unknown), named);
    }
  }
}

/** The changes of an effect on one key, named by its command or by the effect's own name. */
function keyChanges(db: number, key: string, op: string, named: string | undefined): Change[] {
  // Some writes are two events in Redis, recorded as "set,expire" (SET EX) or "lpop,del" (the
  // last element popped takes the key with it).
  if (named !== undefined && named.includes(',')) return named.split(',').map((event) => ({ db, key, event }));
  return [{ db, key, event: named ?? defaultEventOf(op) }];
}

const changesByRecord = new WeakMap<LogRecord, readonly Change[]>();

/** A committed record's changes, worked out once however many tails and notifiers read it. */
export function changesOfRecord(record: LogRecord): readonly Change[] {
  let changes = changesByRecord.get(record);
  if (changes === undefined) changesByRecord.set(record, (changes = changesOf(record.db, record.effect, record.event)));
  return changes;
}
