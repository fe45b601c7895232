import { availableParallelism } from 'node:os';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LogStorage } from '../src/log/storage.js';
import { terminalProgress } from '../src/observability/progress.js';
import { newestHeld, planRestore, replayToRevision, revisionAtTime } from './point-in-time.js';
import { writeRdbFileAt } from './rdb-export.js';
import { importRdbFile } from '../src/server/rdb-import.js';
import { snapshotCopy } from './snapshot-copy.js';

/**
 * eddy-rdb: Redis RDB files in and out of Eddy. `export` writes a data directory's dataset, at its
 * newest revision or a retained earlier one, as a Redis 7.0 RDB file (the data directory may be in
 * use: a consistent copy is read); `import` loads an RDB file (versions 9 and 10) into a new data
 * directory.
 */
const USAGE = `Usage:
  eddy-rdb export --dir <data dir> --to <file.rdb> [--rev N | --time <ISO-8601>]
  eddy-rdb import --from <file.rdb> --dir <new data dir> [--shards N]`;

function keysLine(keysPerDb: Map<number, number>): string {
  return keysPerDb.size === 0 ? 'none' : [...keysPerDb].map(([db, keys]) => `db${db}=${keys}`).join(' ');
}

async function runImport(from: string | undefined, dir: string | undefined, shards: string | undefined): Promise<number> {
  if (from === undefined || dir === undefined) throw new Error(`give --from and --dir\n${USAGE}`);
  if (shards !== undefined && !/^[1-9]\d{0,3}$/.test(shards)) throw new Error(`--shards must be a number from 1 to 1024, not '${shards}'`);
  const started = performance.now();
  const progress = terminalProgress('reading', 0, { unit: 'MB', scale: (bytes) => bytes / 1e6 });
  let summary;
  try {
    summary = await importRdbFile(resolve(from), resolve(dir), shards === undefined ? availableParallelism() : Number(shards), (bytes, total) => progress.update(bytes, total));
  } finally {
    progress.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const keys = [...summary.keysPerDb.values()].reduce((sum, n) => sum + n, 0);
  console.log(`imported ${from} (written by Redis ${summary.aux.get('redis-ver') ?? 'unknown'}) into ${resolve(dir)}`);
  console.log(`keys: ${keysLine(summary.keysPerDb)}; function libraries: ${summary.functions}; already expired, left out: ${summary.expired}`);
  console.log(`${keys} keys in ${seconds.toFixed(2)} s (${Math.round(keys / seconds)} keys/s)`);
  return 0;
}

async function runExport(dir: string | undefined, to: string | undefined, rev: string | undefined, timeText: string | undefined): Promise<number> {
  if (dir === undefined || to === undefined) throw new Error(`give --dir and --to\n${USAGE}`);
  if (rev !== undefined && timeText !== undefined) throw new Error('give --rev or --time, not both');
  if (rev !== undefined && !/^\d+$/.test(rev)) throw new Error(`--rev must be a revision number, not '${rev}'`);
  const time = timeText === undefined ? undefined : Date.parse(timeText);
  if (time !== undefined && Number.isNaN(time)) throw new Error(`--time must be an ISO-8601 time, not '${timeText}'`);
  const started = performance.now();
  const copy = await snapshotCopy(resolve(dir));
  try {
    const storage = await LogStorage.open(copy, { existing: true });
    try {
      const newest = await newestHeld(storage);
      let target = newest.rev;
      if (rev !== undefined) {
        if (Number(rev) > newest.rev) throw new Error(`revision ${rev} is past the end of the log: the newest revision held is ${newest.rev}`);
        target = Number(rev);
      } else if (time !== undefined) {
        if (time > newest.ts)
          throw new Error(`${new Date(time).toISOString()} is after the newest record (${new Date(newest.ts).toISOString()}); leave --time out for the newest state`);
        target = await revisionAtTime(storage, time);
      }
      const plan = await planRestore(storage, target);
      const { states } = await replayToRevision(storage, plan);
      const summary = await writeRdbFileAt(resolve(to), states, Date.now());
      const seconds = (performance.now() - started) / 1000;
      console.log(`exported revision ${plan.rev} of ${resolve(dir)} to ${resolve(to)} (${summary.bytes} bytes, Redis 7.0 RDB)`);
      console.log(`keys: ${keysLine(summary.keysPerDb)}; function libraries: ${summary.functions}; ${seconds.toFixed(2)} s`);
      return 0;
    } finally {
      await storage.close();
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      to: { type: 'string' },
      from: { type: 'string' },
      rev: { type: 'string' },
      time: { type: 'string' },
      shards: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new Error(`give one command, export or import\n${USAGE}`);
  if (positionals[0] === 'import') return runImport(values.from, values.dir, values.shards);
  if (positionals[0] === 'export') return runExport(values.dir, values.to, values.rev, values.time);
  throw new Error(`unknown command '${positionals[0]}'\n${USAGE}`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`eddy-rdb: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
