import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Client } from '../../src/session/client.js';
import { dispatch } from '../../src/session/dispatcher.js';
import { PendingReply } from '../../src/replies/pending-reply.js';
import { OK, type Reply } from '../../src/replies/reply.js';
import { startInProcess, type InProcessServer } from '../../src/server/in-process-server.js';
import { keysOnShard } from '../support/keys-on-shards.js';

let server: InProcessServer;
let client: Client;

beforeEach(async () => {
  server = await startInProcess(2);
  ({ client } = server);
});
afterEach(() => server.close());

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
