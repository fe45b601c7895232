import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';
import { RawConnection } from '../support/raw-connection.js';

describe('HTTP', () => {
  let server: EddyProcess;
  let redis: Redis;
  let base: string;

  beforeAll(async () => {
    server = await EddyProcess.start(['--http-port', '0', '--proto-max-bulk-len', '1mb']);
    base = `http://127.0.0.1:${server.httpPort}`;
    redis = new Redis({ port: server.port, protocol: 2 });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });
  beforeEach(async () => {
    await redis.flushall();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  test('/set, /get and /del', async () => {
    expect(await (await post('/set', { key: 'k', value: 'v1' })).json()).toEqual({ result: 'OK' });
    expect(await redis.get('k')).toBe('v1');
    const got = await fetch(`${base}/get?key=k`);
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual({ result: 'v1' });
    expect(await (await post('/del', { keys: ['k', 'other'] })).json()).toEqual({ result: 1 });
    const missing = await fetch(`${base}/get?key=k`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ result: null });
  });

  test('/set options: ex, px, nx, xx', async () => {
    await post('/set', { key: 'e', value: 'v', ex: 100 });
    expect(await redis.ttl('e')).toBe(100);
    await post('/set', { key: 'p', value: 'v', px: 50000 });
    expect(await redis.pttl('p')).toBeGreaterThan(49000);
    expect(await (await post('/set', { key: 'e', value: 'other', nx: true })).json()).toEqual({ result: null });
    expect(await (await post('/set', { key: 'absent', value: 'v', xx: true })).json()).toEqual({ result: null });
    expect(await redis.exists('absent')).toBe(0);
    const both = await post('/set', { key: 'e', value: 'v', nx: true, xx: true });
    expect(both.status).toBe(400);
    expect(await both.json()).toEqual({ error: 'ERR syntax error' });
  });

  test('REST forms keep bytes as they are', async () => {
    const bytes = Buffer.from([0xff, 0x00, 0x01, 0x80]);
    const put = await fetch(`${base}/keys/bin`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    expect(await put.json()).toEqual({ result: 'OK' });
    expect(await redis.getBuffer('bin')).toEqual(bytes);
    const raw = await fetch(`${base}/keys/bin`, { headers: { accept: 'application/octet-stream' } });
    expect(Buffer.from(await raw.arrayBuffer())).toEqual(bytes);
    // JSON cannot carry these bytes as text: they come back as base64.
    expect(await (await fetch(`${base}/keys/bin`)).json()).toEqual({ result: { base64: bytes.toString('base64') } });

    await fetch(`${base}/keys/${encodeURIComponent('clé')}`, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'héllo' });
    expect(await redis.get('clé')).toBe('héllo');
    const document = '{"a":[1,2]}';
    await fetch(`${base}/keys/doc?ex=60`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: document });
    expect(await redis.get('doc')).toBe(document);
    expect(await redis.ttl('doc')).toBe(60);
    expect(await (await fetch(`${base}/keys/doc`, { method: 'DELETE' })).json()).toEqual({ result: 1 });
    expect((await fetch(`${base}/keys/doc`)).status).toBe(404);
  });

  test('/command runs any command; replies keep their RESP3 types', async () => {
    expect(await (await post('/command', ['HSET', 'h', 'f', 'v', 'n', 1])).json()).toEqual({ result: 2 });
    expect(await (await post('/command', ['HGETALL', 'h'])).json()).toEqual({ result: { f: 'v', n: '1' } });
    await post('/command', ['ZADD', 'z', '2.5', 'm']);
    expect(await (await post('/command', ['ZSCORE', 'z', 'm'])).json()).toEqual({ result: 2.5 });
    await post('/command', ['MULTI']);
    expect(await (await post('/command', ['SET', 'binary', { base64: Buffer.from([0xfe]).toString('base64') }])).json()).toEqual({ result: 'OK' });
    expect(await redis.getBuffer('binary')).toEqual(Buffer.from([0xfe]));
  });

  test("Redis errors map to HTTP statuses with Redis's text", async () => {
    await redis.rpush('list', 'x');
    const cases: [unknown[], number, string][] = [
      [['GET', 'list'], 409, 'WRONGTYPE Operation against a key holding the wrong kind of value'],
      [['GET'], 400, "ERR wrong number of arguments for 'get' command"],
      [['SET', 'k', 'v', 'WHAT'], 400, 'ERR syntax error'],
      [['RENAME', 'nothing', 'else'], 404, 'ERR no such key'],
    ];
    for (const [command, status, error] of cases) {
      const response = await post('/command', command);
      expect([response.status, await response.json()]).toEqual([status, { error }]);
    }
  });

  test('bad bodies get a clear error and write nothing', async () => {
    const bad: [string, string, number][] = [
      ['/command', '{not json', 400],
      ['/command', '[]', 400],
      ['/command', '{"cmd":"SET"}', 400],
      ['/command', '[["nested"]]', 400],
      ['/set', '{"key":"k"}', 400],
      ['/set', '{"key":"k","value":"v","unknown":true}', 400],
      ['/set', '{"key":"k","value":"v","ex":-5}', 400],
      ['/del', '{}', 400],
    ];
    for (const [path, body, status] of bad) {
      const response = await post(path, body);
      expect(response.status, `${path} ${body}`).toBe(status);
      expect((await response.json()).error).toMatch(/^ERR /);
    }
    const badQuery = await fetch(`${base}/keys/k?ttl=5`, { method: 'PUT', body: 'v' });
    expect(badQuery.status).toBe(400);
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    expect(await redis.dbsize()).toBe(0);
  });

  test('oversize values get 413 and are not written', async () => {
    const big = 'x'.repeat(1024 * 1024 + 1);
    const viaJson = await post('/set', { key: 'big', value: big });
    expect(viaJson.status).toBe(413);
    expect(await viaJson.json()).toEqual({ error: 'ERR Protocol error: invalid bulk length' });
    const viaBody = await fetch(`${base}/keys/big`, { method: 'PUT', body: big });
    expect(viaBody.status).toBe(413);
    // A body past the request limit is refused from its Content-Length, before it is read.
    const raw = await RawConnection.open(server.httpPort);
    raw.write(`PUT /keys/big HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${3 * big.length}\r\n\r\n`);
    expect(await raw.readUntil((text) => text.includes('\r\n\r\n{'))).toMatch(/^HTTP\/1.1 413 [^]*"error":"ERR Protocol error: invalid bulk length"/);
    raw.close();
    expect(await redis.exists('big')).toBe(0);
  });

  test('OpenAPI description from the route schemas', async () => {
    const description = (await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string; paths: Record<string, object> };
    expect(description.openapi).toMatch(/^3\./);
    expect(Object.keys(description.paths)).toEqual(expect.arrayContaining(['/get', '/set', '/del', '/command', '/keys/{key}']));
  });

  test('a blocking command waits, and a client that goes away loses nothing', async () => {
    const waiting = post('/command', ['BLPOP', 'queue', '5']);
    await expect.poll(async () => (await redis.info('clients')).match(/blocked_clients:(\d+)/)?.[1]).toBe('1');
    await redis.rpush('queue', 'job');
    expect(await (await waiting).json()).toEqual({ result: ['queue', 'job'] });

    const abort = new AbortController();
    const gone = fetch(`${base}/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '["BLPOP","queue","0"]', signal: abort.signal }).catch(
      () => 'aborted',
    );
    await expect.poll(async () => (await redis.info('clients')).match(/blocked_clients:(\d+)/)?.[1]).toBe('1');
    abort.abort();
    expect(await gone).toBe('aborted');
    await expect.poll(async () => (await redis.info('clients')).match(/blocked_clients:(\d+)/)?.[1]).toBe('0');
    // The request that went away does not take the value pushed after it left.
    await redis.rpush('queue', 'kept');
    expect(await redis.lrange('queue', 0, -1)).toEqual(['kept']);
  });
});

describe('HTTP with requirepass', () => {
  let server: EddyProcess;
  let base: string;

  beforeAll(async () => {
    server = await EddyProcess.start(['--http-port', '0', '--requirepass', 'sesame']);
    base = `http://127.0.0.1:${server.httpPort}`;
  });
  afterAll(async () => {
    await server.stop();
  });

  test('no credentials: 401; wrong: 403; a bearer token or X-Eddy-Password: served', async () => {
    const set = (headers: Record<string, string>) =>
      fetch(`${base}/set`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"key":"k","value":"v"}' });
    const none = await set({});
    expect([none.status, await none.json()]).toEqual([401, { error: 'NOAUTH Authentication required.' }]);
    const wrong = await set({ authorization: 'Bearer nope' });
    expect([wrong.status, await wrong.json()]).toEqual([403, { error: 'WRONGPASS invalid username-password pair or user is disabled.' }]);
    expect((await fetch(`${base}/get?key=k`)).status).toBe(401);
    expect((await set({ authorization: 'Bearer sesame' })).status).toBe(200);
    const got = await fetch(`${base}/get?key=k`, { headers: { 'x-eddy-password': 'sesame' } });
    expect(await got.json()).toEqual({ result: 'v' });
  });
});
