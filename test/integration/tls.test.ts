import { credentials } from '@grpc/grpc-js';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as connectTls } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDebianPackages } from '../../tools/debian-packages.js';
import { makeTestCa, makeTestCertificate } from '../../tools/test-certificates.js';
import { EddyProcess } from '../support/eddy-process.js';
import { grpcCall, grpcStub, WsClient } from '../support/protocol-clients.js';
import { freePort } from '../support/redis-server-process.js';

/**
 * TLS as Redis configures it, on every listener, with a CA and certificates openssl makes here:
 * redis-cli, redis-benchmark, ioredis, node-redis, curl, a WebSocket client and grpc-js; mutual
 * TLS; a follower over TLS; new certificates by CONFIG SET.
 */

const run = promisify(execFile);
let dir: string;
const path = (name: string) => join(dir, name);
const servers: EddyProcess[] = [];

beforeAll(() => ensureDebianPackages({ openssl: 'openssl', 'redis-cli': 'redis-tools', 'redis-benchmark': 'redis-tools', curl: 'curl' }), 300_000);
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'eddy-tls-'));
  makeTestCa(dir);
  makeTestCertificate(dir, 'server', 'secret');
  makeTestCertificate(dir, 'renewed');
  makeTestCertificate(dir, 'client');
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  rmSync(dir, { recursive: true, force: true });
});

const tlsFlags = (clients: 'yes' | 'no' | 'optional') => [
  '--tls-cert-file',
  path('server.crt'),
  '--tls-key-file',
  path('server.key'),
  '--tls-key-file-pass',
  'secret',
  '--tls-ca-cert-file',
  path('ca.crt'),
  '--tls-auth-clients',
  clients,
];

async function start(args: string[]): Promise<EddyProcess> {
  const server = await EddyProcess.start(args);
  servers.push(server);
  return server;
}

const clientFiles = () => ({ ca: readFileSync(path('ca.crt')), cert: readFileSync(path('client.crt')), key: readFileSync(path('client.key')) });
const cliTls = () => ['--tls', '--cacert', path('ca.crt'), '--cert', path('client.crt'), '--key', path('client.key')];

