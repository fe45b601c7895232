import { formatFixed, longDoubleOf } from './long-double.js';

/** Doubles as text the way C's printf writes them, which is how Redis 7.0 prints them. */

/**
 * Redis 7.0's double replies: C's "%.17g" (17 significant digits, trailing zeros dropped, an
 * exponent below 1e-4 and from 1e17 on), so 0.1 prints as 0.10000000000000001; `inf`, `-inf`.
 */
export function formatDouble(value: number): string {
  if (Number.isSafeInteger(value)) return Object.is(value, -0) ? '-0' : String(value);
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (Number.isNaN(value)) return 'nan';
  let [digits, exponentText] = value.toExponential(16).split('e');
  // JS rounds a tie away from zero, glibc to even: only a value with exactly 18 significant digits
  // ending in 5 is a tie.
  const longer = value.toExponential(17);
  if (longer[longer.indexOf('e') - 1] === '5' && isTie(value, longer)) [digits, exponentText] = roundTieToEven(longer);
  let exponent = Number(exponentText);
  const negative = digits.startsWith('-');
  let significant = digits.replace(/^-/, '').replace('.', '');
  if (significant.length > 17) {
    // Rounding up carried into a new digit (9.99...95 -> 10.0).
    significant = significant.slice(0, 17);
    exponent++;
  }
  significant = significant.replace(/0+$/, '');
  let text: string;
  if (exponent < -4 || exponent >= 17) {
    const mantissa = significant.length > 1 ? `${significant[0]}.${significant.slice(1)}` : significant;
    text = `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  } else if (exponent < 0) text = `0.${'0'.repeat(-exponent - 1)}${significant}`;
  else if (significant.length <= exponent + 1) text = significant + '0'.repeat(exponent + 1 - significant.length);
  else text = `${significant.slice(0, exponent + 1)}.${significant.slice(exponent + 1)}`;
  return negative ? `-${text}` : text;
}

/** Whether `value` is exactly the 18-digit decimal `exponential` (toExponential(17) text). */
function isTie(value: number, exponential: string): boolean {
  const [mantissa, exponentText] = exponential.replace(/^-/, '').split('e');
  const digits = BigInt(mantissa.replace('.', ''));
  const decimalExponent = Number(exponentText) - 17;
  // value = m x 2^e exactly, from its bits.
  const { mantissa: m, exponent: e } = longDoubleOf(value);
  // digits x 10^d == m x 2^e, with both sides scaled to integers.
  const left = digits * (decimalExponent >= 0 ? 10n ** BigInt(decimalExponent) : 1n) * (e < 0 ? 1n << BigInt(-e) : 1n);
  const right = m * (e >= 0 ? 1n << BigInt(e) : 1n) * (decimalExponent < 0 ? 10n ** BigInt(-decimalExponent) : 1n);
  return left === right;
}

/** The 17-digit form of an exact 18-digit tie, rounded to even: [mantissa text, exponent text]. */
function roundTieToEven(exponential: string): [string, string] {
  const [mantissa, exponentText] = exponential.split('e');
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  let kept = BigInt(digits.slice(0, 17));
  if ((kept & 1n) === 1n) kept++;
  const text = kept.toString();
  return [`${negative ? '-' : ''}${text[0]}.${text.slice(1)}`, exponentText];
}

/**
 * C's "%.<digits>f" of a double, digits at most 20. JS's toFixed is exact too but takes a tie away
 * from zero where glibc's printf takes it to even; a tie is a double that is an odd multiple of
 * 2^-(digits+1) (only those end in a 5 just past the last digit), and goes the exact way.
 */
export function formatFixedDouble(value: number, digits: number): string {
  const scaled = value * 2 ** (digits + 1);
  if (!Number.isFinite(value) || Math.abs(value) >= 1e21 || (Number.isInteger(scaled) && scaled % 2 !== 0)) return formatFixed(longDoubleOf(value), digits);
  return Object.is(value, -0) ? `-${value.toFixed(digits)}` : value.toFixed(digits);
}
