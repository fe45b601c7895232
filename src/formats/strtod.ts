/**
 * C's strtod/strtold as glibc reads numbers in the C locale, which Redis's float arguments go
 * through: decimal (`1.5e3`, `.5`, `5.`), hexadecimal (`0x1.8p1`, `0x10`), `inf`/`infinity` and
 * `nan` in any case, after an optional sign. Values are kept exact (digits and exponent) so that
 * each caller rounds them to its own width: doubles (ZADD, SORT) or x87 long doubles (INCRBYFLOAT).
 */

export type ScannedNumber =
  | { readonly kind: 'inf'; readonly negative: boolean; readonly end: number }
  | { readonly kind: 'nan'; readonly negative: boolean; readonly end: number }
  /** digits x 10^exponent; `text` is the number's own text (sign included), as JS's Number reads it. */
  | { readonly kind: 'decimal'; readonly negative: boolean; readonly end: number; readonly digits: string; readonly exponent: number; readonly text: string }
  /** digits x 2^exponent */
  | { readonly kind: 'hex'; readonly negative: boolean; readonly end: number; readonly digits: bigint; readonly exponent: number };

/** C's isspace in the C locale. */
export function isCSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function hexValue(code: number): number {
  if (isDigit(code)) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** Beyond this, an exponent only decides overflow or underflow; clamping keeps it a safe integer. */
const EXPONENT_LIMIT = 1e9;

/** Reads `[+-]digits` at `at` as an exponent: [value, end], or undefined when no digit follows. */
function scanExponent(text: string, at: number): [number, number] | undefined {
  let i = at;
  const sign = text[i] === '-' ? -1 : 1;
  if (text[i] === '+' || text[i] === '-') i++;
  if (!isDigit(text.charCodeAt(i))) return undefined;
  let value = 0;
  for (; isDigit(text.charCodeAt(i)); i++) value = Math.min(value * 10 + text.charCodeAt(i) - 0x30, EXPONENT_LIMIT);
  return [sign * value, i];
}

/**
 * The number strtod reads at `start` (leading spaces skipped, as strtod does), or undefined when it
 * reads none (strtod then leaves its end pointer at `start`).
 */
export function scanNumber(text: string, start: number): ScannedNumber | undefined {
  let i = start;
  while (isCSpace(text.charCodeAt(i))) i++;
  const signAt = i;
  const negative = text[i] === '-';
  if (negative || text[i] === '+') i++;
  const word = text.slice(i, i + 8).toLowerCase();
  if (word.startsWith('inf')) return { kind: 'inf', negative, end: i + (word === 'infinity' ? 8 : 3) };
  if (word.startsWith('nan')) {
    let end = i + 3;
    // nan(n-char-sequence): taken only when the parenthesis closes.
    if (text[end] === '(') {
      let j = end + 1;
      while (/[0-9A-Za-z_]/.test(text[j] ?? '')) j++;
      if (text[j] === ')') end = j + 1;
    }
    return { kind: 'nan', negative, end };
  }
  if (text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X')) {
    const hex = scanHex(text, i + 2, negative);
    // "0x" without hex digits is the number 0 followed by an x.
    return hex ?? { kind: 'decimal', negative, end: i + 1, digits: '0', exponent: 0, text: text.slice(signAt, i + 1) };
  }
  let digits = '';
  let exponent = 0;
  let any = false;
  for (; isDigit(text.charCodeAt(i)); i++, any = true) digits += text[i];
  if (text[i] === '.') {
    i++;
    for (; isDigit(text.charCodeAt(i)); i++, any = true, exponent--) digits += text[i];
  }
  if (!any) return undefined;
  if (text[i] === 'e' || text[i] === 'E') {
    const scanned = scanExponent(text, i + 1);
    if (scanned !== undefined) {
      exponent += scanned[0];
      i = scanned[1];
    }
  }
  return { kind: 'decimal', negative, end: i, digits, exponent, text: text.slice(signAt, i) };
}

function scanHex(text: string, at: number, negative: boolean): ScannedNumber | undefined {
  let i = at;
  let digits = 0n;
  let exponent = 0;
  let any = false;
  for (let v = hexValue(text.charCodeAt(i)); v !== -1; v = hexValue(text.charCodeAt(++i)), any = true) digits = digits * 16n + BigInt(v);
  if (text[i] === '.') {
    i++;
    for (let v = hexValue(text.charCodeAt(i)); v !== -1; v = hexValue(text.charCodeAt(++i)), any = true, exponent -= 4) digits = digits * 16n + BigInt(v);
  }
  if (!any) return undefined;
  if (text[i] === 'p' || text[i] === 'P') {
    const scanned = scanExponent(text, i + 1);
    if (scanned !== undefined) {
      exponent += scanned[0];
      i = scanned[1];
    }
  }
  return { kind: 'hex', negative, end: i, digits, exponent };
}

/** A binary float's width: significant bits, and the exponent of its smallest subnormal and its overflow. */
export interface BinaryFormat {
  readonly precision: number;
  /** value = mantissa x 2^exponent never has exponent below this (subnormals). */
  readonly minExponent: number;
  /** Values from 2^maxPower up are infinite. */
  readonly maxPower: number;
}

export const DOUBLE: BinaryFormat = { precision: 53, minExponent: -1074, maxPower: 1024 };
/** x87 extended precision: Redis's long double on x86-64 Linux. */
export const LONG_DOUBLE: BinaryFormat = { precision: 64, minExponent: -16445, maxPower: 16384 };

/** A rounded binary value: mantissa x 2^exponent (mantissa 0n for zero), or infinite. */
export interface Rounded {
  readonly mantissa: bigint;
  readonly exponent: number;
  readonly infinite: boolean;
  /** The value was not exactly representable (with an infinite or subnormal result, strtod's ERANGE). */
  readonly inexact: boolean;
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** The float of `format` nearest to num/den x 2^shift (num >= 0, den > 0), ties to even. */
export function roundToFormat(num: bigint, den: bigint, shift: number, format: BinaryFormat): Rounded {
  if (num === 0n) return { mantissa: 0n, exponent: 0, infinite: false, inexact: false };
  const quotient = (exponent: number): [bigint, bigint, bigint] => {
    const k = shift - exponent;
    const n = k >= 0 ? num << BigInt(k) : num;
    const d = k >= 0 ? den : den << BigInt(-k);
    return [n / d, n % d, d];
  };
  let exponent = bitLength(num) - bitLength(den) + shift - format.precision;
  let [q, r, d] = quotient(exponent);
  const top = 1n << BigInt(format.precision);
  if (q >= top) [q, r, d] = quotient(++exponent);
  else if (q < top >> 1n) [q, r, d] = quotient(--exponent);
  if (exponent < format.minExponent) [q, r, d] = quotient((exponent = format.minExponent));
  const twice = r * 2n;
  if (twice > d || (twice === d && (q & 1n) === 1n)) q++;
  if (q === top) {
    q >>= 1n;
    exponent++;
  }
  const infinite = bitLength(q) + exponent > format.maxPower;
  return { mantissa: infinite ? 0n : q, exponent, infinite, inexact: r !== 0n || infinite };
}

/** A finite scanned number (its magnitude) rounded to `format`. */
export function roundScanned(number: Extract<ScannedNumber, { kind: 'decimal' | 'hex' }>, format: BinaryFormat): Rounded {
  if (number.kind === 'hex') return roundToFormat(number.digits, 1n, number.exponent, format);
  const digits = BigInt(number.digits);
  if (digits === 0n) return roundToFormat(0n, 1n, 0, format);
  // Far outside the format, the answer is known without building 10^exponent.
  const magnitude = number.digits.replace(/^0+/, '').length + number.exponent;
  const decimalLimit = Math.ceil(format.maxPower * Math.log10(2)) + 1;
  if (magnitude > decimalLimit) return { mantissa: 0n, exponent: 0, infinite: true, inexact: true };
  if (magnitude < Math.floor(format.minExponent * Math.log10(2)) - 1) return { mantissa: 0n, exponent: 0, infinite: false, inexact: true };
  const power = 10n ** BigInt(Math.abs(number.exponent));
  return number.exponent >= 0 ? roundToFormat(digits * power, 1n, 0, format) : roundToFormat(digits, power, 0, format);
}

/**
 * The double strtod gives for a scanned number, and whether it sets ERANGE (overflow, or a zero or
 * subnormal result that is not exact).
 */
export function scannedDouble(number: ScannedNumber): { value: number; outOfRange: boolean } {
  if (number.kind === 'inf') return { value: number.negative ? -Infinity : Infinity, outOfRange: false };
  if (number.kind === 'nan') return { value: NaN, outOfRange: false };
  if (number.kind === 'decimal') {
    // V8 rounds decimal text correctly; only a tiny result needs an exactness check.
    const value = Number(number.text);
    const size = Math.abs(value);
    if (size === Infinity) return { value, outOfRange: true };
    if (size >= 2 ** -1022) return { value, outOfRange: false };
    if (size === 0) return { value, outOfRange: /[1-9]/.test(number.digits) };
    return { value, outOfRange: roundScanned(number, DOUBLE).inexact };
  }
  const rounded = roundScanned(number, DOUBLE);
  const size = rounded.infinite ? Infinity : Number(rounded.mantissa) * 2 ** Math.max(rounded.exponent, -1000) * 2 ** Math.min(rounded.exponent + 1000, 0);
  const value = number.negative ? -size : size;
  return { value, outOfRange: rounded.infinite || (size < 2 ** -1022 && rounded.inexact) };
}
