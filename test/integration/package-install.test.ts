import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EDDY_VERSION } from '../../src/config/version.js';

/**
 * What an operator does (README, "Run it as a service"): `npm pack`, `npm install -g` of the tarball
 * into a prefix of its own, then the commands from that prefix's bin/. The package carries the
 * built JavaScript (`npm test` built it): nothing is compiled at install or at start.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'eddy-package-'));
const prefix = join(scratch, 'prefix');
const bin = (command: string) => join(prefix, 'bin', command);
const installed = join(prefix, 'lib', 'node_modules', 'eddy');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

beforeAll(() => {
  // --ignore-scripts: prepack's build has run already (npm test's pretest).
  execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', scratch], { cwd: ROOT, stdio: 'pipe' });
  const tarball = join(scratch, `eddy-${manifest.version}.tgz`);
  // --prefer-offline: the dependencies come from the cache `npm ci` filled when it has them.
  execFileSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--silent', tarball], { cwd: scratch, stdio: 'pipe' });
}, 300_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the installed `eddy` as a service manager would (no shell, no npm); resolves with its port once ready. */
async function startInstalled(dir: string) {
  const child = spawn(bin('eddy'), ['--port', '0', '--dir', dir, '--shards', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const port = await new Promise<number>((resolvePort, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      if (line.includes('ready to accept connections')) resolvePort((JSON.parse(line) as { port: number }).port);
    });
    void exited.then(([code]) => reject(new Error(`the installed eddy exited with ${code}:\n${output.join('\n')}`)));
  });
  return { child, port, exited, output };
}

describe('the npm package', () => {
  it('installs from the packed tarball with eddy, eddy-log and eddy-pitr on PATH, built JavaScript and no TypeScript inside', () => {
    for (const command of ['eddy', 'eddy-log', 'eddy-pitr']) expect(existsSync(bin(command)), command).toBe(true);
    expect(existsSync(join(installed, 'dist', 'src', 'server', 'main.js'))).toBe(true);
    expect(existsSync(join(installed, 'proto', 'eddy.proto'))).toBe(true);
    expect(existsSync(join(installed, 'eddy.conf'))).toBe(true);
    expect(existsSync(join(installed, 'src'))).toBe(false);
    // The web console ships built (served at / by the HTTP listener), its sources do not.
    expect(readFileSync(join(installed, 'dist', 'console', 'index.html'), 'utf8')).toContain('<title>Eddy console</title>');
    expect(readdirSync(join(installed, 'dist', 'console', 'assets')).some((name) => name.endsWith('.js'))).toBe(true);
    expect(existsSync(join(installed, 'console'))).toBe(false);
    expect(readdirSync(installed)).not.toContain('tsconfig.json');
    // The version the package says is the one the server says (INFO's eddy_version too).
    expect(EDDY_VERSION).toBe(manifest.version);
    expect(execFileSync(bin('eddy'), ['--version'], { encoding: 'utf8' })).toBe(`eddy ${manifest.version}\n`);
  });

  it('the installed eddy starts from its prefix, answers PING, keeps a write across a restart, and stops on SIGTERM with exit code 0', async () => {
    const dir = join(scratch, 'data');
    let server = await startInstalled(dir);
    const client = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await client.connect();
      expect(await client.ping()).toBe('PONG');
      expect(await client.set('installed', 'yes')).toBe('OK');
      client.disconnect();
      server.child.kill('SIGTERM');
      expect((await server.exited)[0]).toBe(0);
      // The installed tools work on what the installed server wrote.
      expect(execFileSync(bin('eddy-log'), ['verify', '--dir', dir], { encoding: 'utf8' })).toContain('ok');
      server = await startInstalled(dir);
      const again = new Redis({ port: server.port });
      expect(await again.get('installed')).toBe('yes');
      again.disconnect();
      server.child.kill('SIGTERM');
      expect((await server.exited)[0]).toBe(0);
    } finally {
      client.disconnect();
      server.child.kill('SIGKILL');
    }
  });
});
