import type { LogRecord } from '../log/record.js';
import type { Keyspace } from './keyspace.js';
import type { ShardState } from './shard-state.js';
import { copyValue, type Value } from './value.js';

/**
 * Applies one record to a shard's projection. Deterministic: it reads no clock and no randomness,
 * so replaying the same records gives the same state on any node (recovery, followers, PITR).
 */
export function apply(state: ShardState, record: LogRecord): void {
  const e = record.effect;
  const ks = state.dbs[record.db];
  switch (e[0]) {
    case 'put':
      ks.set(e[1] as string, e[2] as Value, e[3] as number);
      return;
    case 'del':
      ks.delete(e[1] as string);
      return;
    case 'expire':
      if (ks.data.has(e[1] as string)) ks.expires.set(e[1] as string, e[2] as number);
      return;
    case 'persist':
      ks.expires.delete(e[1] as string);
      return;
    case 'append': {
      const key = e[1] as string;
      const current = ks.data.get(key);
      ks.data.set(key, ((current as string | undefined) ?? '') + (e[2] as string));
      return;
    }
    case 'setrange': {
      const key = e[1] as string;
      ks.data.set(key, setRange((ks.data.get(key) as string | undefined) ?? '', e[2] as number, e[3] as string));
      return;
    }
    case 'rename':
      moveKey(ks, e[1] as string, ks, e[2] as string);
      return;
    case 'move':
      moveKey(ks, e[1] as string, state.dbs[e[2] as number], e[1] as string);
      return;
    case 'copy': {
      const [, from, to, toDb] = e as unknown as [string, string, string, number];
      const value = ks.data.get(from);
      if (value !== undefined) state.dbs[toDb].set(to, copyValue(value), ks.expireAt(from));
      return;
    }
    case 'flushdb':
      ks.clear();
      return;
    case 'flushall':
      for (const db of state.dbs) db.clear();
      return;
    case 'swapdb': {
      const [, a, b] = e as unknown as [string, number, number];
      const swapped = state.dbs[a];
      state.dbs[a] = state.dbs[b];
      state.dbs[b] = swapped;
      return;
    }
    default:
      throw new Error(`unknown effect '${String(e[0])}' at revision ${record.rev}`);
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

/** SETRANGE's result: `value` overwritten at `offset` by `patch`, zero-padded if needed. */
export function setRange(value: string, offset: number, patch: string): string {
  const padded = value.length < offset ? value + '\0'.repeat(offset - value.length) : value;
  return padded.slice(0, offset) + patch + padded.slice(offset + patch.length);
}
