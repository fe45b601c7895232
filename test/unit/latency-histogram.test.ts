import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../src/observability/latency-histogram.js';
import { Slowlog } from '../../src/observability/slowlog.js';

describe('LatencyHistogram', () => {
  it('answers percentiles within 1.6% above the exact sample, never below', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10 ** 12 }), { minLength: 1, maxLength: 200 }), fc.double({ min: 0, max: 100, noNaN: true }), (samples, percent) => {
        const histogram = new LatencyHistogram();
        for (const sample of samples) histogram.record(sample);
        const sorted = [...samples].sort((a, b) => a - b);
        const exact = sorted[Math.max(1, Math.round((percent / 100) * samples.length)) - 1];
        const answer = histogram.percentile(percent);
        expect(answer).toBeGreaterThanOrEqual(exact);
        expect(answer).toBeLessThanOrEqual(exact < 128 ? exact : exact * 1.016 + 1);
      }),
    );
  });

  it('counts the samples below each power of two from 1024 ns, cumulatively', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10 ** 9 }), { minLength: 1, maxLength: 200 }), (samples) => {
        const histogram = new LatencyHistogram();
        for (const sample of samples) histogram.record(sample);
        const buckets = histogram.powerOfTwoBuckets();
        let bound = 1024;
        for (const [at, count] of buckets) {
          expect(at).toBe(bound);
          expect(count).toBe(samples.filter((sample) => sample < bound).length);
          bound *= 2;
        }
        expect(buckets.at(-1)?.[1]).toBe(samples.length);
      }),
    );
  });

  it('is empty after a reset', () => {
    const histogram = new LatencyHistogram();
    histogram.record(5000);
    histogram.reset();
    expect([histogram.count, histogram.percentile(50), histogram.powerOfTwoBuckets()]).toEqual([0, 0, []]);
  });
});

describe('Slowlog', () => {
  const client = { name: 'n', transport: { remoteAddress: '127.0.0.1:1' } };

  it('keeps the newest max-len entries, trims arguments and redacts secrets', () => {
    const log = new Slowlog(0, 2);
    log.push(client, ['set', 'k', 'x'.repeat(130)], 5, 1000);
    log.push(client, ['rpush', 'l', ...Array.from({ length: 40 }, String)], 6, 2000);
    log.push(client, ['migrate', 'h', '1', 'k', '0', '10', 'AUTH2', 'user', 'pw', 'KEYS', 'auth'], 7, 3000);
    expect(log.latest(-1).map((entry) => [entry.id, entry.args.length])).toEqual([
      [2, 11],
      [1, 32],
    ]);
    expect(log.latest(-1)[0].args.slice(6)).toEqual(['AUTH2', '(redacted)', '(redacted)', 'KEYS', 'auth']);
    expect(log.latest(-1)[1].args[31]).toBe('... (11 more arguments)');
    const first = new Slowlog(0, 5);
    first.push(client, ['set', 'k', 'x'.repeat(130)], 5, 1000);
    expect(first.latest(1)[0].args[2]).toBe(`${'x'.repeat(128)}... (2 more bytes)`);
  });

  it('wants nothing when off (negative), everything at 0', () => {
    expect([new Slowlog(-1, 10).wants(1e9), new Slowlog(0, 10).wants(0), new Slowlog(100, 10).wants(99)]).toEqual([false, true, false]);
  });
});
