import { unknownKind, type Effect, type LogRecord } from '../log/record.js';
import type { Keyspace } from './keyspace.js';
import { HashValue } from './hash-value.js';
import { ListValue } from './list-value.js';
import { SetValue } from './set-value.js';
import { idOf, StreamValue, type StreamGroup } from './stream-value.js';
import { DATABASES, type ShardState } from './shard-state.js';
import { copyValue, type Collection } from './value.js';
import { valueFromSnapshot } from './value-snapshot.js';
import { appendText, writeRange, type StringValue } from './string-value.js';
import { ZSetValue } from './zset-value.js';

/**
 * Applies one record to a shard's projection. Deterministic: it reads no clock and no randomness,
 * so replaying the same records gives the same state on any node (recovery, followers, PITR).
 */
export function apply(state: ShardState, record: LogRecord): void {
  applyEffect(state, record.db, record.effect, record.rev);
}

/** `apply` without a record object, for replay straight from decoded frames. */
export function applyEffect(state: ShardState, db: number, e: Effect, rev: number): void {
  const ks = state.dbs[db];
  switch (e[0]) {
    case 'put':
      ks.set(e[1], valueFromSnapshot(e[2], state.limits), e[3]);
      return;
    case 'mset':
      for (let i = 1; i < e.length; i += 2) ks.set(e[i], e[i + 1], 0);
      return;
    case 'del':
      ks.delete(e[1]);
      return;
    case 'expire':
      if (ks.data.has(e[1])) ks.expires.set(e[1], e[2]);
      return;
    case 'persist':
      ks.expires.delete(e[1]);
      return;
    case 'append':
      ks.data.set(e[1], appendText(ks.data.get(e[1]) as StringValue | undefined, e[2]));
      return;
    case 'setrange':
      ks.data.set(e[1], writeRange(ks.data.get(e[1]) as StringValue | undefined, e[2], e[3]));
      return;
    case 'rename':
      moveKey(ks, e[1], ks, e[2]);
      return;
    case 'move':
      moveKey(ks, e[1], state.dbs[e[2]], e[1]);
      return;
    case 'copy': {
      const [, from, to, toDb] = e;
      const value = ks.data.get(from);
      if (value !== undefined) state.dbs[toDb].set(to, copyValue(value), ks.expireAt(from));
      return;
    }
    case 'hset': {
      const hash = collection(ks, e[1], HashValue);
      for (let i = 2; i < e.length; i += 2) hash.set(e[i], e[i + 1], state.limits);
      return;
    }
    case 'hdel':
      return removeFrom(ks, e[1], (hash: HashValue) => {
        for (let i = 2; i < e.length; i++) hash.fields.delete(e[i]);
      });
    case 'lpush': {
      const list = collection(ks, e[1], ListValue);
      for (let i = 2; i < e.length; i++) list.pushFront(e[i]);
      return;
    }
    case 'rpush': {
      const list = collection(ks, e[1], ListValue);
      for (let i = 2; i < e.length; i++) list.pushBack(e[i]);
      return;
    }
    case 'lpop':
      return removeFrom(ks, e[1], (list: ListValue) => {
        for (let i = 0; i < e[2]; i++) list.popFront();
      });
    case 'rpop':
      return removeFrom(ks, e[1], (list: ListValue) => {
        for (let i = 0; i < e[2]; i++) list.popBack();
      });
    case 'lrotate': {
      const list = ks.data.get(e[1]) as ListValue;
      const item = (e[2] === 'left' ? list.popFront() : list.popBack()) as string;
      if (e[3] === 'left') list.pushFront(item);
      else list.pushBack(item);
      return;
    }
    case 'lset':
      (ks.data.get(e[1]) as ListValue).setAt(e[2], e[3]);
      return;
    case 'linsert':
      (ks.data.get(e[1]) as ListValue).insertAt(e[2], e[3]);
      return;
    case 'lrem':
      return removeFrom(ks, e[1], (list: ListValue) => removeMatching(list, e[2], e[3]));
    case 'ltrim':
      return removeFrom(ks, e[1], (list: ListValue) => list.trim(e[2], e[3]));
    case 'sadd': {
      const set = collection(ks, e[1], SetValue);
      for (let i = 2; i < e.length; i++) set.add(e[i], state.limits);
      return;
    }
    case 'srem':
      return removeFrom(ks, e[1], (set: SetValue) => {
        for (let i = 2; i < e.length; i++) set.remove(e[i]);
      });
    case 'zadd': {
      const zset = collection(ks, e[1], ZSetValue);
      // The pairs are flat, as on disk (score, member, ...): a tuple type cannot say which index holds which.
      for (let i = 2; i < e.length; i += 2) zset.set(e[i + 1] as string, e[i] as number, state.limits);
      return;
    }
    case 'zrem':
      return removeFrom(ks, e[1], (zset: ZSetValue) => {
        for (let i = 2; i < e.length; i++) zset.remove(e[i]);
      });
    case 'zremrange':
      return removeFrom(ks, e[1], (zset: ZSetValue) => zset.removeRanks(e[2], e[3]));
    case 'xadd': {
      const stream = collection(ks, e[1], StreamValue);
      stream.append(idOf(e[2]), e.slice(3) as string[], state.limits);
      return;
    }
    case 'xtrim':
      (ks.data.get(e[1]) as StreamValue).removeFirst(e[2]);
      return;
    case 'xdel': {
      const stream = ks.data.get(e[1]) as StreamValue;
      for (let i = 2; i < e.length; i++) stream.delete(idOf(e[i]));
      return;
    }
    case 'xsetid': {
      const stream = ks.data.get(e[1]) as StreamValue;
      stream.lastId = idOf(e[2]);
      stream.entriesAdded = e[3];
      stream.maxDeletedId = idOf(e[4]);
      return;
    }
    case 'xgroup-create':
      // MKSTREAM: the stream is created empty when missing.
      collection(ks, e[1], StreamValue).createGroup(e[2], idOf(e[3]), e[4] < 0 ? undefined : e[4]);
      return;
    case 'xgroup-setid': {
      const group = groupOf(ks, e[1], e[2]);
      group.lastId = idOf(e[3]);
      group.entriesRead = e[4] < 0 ? undefined : e[4];
      return;
    }
    case 'xgroup-destroy':
      (ks.data.get(e[1]) as StreamValue).groups.delete(e[2]);
      return;
    case 'xgroup-createconsumer':
      groupOf(ks, e[1], e[2]).consumer(e[3], e[4]);
      return;
    case 'xgroup-delconsumer': {
      const group = groupOf(ks, e[1], e[2]);
      const consumer = group.consumers.get(e[3]);
      if (consumer === undefined) return;
      for (const entry of consumer.pending.values()) group.pending.delete(entry.id);
      group.consumers.delete(e[3]);
      return;
    }
    case 'xdeliver': {
      const group = groupOf(ks, e[1], e[2]);
      const consumer = group.consumer(e[3], e[4]);
      consumer.seenTime = e[4];
      group.lastId = idOf(e[5]);
      group.entriesRead = e[6] < 0 ? undefined : e[6];
      for (let i = 7; i < e.length; i++) group.assign(idOf(e[i] as string), consumer, e[4], 1);
      return;
    }
    case 'xredeliver': {
      const group = groupOf(ks, e[1], e[2]);
      const consumer = group.consumer(e[3], e[4]);
      consumer.seenTime = e[4];
      for (let i = 5; i < e.length; i++) {
        const entry = group.pending.get(idOf(e[i] as string));
        if (entry === undefined) continue;
        entry.deliveryTime = e[4];
        entry.deliveryCount++;
      }
      return;
    }
    case 'xack': {
      const group = groupOf(ks, e[1], e[2]);
      for (let i = 3; i < e.length; i++) group.acknowledge(idOf(e[i]));
      return;
    }
    case 'xclaim': {
      const group = groupOf(ks, e[1], e[2]);
      const consumer = group.consumer(e[3], e[4]);
      consumer.seenTime = e[4];
      for (let i = 5; i < e.length; i += 3) group.assign(idOf(e[i] as string), consumer, e[i + 1] as number, e[i + 2] as number);
      return;
    }
    case 'flushdb':
      ks.clear();
      return;
    case 'flushall':
      for (let db = 0; db < DATABASES; db++) state.dbs[db].clear();
      return;
    case 'swapdb': {
      const [, a, b] = e;
      const swapped = state.dbs[a];
      state.dbs[a] = state.dbs[b];
      state.dbs[b] = swapped;
      return;
    }
    case 'slots-moved':
      // A marker for tails: the keys leave by their own deletes.
      return;
    default:
      // A corrupt or newer log; every kind this code writes has its case above.
      throw new Error(`unknown effect '${unknownKind(e satisfies never)}' at revision ${rev}`);
  }
}

