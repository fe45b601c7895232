import { parseArgs } from 'node:util';
import { changesOf } from '../src/log/change-events.js';
import { LogStorage, type StoredFrame } from '../src/log/storage.js';
import { terminalProgress } from '../src/observability/progress.js';

/**
 * eddy-log: the log of a stopped server's data directory, for operators.
 *   segments | stats | read --from-rev N --to-rev M [--key K] [--json] | verify | repair
 */
const USAGE = `Usage: eddy-log <segments|stats|read|verify|repair> --dir <data dir> [--from-rev N] [--to-rev M] [--key K] [--json] [--segment-revisions N]`;

/** Every stored frame of every shard, with progress on stderr (a large log takes a while to read whole). */
async function* everyFrame(storage: LogStorage, label: string): AsyncGenerator<{ shard: number; frame: StoredFrame }> {
  const held = Math.max(1, ...(await Promise.all(storage.shardIds.map((shard) => storage.heldFrom(shard)))));
  const progress = terminalProgress(label, Math.max(0, (await storage.lastRev()) - held + 1), { unit: 'records' });
  let records = 0;
  try {
    for (const shard of storage.shardIds)
      for await (const frame of storage.storedFrames(shard)) {
        yield { shard, frame };
        progress.update((records += frame.rows?.length ?? 0));
      }
  } finally {
    progress.stop();
  }
}

async function segments(storage: LogStorage, span: number): Promise<void> {
  console.log('shard\tsegment\tfirst_rev\tlast_rev\tframes\tbytes\tlast_write');
  for (const shard of storage.shardIds)
    for (const segment of await storage.segments(shard, span, true))
      console.log([shard, segment.index, segment.firstRev, segment.lastRev, segment.frames, segment.bytes, new Date(segment.lastTs).toISOString()].join('\t'));
}

async function stats(storage: LogStorage): Promise<void> {
  const shards = storage.shardCount;
  let frameCount = 0;
  let records = 0;
  let bytes = 0;
  let firstRev = Infinity;
  let lastRev = 0;
  let corrupt = 0;
  let oldest = 1;
  for (const shard of storage.shardIds) oldest = Math.max(oldest, await storage.heldFrom(shard));
  for await (const { frame } of everyFrame(storage, 'reading')) {
    frameCount++;
    bytes += frame.bytes;
    if (frame.rows === undefined) {
      corrupt++;
      continue;
    }
    records += frame.rows.length;
    for (const row of frame.rows) {
      firstRev = Math.min(firstRev, row[0]);
      lastRev = Math.max(lastRev, row[0]);
    }
  }
  const newest = [];
  for (const shard of storage.shardIds) newest.push((await storage.checkpoints.newest(shard))?.rev ?? 0);
  console.log(`shards: ${shards}`);
  console.log(`frames: ${frameCount} (${corrupt} corrupt)`);
  console.log(`records: ${records}`);
  console.log(`bytes: ${bytes}`);
  console.log(`revisions held: ${records === 0 ? 'none' : `${firstRev}..${lastRev}`} (oldest available: ${oldest})`);
  console.log(`newest checkpoint per shard: ${newest.join(', ')}`);
}

async function read(storage: LogStorage, fromRev: number, toRev: number, key: string | undefined, json: boolean): Promise<void> {
  const rows = [];
  for (const shard of storage.shardIds)
    for await (const frame of storage.storedFrames(shard)) for (const row of frame.rows ?? []) if (row[0] >= fromRev && row[0] <= toRev) rows.push(row);
  rows.sort((a, b) => a[0] - b[0]);
  for (const [rev, ts, dbIndex, txn, effect, event] of rows) {
    const changes = changesOf(dbIndex, effect, event).filter((change) => key === undefined || change.key === key);
    if (changes.length === 0) continue;
    if (json) console.log(JSON.stringify({ rev, ts, db: dbIndex, txn, changes, effect }));
    else
      console.log(`${rev}\t${new Date(ts).toISOString()}\tdb${dbIndex}\t${changes.map((change) => `${change.event} ${change.key ?? '*'}`).join(', ')}\t${JSON.stringify(effect)}`);
  }
}

/** The corrupt frames, oldest first. */
async function findCorrupt(storage: LogStorage): Promise<{ shard: number; firstRev: number; reason: string }[]> {
  const found = [];
  for await (const { shard, frame } of everyFrame(storage, 'checking')) if (frame.corrupt !== undefined) found.push({ shard, firstRev: frame.firstRev, reason: frame.corrupt });
  return found.sort((a, b) => a.firstRev - b.firstRev);
}

async function verify(storage: LogStorage, dir: string): Promise<number> {
  const corrupt = await findCorrupt(storage);
  for (const frame of corrupt) console.log(`corrupt: shard ${frame.shard}, frame from revision ${frame.firstRev}: ${frame.reason}`);
  if (corrupt.length === 0) console.log('ok: every frame is whole');
  else
    console.log(
      `${corrupt.length} corrupt frame(s); \`npm run log -- repair --dir ${dir}\` cuts the log back to revision ${corrupt[0].firstRev - 1}, ` +
        'before the first damaged frame (what came after it is lost: copy the directory first)',
    );
  return corrupt.length === 0 ? 0 : 1;
}

async function repair(storage: LogStorage): Promise<void> {
  const [first] = await findCorrupt(storage);
  if (first === undefined) {
    console.log('nothing to repair: every frame is whole');
    return;
  }
  const removed = await storage.cutFrom(first.firstRev);
  console.log(`cut the log back to revision ${first.firstRev - 1}: ${removed} frame(s) removed (first damage: shard ${first.shard}, ${first.reason})`);
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      dir: { type: 'string', default: './data' },
      'from-rev': { type: 'string', default: '1' },
      'to-rev': { type: 'string', default: String(Number.MAX_SAFE_INTEGER) },
      key: { type: 'string' },
      json: { type: 'boolean', default: false },
      'segment-revisions': { type: 'string', default: '65536' },
      help: { type: 'boolean', default: false },
    },
  });
  const [command] = positionals;
  if (values.help || command === undefined) {
    console.log(USAGE);
    return values.help ? 0 : 1;
  }
  const storage = await LogStorage.open(values.dir, { existing: true });
  try {
    switch (command) {
      case 'segments':
        await segments(storage, Number(values['segment-revisions']));
        return 0;
      case 'stats':
        await stats(storage);
        return 0;
      case 'read':
        await read(storage, Number(values['from-rev']), Number(values['to-rev']), values.key, values.json);
        return 0;
      case 'verify':
        return await verify(storage, values.dir);
      case 'repair':
        await repair(storage);
        return 0;
      default:
        console.error(`eddy-log: unknown command '${command}'\n${USAGE}`);
        return 1;
    }
  } finally {
    await storage.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`eddy-log: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
