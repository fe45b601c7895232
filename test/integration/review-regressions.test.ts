import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { waitForBlockedClients } from '../support/blocked-clients.js';
import { eddyForFile } from '../support/eddy-for-file.js';
import { RawConnection } from '../support/raw-connection.js';

/** Inputs a code review found to crash the server or to differ from Redis; each stays fixed. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const eddy = eddyForFile(['--shards', '2']);

describe('inputs that must not hurt the server', () => {
  it('OBJECT HELP (a key position past the arguments) answers and the server lives', async () => {
    expect((await eddy.redis.call('OBJECT', 'HELP')) as string[]).toContain('ENCODING <key>');
    expect(await eddy.redis.ping()).toBe('PONG');
  });

  it('SETRANGE past the longest string is refused, and the log stays loadable', async () => {
    await expect(eddy.redis.setrange('k', 536_870_900, 'x')).rejects.toThrow('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
    await eddy.redis.set('after', 'ok');
    expect(await eddy.server.kill('SIGTERM')).toBe(0);
    await eddy.server.launch();
    expect(await eddy.redis.get('after')).toBe('ok');
  });

  it('a backtracking-heavy glob finishes (no exponential matching)', async () => {
    await eddy.redis.set('a'.repeat(3000), 'v');
    expect(await eddy.redis.keys('*a*a*a*a*a*a*a*a*a*a*a*a*b')).toEqual([]);
    expect(await eddy.redis.keys('a*a')).toHaveLength(1);
  });

  it('a huge negative random count is refused instead of exhausting memory', async () => {
    await eddy.redis.sadd('s', 'a');
    await expect(eddy.redis.srandmember('s', -1_000_000_000)).rejects.toThrow('ERR value is out of range');
  });
});

describe('blocked clients and transactions', () => {
  it('one push serving several blocked clients answers each exactly once', async () => {
    const first = await RawConnection.open(eddy.server.port);
    const second = await RawConnection.open(eddy.server.port);
    first.write('BLPOP q 5\r\nPING\r\n');
    await waitForBlockedClients(eddy.redis, 1);
    second.write('BLPOP q 5\r\n');
    await waitForBlockedClients(eddy.redis, 2);
    await eddy.redis.rpush('q', 'x', 'y', 'z');
    expect(await first.readUntil((text) => text.endsWith('+PONG\r\n'))).toBe('*2\r\n$1\r\nq\r\n$1\r\nx\r\n+PONG\r\n');
    expect(await second.readUntil((text) => text.length > 0)).toBe('*2\r\n$1\r\nq\r\n$1\r\ny\r\n');
    await sleep(50);
    expect(second.text).toBe('*2\r\n$1\r\nq\r\n$1\r\ny\r\n');
    expect(await eddy.redis.lrange('q', 0, -1)).toEqual(['z']);
    first.close();
    second.close();
  });

  it('EXEC runs whole before blocked clients are served', async () => {
    const waiter = await RawConnection.open(eddy.server.port);
    waiter.write('BLPOP q 0.3\r\n');
    await sleep(30);
    expect(await eddy.redis.multi().rpush('q', 'x').lpop('q').exec()).toEqual([
      [null, 1],
      [null, 'x'],
    ]);
    expect(await waiter.readUntil((text) => text.length > 0, 2000)).toBe('*-1\r\n');
    waiter.close();
  });
});

describe('Redis semantics the review pointed out', () => {
  it('FLUSHDB breaks only watches on keys that existed', async () => {
    const other = new Redis({ port: eddy.server.port, protocol: 2 });
    await eddy.redis.watch('never-existed');
    await other.flushdb();
    expect(await eddy.redis.multi().set('x', '1').exec()).toEqual([[null, 'OK']]);
    other.disconnect();
  });

  it('a protocol error behind a blocked command waits for its reply', async () => {
    const raw = await RawConnection.open(eddy.server.port);
    raw.write('BLPOP pq 5\r\n*1\r\n$x\r\n');
    await sleep(30);
    await eddy.redis.rpush('pq', 'v');
    expect(await raw.waitClosed()).toBe(true);
    expect(raw.text).toBe('*2\r\n$2\r\npq\r\n$1\r\nv\r\n-ERR Protocol error: invalid bulk length\r\n');
  });

  it('LMOVE of a one-item list onto itself keeps the TTL', async () => {
    await eddy.redis.rpush('k', 'only');
    await eddy.redis.expire('k', 100);
    expect(await eddy.redis.lmove('k', 'k', 'LEFT', 'RIGHT')).toBe('only');
    expect(await eddy.redis.ttl('k')).toBeGreaterThan(90);
  });

  it('GETRANGE clamps a negative end to 0', async () => {
    await eddy.redis.set('k', 'hello');
    expect(await eddy.redis.getrange('k', 0, -10)).toBe('h');
  });

  it('AUTH default <anything> without requirepass is accepted', async () => {
    expect(await eddy.redis.call('AUTH', 'default', 'whatever')).toBe('OK');
  });

  it('CONFIG SET changes nothing when one pair is bad', async () => {
    await expect(eddy.redis.config('SET', 'appendfsync', 'always', 'maxclients', 'lots')).rejects.toThrow("argument 'maxclients'");
    expect(await eddy.redis.config('GET', 'appendfsync')).toEqual(['appendfsync', 'everysec']);
    await expect(eddy.redis.config('SET', 'proto-max-bulk-len', '1constructor')).rejects.toThrow('argument must be a memory value');
  });

  it('range bounds are checked before the key is looked up; LPOP arity; numkeys errors', async () => {
    await expect(eddy.redis.zrangebyscore('missing', 'a', 'b')).rejects.toThrow('ERR min or max is not a float');
    await expect(eddy.redis.call('ZRANGEBYLEX', 'z', '-', '+', 'WITHSCORES')).rejects.toThrow('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
    expect(await eddy.redis.call('ZRANGE', 'z', '0', '-1', 'LIMIT', '0', '-1')).toEqual([]);
    await expect(eddy.redis.call('LPOP', 'k', '1', '2')).rejects.toThrow("ERR wrong number of arguments for 'lpop' command");
    await expect(eddy.redis.call('LMPOP', 'x', 'k', 'LEFT')).rejects.toThrow('ERR numkeys should be greater than 0');
    await expect(eddy.redis.call('LMPOP', '5', 'k', 'LEFT')).rejects.toThrow('ERR syntax error');
    await expect(eddy.redis.call('SINTERCARD', '5', 'k')).rejects.toThrow("ERR Number of keys can't be greater than number of args");
    await expect(eddy.redis.hincrbyfloat('h', 'f', 'inf')).rejects.toThrow('ERR value is NaN or Infinity');
  });

  it('a -0 score reads the same before and after a restart', async () => {
    await eddy.redis.zadd('z', '-0', 'a');
    const before = await eddy.redis.zscore('z', 'a');
    expect(await eddy.server.kill('SIGTERM')).toBe(0);
    await eddy.server.launch();
    expect(await eddy.redis.zscore('z', 'a')).toBe(before);
  });

  it('LCS refuses a table larger than proto-max-bulk-len', async () => {
    await eddy.redis.config('SET', 'proto-max-bulk-len', '1mb');
    await eddy.redis.set('a', 'x'.repeat(1000));
    await eddy.redis.set('b', 'y'.repeat(1000));
    await expect(eddy.redis.call('LCS', 'a', 'b')).rejects.toThrow('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
    await eddy.redis.config('SET', 'proto-max-bulk-len', '512mb');
  });
});
