/**
 * Redis's HyperLogLog (hyperloglog.c), byte for byte: a string value holding a 16-byte header
 * ("HYLL", the encoding byte, three unused bytes, the cached cardinality as a little-endian uint64
 * whose top bit says "stale") and 16384 six-bit registers, either dense (12288 bytes, registers
 * packed from each byte's low bits up) or sparse (run lengths: ZERO 00xxxxxx for 1..64 zero
 * registers, XZERO 01xxxxxx yyyyyyyy for 1..16384, VAL 1vvvvvxx for 1..4 registers of value 1..32).
 * An element sets the register its MurmurHash64A picks to the length of the hash's run of zeros;
 * the cardinality is Ertl's estimator over the registers' histogram (Redis 4 and later). Pure:
 * commands turn the bytes they get back into effects.
 */

const P = 14;
/** The hash bits left for the run of zeros once P of them picked the register. */
const Q = 64 - P;
export const REGISTERS = 1 << P;
const REGISTER_MAX = 63;
export const HEADER_BYTES = 16;
export const DENSE_BYTES = HEADER_BYTES + (REGISTERS * 6) / 8;
const ENCODING_AT = 4;
const CARDINALITY_AT = 8;
/** The byte holding the cached cardinality's top bit, set while the cache is stale. */
const STALE_AT = 15;
const STALE_BIT = 0x80;
const DENSE = 0;
const SPARSE = 1;
const HASH_SEED = 0xadc83b19;
const VAL_MAX_VALUE = 32;
const VAL_MAX_RUN = 4;
const ZERO_MAX_RUN = 64;
const XZERO_MAX_RUN = 16384;
/** 0.5 / ln(2), the estimator's constant as m goes to infinity. */
const ALPHA_INF = 0.7213475204444817;

export type HllEncoding = 'dense' | 'sparse';

// MurmurHash64A works on unsigned 64-bit words; here each is two uint32 halves, with products mod
// 2^64 built from 16-bit limbs so that every step stays exact in a double.
const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;

/** (hi, lo) * m mod 2^64, as [hi, lo]. */
function timesM(hi: number, lo: number): [number, number] {
  const a0 = lo & 0xffff;
  const a1 = lo >>> 16;
  const b0 = M_LO & 0xffff;
  const b1 = M_LO >>> 16;
  const middle = a0 * b1 + a1 * b0;
  const low = a0 * b0 + (middle % 0x10000) * 0x10000;
  const high = a1 * b1 + Math.floor(middle / 0x10000) + Math.floor(low / 0x100000000);
  return [(high + Math.imul(hi, M_LO) + Math.imul(lo, M_HI)) >>> 0, low >>> 0];
}

/** Redis's MurmurHash64A (endian-neutral) of a latin1 string's bytes, as [high, low] uint32 halves. */
export function murmurHash64A(data: string, seed: number): [hi: number, lo: number] {
  const length = data.length;
  // h = seed ^ (len * m)
  let [hi, lo] = timesM(Math.floor(length / 0x100000000), length >>> 0);
  lo = (lo ^ seed) >>> 0;
  const blocks = length - (length & 7);
  for (let i = 0; i < blocks; i += 8) {
    const kLo = (data.charCodeAt(i) | (data.charCodeAt(i + 1) << 8) | (data.charCodeAt(i + 2) << 16) | (data.charCodeAt(i + 3) << 24)) >>> 0;
    const kHi = (data.charCodeAt(i + 4) | (data.charCodeAt(i + 5) << 8) | (data.charCodeAt(i + 6) << 16) | (data.charCodeAt(i + 7) << 24)) >>> 0;
    let [k1, k0] = timesM(kHi, kLo);
    k0 = (k0 ^ (k1 >>> 15)) >>> 0;
    [k1, k0] = timesM(k1, k0);
    [hi, lo] = timesM((hi ^ k1) >>> 0, (lo ^ k0) >>> 0);
  }
  const rest = length & 7;
  if (rest > 0) {
    let tailLo = 0;
    let tailHi = 0;
    for (let i = rest - 1; i >= 0; i--) {
      const byte = data.charCodeAt(blocks + i);
      if (i >= 4) tailHi |= byte << ((i - 4) * 8);
      else tailLo |= byte << (i * 8);
    }
    [hi, lo] = timesM((hi ^ tailHi) >>> 0, (lo ^ tailLo) >>> 0);
  }
  lo = (lo ^ (hi >>> 15)) >>> 0;
  [hi, lo] = timesM(hi, lo);
  lo = (lo ^ (hi >>> 15)) >>> 0;
  return [hi, lo];
}

