import { Redis } from 'ioredis';
import { pack, unpack } from 'msgpackr';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { EddyProcess } from '../support/eddy-process.js';
import { WsClient } from '../support/protocol-clients.js';

/** Resolves with the close code once the socket is closed. */
function closeCode(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => socket.once('close', (code) => resolve(code)));
}

/** The TCP socket under a ws client, to send frames the library would never build. */
function rawSocketOf(socket: WebSocket): { write(bytes: Buffer): void } {
  return (socket as unknown as { _socket: { write(bytes: Buffer): void } })._socket;
}

describe('WebSocket', () => {
  let server: EddyProcess;
  let redis: Redis;
  let url: string;
  const open: WsClient[] = [];
  const connect = async (target = url, headers: Record<string, string> = {}) => {
    const client = await WsClient.open(target, headers);
    open.push(client);
    return client;
  };

  beforeAll(async () => {
    server = await EddyProcess.start(['--ws-port', '0', '--http-port', '0', '--proto-max-bulk-len', '1mb']);
    url = `ws://127.0.0.1:${server.wsPort}/`;
    redis = new Redis({ port: server.port, protocol: 2 });
  });
  afterAll(async () => {
    for (const client of open) client.close();
    redis.disconnect();
    await server.stop();
  });
  beforeEach(async () => {
    await redis.flushall();
  });

  test('set, get, del, and a command of each type', async () => {
    const ws = await connect();
    expect(await ws.run(['SET', 'k', 'v'])).toEqual({ result: 'OK' });
    expect(await ws.run(['GET', 'k'])).toEqual({ result: 'v' });
    expect(await ws.run(['DEL', 'k'])).toEqual({ result: 1 });
    expect(await ws.run(['HSET', 'h', 'f', 'v'])).toEqual({ result: 1 });
    expect(await ws.run(['HGETALL', 'h'])).toEqual({ result: { f: 'v' } });
    expect(await ws.run(['RPUSH', 'l', 'a'])).toEqual({ result: 1 });
    expect(await ws.run(['SADD', 's', 'a'])).toEqual({ result: 1 });
    expect(await ws.run(['ZADD', 'z', '3', 'a'])).toEqual({ result: 1 });
    expect(await ws.run(['ZSCORE', 'z', 'a'])).toEqual({ result: 3 });
    expect(await ws.run(['GET', 'h'])).toEqual({ error: 'WRONGTYPE Operation against a key holding the wrong kind of value' });
  });

  test('many frames in flight run in order; the session keeps SELECT and MULTI', async () => {
    const ws = await connect();
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => ws.run(['RPUSH', 'order', String(i)])));
    expect(replies.map((reply) => (reply as { result: number }).result)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(await ws.run(['SELECT', '3'])).toEqual({ result: 'OK' });
    expect(await ws.run(['MULTI'])).toEqual({ result: 'OK' });
    expect(await ws.run(['SET', 'in3', 'x'])).toEqual({ result: 'QUEUED' });
    expect(await ws.run(['EXEC'])).toEqual({ result: ['OK'] });
    await redis.select(3);
    expect(await redis.get('in3')).toBe('x');
    await redis.select(0);
  });

  test('binary frames are msgpack with bytes kept as they are', async () => {
    const ws = await connect();
    const value = Buffer.from([0xff, 0x00, 0x80]);
    const next = new Promise<Record<string, unknown>>((resolve) => ws.socket.once('message', (data: Buffer) => resolve(unpack(data))));
    ws.socket.send(pack({ id: 'a', cmd: ['SET', 'bin', value] }));
    expect(await next).toEqual({ id: 'a', result: 'OK' });
    const got = new Promise<Record<string, unknown>>((resolve) => ws.socket.once('message', (data: Buffer) => resolve(unpack(data))));
    ws.socket.send(pack({ id: 'b', cmd: ['GET', 'bin'] }));
    expect(await got).toEqual({ id: 'b', result: value });
    expect(await redis.getBuffer('bin')).toEqual(value);
  });

  test('malformed frames get a clear error, nothing is written, the connection goes on', async () => {
    const ws = await connect();
    const answers: unknown[] = [];
    ws.socket.on('message', (data: Buffer, binary) => answers.push(binary ? unpack(data) : JSON.parse(data.toString())));
    ws.socket.send('{not json');
    ws.socket.send('[1,2]');
    ws.socket.send('{"id":7,"cmd":[]}');
    ws.socket.send('{"id":8,"cmd":[["SET"]]}');
    ws.socket.send(Buffer.from([0x82, 0xa2])); // a truncated msgpack map
    await expect.poll(() => answers.length).toBe(5);
    expect(answers).toEqual([
      { id: null, error: 'ERR Protocol error: invalid JSON frame' },
      { id: null, error: 'ERR Protocol error: a frame is {"id": ..., "cmd": [...]}' },
      { id: 7, error: 'ERR Protocol error: a command is a non-empty array of arguments' },
      { id: 8, error: 'ERR Protocol error: arguments must be strings, numbers, bytes or {"base64": ...}' },
      { id: null, error: 'ERR Protocol error: invalid msgpack frame' },
    ]);
    expect(await ws.run(['PING'])).toEqual({ result: 'PONG' });
    expect(await redis.dbsize()).toBe(0);
  });

  test('oversize: a value past proto-max-bulk-len is refused; a frame past the limit closes with 1009', async () => {
    const ws = await connect();
    expect(await ws.run(['SET', 'big', 'x'.repeat(1024 * 1024 + 1)])).toEqual({ error: 'ERR Protocol error: invalid bulk length' });
    const huge = await connect();
    const closed = closeCode(huge.socket);
    // The header of a 3 MB masked text frame: the server refuses it from its length alone.
    const header = Buffer.alloc(14);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(3n * 1024n * 1024n, 2);
    rawSocketOf(huge.socket).write(header);
    expect(await closed).toBe(1009);
    expect(await redis.exists('big')).toBe(0);
  });

  test('a truncated or broken frame closes the connection with a protocol error (1002)', async () => {
    const ws = await connect();
    const closed = closeCode(ws.socket);
    // An unmasked client frame breaks RFC 6455: the server must fail the connection.
    rawSocketOf(ws.socket).write(Buffer.from([0x81, 0x05, 0x68, 0x65]));
    expect(await closed).toBe(1002);
    expect(await redis.dbsize()).toBe(0);
  });

  test('served at /ws on the HTTP server too', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.httpPort}/ws`);
    expect(await ws.run(['SET', 'via', 'http'])).toEqual({ result: 'OK' });
    expect(await redis.get('via')).toBe('http');
    await expect(WsClient.open(`ws://127.0.0.1:${server.httpPort}/elsewhere`)).rejects.toThrow(/404/);
  });

  test('connections are clients: CLIENT LIST shows them, CLIENT KILL closes them', async () => {
    const ws = await connect();
    await ws.run(['CLIENT', 'SETNAME', 'browser']);
    expect(await redis.client('LIST')).toContain('name=browser');
    const closed = closeCode(ws.socket);
    await redis.call('client', 'KILL', 'SKIPME', 'yes', 'ID', String(((await ws.run(['CLIENT', 'ID'])) as { result: number }).result));
    await closed;
  });
});