/** The collection at `key`, created empty (without expiry) when missing. */
function collection<T extends Collection>(ks: Keyspace, key: string, Type: new () => T): T {
  const existing = ks.data.get(key);
  if (existing !== undefined) return existing as T;
  const created = new Type();
  ks.data.set(key, created);
  return created;
}

function groupOf(ks: Keyspace, key: string, group: string): StreamGroup {
  return (ks.data.get(key) as StreamValue).groups.get(group) as StreamGroup;
}

/** Changes a collection, then deletes its key if it became empty (Redis never keeps empty aggregates). */
function removeFrom<T extends Collection>(ks: Keyspace, key: string, change: (value: T) => void): void {
  const value = ks.data.get(key) as T | undefined;
  if (value === undefined) return;
  change(value);
  if (value.size === 0) ks.delete(key);
}

/** LREM: removes up to |count| occurrences, from the head when count > 0, from the tail when < 0, all when 0. */
export function removeMatching(list: ListValue, count: number, item: string): void {
  let left = count === 0 ? Infinity : Math.abs(count);
  if (count >= 0) {
    for (let i = 0; i < list.size && left > 0;)
      if (list.at(i) === item) {
        list.removeAt(i);
        left--;
      } else i++;
  } else {
    for (let i = list.size - 1; i >= 0 && left > 0; i--)
      if (list.at(i) === item) {
        list.removeAt(i);
        left--;
      }
  }
}

/** Moves a value and its expiry to another name or database (RENAME, MOVE). */
function moveKey(from: Keyspace, fromKey: string, to: Keyspace, toKey: string): void {
  const value = from.data.get(fromKey);
  if (value === undefined) return;
  const expireAt = from.expireAt(fromKey);
  from.delete(fromKey);
  to.set(toKey, value, expireAt);
}
