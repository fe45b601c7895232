import { CANONICAL_INTEGER, parseInt64 } from '../formats/number-parsing.js';
import { scanNumber, scannedDouble } from '../formats/strtod.js';

/** Parsing of command arguments, with Redis's rules (string2ll, string2d, strtod). */

/** An integer as a JS number (exact within ±2^53, which covers counts, offsets and times), or null. */
export function parseInteger(text: string): number | null {
  if (text.length < 16) return CANONICAL_INTEGER.test(text) && text !== '-0' ? Number(text) : null;
  const n = parseInt64(text);
  return n === null ? null : Number(n);
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

/**
 * Resolves negative indexes as GETRANGE and BITCOUNT do: counted from the end, then both clamped
 * into the string (unlike LRANGE, GETRANGE hello 0 -10 is "h"); null when the range is empty.
 */
export function clampStringRange(start: number, end: number, length: number): [number, number] | null {
  const from = start < 0 ? Math.max(length + start, 0) : start;
  const to = Math.min(end < 0 ? Math.max(length + end, 0) : end, length - 1);
  return from > to ? null : [from, to];
}
