import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, test } from 'vitest';
import { freePort } from '../support/redis-server-process.js';

/** `npm run cluster`: etcd and the nodes started, the cluster built with redis-cli, all of it stopped on SIGTERM. */

const TOOL = resolve(import.meta.dirname, '../../dist/tools/local-cluster.js');
const dir = mkdtempSync(join(tmpdir(), 'eddy-local-cluster-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the tool until it says the cluster is ready; then `stop` sends SIGTERM and gives the exit code. */
async function runTool(args: string[]): Promise<{ output: string[]; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [TOOL, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', done));
  await new Promise<void>((ready, fail) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      if (line.startsWith('local Eddy cluster ready')) ready();
    });
    // A node that failed to start names its log: its last lines say why.
    const nodeLogs = () =>
      [...output.join('\n').matchAll(/see (\S+\.log)/g)]
        .map(([, file]) => (existsSync(file) ? `${file}:\n${readFileSync(file, 'utf8').split('\n').slice(-8).join('\n')}` : ''))
        .join('\n');
    void exited.then((code) => fail(new Error(`the tool exited with ${code}:\n${output.join('\n')}\n${nodeLogs()}`)));
  });
  return {
    output,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('the local cluster (npm run cluster)', () => {
  test('starts etcd and three primaries, builds the cluster once, and stops everything on SIGTERM', async () => {
    const basePort = await freePort();
    const etcdPort = await freePort();
    const args = ['--nodes', '3', '--base-port', String(basePort), '--etcd-port', String(etcdPort), '--dir', dir];
    const first = await runTool(args);
    expect(first.output.join('\n')).toContain(`ports ${basePort}-${basePort + 2}`);
    const check = () => execFileSync('redis-cli', ['--cluster', 'check', `127.0.0.1:${basePort}`], { encoding: 'utf8' });
    expect(check()).toContain('[OK] All 16384 slots covered.');
    expect(execFileSync('redis-cli', ['-c', '-p', String(basePort), 'SET', 'foo', 'bar'], { encoding: 'utf8' }).trim()).toBe('OK');
    expect(await first.stop()).toBe(0);
    // Every node went with it.
    expect(() => execFileSync('redis-cli', ['-p', String(basePort + 1), 'PING'], { encoding: 'utf8', stdio: 'pipe' })).toThrow();

    // Started again on the same directory: the cluster is found built, its data kept.
    const second = await runTool(args);
    expect(check()).toContain('[OK] All nodes agree about slots configuration.');
    expect(execFileSync('redis-cli', ['-c', '-p', String(basePort), 'GET', 'foo'], { encoding: 'utf8' }).trim()).toBe('bar');
    expect(await second.stop()).toBe(0);
  }, 120_000);
});
