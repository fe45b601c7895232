import { LONG_DOUBLE, isCSpace, roundScanned, roundToFormat, scanNumber } from './strtod.js';

/**
 * INCRBYFLOAT and HINCRBYFLOAT arithmetic as Redis 7.0 does it on x86-64 Linux: in x87 long double
 * (64-bit significand, exponents to 2^16383), read with strtold and printed with "%.17Lf" with
 * trailing zeros trimmed. Emulated exactly with BigInt: the same range (1e400 is a 401-digit
 * integer), the same rounding (1e20 + 0.1 stays 1e20) and the same printed digits.
 */
export interface LongDouble {
  readonly negative: boolean;
  /** value = mantissa x 2^exponent, unless infinite. */
  readonly mantissa: bigint;
  readonly exponent: number;
  readonly infinite: boolean;
}

/** Redis's MAX_LONG_DOUBLE_CHARS: string2ld refuses longer texts. */
const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

/**
 * A long double as Redis's string2ld reads it: the whole text, no leading space, no NaN, and no
 * overflow or underflow to zero (a subnormal result is kept); null otherwise.
 */
export function parseLongDouble(text: string): LongDouble | null {
  if (text.length === 0 || text.length >= MAX_LONG_DOUBLE_CHARS || isCSpace(text.charCodeAt(0))) return null;
  const scanned = scanNumber(text, 0);
  // strtold stops at a NUL byte as at any other character it cannot read.
  if (scanned === undefined || scanned.end !== text.length || scanned.kind === 'nan') return null;
  if (scanned.kind === 'inf') return { negative: scanned.negative, mantissa: 0n, exponent: 0, infinite: true };
  const rounded = roundScanned(scanned, LONG_DOUBLE);
  if (rounded.infinite || (rounded.mantissa === 0n && rounded.inexact)) return null;
  return { negative: scanned.negative, mantissa: rounded.mantissa, exponent: rounded.exponent, infinite: false };
}

/** a + b rounded to long double, ties to even; infinite past the range (NaN is reported as infinite too). */
export function addLongDoubles(a: LongDouble, b: LongDouble): LongDouble {
  if (a.infinite || b.infinite) return { negative: a.infinite ? a.negative : b.negative, mantissa: 0n, exponent: 0, infinite: true };
  const base = Math.min(a.exponent, b.exponent);
  const signed = (x: LongDouble) => (x.negative ? -x.mantissa : x.mantissa) << BigInt(x.exponent - base);
  const sum = signed(a) + signed(b);
  const rounded = roundToFormat(sum < 0n ? -sum : sum, 1n, base, LONG_DOUBLE);
  return { negative: sum < 0n, mantissa: rounded.mantissa, exponent: rounded.exponent, infinite: rounded.infinite };
}

/** A double as the long double it widens to, exactly (Redis prints GEOPOS's coordinates as long doubles). */
export function longDoubleOf(value: number): LongDouble {
  const negative = value < 0 || Object.is(value, -0);
  if (!Number.isFinite(value)) return { negative, mantissa: 0n, exponent: 0, infinite: true };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(value));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const fraction = bits & 0xfffffffffffffn;
  return { negative, mantissa: biased === 0 ? fraction : fraction | (1n << 52n), exponent: (biased === 0 ? 1 : biased) - 1075, infinite: false };
}

/** C's "%.<digits>Lf": the exact binary value rounded to `digits` decimals, ties to even, as glibc's printf rounds. */
export function formatFixed(value: LongDouble, digits: number): string {
  if (value.infinite) return value.negative ? '-inf' : 'inf';
  const scale = 10n ** BigInt(digits);
  let units: bigint;
  if (value.exponent >= 0) units = (value.mantissa << BigInt(value.exponent)) * scale;
  else {
    const shift = BigInt(-value.exponent);
    const scaled = value.mantissa * scale;
    units = scaled >> shift;
    const twice = (scaled - (units << shift)) * 2n;
    const whole = 1n << shift;
    if (twice > whole || (twice === whole && (units & 1n) === 1n)) units++;
  }
  const text = units.toString().padStart(digits + 1, '0');
  const fixed = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return value.negative ? `-${fixed}` : fixed;
}

/** "%.17Lf" with trailing zeros and a bare point trimmed, "-0" printed as "0" (Redis's LD_STR_HUMAN). */
export function formatLongDouble(value: LongDouble): string {
  return humanText(formatFixed(value, 17));
}

/** Fixed-point text in Redis's LD_STR_HUMAN form: trailing zeros and a bare point trimmed, "-0" as "0". */
export function humanText(fixed: string): string {
  const printed = fixed.replace(/\.?0+$/, '');
  return printed === '-0' ? '0' : printed;
}
