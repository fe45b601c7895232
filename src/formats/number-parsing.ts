import { isCSpace, scanNumber, scannedDouble } from './strtod.js';

/** Numbers as Redis reads them from text: string2ll (integers) and string2d (doubles). */

/** An integer in canonical form: no sign but `-`, no leading zeros (string2ll's shape). */
export const CANONICAL_INTEGER = /^-?(0|[1-9][0-9]*)$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A 64-bit integer as Redis's string2ll reads it, or null. */
export function parseInt64(text: string): bigint | null {
  if (text.length > 20 || !CANONICAL_INTEGER.test(text) || text === '-0') return null;
  const n = BigInt(text);
  return n < INT64_MIN || n > INT64_MAX ? null : n;
}

export function isInt64(n: bigint): boolean {
  return n >= INT64_MIN && n <= INT64_MAX;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * A double as Redis's string2d reads it (ZADD scores, ZINCRBY, WEIGHTS): the whole text as strtod
 * reads it (hex and `inf` too), no leading space, no NaN, no overflow and no underflow to zero.
 */
export function parseDouble(text: string): number | null {
  if (DECIMAL.test(text)) {
    const value = Number(text);
    if (value === 0 && /[1-9]/.test(text.split(/e/i)[0])) return null;
    return Number.isFinite(value) ? value : null;
  }
  if (text.length === 0 || isCSpace(text.charCodeAt(0))) return null;
  const scanned = scanNumber(text, 0);
  if (scanned === undefined || scanned.end !== text.length) return null;
  const { value, outOfRange } = scannedDouble(scanned);
  if (Number.isNaN(value) || (outOfRange && (value === 0 || !Number.isFinite(value)))) return null;
  return value;
}
