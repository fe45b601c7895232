import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '../../src/session/client.js';
import { Config } from '../../src/config/config.js';
import { dispatch } from '../../src/session/dispatcher.js';
import { PendingReply } from '../../src/replies/pending-reply.js';
import { OK, type Reply } from '../../src/replies/reply.js';
import { composeServer } from '../../src/server/compose.js';
import { Log } from '../../src/log/log.js';
import { Store } from '../../src/shards/store.js';
import { keysOnShard } from '../support/keys-on-shards.js';

let dir: string;
let log: Log;
let client: Client;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eddy-dispatch-'));
  log = await Log.open(dir, { shards: 2, fsync: 'no' });
  const store = new Store(log);
  const config = new Config();
  const server = await composeServer(
    store,
    config,
    { shutdown: () => undefined, internalError: () => undefined, background: () => undefined },
    { info: () => undefined, warn: () => undefined },
    0,
  );
  client = new Client(server, { remoteAddress: 'test:1', localAddress: 'test:0', close: () => undefined, push: () => true });
});
afterEach(async () => {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

function settled(pending: PendingReply): Promise<Reply> {
  return new Promise((resolve) => pending.onSettled(resolve));
}

describe('dispatch', () => {
  it('runs a command at once when its shard is free', () => {
    expect(dispatch(client, ['SET', 'k', 'v'])).toBe(OK);
    expect(dispatch(client, ['get', 'k'])).toBe('v');
  });

  it('queues a command behind a job holding its shard, and runs it when released', async () => {
    const [onHeld] = keysOnShard(0, 2, 1);
    const [onFree] = keysOnShard(1, 2, 1);
    const held = client.server.store.shards[0].queue;
    await held.acquire();
    const reply = dispatch(client, ['SET', onHeld, 'later']);
    expect(reply).toBeInstanceOf(PendingReply);
    expect(dispatch(client, ['SET', onFree, 'now'])).toBe(OK);
    const mset = dispatch(client, ['MSET', onFree, 'x', onHeld, 'y']);
    expect(mset).toBeInstanceOf(PendingReply);
    expect(client.server.store.lookup(0, onHeld, client)).toBeUndefined();
    held.release();
    expect(await settled(reply as PendingReply)).toBe(OK);
    expect(await settled(mset as PendingReply)).toBe(OK);
    expect(client.server.store.lookup(0, onHeld, client)).toBe('y');
    expect(client.server.store.lookup(0, onFree, client)).toBe('x');
  });
});
