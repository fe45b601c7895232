/**
 * Exact decimal addition for INCRBYFLOAT and HINCRBYFLOAT. Redis adds in long double and prints 17
 * decimals with trailing zeros trimmed, so 0.1 + 0.2 is "0.3"; doubles would give
 * 0.30000000000000004. Adding the decimal texts exactly and rounding to 17 decimals gives Redis's
 * answer for every value whose long double error stays below that precision.
 */
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i;
const FRACTION_DIGITS = 17;
/** Beyond this exponent the exact form would be huge; such sums fall back to doubles. */
const MAX_EXPONENT = 300;

interface Decimal {
  /** value = units / 10^scale */
  units: bigint;
  scale: number;
}

function parseDecimal(text: string): Decimal | null {
  const match = DECIMAL.exec(text);
  if (match === null || (match[2] === '' && (match[3] ?? '') === '')) return null;
  const exponent = Number(match[4] ?? 0);
  if (Math.abs(exponent) > MAX_EXPONENT) return null;
  const fraction = match[3] ?? '';
  let units = BigInt((match[2] || '0') + fraction);
  let scale = fraction.length - exponent;
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units: match[1] === '-' ? -units : units, scale };
}

/** The exact sum of two decimal texts, printed as Redis prints it, or null when one is not plain decimal. */
export function addDecimals(a: string, b: string): string | null {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (x === null || y === null) return null;
  const scale = Math.max(x.scale, y.scale);
  let sum = x.units * 10n ** BigInt(scale - x.scale) + y.units * 10n ** BigInt(scale - y.scale);
  let digits = scale;
  if (digits > FRACTION_DIGITS) {
    // Round half away from zero to 17 decimals.
    const divisor = 10n ** BigInt(digits - FRACTION_DIGITS);
    const half = divisor / 2n;
    sum = (sum < 0n ? sum - half : sum + half) / divisor;
    digits = FRACTION_DIGITS;
  }
  const negative = sum < 0n;
  const text = (negative ? -sum : sum).toString().padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const fraction = text.slice(text.length - digits).replace(/0+$/, '');
  const printed = fraction === '' ? whole : `${whole}.${fraction}`;
  return negative && printed !== '0' ? `-${printed}` : printed;
}
