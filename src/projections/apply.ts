import type { LogRecord } from '../log/record.js';
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
    case 'rename': {
      const [, from, to] = e as unknown as [string, string, string];
      const value = ks.data.get(from);
      if (value === undefined) return;
      const expireAt = ks.expireAt(from);
      ks.delete(from);
      ks.set(to, value, expireAt);
      return;
    }
    case 'move': {
      const [, key, toDb] = e as unknown as [string, string, number];
      const value = ks.data.get(key);
      if (value === undefined) return;
      const expireAt = ks.expireAt(key);
      ks.delete(key);
      state.dbs[toDb].set(key, value, expireAt);
      return;
    }
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

/** SETRANGE's result: `value` overwritten at `offset` by `patch`, zero-padded if needed. */
export function setRange(value: string, offset: number, patch: string): string {
  const padded = value.length < offset ? value + '\0'.repeat(offset - value.length) : value;
  return padded.slice(0, offset) + patch + padded.slice(offset + patch.length);
}
