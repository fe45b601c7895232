import { HashValue } from './hash-value.js';
import { ListValue } from './list-value.js';
import { SetValue } from './set-value.js';
import type { Value } from './value.js';
import { ZSetValue } from './zset-value.js';

/**
 * A value as the log carries it in a `put` effect: a string as itself, a collection as a plain,
 * immutable array `[type, ...elements]` (a zset as score, member pairs). Collections in the
 * projection keep changing after the record is appended, so the log never holds them directly.
 */
export type ValueSnapshot = string | readonly unknown[];

export function snapshotOf(value: Value): ValueSnapshot {
  return typeof value === 'string' ? value : value.snapshot();
}

export function valueFromSnapshot(snapshot: ValueSnapshot): Value {
  if (typeof snapshot === 'string') return snapshot;
  const [type] = snapshot;
  switch (type) {
    case 'hash': {
      const hash = new HashValue();
      for (let i = 1; i < snapshot.length; i += 2) hash.set(snapshot[i] as string, snapshot[i + 1] as string);
      return hash;
    }
    case 'list': {
      const list = new ListValue();
      for (let i = 1; i < snapshot.length; i++) list.pushBack(snapshot[i] as string);
      return list;
    }
    case 'set': {
      const set = new SetValue();
      for (let i = 1; i < snapshot.length; i++) set.add(snapshot[i] as string);
      return set;
    }
    case 'zset': {
      const zset = new ZSetValue();
      for (let i = 1; i < snapshot.length; i += 2) zset.set(snapshot[i + 1] as string, snapshot[i] as number);
      return zset;
    }
    default:
      throw new Error(`unknown value snapshot type '${String(type)}'`);
  }
}
