/** Parsing of command arguments, with Redis's rules (string2ll, strtold). */

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

const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const INFINITY = /^[+-]?inf(inity)?$/i;

/** A double as Redis's strtold reads it (with `inf`), or null; NaN is refused. */
export function parseDouble(text: string): number | null {
  if (FLOAT.test(text)) return Number(text);
  if (INFINITY.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  return null;
}

/** INCRBYFLOAT's output: plain decimal notation without trailing zeros, as Redis prints it. */
export function formatDecimal(value: number): string {
  if (Number.isInteger(value)) return BigInt(value).toString();
  const text = String(value);
  if (!text.includes('e')) return text;
  // Tiny magnitudes: print positionally, as Redis's "%.17Lf" with trailing zeros trimmed.
  return value.toFixed(17).replace(/\.?0+$/, '');
}

/**
 * Redis's double reply text: the shortest digits that round-trip, laid out as C's %g lays them out
 * (an exponent below 1e-4 and from 1e17 on, with at least two exponent digits); `inf`, `-inf`.
 */
export function formatDouble(value: number): string {
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (Number.isNaN(value)) return 'nan';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [digits, exponentText] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 17) return String(value);
  return `${digits}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/** Resolves Redis's negative indexes against a length and clamps the range (GETRANGE, LRANGE). */
export function clampRange(start: number, end: number, length: number): [number, number] | null {
  if (start < 0) start = Math.max(length + start, 0);
  if (end < 0) end = length + end;
  if (end >= length) end = length - 1;
  if (start > end || length === 0) return null;
  return [start, end];
}
