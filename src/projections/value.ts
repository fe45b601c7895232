import type { CollectionSnapshot } from '../log/record.js';

/**
 * The value model. A string value is a JS string holding one byte per character (latin1), so every
 * Redis string is binary-safe and costs no wrapper object. Collections (hashes, lists, sets, sorted
 * sets) are objects tagged with their type and implement `Collection`.
 */
export type TypeName = 'string' | 'hash' | 'list' | 'set' | 'zset';

export interface Collection {
  readonly type: Exclude<TypeName, 'string'>;
  /** Redis's OBJECT ENCODING name for the current size. */
  encoding(): string;
  readonly size: number;
  /** A deep copy (COPY). */
  clone(): Collection;
  /** An immutable plain form for the log: [type, ...elements] (see value-snapshot.ts). */
  snapshot(): CollectionSnapshot;
}

export type Value = string | Collection;

export function typeOf(value: Value): TypeName {
  return typeof value === 'string' ? 'string' : value.type;
}

/** Redis 7 integer-encodes strings that parse as a 64-bit integer of at most 20 characters. */
const INTEGER_STRING = /^-?[1-9][0-9]{0,18}$|^0$/;

/** Whether a string is a 64-bit integer in canonical form (Redis's int encoding, intsets). */
export function isIntegerString(value: string): boolean {
  if (value.length > 20 || !INTEGER_STRING.test(value)) return false;
  const n = BigInt(value);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

export function encodingOf(value: Value): string {
  if (typeof value !== 'string') return value.encoding();
  if (isIntegerString(value)) return 'int';
  return value.length <= 44 ? 'embstr' : 'raw';
}

export function copyValue(value: Value): Value {
  return typeof value === 'string' ? value : value.clone();
}