/** Where an element lands: its register and the length of its hash's 0...01 pattern (1..Q+1). */
export function registerOf(element: string): { index: number; count: number } {
  const [hi, lo] = murmurHash64A(element, HASH_SEED);
  const index = lo & (REGISTERS - 1);
  const above = lo >>> P;
  let count: number;
  if (above !== 0) count = trailingZeros(above) + 1;
  else if (hi !== 0) count = 32 - P + trailingZeros(hi) + 1;
  else count = Q + 1;
  return { index, count };
}

function trailingZeros(word: number): number {
  return 31 - Math.clz32(word & -word);
}

/** Ertl's sigma and tau ("New cardinality estimation algorithms for HyperLogLog sketches"), iterated to a fixed point as Redis does. */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let previous: number;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let previous: number;
  do {
    x = Math.sqrt(x);
    previous = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
  } while (previous !== z);
  return z / 3;
}

/** The estimate from the registers' histogram (how many registers hold each value 0..63), as Redis replies it. */
function estimate(histogram: Int32Array): number | bigint {
  const m = REGISTERS;
  let z = m * tau((m - histogram[Q + 1]) / m);
  for (let j = Q; j >= 1; j--) {
    z += histogram[j];
    z *= 0.5;
  }
  z += m * sigma(histogram[0] / m);
  const e = Math.round((ALPHA_INF * m * m) / z);
  // Past a long long (a sketch of registers near 50 or more divides by zero or nearly), Redis's
  // llroundl gives LLONG_MIN, which it caches (stale bit set) and replies as it is.
  if (!(e < 2 ** 63)) return -(2n ** 63n);
  return Number.isSafeInteger(e) ? e : BigInt(e);
}

/** The estimate of registers held one per byte (PFCOUNT of several keys merges into such an array). */
export function cardinalityOfRegisters(registers: Uint8Array): number | bigint {
  const histogram = new Int32Array(64);
  for (let i = 0; i < REGISTERS; i++) histogram[registers[i]]++;
  return estimate(histogram);
}

const isZero = (op: number) => (op & 0xc0) === 0;
const isXZero = (op: number) => (op & 0xc0) === 0x40;
const isVal = (op: number) => (op & 0x80) !== 0;
const zeroRun = (op: number) => (op & 0x3f) + 1;
const xzeroRun = (op: number, next: number) => (((op & 0x3f) << 8) | next) + 1;
const valValue = (op: number) => ((op >> 2) & 0x1f) + 1;
const valRun = (op: number) => (op & 3) + 1;
const valOp = (value: number, run: number) => 0x80 | ((value - 1) << 2) | (run - 1);
const zeroOp = (run: number) => run - 1;

/** What an update did: changed a register, changed nothing, or met a corrupt sparse encoding. */
export type SetResult = 'changed' | 'unchanged' | 'corrupt';

/** isHLLObjectOrReply's checks on a string's length and bytes: long enough, the magic, a known encoding, a dense one of the right length. */
function isHllHeader(length: number, byteAt: (at: number) => number): boolean {
  if (length < HEADER_BYTES || byteAt(0) !== 0x48 || byteAt(1) !== 0x59 || byteAt(2) !== 0x4c || byteAt(3) !== 0x4c) return false;
  const encoding = byteAt(ENCODING_AT);
  return encoding <= SPARSE && (encoding !== DENSE || length === DENSE_BYTES);
}

/**
 * An HLL being read or changed. The bytes may have room past `length`, always zero there, as an
 * sds string's terminator is: Redis reads the byte after an XZERO at the very end as 0.
 */
export class HyperLogLog {
  /** The span of bytes changed since the HLL was read (`changedTo` exclusive); empty while from >= to. */
  private changedFrom = Infinity;
  private changedTo = 0;
  /** Whether `bytes` is a view of the stored value (see `borrowing`): copied before the first change. */
  private borrowed = false;

  private constructor(
    private bytes: Uint8Array,
    private length: number,
  ) {}

  /** Redis's createHLLObject: sparse, every register zero (XZERO:16384), the cached cardinality 0 and valid. */
  static empty(): HyperLogLog {
    const bytes = Buffer.alloc(HEADER_BYTES + 2 + 1);
    bytes.set([0x48, 0x59, 0x4c, 0x4c, SPARSE]);
    bytes[HEADER_BYTES] = 0x40 | ((XZERO_MAX_RUN - 1) >> 8);
    bytes[HEADER_BYTES + 1] = (XZERO_MAX_RUN - 1) & 0xff;
    return new HyperLogLog(bytes, HEADER_BYTES + 2);
  }

