import { describe, expect, it } from 'vitest';
import { DENSE_BYTES, HEADER_BYTES, HyperLogLog, REGISTERS, cardinalityOfRegisters, murmurHash64A, registerOf } from '../../src/projections/hyperloglog.js';

/** MurmurHash64A written the obvious way, with BigInt, to check the 32-bit-halves version against. */
function referenceMurmur(data: string, seed: number): bigint {
  const mask = (1n << 64n) - 1n;
  const m = 0xc6a4a7935bd1e995n;
  const times = (a: bigint) => (a * m) & mask;
  let h = BigInt(seed) ^ times(BigInt(data.length));
  const blocks = data.length - (data.length & 7);
  for (let i = 0; i < blocks; i += 8) {
    let k = 0n;
    for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(data.charCodeAt(i + j));
    k = times(k);
    k ^= k >> 47n;
    k = times(k);
    h = times(h ^ k);
  }
  if (data.length & 7) {
    for (let j = (data.length & 7) - 1; j >= 0; j--) h ^= BigInt(data.charCodeAt(blocks + j)) << BigInt(8 * j);
    h = times(h);
  }
  h ^= h >> 47n;
  h = times(h);
  return h ^ (h >> 47n);
}

function seeded(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
}

function randomBytes(random: (n: number) => number, length: number): string {
  return String.fromCharCode(...Array.from({ length }, () => random(256)));
}

