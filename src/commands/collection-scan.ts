import { parseInteger } from './arguments.js';
import { NOT_AN_INTEGER, SYNTAX_ERROR } from '../replies/errors.js';
import { globMatcher } from '../formats/glob.js';
import { ErrorReply } from '../replies/reply.js';

/**
 * SCAN (per shard keyspace), HSCAN, SSCAN and ZSCAN. A collection in a compact encoding (listpack,
 * intset) comes back whole with cursor 0, as in Redis, and so does a small keyspace. Others are
 * walked in insertion order: the cursor counts entries walked, and the
 * live iterator behind it is kept, so that changes during the scan never skip an element present
 * throughout.
 */
export interface ScanOptions {
  cursor: number;
  count: number;
  matches: ((element: string) => boolean) | undefined;
  noValues: boolean;
  /** SCAN's TYPE filter, lower case. */
  type: string | undefined;
}

/** Parses `cursor [MATCH p] [COUNT n]`, plus NOVALUES (HSCAN) or TYPE (SCAN) where `extra` allows it. */
export function parseScanOptions(args: string[], from: number, extra?: 'NOVALUES' | 'TYPE'): ScanOptions | ErrorReply {
  const cursor = /^\d+$/.test(args[from]) ? Number(args[from]) : NaN;
  if (!Number.isSafeInteger(cursor)) return new ErrorReply('ERR invalid cursor');
  const options: ScanOptions = { cursor, count: 10, matches: undefined, noValues: false, type: undefined };
  for (let i = from + 1; i < args.length; i++) {
    const option = args[i].toUpperCase();
    if (option === 'NOVALUES' && extra === 'NOVALUES') options.noValues = true;
    else if (option === 'TYPE' && extra === 'TYPE' && i + 1 < args.length) options.type = args[++i].toLowerCase();
    else if (option === 'COUNT' && i + 1 < args.length) {
      const n = parseInteger(args[++i]);
      if (n === null) return NOT_AN_INTEGER;
      if (n < 1) return SYNTAX_ERROR;
      options.count = n;
    } else if (option === 'MATCH' && i + 1 < args.length) options.matches = globMatcher(args[++i]);
    else return SYNTAX_ERROR;
  }
  return options;
}

/** A shard's keyspace up to this many keys is scanned whole. */
export const SMALL_KEYSPACE = 128;
const KEPT = 256;
const live = new WeakMap<object, Map<number, Iterator<[string, unknown]>>>();

/** One step over `entries` (a Map-like of element -> value), or all of them when `whole`. Returns [next cursor, entries]. */
export function scanStep<V>(owner: object, entries: () => Iterator<[string, V]>, whole: boolean, options: ScanOptions): [number, [string, V][]] {
  const found: [string, V][] = [];
  const accept = (entry: [string, V]) => {
    if (options.matches === undefined || options.matches(entry[0])) found.push(entry);
  };
  if (whole) {
    for (let it = entries(), next = it.next(); !next.done; next = it.next()) accept(next.value);
    return [0, found];
  }
  let kept = live.get(owner);
  if (kept === undefined) live.set(owner, (kept = new Map()));
  let iterator = kept.get(options.cursor) as Iterator<[string, V]> | undefined;
  kept.delete(options.cursor);
  if (iterator === undefined) {
    iterator = entries();
    for (let i = 0; i < options.cursor && !iterator.next().done; i++);
  }
  let walked = options.cursor;
  for (let i = 0; i < options.count; i++) {
    const next = iterator.next();
    if (next.done) return [0, found];
    walked++;
    accept(next.value);
  }
  kept.set(walked, iterator as Iterator<[string, unknown]>);
  if (kept.size > KEPT) kept.delete(kept.keys().next().value as number);
  return [walked, found];
}
