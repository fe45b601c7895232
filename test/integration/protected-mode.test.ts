import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDebianPackages } from '../../tools/debian-packages.js';
import { EddyProcess } from '../support/eddy-process.js';
import { RedisServerProcess } from '../support/redis-server-process.js';

/**
 * protected-mode against a real redis-server 7.0: both bound to 127.0.0.2 (a loopback address),
 * a client from 127.0.0.3 is refused with Redis's words, one from 127.0.0.1 is served.
 */

const servers: { stop(): Promise<unknown> }[] = [];

beforeAll(() => ensureDebianPackages({ 'redis-server': 'redis-server' }), 300_000);
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
});

/** What the server on 127.0.0.2:port answers to PING from a socket bound to `source`. */
function pingFrom(source: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.2', port, localAddress: source });
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.endsWith('\r\n')) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('error', reject);
    socket.once('close', () => resolve(text));
  });
}

async function both(options: string[]): Promise<[number, number]> {
  const [redis, eddy] = await Promise.all([RedisServerProcess.start(['--bind', '127.0.0.2', ...options]), EddyProcess.start(['--bind', '127.0.0.2', ...options])]);
  servers.push(redis, eddy);
  return [redis.port, eddy.port];
}

describe('protected-mode', () => {
  it('refuses clients from other addresses with Redis’s text while no password is set; 127.0.0.1 is served', async () => {
    const [redis, eddy] = await both([]);
    const refused = await pingFrom('127.0.0.3', redis);
    expect(refused).toMatch(/^-DENIED Redis is running in protected mode/);
    expect(await pingFrom('127.0.0.3', eddy)).toBe(refused);
    expect(await pingFrom('127.0.0.1', redis)).toBe('+PONG\r\n');
    expect(await pingFrom('127.0.0.1', eddy)).toBe('+PONG\r\n');
  });

  it('lets every address through with a password (then asks for it) or with protected-mode no', async () => {
    for (const options of [
      ['--requirepass', 'sesame'],
      ['--protected-mode', 'no'],
    ]) {
      const [redis, eddy] = await both(options);
      const expected = await pingFrom('127.0.0.3', redis);
      expect(expected).not.toContain('DENIED');
      expect(await pingFrom('127.0.0.3', eddy)).toBe(expected);
    }
  });
});