  /**
   * The HLL a string holds, or undefined when it is not one (isHLLObjectOrReply: too short, wrong
   * magic, an unknown encoding, a dense one of the wrong length). A sparse one may still be corrupt.
   */
  static of(value: string): HyperLogLog | undefined {
    if (!isHllHeader(value.length, (at) => value.charCodeAt(at))) return undefined;
    // Every byte is written: the string's, then the zero after them.
    const bytes = Buffer.allocUnsafe(value.length + 1);
    bytes.write(value, 0, 'latin1');
    bytes[value.length] = 0;
    return new HyperLogLog(bytes, value.length);
  }

  /**
   * The dense HLL held by a value written in place, read through `bytes` (a view of the value)
   * without a copy: a PFADD of elements already counted, and a PFCOUNT, read 12 KB without copying
   * them twice. The first change copies them, so the stored value changes only by the logged
   * effect. Undefined for anything else (a sparse HLL reads past its end: HyperLogLog.of copies it).
   */
  static borrowing(bytes: Uint8Array): HyperLogLog | undefined {
    if (!isHllHeader(bytes.length, (at) => bytes[at]) || bytes[ENCODING_AT] !== DENSE) return undefined;
    const hll = new HyperLogLog(bytes, bytes.length);
    hll.borrowed = true;
    return hll;
  }

  /** The bytes, made the HLL's own before a change (see `borrowing`). */
  private writable(): Uint8Array {
    if (this.borrowed) {
      const own = Buffer.alloc(this.length + 1);
      own.set(this.bytes.subarray(0, this.length));
      this.bytes = own;
      this.borrowed = false;
    }
    return this.bytes;
  }

  /** An empty dense HLL (PFSELFTEST's). */
  static emptyDense(): HyperLogLog {
    const hll = HyperLogLog.empty();
    hll.toDense();
    return hll;
  }

  get encoding(): HllEncoding {
    return this.bytes[ENCODING_AT] === DENSE ? 'dense' : 'sparse';
  }

  get byteLength(): number {
    return this.length;
  }

  /** The bytes as the string value Redis would hold. */
  toString(): string {
    return this.text(0, this.length);
  }

  /**
   * The bytes changed since the HLL was read, from the first to the last, as a patch of the string
   * read: for an HLL whose length stayed. Undefined when no byte changed.
   */
  changes(): { offset: number; patch: string } | undefined {
    const to = Math.min(this.changedTo, this.length);
    return this.changedFrom < to ? { offset: this.changedFrom, patch: this.text(this.changedFrom, to) } : undefined;
  }

