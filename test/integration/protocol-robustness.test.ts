import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';
import { RawConnection } from '../support/raw-connection.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Malformed protocol input: the offending connection gets Redis's error and is closed; nothing else changes. */
let server: EddyProcess;
let redis: Redis;

beforeAll(async () => {
  server = await EddyProcess.start();
  redis = new Redis({ port: server.port });
  await redis.set('canary', 'alive');
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

async function expectProtocolError(input: string | Buffer, error: string): Promise<void> {
  const raw = await RawConnection.open(server.port);
  raw.write(input);
  expect(await raw.waitClosed()).toBe(true);
  expect(raw.text).toBe(`-ERR Protocol error: ${error}\r\n`);
}

describe('Redis protocol errors', () => {
  it.each([
    ['*abc\r\n', 'invalid multibulk length'],
    ['*2000000\r\n', 'invalid multibulk length'],
    ['*1\r\n$-1\r\n', 'invalid bulk length'],
    ['*1\r\n$abc\r\n', 'invalid bulk length'],
    ['*1\r\n$999999999999\r\n', 'invalid bulk length'],
    ['*1\r\n$536870913\r\n', 'invalid bulk length'],
    ['*1\r\nfoo\r\n', "expected '$', got 'f'"],
    ['SET "unterminated\r\n', 'unbalanced quotes in request'],
    ["SET 'a'b c\r\n", 'unbalanced quotes in request'],
  ])('%j -> %s', async (input, error) => {
    await expectProtocolError(input, error);
  });

  it('an inline request longer than 64 KiB without a newline', async () => {
    await expectProtocolError('A'.repeat(70_000), 'too big inline request');
  });

  it('a multibulk count line longer than 64 KiB', async () => {
    await expectProtocolError(`*${'1'.repeat(70_000)}`, 'too big mbulk count string');
  });

  it('a client that keeps sending after the error sees its writes fail: the socket is closed both ways', async () => {
    const socket = connect(server.port, '127.0.0.1');
    await once(socket, 'connect');
    const failed = new Promise<boolean>((resolve) => {
      socket.on('error', () => resolve(true));
      socket.on('close', () => resolve(true));
    });
    socket.write('*\0');
    let sent = 0;
    // Bounded: a server that only half-closes would read forever; 64 MB is far past any buffer.
    while (!socket.destroyed && sent < 64 * 1024 ** 2) {
      if (!socket.write('A'.repeat(1024) + '\n')) await Promise.race([once(socket, 'drain'), failed]);
      sent += 1025;
    }
    expect(await failed).toBe(true);
    expect(sent).toBeLessThan(64 * 1024 ** 2);
  });

  it('commands before the error are answered, commands after it are not run', async () => {
    const raw = await RawConnection.open(server.port);
    raw.write('SET before 1\r\n*1\r\n$x\r\nSET after 1\r\n');
    expect(await raw.waitClosed()).toBe(true);
    expect(raw.text).toBe('+OK\r\n-ERR Protocol error: invalid bulk length\r\n');
    expect(await redis.get('before')).toBe('1');
    expect(await redis.exists('after')).toBe(0);
  });
});

describe('well-formed but unusual input', () => {
  it('inline commands work as with telnet or nc', async () => {
    const raw = await RawConnection.open(server.port);
    raw.write('SET foo bar\r\nGET foo\nDEL foo\r\n\r\nSET "with space" "a\\tb"\r\nGET "with space"\r\n');
    expect(await raw.readLines(5)).toBe('+OK\r\n$3\r\nbar\r\n:1\r\n+OK\r\n$3\r\na\tb\r\n');
    raw.close();
  });

  it('empty and null multibulks are skipped', async () => {
    const raw = await RawConnection.open(server.port);
    raw.write('*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n');
    expect(await raw.readLines(1)).toBe('+PONG\r\n');
    raw.close();
  });

  it('a request split at every byte boundary parses the same', async () => {
    const raw = await RawConnection.open(server.port);
    const request = '*3\r\n$3\r\nSET\r\n$5\r\nsplit\r\n$10\r\n0123456789\r\n*2\r\n$3\r\nGET\r\n$5\r\nsplit\r\n';
    for (const byte of Buffer.from(request)) {
      raw.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await raw.readUntil((text) => text.endsWith('0123456789\r\n'))).toBe('+OK\r\n$10\r\n0123456789\r\n');
    raw.close();
  });

  it('a 20 MB value arriving in many chunks is stored whole', async () => {
    const value = randomBytes(20 * 1024 * 1024);
    await redis.set('big', value);
    expect((await redis.getBuffer('big'))?.equals(value)).toBe(true);
    await redis.del('big');
  });

  it('a long pipeline answers in order', async () => {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 5000; i++) pipeline.set(`p:${i}`, String(i)).get(`p:${i}`);
    const results = (await pipeline.exec()) ?? [];
    for (let i = 0; i < 5000; i++) expect(results[i * 2 + 1][1]).toBe(String(i));
  });
});

describe('fuzzed bytes', () => {
  it('random garbage on many connections never takes the server down or changes data', async () => {
    const prefixes = ['', '*', '*1\r\n', '*2\r\n$3\r\nGET\r\n', '$', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$'];
    for (let round = 0; round < 200; round++) {
      const raw = await RawConnection.open(server.port);
      const prefix = prefixes[round % prefixes.length];
      raw.write(Buffer.concat([Buffer.from(prefix), randomBytes(1 + (round % 50) * 40)]));
      if (round % 3 === 0) raw.write('\r\n');
      await new Promise((resolve) => setTimeout(resolve, 2));
      raw.close();
    }
    expect(await redis.get('canary')).toBe('alive');
    expect(await redis.ping()).toBe('PONG');
    const other = new Redis({ port: server.port });
    expect(await other.get('canary')).toBe('alive');
    other.disconnect();
  });
});

describe('protocol errors behind blocked commands', () => {
  it('a protocol error behind a blocked command waits for its reply', async () => {
    const raw = await RawConnection.open(server.port);
    raw.write('BLPOP pq 5\r\n*1\r\n$x\r\n');
    await sleep(30);
    await redis.rpush('pq', 'v');
    expect(await raw.waitClosed()).toBe(true);
    expect(raw.text).toBe('*2\r\n$2\r\npq\r\n$1\r\nv\r\n-ERR Protocol error: invalid bulk length\r\n');
  });
});
