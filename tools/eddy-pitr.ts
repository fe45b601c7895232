import { existsSync, readdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LogStorage } from '../src/log/storage.js';
import { newestHeld, planRestore, replayToRevision, revisionAtTime, writeDataDir } from './point-in-time.js';
import { snapshotCopy } from './snapshot-copy.js';

/**
 * eddy-pitr: point-in-time recovery. Builds a new data directory holding exactly the state at a
 * revision or a time, from a data directory that a server may be running on (it reads a consistent
 * copy and never touches the source).
 */
const USAGE = `Usage: eddy-pitr --from <data dir> --to <new dir> (--rev N | --rev latest | --time <ISO-8601>) [--dry-run]`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      rev: { type: 'string' },
      time: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dryRun = values['dry-run'];
  if (values.from === undefined || (values.to === undefined && !dryRun) || (values.rev === undefined) === (values.time === undefined))
    throw new Error(`give --from, --to, and one of --rev or --time\n${USAGE}`);
  if (values.rev !== undefined && !/^(\d+|latest)$/.test(values.rev)) throw new Error(`--rev must be a revision number or 'latest', not '${values.rev}'`);
  const time = values.time === undefined ? undefined : Date.parse(values.time);
  if (time !== undefined && Number.isNaN(time)) throw new Error(`--time must be an ISO-8601 time, not '${values.time}'`);
  const to = values.to === undefined ? undefined : resolve(values.to);
  if (to !== undefined && existsSync(to) && readdirSync(to).length > 0) throw new Error(`${to} is not empty: give a new directory`);

  const started = performance.now();
  const copy = await snapshotCopy(resolve(values.from));
  try {
    const storage = await LogStorage.open(copy, { existing: true });
    try {
      const target = await targetRevision(storage, values.rev, time);
      const plan = await planRestore(storage, target);
      const from = plan.checkpoints.map((checkpoint) => checkpoint?.rev ?? 0);
      const cut = plan.rev === target ? '' : ` (a transaction across revision ${target} is left out whole)`;
      if (dryRun) {
        console.log(
          `would restore revision ${plan.rev}${cut}: per shard from checkpoint revisions ${from.join(', ')}, replaying up to ${plan.records} records${to === undefined ? '' : ` into ${to}`}`,
        );
        return 0;
      }
      const replayStarted = performance.now();
      const { states, records } = await replayToRevision(storage, plan);
      const replaySeconds = (performance.now() - replayStarted) / 1000;
      await writeDataDir(to as string, states, plan.rev, Date.now());
      const seconds = (performance.now() - started) / 1000;
      const keysPerDb = new Map<number, number>();
      for (const state of states) state.dbs.forEach((ks, index) => ks.size > 0 && keysPerDb.set(index, (keysPerDb.get(index) ?? 0) + ks.size));
      console.log(`restored revision ${plan.rev}${cut} into ${to}`);
      console.log(`keys: ${keysPerDb.size === 0 ? 'none' : [...keysPerDb].map(([index, keys]) => `db${index}=${keys}`).join(' ')}`);
      console.log(
        `replayed ${records} records after checkpoints at ${from.join(', ')} in ${replaySeconds.toFixed(2)} s (${Math.round(records / replaySeconds)} records/s); ${seconds.toFixed(2)} s in all`,
      );
      return 0;
    } finally {
      await storage.close();
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/**
 * The revision asked for, checked against what the log holds: a revision past the newest, or a time
 * after the newest record, is refused (the log cannot say what came after it), unless asked for
 * as `latest`.
 */
async function targetRevision(storage: LogStorage, rev: string | undefined, time: number | undefined): Promise<number> {
  const newest = await newestHeld(storage);
  const held = newest.rev === 0 ? 'the log holds no revision yet' : `the newest revision held is ${newest.rev}, written at ${new Date(newest.ts).toISOString()}`;
  if (rev === 'latest') {
    if (newest.rev === 0) throw new Error(`nothing to restore: ${held}`);
    return newest.rev;
  }
  if (time === undefined) {
    if (Number(rev) > newest.rev) throw new Error(`revision ${rev} is past the end of the log: ${held} (give --rev latest for it)`);
    return Number(rev);
  }
  if (time > newest.ts) throw new Error(`${new Date(time).toISOString()} is after the newest record: ${held} (give --rev latest for it)`);
  return revisionAtTime(storage, time);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`eddy-pitr: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