/** A sparse HLL that never turns dense for its size. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

describe('MurmurHash64A and where an element lands', () => {
  it('matches a BigInt MurmurHash64A for every length of tail and several blocks', () => {
    const random = seeded(1);
    for (let length = 0; length < 40; length++)
      for (const seed of [0, 0xadc83b19, 0xffffffff]) {
        const data = randomBytes(random, length);
        const [hi, lo] = murmurHash64A(data, seed);
        expect((BigInt(hi) << 32n) | BigInt(lo)).toBe(referenceMurmur(data, seed));
      }
  });

  it('takes the register from the low 14 bits and counts the zeros above them, at most 51', () => {
    const random = seeded(2);
    for (let i = 0; i < 500; i++) {
      const element = randomBytes(random, random(30));
      const hash = referenceMurmur(element, 0xadc83b19);
      const { index, count } = registerOf(element);
      expect(index).toBe(Number(hash & 0x3fffn));
      let expected = 1;
      for (let bit = 14n; bit < 64n && ((hash >> bit) & 1n) === 0n; bit++) expected++;
      expect(count).toBe(expected);
      expect(count).toBeLessThanOrEqual(51);
    }
  });
});

describe('the encodings', () => {
  it('starts sparse and empty: the header, a valid cached 0, XZERO:16384', () => {
    const hll = HyperLogLog.empty();
    expect(Buffer.from(hll.toString(), 'latin1').toString('hex')).toBe('48594c4c' + '01000000' + '0000000000000000' + '7fff');
    expect(hll.cachedCardinality()).toBe(0);
    expect(hll.cardinality()).toBe(0);
    expect(hll.decodeSparse()).toBe('Z:16384');
  });

  it('writes runs as Redis documents them: XZERO:1000 VAL:2,1 ZERO:19 VAL:3,2 XZERO:15362', () => {
    const hll = HyperLogLog.empty();
    expect(hll.set(1000, 2, UNBOUNDED)).toBe('changed');
    expect(hll.set(1020, 3, UNBOUNDED)).toBe('changed');
    expect(hll.set(1021, 3, UNBOUNDED)).toBe('changed');
    expect(hll.set(1021, 2, UNBOUNDED)).toBe('unchanged');
    expect(hll.decodeSparse()).toBe('Z:1000 v:2,1 z:19 v:3,2 Z:15362');
    expect(hll.toString().length).toBe(HEADER_BYTES + 7);
    expect(hll.cachedCardinality()).toBeUndefined();
  });

  it('holds the same registers sparse and dense, whatever the order of the writes', () => {
    const random = seeded(3);
    for (let round = 0; round < 20; round++) {
      const sparse = HyperLogLog.empty();
      const dense = HyperLogLog.emptyDense();
      const expected = new Uint8Array(REGISTERS);
      for (let i = 0; i < 1 + random(400); i++) {
        // Clustered indexes exercise VAL runs and their merging; values up to 32 keep it sparse.
        const index = random(4) === 0 ? random(REGISTERS) : 5000 + random(64);
        const count = 1 + random(32);
        const changes = count > expected[index];
        expected[index] = Math.max(expected[index], count);
        expect(sparse.set(index, count, UNBOUNDED)).toBe(changes ? 'changed' : 'unchanged');
        expect(dense.set(index, count, UNBOUNDED)).toBe(changes ? 'changed' : 'unchanged');
      }
      expect(sparse.encoding).toBe('sparse');
      expect(sparse.registers()).toEqual(expected);
      expect(dense.registers()).toEqual(expected);
      expect(sparse.cardinality()).toBe(dense.cardinality());
      expect(cardinalityOfRegisters(expected)).toBe(dense.cardinality());
      // No two neighbouring VALs of one value that would fit in one are left.
      expect(sparse.decodeSparse()).not.toMatch(/v:(\d+),1 v:\1,1(?!\d)/);
    }
  });

  it('turns dense for a value above 32 or past hll-sparse-max-bytes, keeping every register', () => {
    const big = HyperLogLog.empty();
    big.set(7, 5, UNBOUNDED);
    expect(big.set(9, 33, UNBOUNDED)).toBe('changed');
    expect(big.encoding).toBe('dense');
    expect(big.toString().length).toBe(DENSE_BYTES);
    expect([...(big.registers() as Uint8Array).subarray(6, 10)]).toEqual([0, 5, 0, 33]);

    const long = HyperLogLog.empty();
    let index = 0;
    while (long.encoding === 'sparse') {
      expect(long.toString().length).toBeLessThanOrEqual(40);
      long.set((index += 3), 1, 40);
    }
    expect(long.registers()?.filter((value) => value === 1).length).toBe(index / 3);
  });

  it('PFSELFTEST-style register access: a register keeps its value and leaves its neighbours alone', () => {
    const hll = HyperLogLog.emptyDense();
    const random = seeded(4);
    const expected = Array.from({ length: REGISTERS }, () => random(64));
    expected.forEach((value, i) => hll.setDenseRegister(i, value));
    expect(Array.from({ length: REGISTERS }, (_, i) => hll.denseRegister(i))).toEqual(expected);
    expect(hll.toString().length).toBe(DENSE_BYTES);
  });
});

describe('the bytes a change touched', () => {
  /** `old` with `patch` written at `offset` (what a setrange effect does). */
  const patched = (old: string, { offset, patch }: { offset: number; patch: string }) => old.slice(0, offset) + patch + old.slice(offset + patch.length);

  it('are a byte or two of a dense HLL for an element, the eight cache bytes for a count, none for nothing new', () => {
    const dense = HyperLogLog.emptyDense();
    dense.invalidateCache();
    const stale = dense.toString();
    const fresh = HyperLogLog.of(stale) as HyperLogLog;
    expect(fresh.changes()).toBeUndefined();
    fresh.add('an element', 3000);
    fresh.invalidateCache();
    const change = fresh.changes() as { offset: number; patch: string };
    expect(change.patch.length).toBeLessThanOrEqual(2);
    expect(patched(stale, change)).toBe(fresh.toString());

    const counted = HyperLogLog.of(fresh.toString()) as HyperLogLog;
    counted.cacheCardinality(counted.cardinality() as number);
    expect(counted.changes()?.offset).toBe(8);
    expect(patched(fresh.toString(), counted.changes() as { offset: number; patch: string })).toBe(counted.toString());

    const again = HyperLogLog.of(counted.toString()) as HyperLogLog;
    expect(again.add('an element', 3000)).toBe('unchanged');
    expect(again.changes()).toBeUndefined();
  });

  it('of a dense HLL read in place (borrowing) are those of a copy, and the bytes read are left as they were', () => {
    const dense = HyperLogLog.emptyDense();
    for (let i = 0; i < 5000; i++) dense.add(`e${i}`, 3000);
    const stored = Buffer.from(dense.toString(), 'latin1');
    const before = Buffer.from(stored);
    const borrowed = HyperLogLog.borrowing(stored) as HyperLogLog;
    const copied = HyperLogLog.of(stored.toString('latin1')) as HyperLogLog;
    expect(borrowed.cardinality()).toBe(copied.cardinality());
    for (const hll of [borrowed, copied]) {
      for (let i = 4990; i < 5100; i++) hll.add(`e${i}`, 3000);
      hll.invalidateCache();
      hll.cacheCardinality(hll.cardinality() as number);
    }
    expect(borrowed.toString()).toBe(copied.toString());
    expect(borrowed.changes()).toEqual(copied.changes());
    expect(stored.equals(before)).toBe(true);
    // Only a dense HLL is read in place; anything else is not borrowed.
    expect(HyperLogLog.borrowing(Buffer.from(HyperLogLog.empty().toString(), 'latin1'))).toBeUndefined();
    expect(HyperLogLog.borrowing(Buffer.from('HYLL plus junk that is not an HLL', 'latin1'))).toBeUndefined();
  });

  it('cover every byte that differs when a sparse HLL is changed in place or keeps its length', () => {
    const random = seeded(6);
    let old = HyperLogLog.empty().toString();
    let sameLength = 0;
    for (let i = 0; i < 300; i++) {
      const hll = HyperLogLog.of(old) as HyperLogLog;
      // Registers close together: VAL runs to raise in place, split and merge.
      hll.set(random(200), 1 + random(32), UNBOUNDED);
      const now = hll.toString();
      const change = hll.changes();
      if (now.length === old.length) {
        sameLength++;
        expect(change === undefined ? old : patched(old, change)).toBe(now);
      }
      old = now;
    }
    expect(sameLength).toBeGreaterThan(100);
  });
});

