/**
 * sin, cos and asin correctly rounded, as glibc's libm returns them where Redis runs (nearly
 * always: glibc's are within 0.55 ulp). V8's Math functions (fdlibm) are off by one unit in the
 * last place now and then, which shows in GEO distances stored by STOREDIST and in which of two
 * nearly equidistant members a COUNT keeps. Each is evaluated in double-double arithmetic (about
 * 106 bits) and rounded once; arguments are those of geo arithmetic (|x| up to a few times pi).
 *
 * A double-double is the unevaluated sum hi + lo, |lo| at most half an ulp of hi. A search computes
 * thousands of distances, so the arithmetic allocates nothing: each operation returns the high
 * part of its result and leaves the low part in `parts[LOW]`.
 */

/** Where operations leave the low parts of their results (a typed array keeps doubles unboxed: no allocation per write). */
const parts = new Float64Array(5);
const LOW = 0;
const SIN_HIGH = 1;
const SIN_LOW = 2;
const COS_HIGH = 3;
const COS_LOW = 4;

const SPLITTER = 134217729; // 2^27 + 1: splits a double into two 26-bit halves

/** (ah + al) + (bh + bl). */
function add(ah: number, al: number, bh: number, bl: number): number {
  const s = ah + bh;
  let b2 = s - ah;
  let e = ah - (s - b2) + (bh - b2);
  const t = al + bl;
  b2 = t - al;
  const f = al - (t - b2) + (bl - b2);
  e += t;
  const s2 = s + e;
  e = e - (s2 - s) + f;
  const high = s2 + e;
  parts[LOW] = e - (high - s2);
  return high;
}

/** (ah + al) x (bh + bl). */
function multiply(ah: number, al: number, bh: number, bl: number): number {
  const product = ah * bh;
  const a1 = SPLITTER * ah;
  const aHigh = a1 - (a1 - ah);
  const aLow = ah - aHigh;
  const b1 = SPLITTER * bh;
  const bHigh = b1 - (b1 - bh);
  const bLow = bh - bHigh;
  const e = aHigh * bHigh - product + aHigh * bLow + aLow * bHigh + aLow * bLow + (ah * bl + al * bh);
  const high = product + e;
  parts[LOW] = e - (high - product);
  return high;
}

/** (ah + al) / (bh + bl): a quotient refined twice by its remainder. */
function divide(ah: number, al: number, bh: number, bl: number): number {
  const q1 = ah / bh;
  let rh = add(ah, al, -multiply(bh, bl, q1, 0), -parts[LOW]);
  const rl = parts[LOW];
  const q2 = rh / bh;
  rh = add(rh, rl, -multiply(bh, bl, q2, 0), -parts[LOW]);
  const high = add(q1, 0, q2, 0);
  return add(high, parts[LOW], rh / bh, 0);
}

/** pi/2 as three doubles (about 160 bits), so that reducing an argument near a multiple loses nothing. */
const HALF_PI = [1.5707963267948966, 6.123233995736766e-17, -1.4973849048591698e-33] as const;

/** Taylor series terms as [hi, lo] pairs: (-1)^n / (2n+1)! for sin and (-1)^n / (2n)! for cos, to 29! (below 2^-110 on [-pi/4, pi/4]). */
const SINE_TERMS: number[] = [];
const COSINE_TERMS: number[] = [];
{
  let high = 1;
  let lowPart = 0;
  for (let n = 0; n <= 29; n++) {
    if (n > 0) {
      high = divide(high, lowPart, n, 0);
      lowPart = parts[LOW];
    }
    const sign = n % 4 < 2 ? 1 : -1;
    (n % 2 === 0 ? COSINE_TERMS : SINE_TERMS).push(sign * high, sign * lowPart);
  }
}

/** Within 1/128 of a table point, six terms are enough (the next is below 2^-110). */
const SHORT_TERMS = 6;

/** sum of terms[i] x square^i by Horner's rule, over the first `count` terms. */
function series(terms: readonly number[], count: number, squareHigh: number, squareLow: number): number {
  let high = terms[2 * count - 2];
  let lowPart = terms[2 * count - 1];
  for (let i = count - 2; i >= 0; i--) {
    high = multiply(high, lowPart, squareHigh, squareLow);
    high = add(high, parts[LOW], terms[2 * i], terms[2 * i + 1]);
    lowPart = parts[LOW];
  }
  parts[LOW] = lowPart;
  return high;
}

/** sin and cos of r (|r| <= pi/4) by their series, into parts[SIN_HIGH] to parts[COS_LOW]. */
function bySeries(rHigh: number, rLow: number, count: number): void {
  const squareHigh = multiply(rHigh, rLow, rHigh, rLow);
  const squareLow = parts[LOW];
  const sineSeries = series(SINE_TERMS, count, squareHigh, squareLow);
  parts[SIN_HIGH] = multiply(rHigh, rLow, sineSeries, parts[LOW]);
  parts[SIN_LOW] = parts[LOW];
  parts[COS_HIGH] = series(COSINE_TERMS, count, squareHigh, squareLow);
  parts[COS_LOW] = parts[LOW];
}

