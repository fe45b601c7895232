import { parseInt64 } from '../formats/number-parsing.js';
import type { CollectionSnapshot } from '../log/record.js';
import type { StringValue } from './string-value.js';

/**
 * The value model. A string value is a JS string holding one byte per character (latin1), so every
 * Redis string is binary-safe and costs no wrapper object, or, once written in place past a size,
 * a ByteString (string-value.ts says when; it answers `type`, `encoding`, `clone` and `snapshot`
 * as a collection does). Collections (hashes, lists, sets, sorted
 * sets, streams) are objects tagged with their type and implement `Collection`.
 */
export type TypeName = 'string' | 'hash' | 'list' | 'set' | 'zset' | 'stream';

export interface Collection {
  readonly type: Exclude<TypeName, 'string'>;
  /** Redis's OBJECT ENCODING name: the compact one until a write took it past the thresholds. */
  encoding(): string;
  readonly size: number;
  /** A deep copy (COPY). */
  clone(): Collection;
  /** An immutable plain form for the log: [type, ...elements] (see value-snapshot.ts). */
  snapshot(): CollectionSnapshot;
}

export type Value = StringValue | Collection;

export function typeOf(value: Value): TypeName {
  return typeof value === 'string' ? 'string' : value.type;
}

/** Whether a string is a 64-bit integer in canonical form (Redis 7's int-encoded strings, intsets). */
export function isIntegerString(value: string): boolean {
  return parseInt64(value) !== null;
}

export function encodingOf(value: Value): string {
  if (typeof value !== 'string') return value.encoding();
  if (isIntegerString(value)) return 'int';
  return value.length <= 44 ? 'embstr' : 'raw';
}

export function copyValue(value: Value): Value {
  return typeof value === 'string' ? value : value.clone();
}
