import { describe, expect, test } from 'vitest';
import { HashValue } from '../../src/projections/hash-value.js';
import { defaultEncodingLimits } from '../../src/projections/encoding-limits.js';
import { idleMsOf, lfuDecayed, lfuIncremented, lfuPacked, LFU_INIT_VAL, LRU_CLOCK_MAX, lruClock } from '../../src/projections/key-access.js';
import { estimateKeyBytes, estimateValueBytes, stringBytes } from '../../src/projections/memory-estimate.js';
import { availableMemory, heapChosenBy, oldSpaceMbFor } from '../../src/server/heap-size.js';
import { heapCeilingOf, maxmemoryBeyondHeap } from '../../src/shards/eviction.js';

const MB = 2 ** 20;
const MINUTE = 60_000;

describe('LRU clock and LFU counter (Redis evict.c)', () => {
  test('the LRU clock counts seconds and wraps at 2^24; idle time spans the wrap', () => {
    expect(lruClock(5_000)).toBe(5);
    expect(lruClock((LRU_CLOCK_MAX + 1) * 1000)).toBe(0);
    expect(idleMsOf(lruClock(10_000), 12_500)).toBe(2000);
    // Stamped just before the wrap, read just after it: Redis's arithmetic counts the wrap as no second.
    expect(idleMsOf(LRU_CLOCK_MAX - 1, (LRU_CLOCK_MAX + 2) * 1000)).toBe(2000);
  });

  test('the counter grows with probability 1/((c - 5) * factor + 1) and stops at 255', () => {
    expect(lfuIncremented(LFU_INIT_VAL, 10, 0.99)).toBe(LFU_INIT_VAL + 1);
    expect(lfuIncremented(3, 10, 0.99)).toBe(4);
    expect(lfuIncremented(15, 10, 1 / 101 - 1e-9)).toBe(16);
    expect(lfuIncremented(15, 10, 1 / 101 + 1e-9)).toBe(15);
    expect(lfuIncremented(255, 0, 0)).toBe(255);
    // log factor 10: about a million hits take a counter to 255, a hundred to near 10 (Redis's table in redis.conf).
    let counter = LFU_INIT_VAL;
    // Evenly spread draws (golden-ratio steps), not Math.random: the same answer at every run.
    for (let i = 1; i <= 100; i++) counter = lfuIncremented(counter, 10, (i * 0.6180339887498949) % 1);
    expect(counter).toBeGreaterThanOrEqual(8);
    expect(counter).toBeLessThanOrEqual(14);
  });

  test('the counter decays by one per lfu-decay-time minutes, across the 16-bit minute wrap, and not at all with 0', () => {
    const at = 100 * MINUTE;
    expect(lfuDecayed(lfuPacked(at, 20), at + 3 * MINUTE, 1)).toBe(17);
    expect(lfuDecayed(lfuPacked(at, 20), at + 7 * MINUTE, 2)).toBe(17);
    expect(lfuDecayed(lfuPacked(at, 2), at + 30 * MINUTE, 1)).toBe(0);
    expect(lfuDecayed(lfuPacked(at, 20), at + 30 * MINUTE, 0)).toBe(20);
    // Across the wrap Redis's LFUTimeElapsed counts one minute short, and so does Eddy.
    expect(lfuDecayed(lfuPacked(65_535 * MINUTE, 20), 65_537 * MINUTE, 1)).toBe(19);
  });
});

describe('per-key estimates (MEMORY USAGE)', () => {
  test('strings cost their bytes plus a header, in words', () => {
    expect(stringBytes('')).toBe(16);
    expect(stringBytes('12345678')).toBe(24);
    expect(stringBytes('123456789')).toBe(32);
    expect(estimateKeyBytes('k', 'v', true, 5)).toBeGreaterThan(estimateKeyBytes('k', 'v', false, 5));
  });

  test('a collection is sampled and scaled; SAMPLES 0 measures every element', () => {
    const hash = new HashValue();
    const limits = defaultEncodingLimits();
    for (let i = 0; i < 1000; i++) hash.set(`field${i}`, i < 5 ? 'x' : 'x'.repeat(100), limits);
    const sampled = estimateValueBytes(hash, 5);
    const all = estimateValueBytes(hash, 0);
    // The first five are small, the rest large: sampling five underestimates, as Redis's does.
    expect(sampled).toBeLessThan(all / 2);
    expect(all).toBeGreaterThan(1000 * 100);
    expect(all).toBeLessThan(1000 * 300);
  });
});

describe('heap sizing and the heap guard', () => {
  test('the old space is sized from maxmemory, or from three quarters of the memory available', () => {
    expect(oldSpaceMbFor(100 * MB, 8192 * MB)).toBe(Math.ceil((100 / 0.85) * 1.5 + 64));
    expect(oldSpaceMbFor(0, 8192 * MB)).toBe(6144);
    expect(availableMemory(8192 * MB, 2 ** 60)).toBe(8192 * MB);
    expect(availableMemory(8192 * MB, 1024 * MB)).toBe(1024 * MB);
    expect(heapChosenBy('--max-old-space-size=100', [])).toBe(true);
    expect(heapChosenBy('', ['--max_old_space_size=100'])).toBe(true);
    expect(heapChosenBy('--enable-source-maps', [])).toBe(false);
  });

  test('writes stop well before V8 would abort; a heap sized for a maxmemory holds it', () => {
    // --max-old-space-size=64: heap_size_limit 112 MB (48 MB of young generation).
    expect(heapCeilingOf(112 * MB)).toBe(48 * MB);
    expect(heapCeilingOf(4144 * MB)).toBeCloseTo(0.85 * 4096 * MB);
    expect(maxmemoryBeyondHeap(100 * MB, 112 * MB)).toMatch(/^maxmemory 100mb is more than this process's heap can hold/);
    const sized = (oldSpaceMbFor(100 * MB, 0) + 48) * MB;
    expect(maxmemoryBeyondHeap(100 * MB, sized)).toBeUndefined();
  });
});
