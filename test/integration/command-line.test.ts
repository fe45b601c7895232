import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { Level } from 'level';
import { afterAll, describe, expect, it } from 'vitest';
import { OPTIONS } from '../../src/config/option-table.js';
import { EDDY_VERSION } from '../../src/config/version.js';
import { EddyProcess, SERVER_ENTRY } from '../support/eddy-process.js';
import { RawConnection } from '../support/raw-connection.js';

const scratch = mkdtempSync(join(tmpdir(), 'eddy-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function runEddy(args: string[], asUser?: number): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [SERVER_ENTRY, ...args], { encoding: 'utf8', timeout: 20_000, uid: asUser, gid: asUser });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('command line and config file', () => {
  it('reads a redis.conf-style file first, then flags that override it', async () => {
    const conf = join(scratch, 'eddy.conf');
    writeFileSync(conf, '# Eddy test config\nappendfsync always\nrequirepass "from file"\n\nshards 3\nloglevel warning\n');
    const server = await EddyProcess.start([conf, '--loglevel', 'notice', '--shards', '2'], join(scratch, 'conf-data'));
    try {
      const client = new Redis({ port: server.port, password: 'from file' });
      expect(await client.config('GET', 'appendfsync')).toEqual(['appendfsync', 'always']);
      expect(await client.config('GET', 'shards')).toEqual(['shards', '2']);
      expect(await client.config('GET', 'loglevel')).toEqual(['loglevel', 'notice']);
      expect(await client.set('k', 'v')).toBe('OK');
      client.disconnect();
    } finally {
      await server.stop();
    }
  });

  it.each([
    [['--no-such-option', '1'], "unknown option 'no-such-option'"],
    [['--appendfsync', 'sometimes'], "'appendfsync' argument(s) must be one of the following: everysec, always, no"],
    [['--port', 'http'], "'port' argument couldn't be parsed into an integer"],
    [['stray-argument-that-is-no-file'], "cannot read config file 'stray-argument-that-is-no-file'"],
  ])('%j: a clear error and exit code 1', (args, message) => {
    const result = runEddy(args);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
  });

  it('an unknown option in the config file names its line', () => {
    const conf = join(scratch, 'bad.conf');
    writeFileSync(conf, 'port 7000\nmaxmemory-policy allkeys-lru\nno-such-option yes\n');
    const result = runEddy([conf]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${conf} line 3: unknown option 'no-such-option'`);
  });

  it('SIGINT and SIGTERM flush the log and exit 0', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const server = await EddyProcess.start([], join(scratch, `signal-${signal}`));
      const client = new Redis({ port: server.port });
      await client.set('k', signal);
      client.disconnect();
      expect(await server.kill(signal)).toBe(0);
      expect(server.output.join('\n')).toContain('log flushed; stopped');
      await server.stop();
    }
  });

  it('SHUTDOWN stops the server cleanly', async () => {
    const server = await EddyProcess.start([], join(scratch, 'shutdown'));
    const client = new Redis({ port: server.port, retryStrategy: () => null });
    client.on('error', () => undefined);
    await client.call('SHUTDOWN').catch(() => undefined);
    expect(await server.waitForExit()).toBe(0);
    client.disconnect();
    await server.stop();
  });

  it('SHUTDOWN waits for a follower behind, SHUTDOWN ABORT keeps the server, NOW stops it; flags as Redis reads them', async () => {
    const server = await EddyProcess.start(['--shutdown-timeout', '60'], join(scratch, 'shutdown-wait'));
    const admin = new Redis({ port: server.port, retryStrategy: () => null });
    admin.on('error', () => undefined);
    // A follower that takes the stream and never acknowledges a revision.
    const follower = await RawConnection.open(server.port);
    try {
      for (const flags of [['SAVE', 'NOSAVE'], ['ABORT', 'NOW'], ['LATER']]) await expect(admin.call('SHUTDOWN', ...flags)).rejects.toThrow('ERR syntax error');
      await expect(admin.call('SHUTDOWN', 'ABORT')).rejects.toThrow('ERR No shutdown in progress.');
      follower.write(`REPLSYNC ${'0'.repeat(40)} 0 0\r\n`);
      await follower.readUntil((text) => text.includes('CONTINUE'));
      await admin.set('k', 'written');
      const waiting = new Redis({ port: server.port, retryStrategy: () => null });
      waiting.on('error', () => undefined);
      const outcome = waiting.call('SHUTDOWN', 'NOSAVE').then(
        () => 'stopped',
        (error: Error) => error.message,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await admin.call('SHUTDOWN', 'ABORT')).toBe('OK');
      expect(await outcome).toBe('ERR Errors trying to SHUTDOWN. Check logs.');
      expect(await admin.get('k')).toBe('written');
      waiting.disconnect();
      await admin.call('SHUTDOWN', 'NOW', 'NOSAVE').catch(() => undefined);
      expect(await server.waitForExit()).toBe(0);
    } finally {
      follower.close();
      admin.disconnect();
      await server.stop();
    }
  });

  it.each([
    ['kept open, still sending', true],
    ['closed by the client', false],
  ])('SIGTERM after a client was refused for maxclients (the refused connection %s) exits 0 with the log flushed', async (_, keepOpen) => {
    const server = await EddyProcess.start(['--maxclients', '1'], join(scratch, `maxclients-${keepOpen}`));
    const admitted = new Redis({ port: server.port });
    // The admitted client is connected first: the raw one is the one refused.
    await admitted.set('k', 'v');
    const refused = await RawConnection.open(server.port);
    try {
      refused.write('PING\r\n');
      expect(await refused.readUntil((text) => text.includes('\r\n'))).toBe('-ERR max number of clients reached\r\n');
      refused.write('PING\r\n');
      if (!keepOpen) refused.close();
      expect(await server.kill('SIGTERM')).toBe(0);
      expect(server.output.join('\n')).toContain('log flushed; stopped');
    } finally {
      refused.close();
      admitted.disconnect();
      await server.stop();
    }
  });

  it('a second server on a directory in use says who holds it, in one plain line', async () => {
    const dir = join(scratch, 'held');
    const first = await EddyProcess.start([], dir);
    try {
      const second = runEddy(['--dir', dir, '--port', '0']);
      expect(second.status).toBe(1);
      expect(second.stderr).toContain(`eddy: could not start: the data directory ${dir} is held by another Eddy process (pid `);
      expect(second.stderr).not.toContain('    at ');
    } finally {
      await first.stop();
    }
  });

  it('a data directory this process cannot write is refused with the reason, exit code 1', () => {
    const parent = join(scratch, 'read-only');
    const dir = join(parent, 'data');
    mkdirSync(dir, { recursive: true });
    // root writes anywhere: the server then runs as nobody (65534), for whom the directory is root's.
    const root = process.getuid?.() === 0;
    chmodSync(scratch, 0o755);
    chmodSync(parent, 0o755);
    chmodSync(dir, 0o555);
    const result = runEddy(['--dir', dir, '--port', '0'], root ? 65534 : undefined);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`eddy: could not start: the data directory ${dir} is not writable by this process (uid `);
    expect(result.stderr).not.toContain('    at ');
  });

  it.each([
    ['files of another program', (dir: string) => writeFileSync(join(dir, 'notes.txt'), 'not Eddy'), 'it holds other files (notes.txt) and no Eddy log'],
    [
      "another program's LevelDB database",
      async (dir: string) => {
        const other = new Level(dir);
        await other.put('their-key', 'their-value');
        await other.close();
      },
      'its LevelDB database holds no Eddy log',
    ],
  ])('a data directory holding %s is not an Eddy directory: refused with exit code 1', async (what, fill, reason) => {
    const dir = join(scratch, `not-eddy-${what.length}`);
    mkdirSync(dir, { recursive: true });
    await fill(dir);
    const before = readdirSync(dir).sort();
    const result = runEddy(['--dir', dir, '--port', '0']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`eddy: could not start: ${dir} is not an Eddy data directory: ${reason}`);
    if (what.startsWith('files')) expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('eddy --test-config checks a config file as a start would: OK with exit 0, the reason with exit 1', () => {
    const good = join(scratch, 'good.conf');
    writeFileSync(good, 'port 7000\nappendfsync always\n');
    const ok = runEddy(['--test-config', good, '--loglevel', 'warning']);
    expect(ok).toMatchObject({ status: 0, stdout: `eddy: the configuration in ${good} is OK\n` });
    const bad = join(scratch, 'bad.conf');
    writeFileSync(bad, 'port 7000\nappendfsync sometimes\n');
    const refused = runEddy(['--test-config', bad]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe(`eddy: ${bad} line 2: 'appendfsync' argument(s) must be one of the following: everysec, always, no\n`);
    expect(runEddy(['--test-config', good, '--port', 'http']).status).toBe(1);
    expect(runEddy(['--test-config']).status).toBe(1);
  });

  it('the example eddy.conf of the repository passes --test-config', () => {
    const conf = resolve(import.meta.dirname, '../../eddy.conf');
    expect(runEddy(['--test-config', conf]).status).toBe(0);
  });

  it('eddy --help lists every option with its default, from the option table; --version names the version', () => {
    const help = runEddy(['--help']);
    expect(help.status).toBe(0);
    for (const spec of OPTIONS) expect(help.stdout).toMatch(new RegExp(`^  --${spec.name} .* default: `, 'm'));
    expect(runEddy(['--version']).stdout).toBe(`eddy ${EDDY_VERSION}\n`);
  });

  it('bin/eddy.js sizes the heap from maxmemory (a child with --max-old-space-size); a heap the operator chose is left alone', async () => {
    const launcher = resolve(import.meta.dirname, '../../bin/eddy.js');
    const heapOf = async (args: string[], nodeOptions?: string) => {
      const before = process.env.NODE_OPTIONS;
      if (nodeOptions !== undefined) process.env.NODE_OPTIONS = nodeOptions;
      const server = new EddyProcess(join(scratch, `launcher-${args.join('-')}-${nodeOptions ?? ''}`), args, launcher);
      try {
        await server.launch();
      } finally {
        if (before === undefined) delete process.env.NODE_OPTIONS;
        else process.env.NODE_OPTIONS = before;
      }
      const client = new Redis({ port: server.port });
      try {
        return Number(/^heap_size_limit:(\d+)/m.exec(await client.info('memory'))?.[1]);
      } finally {
        client.disconnect();
        expect(await server.kill('SIGTERM')).toBe(0);
      }
    };
    const MB = 2 ** 20;
    // 100 MB of maxmemory: about 100 / 0.85 * 1.5 + 64 MB of old space (the limit adds the young generation).
    const sized = await heapOf(['--maxmemory', '100mb']);
    expect(sized).toBeGreaterThan(230 * MB);
    expect(sized).toBeLessThan(400 * MB);
    expect(await heapOf(['--maxmemory', '100mb'], '--max-old-space-size=600')).toBeGreaterThan(600 * MB);
  });

  it('a listener that cannot bind fails the start, naming the listener and its option, with exit code 1', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      for (const option of ['--http-port', '--grpc-port', '--ws-port']) {
        const result = runEddy(['--port', '0', option, String(port), '--dir', join(scratch, `bind-${option}`)]);
        expect(result.status).toBe(1);
        expect(result.stderr).toMatch(new RegExp(`listener cannot listen on 127\\.0\\.0\\.1:${port} \\(${option}\\).*EADDRINUSE`));
      }
    } finally {
      taken.close();
    }
  });

  it('once RESP answers PING, every other listener accepts connections (a readiness check on the RESP port holds)', async () => {
    const ports = await freePorts(4);
    const [resp, http, grpc, ws] = ports.map(String);
    const args = ['--dir', join(scratch, 'ready'), '--port', resp, '--http-port', http, '--grpc-port', grpc, '--ws-port', ws];
    const child = spawn(process.execPath, [SERVER_ENTRY, ...args], { stdio: 'ignore' });
    try {
      const pinged = async () => {
        const raw = await RawConnection.open(ports[0]).catch(() => undefined);
        if (raw === undefined) return false;
        raw.write('PING\r\n');
        const answered = (await raw.readUntil((text) => text.length > 0, 2000)) === '+PONG\r\n';
        raw.close();
        return answered;
      };
      while (!(await pinged())) await new Promise((resolve) => setTimeout(resolve, 5));
      const accepts = (port: number) =>
        new Promise<boolean>((resolve) => {
          const socket = connect(port, '127.0.0.1');
          socket.once('connect', () => resolve(true)).once('error', () => resolve(false));
          socket.once('close', () => resolve(false));
          setTimeout(() => socket.destroy(), 100);
        });
      expect(await Promise.all(ports.slice(1).map(accepts))).toEqual([true, true, true]);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});

/** Ports free a moment ago (each listened on, then closed). */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
