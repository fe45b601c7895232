import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '../../src/session/client.js';
import { dispatch } from '../../src/session/dispatcher.js';
import type { Log } from '../../src/log/log.js';
import type { LogRecord } from '../../src/log/record.js';
import type { Store } from '../../src/shards/store.js';
import { startInProcess, type InProcessServer } from '../../src/server/in-process-server.js';

/** A write carries its command's time and event names (a WriteContext): the Store keeps no command state. */

let server: InProcessServer;
let log: Log;
let store: Store;
let client: Client;

beforeEach(async () => {
  server = await startInProcess(1);
  ({ log, store, client } = server);
});
afterEach(() => server.close());

async function records(): Promise<LogRecord[]> {
  await log.flush();
  const all: LogRecord[] = [];
  for await (const record of log.read(1)) all.push(record);
  return all;
}

describe('WriteContext', () => {
  it('a write takes its time and event names from its context, and the next write keeps none of them', async () => {
    store.writeKey(0, 'n', ['put', 'n', '1', 0], { now: 1000, events: { put: 'incrby' } });
    store.writeKey(0, 'm', ['put', 'm', '1', 0], { now: 2000, events: undefined });
    store.put(0, 'e', 'v', 5000, { now: 3000, events: undefined }, 'set,expire');
    expect((await records()).map(({ ts, event }) => [ts, event])).toEqual([
      [1000, 'incrby'],
      [2000, undefined],
      [3000, 'set,expire'],
    ]);
  });

  it("a command's effects are named by its row or by the option that names them, and nothing carries over", async () => {
    for (const command of [
      ['INCR', 'n'],
      ['SET', 'k', 'v', 'EX', '100'],
      ['SET', 'plain', 'v'],
      ['ZINCRBY', 'z', '1', 'm'],
      ['ZPOPMIN', 'z'],
      ['HINCRBY', 'h', 'f', '1'],
      ['HSET', 'h', 'g', '1'],
    ])
      dispatch(client, command);
    expect((await records()).map(({ effect, event }) => [effect[0], event])).toEqual([
      ['put', 'incrby'],
      ['put', 'set,expire'],
      ['put', undefined],
      ['zadd', 'zincr'],
      ['zremrange', 'zpopmin,del'],
      ['hset', 'hincrby'],
      ['hset', undefined],
    ]);
  });

  it('active expiry belongs to no command: its deletion takes no name from the command before it', async () => {
    dispatch(client, ['SET', 'gone', 'v', 'PX', '100']);
    dispatch(client, ['SET', 'a', 'v']);
    dispatch(client, ['RENAME', 'a', 'b']);
    expect(store.expireSome(Date.now() + 1000, 100).expired).toBe(1);
    const expired = (await records()).at(-1) as LogRecord;
    expect(expired.effect).toEqual(['del', 'gone', 'expired']);
    expect(expired.event).toBeUndefined();
  });

  it('a blocked command served later runs at the time it is served, with its own event names', async () => {
    const waiting = new Client(client.server, { remoteAddress: 'test:2', localAddress: 'test:0', close: () => undefined, push: () => true });
    dispatch(waiting, ['BLMOVE', 'src', 'dst', 'LEFT', 'RIGHT', '0']);
    const blockedAt = waiting.now;
    await new Promise((resolve) => setTimeout(resolve, 20));
    // SORT ... STORE names its rpush `sortstore`; the blocked BLMOVE's own rpush stays `rpush`.
    dispatch(client, ['RPUSH', 'input', '2', '1']);
    dispatch(client, ['SORT', 'input', 'STORE', 'src']);
    const [, sorted, popped, pushed] = await records();
    expect([sorted.effect[0], sorted.event]).toEqual(['rpush', 'sortstore']);
    expect([popped.effect[0], popped.event]).toEqual(['lpop', undefined]);
    expect([pushed.effect[0], pushed.event]).toEqual(['rpush', undefined]);
    expect(popped.ts).toBeGreaterThan(blockedAt);
    expect(pushed.ts).toBe(popped.ts);
  });
});