  private text(from: number, to: number): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + from, to - from).toString('latin1');
  }

  private touch(from: number, to: number): void {
    if (from < this.changedFrom) this.changedFrom = from;
    if (to > this.changedTo) this.changedTo = to;
  }

  /** The cached cardinality, or undefined while it is stale. */
  cachedCardinality(): number | bigint | undefined {
    if ((this.bytes[STALE_AT] & STALE_BIT) !== 0) return undefined;
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + CARDINALITY_AT, 8);
    const value = view.getBigUint64(0, true);
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }

  cacheCardinality(cardinality: number | bigint): void {
    const bytes = this.writable();
    new DataView(bytes.buffer, bytes.byteOffset + CARDINALITY_AT, 8).setBigInt64(0, BigInt(cardinality), true);
    this.touch(CARDINALITY_AT, CARDINALITY_AT + 8);
  }

  invalidateCache(): void {
    if ((this.bytes[STALE_AT] & STALE_BIT) !== 0) return;
    this.writable()[STALE_AT] |= STALE_BIT;
    this.touch(STALE_AT, STALE_AT + 1);
  }

  /** PFADD of one element. */
  add(element: string, sparseMaxBytes: number): SetResult {
    const { index, count } = registerOf(element);
    return this.set(index, count, sparseMaxBytes);
  }

  /** Raises register `index` to `count` if it is lower; a sparse HLL may turn dense doing it. */
  set(index: number, count: number, sparseMaxBytes: number): SetResult {
    return this.encoding === 'dense' ? this.setDense(index, count) : this.setSparse(index, count, sparseMaxBytes);
  }

  /** The register values, one per byte; undefined for a corrupt sparse HLL. */
  registers(): Uint8Array | undefined {
    const registers = new Uint8Array(REGISTERS);
    return this.mergeInto(registers) ? registers : undefined;
  }

  /**
   * Raises each of `max`'s registers to this HLL's (hllMerge); false for a corrupt sparse HLL,
   * after which `max` holds part of it.
   */
  mergeInto(max: Uint8Array): boolean {
    if (this.encoding === 'dense') {
      for (let i = 0; i < REGISTERS; i++) {
        const value = this.denseRegister(i);
        if (value > max[i]) max[i] = value;
      }
      return true;
    }
    return this.walkSparse((index, run, value) => {
      for (let i = index; i < index + run; i++) if (value > max[i]) max[i] = value;
    });
  }

  /** The estimated cardinality; undefined for a corrupt sparse HLL. */
  cardinality(): number | bigint | undefined {
    const histogram = new Int32Array(64);
    if (this.encoding === 'dense') {
      for (let i = 0; i < REGISTERS; i++) histogram[this.denseRegister(i)]++;
      return estimate(histogram);
    }
    let nonZero = 0;
    const valid = this.walkSparse((_index, run, value) => {
      histogram[value] += run;
      nonZero += run;
    });
    histogram[0] = REGISTERS - nonZero;
    return valid ? estimate(histogram) : undefined;
  }

  /** Redis's hllSparseToDense; false (and no change) for a corrupt sparse HLL. */
  toDense(): boolean {
    if (this.encoding === 'dense') return true;
    const dense = new HyperLogLog(Buffer.alloc(DENSE_BYTES + 1), DENSE_BYTES);
    // The header comes along: magic, unused bytes and the cached cardinality.
    dense.bytes.set(this.bytes.subarray(0, HEADER_BYTES));
    dense.bytes[ENCODING_AT] = DENSE;
    const valid = this.walkSparse((index, run, value) => {
      for (let i = index; i < index + run; i++) dense.setDenseRegister(i, value);
    });
    if (!valid) return false;
    this.bytes = dense.bytes;
    this.length = dense.length;
    this.touch(0, this.length);
    return true;
  }

  /** PFDEBUG DECODE's text: `Z:<run>` for an XZERO, `z:<run>` for a ZERO, `v:<value>,<run>` for a VAL. */
  decodeSparse(): string {
    const words: string[] = [];
    for (let p = HEADER_BYTES; p < this.length;) {
      const op = this.bytes[p];
      if (isZero(op)) {
        words.push(`z:${zeroRun(op)}`);
        p++;
      } else if (isXZero(op)) {
        words.push(`Z:${xzeroRun(op, this.bytes[p + 1])}`);
        p += 2;
      } else {
        words.push(`v:${valValue(op)},${valRun(op)}`);
        p++;
      }
    }
    return words.join(' ');
  }

  /**
   * Calls `visit` for each VAL run of a sparse HLL, in order; true when the runs cover exactly the
   * registers. An opcode that runs past the last register stops the walk, as in Redis since the
   * fix of CVE-2025-32023 (Debian's 7.0.15 has it).
   */
  private walkSparse(visit: (index: number, run: number, value: number) => void): boolean {
    let index = 0;
    for (let p = HEADER_BYTES; p < this.length;) {
      const op = this.bytes[p];
      let run: number;
      if (isZero(op)) run = zeroRun(op);
      else if (isXZero(op)) run = xzeroRun(op, this.bytes[p + 1]);
      else run = valRun(op);
      if (index + run > REGISTERS) return false;
      if (isVal(op)) visit(index, run, valValue(op));
      index += run;
      p += isXZero(op) ? 2 : 1;
    }
    return index === REGISTERS;
  }

  /** A dense HLL's register. */
  denseRegister(index: number): number {
    const at = HEADER_BYTES + ((index * 6) >> 3);
    const shift = (index * 6) & 7;
    return ((this.bytes[at] >> shift) | (this.bytes[at + 1] << (8 - shift))) & REGISTER_MAX;
  }

  /** Sets a dense HLL's register to `value` (0..63), whatever it held. */
  setDenseRegister(index: number, value: number): void {
    const at = HEADER_BYTES + ((index * 6) >> 3);
    const shift = (index * 6) & 7;
    const bytes = this.writable();
    bytes[at] = (bytes[at] & ~(REGISTER_MAX << shift)) | (value << shift);
    bytes[at + 1] = (bytes[at + 1] & ~(REGISTER_MAX >> (8 - shift))) | (value >> (8 - shift));
    this.touch(at, at + 2);
  }

  private setDense(index: number, count: number): SetResult {
    if (count <= this.denseRegister(index)) return 'unchanged';
    this.setDenseRegister(index, count);
    return 'changed';
  }

  /** Makes room for `extra` more bytes past `length` (and the zero after them). */
  private reserve(extra: number): void {
    if (this.length + extra + 1 <= this.bytes.length) return;
    const grown = Buffer.alloc((this.length + extra + 1) * 2);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** Changes the length by `delta`, keeping the bytes past it zero. */
  private resize(delta: number): void {
    const end = this.length;
    this.length += delta;
    if (delta < 0) this.bytes.fill(0, this.length, end);
  }

  /**
   * Redis's hllSparseSet: finds the opcode covering `index`, splits it around the new VAL (at most
   * XZERO-VAL-XZERO, three bytes more), merges equal neighbouring VALs, and turns dense when the
   * value does not fit a VAL or the HLL would outgrow `sparseMaxBytes`.
   */
  private setSparse(index: number, count: number, sparseMaxBytes: number): SetResult {
    if (count > VAL_MAX_VALUE) return this.promote(index, count);
    this.reserve(3);
    const b = this.bytes;
    let end = this.length;
    // Step 1: the opcode at `p` covers registers first..first+span-1; `previous` is the one before it.
    let p = HEADER_BYTES;
    let previous = -1;
    let first = 0;
    let span = 0;
    while (p < end) {
      const op = b[p];
      let opLength = 1;
      if (isZero(op)) span = zeroRun(op);
      else if (isVal(op)) span = valRun(op);
      else {
        span = xzeroRun(op, b[p + 1]);
        opLength = 2;
      }
      if (index <= first + span - 1) break;
      previous = p;
      p += opLength;
      first += span;
    }
    if (span === 0 || p >= end) return 'corrupt';
    const op = b[p];
    const xzero = isXZero(op);
    let next = xzero ? p + 2 : p + 1;
    if (next >= end) next = -1;
    // Step 2: the easy cases change the opcode in place.
    let inPlace = false;
    if (isVal(op)) {
      if (valValue(op) >= count) return 'unchanged';
      inPlace = valRun(op) === 1;
    } else inPlace = isZero(op) && zeroRun(op) === 1;
    if (inPlace) {
      b[p] = valOp(count, 1);
      this.touch(p, p + 1);
    } else {
      // Otherwise the opcode is split: the registers before `index`, the new VAL, those after it.
      const sequence: number[] = [];
      const last = first + span - 1;
      const zeros = (run: number) => {
        if (run > ZERO_MAX_RUN) sequence.push(0x40 | ((run - 1) >> 8), (run - 1) & 0xff);
        else sequence.push(zeroOp(run));
      };
      if (isVal(op)) {
        const value = valValue(op);
        if (index !== first) sequence.push(valOp(value, index - first));
        sequence.push(valOp(count, 1));
        if (index !== last) sequence.push(valOp(value, last - index));
      } else {
        if (index !== first) zeros(index - first);
        sequence.push(valOp(count, 1));
        if (index !== last) zeros(last - index);
      }
      // Step 3: the sequence replaces the opcode, moving what follows.
      const delta = sequence.length - (xzero ? 2 : 1);
      if (delta > 0 && this.length + delta > sparseMaxBytes) return this.promote(index, count);
      if (delta !== 0 && next !== -1) b.copyWithin(next + delta, next, end);
      this.resize(delta);
      b.set(sequence, p);
      this.touch(p, Math.max(end, end + delta));
      end += delta;
    }
    // Step 4: up to five opcodes from the one before are scanned for equal VALs that fit one.
    p = previous === -1 ? HEADER_BYTES : previous;
    let scans = 5;
    while (p < end && scans-- > 0) {
      const here = b[p];
      if (isXZero(here)) {
        p += 2;
        continue;
      }
      if (isZero(here)) {
        p++;
        continue;
      }
      if (p + 1 < end && isVal(b[p + 1]) && valValue(here) === valValue(b[p + 1])) {
        const run = valRun(here) + valRun(b[p + 1]);
        if (run <= VAL_MAX_RUN) {
          b[p + 1] = valOp(valValue(here), run);
          b.copyWithin(p, p + 1, end);
          this.touch(p, end);
          this.resize(-1);
          end--;
          // Merged: try again from here, with the VAL to its right.
          continue;
        }
      }
      p++;
    }
    this.invalidateCache();
    return 'changed';
  }

  private promote(index: number, count: number): SetResult {
    if (!this.toDense()) return 'corrupt';
    return this.setDense(index, count);
  }
}