describe('the cached cardinality', () => {
  it('is the header bytes 8..15, little-endian, stale while the top bit is set', () => {
    const hll = HyperLogLog.empty();
    hll.invalidateCache();
    expect(hll.cachedCardinality()).toBeUndefined();
    hll.cacheCardinality(0x123456789a);
    expect(Buffer.from(hll.toString(), 'latin1').subarray(8, 16).toString('hex')).toBe('9a78563412000000');
    expect(hll.cachedCardinality()).toBe(0x123456789a);
    hll.cacheCardinality(2n ** 62n + 1n);
    expect(hll.cachedCardinality()).toBe(2n ** 62n + 1n);
  });

  it('of a sketch too full to estimate is LLONG_MIN, which reads as stale', () => {
    const full = new Uint8Array(REGISTERS).fill(51);
    expect(cardinalityOfRegisters(full)).toBe(-(2n ** 63n));
    const hll = HyperLogLog.emptyDense();
    for (let i = 0; i < REGISTERS; i++) hll.setDenseRegister(i, 51);
    hll.cacheCardinality(hll.cardinality() as bigint);
    expect(hll.cachedCardinality()).toBeUndefined();
  });

  it('estimates distinct elements within a few standard errors', () => {
    const hll = HyperLogLog.empty();
    for (let i = 0; i < 20000; i++) hll.add(`element:${i}`, 3000);
    expect(hll.encoding).toBe('dense');
    expect(Math.abs(Number(hll.cardinality()) - 20000)).toBeLessThan(20000 * (1.04 / 128) * 6);
  });
});

describe('strings that are not an HLL, and corrupt ones', () => {
  const good = HyperLogLog.empty().toString();
  const withBody = (body: number[]) => good.slice(0, HEADER_BYTES) + String.fromCharCode(...body);

  it('refuses a short string, a wrong magic, an unknown encoding, a dense one of the wrong length', () => {
    expect(HyperLogLog.of('HYLL')).toBeUndefined();
    expect(HyperLogLog.of('HILL' + good.slice(4))).toBeUndefined();
    expect(HyperLogLog.of(good.slice(0, 4) + '\x02' + good.slice(5))).toBeUndefined();
    expect(HyperLogLog.of(good.slice(0, 4) + '\x00' + good.slice(5))).toBeUndefined();
    expect(HyperLogLog.of(good)?.encoding).toBe('sparse');
  });

  it('finds sparse runs that stop short of the last register or run past it', () => {
    for (const body of [[], [0x7f, 0xfe], [0x7f, 0xff, 0x80], [0x7f, 0xfe, 0x83], [0x7f, 0xfe, 0x80, 0x40]]) {
      const hll = HyperLogLog.of(withBody(body)) as HyperLogLog;
      const before = hll.toString();
      expect(hll.cardinality()).toBeUndefined();
      expect(hll.registers()).toBeUndefined();
      expect(hll.toDense()).toBe(false);
      expect(hll.toString()).toBe(before);
    }
    // Short of the last register: an index past the runs has no opcode to change.
    expect((HyperLogLog.of(withBody([0x7f, 0xfe])) as HyperLogLog).set(16383, 1, UNBOUNDED)).toBe('corrupt');
    expect((HyperLogLog.of(withBody([0x7f, 0xfe])) as HyperLogLog).set(16383, 40, UNBOUNDED)).toBe('corrupt');
  });
});
