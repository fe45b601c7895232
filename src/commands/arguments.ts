import { isCSpace, scanNumber, scannedDouble } from '../formats/strtod.js';

/** Parsing of command arguments, with Redis's rules (string2ll, string2d, strtod). */

const INTEGER = /^-?(0|[1-9][0-9]*)$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A 64-bit integer as Redis's string2ll reads it, or null. */
export function parseInt64(text: string): bigint | null {
  if (text.length > 20 || !INTEGER.test(text) || text === '-0') return null;
  const n = BigInt(text);
  return n < INT64_MIN || n > INT64_MAX ? null : n;
}

/** An integer as a JS number (exact within ±2^53, which covers counts, offsets and times), or null. */
export function parseInteger(text: string): number | null {
  if (text.length < 16) return INTEGER.test(text) && text !== '-0' ? Number(text) : null;
  const n = parseInt64(text);
  return n === null ? null : Number(n);
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

/**
 * A double as Redis reads it with a bare strtod (score ranges, SORT): leading spaces are skipped, and
 * whatever follows must be nothing or a NUL byte (C sees the string end there), so "" is 0.
 * `outOfRange` is strtod's ERANGE. Null when text follows the number.
 */
export function readDouble(text: string): { value: number; outOfRange: boolean } | null {
  const scanned = scanNumber(text, 0);
  const end = scanned?.end ?? 0;
  if (end !== text.length && text.charCodeAt(end) !== 0) return null;
  return scanned === undefined ? { value: 0, outOfRange: false } : scannedDouble(scanned);
}

/** Resolves Redis's negative indexes against a length and clamps the range (GETRANGE, LRANGE). */
export function clampRange(start: number, end: number, length: number): [number, number] | null {
  if (start < 0) start = Math.max(length + start, 0);
  if (end < 0) end = length + end;
  if (end >= length) end = length - 1;
  if (start > end || length === 0) return null;
  return [start, end];
}