describe('WebSocket with requirepass', () => {
  let server: EddyProcess;
  let url: string;

  beforeAll(async () => {
    server = await EddyProcess.start(['--ws-port', '0', '--requirepass', 'sesame']);
    url = `ws://127.0.0.1:${server.wsPort}/`;
  });
  afterAll(async () => {
    await server.stop();
  });

  test('commands need AUTH or a password at the upgrade; a wrong one closes with 1008', async () => {
    const anonymous = await WsClient.open(url);
    expect(await anonymous.run(['SET', 'k', 'v'])).toEqual({ error: 'NOAUTH Authentication required.' });
    expect(await anonymous.run(['AUTH', 'sesame'])).toEqual({ result: 'OK' });
    expect(await anonymous.run(['SET', 'k', 'v'])).toEqual({ result: 'OK' });
    anonymous.close();

    const bearer = await WsClient.open(url, { authorization: 'Bearer sesame' });
    expect(await bearer.run(['GET', 'k'])).toEqual({ result: 'v' });
    bearer.close();

    const wrong = await WsClient.open(url, { 'x-eddy-password': 'nope' });
    expect(await closeCode(wrong.socket)).toBe(1008);
  });
});

describe('WebSocket tails and blocking commands', () => {
  let server: EddyProcess;
  let redis: Redis;

  beforeAll(async () => {
    server = await EddyProcess.start(['--ws-port', '0', '--shards', '2']);
    redis = new Redis({ port: server.port });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });
  beforeEach(async () => {
    await redis.flushall();
  });

  test('a WebSocket tail takes its keys as keys, never as options', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.wsPort}/`);
    await new Promise((resolve) => socket.once('open', resolve));
    const frames: Record<string, unknown>[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
    await redis.set('before', 'x');
    const [rev] = (await redis.call('LOGREAD', 'FROM', '$')) as [number];
    // Were 'FROM' '1' taken as an option, the tail would replay `before` from revision 1.
    socket.send(JSON.stringify({ id: 1, op: 'tail', keys: ['a', 'FROM', '1'] }));
    await expect.poll(() => frames.length).toBeGreaterThan(0);
    expect(frames[0]).toEqual({ id: 1, result: ['tail', rev] });
    await redis.set('FROM', 'v');
    await redis.set('1', 'w');
    await expect.poll(() => frames.length).toBe(3);
    expect(frames.slice(1).map((frame) => (frame.push as unknown[])[4])).toEqual(['FROM', '1']);
    socket.terminate();
  });

  test('a WebSocket tail whose client stops reading is paused, not cut off, and loses nothing', async () => {
    await redis.config('SET', 'client-output-buffer-limit', 'pubsub 512kb 0 0');
    const socket = new WebSocket(`ws://127.0.0.1:${server.wsPort}/`);
    await new Promise((resolve) => socket.once('open', resolve));
    const frames: Record<string, unknown>[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
    socket.send(JSON.stringify({ id: 1, op: 'tail', match: ['slow:*'] }));
    await expect.poll(() => frames.length).toBe(1);
    socket.pause();
    const value = 'v'.repeat(10_000);
    const pipeline = redis.pipeline();
    for (let i = 0; i < 2000; i++) pipeline.set(`slow:${i}`, value);
    await pipeline.exec();
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.resume();
    await expect.poll(() => frames.length, { timeout: 10_000 }).toBe(2001);
    expect(frames.slice(1).map((frame) => (frame.push as unknown[])[4])).toEqual(Array.from({ length: 2000 }, (_, i) => `slow:${i}`));
    socket.terminate();
    await redis.config('SET', 'client-output-buffer-limit', 'normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60');
  });

  test('a blocking pop queued behind another on a closed WebSocket takes nothing', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.wsPort}/`);
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ id: 1, cmd: ['BLPOP', 'first', '0'] }));
    socket.send(JSON.stringify({ id: 2, cmd: ['BLPOP', 'second', '0'] }));
    await expect.poll(async () => Number(/blocked_clients:(\d+)/.exec(await redis.info('clients'))?.[1])).toBe(1);
    socket.terminate();
    await expect.poll(async () => Number(/connected_clients:(\d+)/.exec(await redis.info('clients'))?.[1])).toBe(1); // only this file's ioredis client is left
    await redis.rpush('first', 'a');
    await redis.rpush('second', 'b');
    expect(await redis.lrange('first', 0, -1)).toEqual(['a']);
    expect(await redis.lrange('second', 0, -1)).toEqual(['b']);
  });
});
