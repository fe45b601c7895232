import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';

/**
 * Property tests: random command sequences run against Eddy and against a plain in-test model of
 * each type; every reply and the final state must agree.
 */
let server: EddyProcess;
let redis: Redis;

beforeAll(async () => {
  server = await EddyProcess.start(['--shards', '2']);
  redis = new Redis({ port: server.port, protocol: 2 });
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

const member = fc.constantFrom('a', 'b', 'c', 'd', 'e');
const RUNS = { numRuns: 40 };

type Step<M> = { args: string[]; model: (state: M, reply: unknown) => unknown };

/** Runs the steps on a fresh key and in the model; compares each reply with the model's answer. */
async function check<M>(initial: () => M, steps: Step<M>[], final: (state: M) => [string[], unknown]): Promise<void> {
  await redis.del('k');
  const state = initial();
  for (const step of steps) {
    let reply: unknown;
    try {
      reply = await redis.call(step.args[0], ...step.args.slice(1));
    } catch (error) {
      reply = `error: ${(error as Error).message}`;
    }
    expect({ command: step.args, reply }).toEqual({ command: step.args, reply: step.model(state, reply) });
  }
  const [args, expected] = final(state);
  expect(await redis.call(args[0], ...args.slice(1))).toEqual(expected);
}

describe('model-based properties', () => {
  it('strings behave like a JS string (bytes as latin1 characters)', async () => {
    type S = { value: string | null };
    const text = fc.string({ unit: 'binary-ascii', maxLength: 4 });
    const step = fc.oneof(
      text.map((v): Step<S> => ({ args: ['SET', 'k', v], model: (s) => ((s.value = v), 'OK') })),
      text.map((v): Step<S> => ({ args: ['APPEND', 'k', v], model: (s) => (s.value = (s.value ?? '') + v).length })),
      fc.tuple(fc.integer({ min: 0, max: 6 }), text).map(([offset, v]): Step<S> => ({
        args: ['SETRANGE', 'k', String(offset), v],
        model: (s) => {
          if (v.length === 0) return s.value?.length ?? 0;
          const padded = (s.value ?? '').padEnd(offset, '\0');
          s.value = padded.slice(0, offset) + v + padded.slice(offset + v.length);
          return s.value.length;
        },
      })),
      fc.tuple(fc.integer({ min: -5, max: 5 }), fc.integer({ min: -5, max: 5 })).map(([start, end]): Step<S> => ({
        args: ['GETRANGE', 'k', String(start), String(end)],
        model: (s) => {
          const v = s.value ?? '';
          if (start < 0 && end < 0 && start > end) return '';
          // Redis clamps a negative end to 0 here (GETRANGE hello 0 -10 is "h").
          const from = start < 0 ? Math.max(v.length + start, 0) : start;
          const to = Math.min(end < 0 ? Math.max(v.length + end, 0) : end, v.length - 1);
          return from > to || v.length === 0 ? '' : v.slice(from, to + 1);
        },
      })),
      fc.integer({ min: -3, max: 3 }).map((n): Step<S> => ({
        args: ['INCRBY', 'k', String(n)],
        model: (s) => {
          const current = s.value === null ? 0 : /^-?(0|[1-9][0-9]*)$/.test(s.value) && s.value !== '-0' ? Number(s.value) : null;
          if (current === null) return 'error: ERR value is not an integer or out of range';
          s.value = String(current + n);
          return current + n;
        },
      })),
      fc.constant<Step<S>>({ args: ['STRLEN', 'k'], model: (s) => s.value?.length ?? 0 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), (steps) =>
        check(
          (): S => ({ value: null }),
          steps,
          (s) => [['GET', 'k'], s.value],
        ),
      ),
      RUNS,
    );
  });

  it('hashes behave like a Map', async () => {
    const step = fc.oneof(
      fc.tuple(member, fc.string({ maxLength: 3 })).map(([f, v]): Step<Map<string, string>> => ({
        args: ['HSET', 'k', f, v],
        model: (m) => {
          const added = m.has(f) ? 0 : 1;
          m.set(f, v);
          return added;
        },
      })),
      member.map((f): Step<Map<string, string>> => ({ args: ['HDEL', 'k', f], model: (m) => (m.delete(f) ? 1 : 0) })),
      member.map((f): Step<Map<string, string>> => ({ args: ['HGET', 'k', f], model: (m) => m.get(f) ?? null })),
      fc.constant<Step<Map<string, string>>>({ args: ['HLEN', 'k'], model: (m) => m.size }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), (steps) =>
        check(
          () => new Map<string, string>(),
          steps,
          (m) => [['HGETALL', 'k'], [...m].flat()],
        ),
      ),
      RUNS,
    );
  });

  it('lists behave like an array', async () => {
    const item = fc.constantFrom('x', 'y', 'z');
    const index = fc.integer({ min: -4, max: 4 });
    const step = fc.oneof(
      item.map((v): Step<string[]> => ({ args: ['LPUSH', 'k', v], model: (l) => l.unshift(v) })),
      item.map((v): Step<string[]> => ({ args: ['RPUSH', 'k', v], model: (l) => l.push(v) })),
      fc.constant<Step<string[]>>({ args: ['LPOP', 'k'], model: (l) => l.shift() ?? null }),
      fc.constant<Step<string[]>>({ args: ['RPOP', 'k'], model: (l) => l.pop() ?? null }),
      fc.tuple(index, item).map(([i, v]): Step<string[]> => ({
        args: ['LSET', 'k', String(i), v],
        model: (l) => {
          if (l.length === 0) return 'error: ERR no such key';
          const at = i < 0 ? l.length + i : i;
          if (at < 0 || at >= l.length) return 'error: ERR index out of range';
          l[at] = v;
          return 'OK';
        },
      })),
      fc.tuple(fc.integer({ min: -2, max: 2 }), item).map(([count, v]): Step<string[]> => ({
        args: ['LREM', 'k', String(count), v],
        model: (l) => {
          let left = count === 0 ? Infinity : Math.abs(count);
          let removed = 0;
          const order = count >= 0 ? l.map((_, i) => i) : l.map((_, i) => l.length - 1 - i);
          const doomed = new Set<number>();
          for (const i of order)
            if (left > 0 && l[i] === v) {
              doomed.add(i);
              left--;
              removed++;
            }
          const kept = l.filter((_, i) => !doomed.has(i));
          l.splice(0, l.length, ...kept);
          return removed;
        },
      })),
      fc.tuple(index, index).map(([start, stop]): Step<string[]> => ({
        args: ['LTRIM', 'k', String(start), String(stop)],
        model: (l) => {
          const s = Math.max(start < 0 ? l.length + start : start, 0);
          const e = Math.min(stop < 0 ? l.length + stop : stop, l.length - 1);
          l.splice(0, l.length, ...(s > e ? [] : l.slice(s, e + 1)));
          return 'OK';
        },
      })),
      fc.tuple(fc.constantFrom('BEFORE', 'AFTER'), item, item).map(([where, pivot, v]): Step<string[]> => ({
        args: ['LINSERT', 'k', where, pivot, v],
        model: (l) => {
          if (l.length === 0) return 0;
          const at = l.indexOf(pivot);
          if (at === -1) return -1;
          l.splice(where === 'BEFORE' ? at : at + 1, 0, v);
          return l.length;
        },
      })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), (steps) =>
        check(
          () => [] as string[],
          steps,
          (l) => [['LRANGE', 'k', '0', '-1'], l],
        ),
      ),
      RUNS,
    );
  });

  it('sets behave like a Set (SPOP takes what Eddy chose)', async () => {
    const step = fc.oneof(
      member.map((m): Step<Set<string>> => ({ args: ['SADD', 'k', m], model: (s) => (s.has(m) ? 0 : (s.add(m), 1)) })),
      member.map((m): Step<Set<string>> => ({ args: ['SREM', 'k', m], model: (s) => (s.delete(m) ? 1 : 0) })),
      member.map((m): Step<Set<string>> => ({ args: ['SISMEMBER', 'k', m], model: (s) => (s.has(m) ? 1 : 0) })),
      fc.constant<Step<Set<string>>>({
        args: ['SPOP', 'k'],
        model: (s, reply) => {
          if (s.size === 0) return null;
          if (typeof reply !== 'string' || !s.has(reply)) return 'a member of the set';
          s.delete(reply);
          return reply;
        },
      }),
      fc.constant<Step<Set<string>>>({ args: ['SCARD', 'k'], model: (s) => s.size }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), (steps) =>
        check(
          () => new Set<string>(),
          steps,
          (s) => [['SORT', 'k', 'ALPHA'], [...s].sort()],
        ),
      ),
      RUNS,
    );
  });

  it('sorted sets keep (score, member) order, ranks and score ranges', async () => {
    const score = fc.integer({ min: -3, max: 3 });
    const sorted = (z: Map<string, number>) => [...z].sort(([ma, sa], [mb, sb]) => sa - sb || (ma < mb ? -1 : ma > mb ? 1 : 0));
    const step = fc.oneof(
      fc.tuple(score, member).map(([s, m]): Step<Map<string, number>> => ({
        args: ['ZADD', 'k', String(s), m],
        model: (z) => {
          const added = z.has(m) ? 0 : 1;
          z.set(m, s);
          return added;
        },
      })),
      fc.tuple(score, member).map(([s, m]): Step<Map<string, number>> => ({
        args: ['ZINCRBY', 'k', String(s), m],
        model: (z) => {
          const next = (z.get(m) ?? 0) + s;
          z.set(m, next);
          return String(next);
        },
      })),
      member.map((m): Step<Map<string, number>> => ({ args: ['ZREM', 'k', m], model: (z) => (z.delete(m) ? 1 : 0) })),
      member.map((m): Step<Map<string, number>> => ({
        args: ['ZRANK', 'k', m],
        model: (z) => {
          const rank = sorted(z).findIndex(([x]) => x === m);
          return rank === -1 ? null : rank;
        },
      })),
      fc.constant<Step<Map<string, number>>>({
        args: ['ZPOPMIN', 'k'],
        model: (z) => {
          const [first] = sorted(z);
          if (first === undefined) return [];
          z.delete(first[0]);
          return [first[0], String(first[1])];
        },
      }),
      fc.tuple(score, score).map(([a, b]): Step<Map<string, number>> => ({
        args: ['ZRANGEBYSCORE', 'k', `(${a}`, String(b)],
        model: (z) =>
          sorted(z)
            .filter(([, s]) => s > a && s <= b)
            .map(([m]) => m),
      })),
      fc.tuple(score, score).map(([a, b]): Step<Map<string, number>> => ({
        args: ['ZCOUNT', 'k', String(a), String(b)],
        model: (z) => sorted(z).filter(([, s]) => s >= a && s <= b).length,
      })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), (steps) =>
        check(
          () => new Map<string, number>(),
          steps,
          (z) => [['ZRANGE', 'k', '0', '-1', 'WITHSCORES'], sorted(z).flatMap(([m, s]) => [m, String(s)])],
        ),
      ),
      RUNS,
    );
  });
});
