import { unknownKind, type ValueSnapshot } from '../log/record.js';
import type { EncodingLimits } from './encoding-limits.js';
import { HashValue } from './hash-value.js';
import { ListValue } from './list-value.js';
import { SetValue } from './set-value.js';
import { StreamValue } from './stream-value.js';
import type { Value } from './value.js';
import { ZSetValue } from './zset-value.js';

/** A value in the plain form the log and checkpoints carry (ValueSnapshot). */
export function snapshotOf(value: Value): ValueSnapshot {
  return typeof value === 'string' ? value : value.snapshot();
}

/** The value a snapshot holds; a collection gets the encoding Redis would give it on load (compact when it fits `limits`). */
export function valueFromSnapshot(snapshot: ValueSnapshot, limits: EncodingLimits): Value {
  if (typeof snapshot === 'string') return snapshot;
  switch (snapshot[0]) {
    case 'hash': {
      const hash = new HashValue();
      for (let i = 1; i < snapshot.length; i += 2) hash.set(snapshot[i], snapshot[i + 1], limits);
      return hash;
    }
    case 'list': {
      const list = new ListValue();
      for (let i = 1; i < snapshot.length; i++) list.pushBack(snapshot[i]);
      return list;
    }
    case 'set': {
      const set = new SetValue();
      for (let i = 1; i < snapshot.length; i++) set.add(snapshot[i], limits);
      return set;
    }
    case 'zset': {
      const zset = new ZSetValue();
      // The pairs are flat, as on disk (score, member, ...): a tuple type cannot say which index holds which.
      for (let i = 1; i < snapshot.length; i += 2) zset.set(snapshot[i + 1] as string, snapshot[i] as number, limits);
      return zset;
    }
    case 'stream':
      return StreamValue.fromSnapshot(snapshot[1]);
    default:
      // A corrupt or newer checkpoint or log.
      throw new Error(`unknown value snapshot type '${unknownKind(snapshot satisfies never)}'`);
  }
}
