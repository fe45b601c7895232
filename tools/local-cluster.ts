import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ensureDebianPackages } from './debian-packages.js';
import { startLocalEtcd } from './local-etcd.js';

/**
 * `npm run cluster`: a whole Eddy cluster on this machine, for a user who wants every core. It
 * starts etcd, one primary per core (three at least; or --nodes) and --replicas followers for each, builds the
 * cluster with `redis-cli --cluster create` the first time (a restart on the same --dir finds it
 * built), prints how to reach it, and stops everything on Ctrl-C or SIGTERM.
 *
 *   npm run cluster -- [--nodes N] [--replicas R] [--base-port 7001] [--etcd-port 23790] [--dir ./cluster-data]
 */

const USAGE = 'usage: npm run cluster -- [--nodes N] [--replicas R] [--base-port 7001] [--etcd-port 23790] [--dir ./cluster-data]';
const EDDY = resolve(import.meta.dirname, '../../bin/eddy.js');

function positiveInteger(text: string, name: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer of at least ${min}\n${USAGE}`);
  return value;
}

const { values } = parseArgs({
  options: {
    // One primary per core; redis-cli --cluster create needs three at least.
    nodes: { type: 'string', default: String(Math.max(3, availableParallelism())) },
    replicas: { type: 'string', default: '0' },
    'base-port': { type: 'string', default: '7001' },
    'etcd-port': { type: 'string', default: '23790' },
    dir: { type: 'string', default: './cluster-data' },
  },
});
const primaries = positiveInteger(values.nodes, 'nodes', 3);
const replicas = positiveInteger(values.replicas, 'replicas', 0);
const basePort = positiveInteger(values['base-port'], 'base-port', 1);
const etcdPort = positiveInteger(values['etcd-port'], 'etcd-port', 1);
const dir = resolve(values.dir);
ensureDebianPackages({ 'redis-cli': 'redis-tools' });
mkdirSync(dir, { recursive: true });

const etcd = await startLocalEtcd(join(dir, 'etcd'), etcdPort, etcdPort + 1);
const children: ChildProcess[] = [];
const ports = Array.from({ length: primaries * (1 + replicas) }, (_, i) => basePort + i);

/** One node, its log lines in <dir>/node-<port>.log; resolves once it accepts connections. */
function startNode(port: number): Promise<void> {
  const child = spawn(process.execPath, [EDDY, '--port', String(port), '--dir', join(dir, `node-${port}`), '--cluster-enabled', 'yes', '--cluster-etcd-endpoints', etcd.endpoint], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const logFile = createWriteStream(join(dir, `node-${port}.log`), { flags: 'a' });
  child.stderr?.pipe(logFile);
  return new Promise((ready, fail) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logFile.write(`${line}\n`);
      if (line.includes('ready to accept connections')) ready();
    });
    child.once('exit', (code) => fail(new Error(`the node on port ${port} exited with ${code}: see ${join(dir, `node-${port}.log`)}`)));
  });
}

let stopping = false;
async function stopAll(code: number): Promise<never> {
  stopping = true;
  await Promise.all(
    children.map(
      (child) =>
        new Promise((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done(undefined);
          child.once('exit', done);
          child.kill('SIGTERM');
        }),
    ),
  );
  await etcd.stop();
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  await Promise.all(ports.map((port) => startNode(port)));
  const info = execFileSync('redis-cli', ['-p', String(basePort), 'CLUSTER', 'INFO'], { encoding: 'utf8' });
  if (!info.includes('cluster_state:ok')) {
    execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', String(replicas), '--cluster-yes'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  for (const child of children)
    child.once('exit', (code) => {
      if (!stopping) console.error(`a node exited (code ${code}); the others go on: see the node logs in ${dir}`);
    });
  console.log(`local Eddy cluster ready: ${primaries} primaries, ${replicas} replica(s) each, ports ${ports[0]}-${ports.at(-1)}, etcd ${etcd.endpoint}`);
  console.log(`  redis-cli -c -p ${basePort}        redis-cli --cluster check 127.0.0.1:${basePort}        Ctrl-C stops it`);
} catch (error) {
  console.error((error as Error).message);
  await stopAll(1);
}