/** sin and cos of j/64 for j = 0..51, which cover [0, pi/4], as [sin hi, sin lo, cos hi, cos lo] runs. */
const STEPS_PER_UNIT = 64;
const TABLE = new Float64Array(52 * 4);
for (let j = 0; j < 52; j++) {
  bySeries(j / STEPS_PER_UNIT, 0, SINE_TERMS.length / 2);
  TABLE.set([parts[SIN_HIGH], parts[SIN_LOW], parts[COS_HIGH], parts[COS_LOW]], 4 * j);
}

/**
 * sin and cos of x: reduced by the nearest multiple of pi/2, then from the nearest table point a =
 * j/64 and the series of the rest b (|b| <= 1/128): sin(a + b) = sin a cos b + cos a sin b.
 */
function sinAndCos(xHigh: number, xLow: number): void {
  const k = Math.round(xHigh / HALF_PI[0]);
  // k x each part of pi/2 is exact for the small k that geo arguments give.
  let rHigh = add(xHigh, xLow, -k * HALF_PI[0], 0);
  rHigh = add(rHigh, parts[LOW], -k * HALF_PI[1], -k * HALF_PI[2]);
  let rLow = parts[LOW];
  const j = Math.round(rHigh * STEPS_PER_UNIT);
  rHigh = add(rHigh, rLow, -j / STEPS_PER_UNIT, 0);
  rLow = parts[LOW];
  bySeries(rHigh, rLow, SHORT_TERMS);
  const at = 4 * Math.abs(j);
  const sign = j < 0 ? -1 : 1;
  const sinA = sign * TABLE[at];
  const sinALow = sign * TABLE[at + 1];
  const cosA = TABLE[at + 2];
  const cosALow = TABLE[at + 3];
  let high = multiply(sinA, sinALow, parts[COS_HIGH], parts[COS_LOW]);
  let lowPart = parts[LOW];
  const sin = add(high, lowPart, multiply(cosA, cosALow, parts[SIN_HIGH], parts[SIN_LOW]), parts[LOW]);
  const sinRest = parts[LOW];
  high = multiply(cosA, cosALow, parts[COS_HIGH], parts[COS_LOW]);
  lowPart = parts[LOW];
  const cos = add(high, lowPart, -multiply(sinA, sinALow, parts[SIN_HIGH], parts[SIN_LOW]), -parts[LOW]);
  const cosRest = parts[LOW];
  // The quadrant: sin(r + k pi/2) is sin r, cos r, -sin r or -cos r.
  const quadrant = ((k % 4) + 4) % 4;
  const sinSign = quadrant < 2 ? 1 : -1;
  const cosSign = quadrant === 0 || quadrant === 3 ? 1 : -1;
  const even = quadrant % 2 === 0;
  parts[SIN_HIGH] = sinSign * (even ? sin : cos);
  parts[SIN_LOW] = sinSign * (even ? sinRest : cosRest);
  parts[COS_HIGH] = cosSign * (even ? cos : sin);
  parts[COS_LOW] = cosSign * (even ? cosRest : sinRest);
}

export function sin(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x === 0 ? x : NaN; // -0 stays -0
  sinAndCos(x, 0);
  return parts[SIN_HIGH] + parts[SIN_LOW];
}

export function cos(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  sinAndCos(x, 0);
  return parts[COS_HIGH] + parts[COS_LOW];
}

/** asin of a double-double in [0, 1/2]: one Newton step on sin from V8's asin, which is within an ulp. */
function smallAsin(xHigh: number, xLow: number): number {
  const guess = Math.asin(xHigh + xLow);
  sinAndCos(guess, 0);
  const step = divide(add(xHigh, xLow, -parts[SIN_HIGH], -parts[SIN_LOW]), parts[LOW], parts[COS_HIGH], parts[COS_LOW]);
  return add(guess, 0, step, parts[LOW]);
}

export function asin(x: number): number {
  if (Number.isNaN(x) || Math.abs(x) > 1) return NaN;
  if (x === 0) return x;
  const magnitude = Math.abs(x);
  if (magnitude === 1) return x * HALF_PI[0];
  let result: number;
  if (magnitude <= 0.5) result = smallAsin(magnitude, 0) + parts[LOW];
  else {
    // asin(x) = pi/2 - 2 asin(sqrt((1 - x) / 2)), where Newton's step would divide by a cosine near 0.
    const half = (1 - magnitude) / 2; // exact for x in [1/2, 1]
    const root = Math.sqrt(half);
    const square = multiply(root, 0, root, 0);
    const rootLow = (half - square - parts[LOW]) / (2 * root);
    const inner = smallAsin(root, rootLow);
    const twice = add(inner, parts[LOW], inner, parts[LOW]);
    const high = add(HALF_PI[0], HALF_PI[1], -twice, -parts[LOW]);
    result = add(high, parts[LOW], HALF_PI[2], 0) + parts[LOW];
  }
  return x < 0 ? -result : result;
}
