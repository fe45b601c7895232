import { DoubleReply, MapReply, PushReply, SetReply, type Reply } from '../replies/reply.js';
import type { Change } from '../log/change-events.js';
import type { LogRecord, StreamSnapshot } from '../log/record.js';
import type { Value } from '../projections/value.js';
import { isStringValue, textOf } from '../projections/string-value.js';

/**
 * A log-tail event as a reply: `change`, revision, timestamp, db, key (null for a whole-db change),
 * Redis's event name, the effect as logged (its op and arguments), and with WITHVALUES the key's
 * value after the change (null when it no longer exists).
 */
export function changeReply(record: LogRecord, change: Change, value?: Value | null): PushReply {
  const items: Reply[] = ['change', record.rev, record.ts, change.db, change.key, change.event, plain(record.effect)];
  if (value !== undefined) items.push(value === null ? null : valueReply(value));
  return new PushReply(items);
}

const sharedByRecord = new WeakMap<LogRecord, PushReply[]>();

/**
 * The event of a record's `index`-th change, built once for every tail that sends it (without
 * values), so that fan-out to many tails encodes each event once.
 */
export function sharedChangeReply(record: LogRecord, change: Change, index: number): PushReply {
  let replies = sharedByRecord.get(record);
  if (replies === undefined) sharedByRecord.set(record, (replies = []));
  return (replies[index] ??= changeReply(record, change));
}

/**
 * Effect arguments: strings, numbers (doubles unless exact integers: a score of 1e300 is integral,
 * but no RESP integer can carry it), nested arrays (value snapshots).
 */
function plain(item: unknown): Reply {
  if (typeof item === 'string' || item === null) return item;
  if (typeof item === 'number') return Number.isSafeInteger(item) ? item : new DoubleReply(item);
  if (Array.isArray(item)) return item.map(plain);
  return String(item);
}

/** A value as the read commands show it: strings, hashes as maps, lists, sets, zsets as member/score pairs. */
export function valueReply(value: Value): Reply {
  if (isStringValue(value)) return textOf(value);
  const [type, ...elements] = value.snapshot() as [string, ...unknown[]];
  switch (type) {
    case 'hash': {
      const entries: [Reply, Reply][] = [];
      for (let i = 0; i < elements.length; i += 2) entries.push([elements[i] as string, elements[i + 1] as string]);
      return new MapReply(entries);
    }
    case 'set':
      return new SetReply(elements as string[]);
    case 'zset': {
      const pairs: Reply[] = [];
      for (let i = 0; i < elements.length; i += 2) pairs.push([elements[i + 1] as string, new DoubleReply(elements[i] as number)]);
      return pairs;
    }
    case 'stream': {
      // Entries as XRANGE shows them: [ID, [field, value, ...]].
      const entries = (elements[0] as StreamSnapshot)[4];
      const pairs: Reply[] = [];
      for (let i = 0; i < entries.length; i += 2) pairs.push([entries[i] as string, [...(entries[i + 1] as string[])]]);
      return pairs;
    }
    default:
      return elements as string[];
  }
}