/** The CN of the certificate a TLS server on `port` presents now. */
function presentedName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port, ...clientFiles(), checkServerIdentity: () => undefined }, () => {
      resolve(String(socket.getPeerCertificate().subject.CN));
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

describe('RESP over TLS (tls-port)', () => {
  let server: EddyProcess;
  let tlsPort: number;
  beforeAll(async () => {
    tlsPort = await freePort();
    server = await start(['--tls-port', String(tlsPort), ...tlsFlags('yes')]);
  });

  it('serves redis-cli, redis-benchmark, ioredis and node-redis with the test CA and a client certificate', async () => {
    expect((await run('redis-cli', [...cliTls(), '-p', String(tlsPort), 'SET', 'over', 'tls'])).stdout.trim()).toBe('OK');
    const benchmark = await run('redis-benchmark', [...cliTls(), '-p', String(tlsPort), '-t', 'set,get', '-n', '2000', '-c', '4', '-q']);
    expect(benchmark.stdout).toMatch(/SET: [\d.]+ requests per second/);
    expect(benchmark.stdout).toMatch(/GET: [\d.]+ requests per second/);
    const ioredis = new Redis({ port: tlsPort, host: '127.0.0.1', tls: { ...clientFiles(), servername: 'localhost' }, maxRetriesPerRequest: 0 });
    try {
      expect(await ioredis.get('over')).toBe('tls');
    } finally {
      ioredis.disconnect();
    }
    const nodeRedis = createClient({ socket: { host: '127.0.0.1', port: tlsPort, tls: true, ...clientFiles() } });
    await nodeRedis.connect();
    try {
      expect(await nodeRedis.get('over')).toBe('tls');
    } finally {
      await nodeRedis.quit();
    }
    // The plain port serves the same data.
    expect((await run('redis-cli', ['-p', String(server.port), 'GET', 'over'])).stdout.trim()).toBe('tls');
  });

  it('refuses a client without a certificate (tls-auth-clients yes), a plain-text client, and goes on serving', async () => {
    const withoutCertificate = await run('redis-cli', ['--tls', '--cacert', path('ca.crt'), '-p', String(tlsPort), 'PING']).then(
      ({ stdout }) => stdout,
      (error: { stdout: string; stderr: string }) => `${error.stdout}${error.stderr}`,
    );
    expect(withoutCertificate).not.toContain('PONG');
    const plain = await run('redis-cli', ['-p', String(tlsPort), 'PING']).then(
      ({ stdout }) => stdout,
      (error: { stdout: string; stderr: string }) => `${error.stdout}${error.stderr}`,
    );
    expect(plain).not.toContain('PONG');
    expect((await run('redis-cli', [...cliTls(), '-p', String(tlsPort), 'PING'])).stdout.trim()).toBe('PONG');
  });

  it('takes new certificates on CONFIG SET for new connections, and refuses files that do not load', async () => {
    expect(await presentedName(tlsPort)).toBe('server');
    const admin = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    try {
      await expect(admin.config('SET', 'tls-cert-file', path('nothing-here.crt'))).rejects.toThrow(
        "ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs.",
      );
      // The key of another certificate: the pair does not load together.
      await expect(admin.config('SET', 'tls-cert-file', path('renewed.crt'))).rejects.toThrow('Unable to update TLS configuration');
      expect(await admin.config('SET', 'tls-cert-file', path('renewed.crt'), 'tls-key-file', path('renewed.key'), 'tls-key-file-pass', '')).toBe('OK');
      await expect.poll(() => presentedName(tlsPort)).toBe('renewed');
    } finally {
      admin.disconnect();
    }
  });
});

describe('tls-auth-clients optional', () => {
  it('serves a client with no certificate, and one with a certificate of the CA', async () => {
    const tlsPort = await freePort();
    await start(['--tls-port', String(tlsPort), ...tlsFlags('optional')]);
    expect((await run('redis-cli', ['--tls', '--cacert', path('ca.crt'), '-p', String(tlsPort), 'PING'])).stdout.trim()).toBe('PONG');
    expect((await run('redis-cli', [...cliTls(), '-p', String(tlsPort), 'PING'])).stdout.trim()).toBe('PONG');
  });
});

describe('HTTPS, WSS and gRPC over TLS', () => {
  let server: EddyProcess;
  beforeAll(async () => {
    server = await start(['--http-port', '0', '--http-tls', 'yes', '--ws-port', '0', '--ws-tls', 'yes', '--grpc-port', '0', '--grpc-tls', 'yes', ...tlsFlags('optional')]);
  });

  it('answers curl over HTTPS with the test CA, and refuses plain HTTP on that port', async () => {
    const { stdout } = await run('curl', [
      '-s',
      '--cacert',
      path('ca.crt'),
      '-X',
      'POST',
      '-H',
      'content-type: application/json',
      '-d',
      '["SET","web","secure"]',
      `https://localhost:${server.httpPort}/command`,
    ]);
    expect(JSON.parse(stdout)).toEqual({ result: 'OK' });
    const plain = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${server.httpPort}/get?key=web`]).then(
      ({ stdout: code }) => code,
      () => 'refused',
    );
    expect(plain).not.toBe('200');
  });

  it('serves a WebSocket client over wss:// with the test CA', async () => {
    const client = await WsClient.open(`wss://localhost:${server.wsPort}/`, {}, readFileSync(path('ca.crt')));
    try {
      expect(await client.run(['SET', 'ws', 'secure'])).toEqual({ result: 'OK' });
      expect(await client.run(['GET', 'ws'])).toEqual({ result: 'secure' });
    } finally {
      client.close();
    }
  });

  it('serves grpc-js with SSL credentials, and an insecure channel gets nothing', async () => {
    const secure = grpcStub(server.grpcPort, credentials.createSsl(readFileSync(path('ca.crt'))));
    try {
      const { response, error } = await grpcCall(secure.Command, secure, { args: ['SET', 'grpc', 'secure'].map((arg) => Buffer.from(arg)) });
      expect(error).toBeUndefined();
      expect(response).toBeDefined();
    } finally {
      secure.close();
    }
    const insecure = grpcStub(server.grpcPort);
    try {
      const { error } = await grpcCall(insecure.Command, insecure, { args: [Buffer.from('PING')] }, { deadline: Date.now() + 3000 });
      expect(error).toBeDefined();
    } finally {
      insecure.close();
    }
  });
});

describe('a follower over TLS (tls-replication)', () => {
  it('follows its primary through the primary’s tls-port with the test CA', async () => {
    const tlsPort = await freePort();
    const primary = await start(['--tls-port', String(tlsPort), ...tlsFlags('yes')]);
    const follower = await start(['--replicaof', '127.0.0.1', String(tlsPort), '--tls-replication', 'yes', ...tlsFlags('yes')]);
    const writer = new Redis({ port: primary.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    const reader = new Redis({ port: follower.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    try {
      await writer.set('replicated', 'over tls');
      await expect.poll(() => reader.get('replicated'), { timeout: 10_000 }).toBe('over tls');
      expect(await reader.info('replication')).toContain('master_link_status:up');
    } finally {
      writer.disconnect();
      reader.disconnect();
    }
  });

  it('follows over TLS as masteruser, an ACL user allowed only REPLCONF and REPLSYNC, with the default user password-protected', async () => {
    const tlsPort = await freePort();
    const users = ['--user', 'default', 'on', '>admin-pw', '~*', '&*', '+@all', '--user', 'replicator', 'on', '>repl-pw', '+replconf', '+replsync'];
    const primary = await start(['--tls-port', String(tlsPort), ...tlsFlags('yes'), ...users]);
    const follower = await start([
      '--replicaof',
      '127.0.0.1',
      String(tlsPort),
      '--tls-replication',
      'yes',
      '--masteruser',
      'replicator',
      '--masterauth',
      'repl-pw',
      ...tlsFlags('yes'),
    ]);
    const writer = new Redis({ port: primary.port, host: '127.0.0.1', password: 'admin-pw', maxRetriesPerRequest: 0 });
    const reader = new Redis({ port: follower.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    try {
      await writer.set('replicated', 'over tls as replicator');
      await expect.poll(() => reader.get('replicated'), { timeout: 10_000 }).toBe('over tls as replicator');
      expect(await reader.info('replication')).toContain('master_link_status:up');
      // The primary sees its follower's connection as the replicator, on its TLS port.
      const list = String(await writer.call('CLIENT', 'LIST'));
      expect(list).toMatch(new RegExp(`laddr=127\\.0\\.0\\.1:${tlsPort} .*user=replicator`));
    } finally {
      writer.disconnect();
      reader.disconnect();
    }
  });
});
