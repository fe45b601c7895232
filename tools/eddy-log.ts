import { parseArgs } from 'node:util';
import { CheckpointStore } from '../src/log/checkpoints.js';
import { CorruptFrameError, decodeFrameRows, shardFrameRange } from '../src/log/frame.js';
import { changesOf } from '../src/log/change-events.js';
import { heldFrom, listSegments } from '../src/log/segments.js';
import { cutFrom } from '../src/log/stored-reader.js';
import { openDataDir } from './open-data-dir.js';

/**
 * eddy-log: the log of a stopped server's data directory, for operators.
 *   segments | stats | read --from-rev N --to-rev M [--key K] [--json] | verify | repair
 */
const USAGE = `Usage: eddy-log <segments|stats|read|verify|repair> --dir <data dir> [--from-rev N] [--to-rev M] [--key K] [--json] [--segment-revisions N]`;

type Db = Awaited<ReturnType<typeof openDataDir>>['db'];

/** Every frame of a shard: its first revision, and its rows or why they cannot be read. */
async function* frames(db: Db, shard: number): AsyncGenerator<{ firstRev: number; rows?: ReturnType<typeof decodeFrameRows>; corrupt?: string; bytes: number }> {
  for await (const [key, value] of db.iterator(shardFrameRange(shard))) {
    const firstRev = Number(key.readBigUInt64BE(3));
    try {
      yield { firstRev, rows: decodeFrameRows(value), bytes: value.length };
    } catch (error) {
      if (!(error instanceof CorruptFrameError)) throw error;
      yield { firstRev, corrupt: error.reason, bytes: value.length };
    }
  }
}

async function segments(db: Db, shards: number, span: number): Promise<void> {
  console.log('shard\tsegment\tfirst_rev\tlast_rev\tframes\tbytes\tlast_write');
  for (let shard = 0; shard < shards; shard++)
    for (const segment of await listSegments(db, shard, span, true))
      console.log([shard, segment.index, segment.firstRev, segment.lastRev, segment.frames, segment.bytes, new Date(segment.lastTs).toISOString()].join('\t'));
}

async function stats(db: Db, shards: number): Promise<void> {
  const checkpoints = new CheckpointStore(db);
  let frameCount = 0;
  let records = 0;
  let bytes = 0;
  let firstRev = Infinity;
  let lastRev = 0;
  let corrupt = 0;
  let oldest = 1;
  for (let shard = 0; shard < shards; shard++) {
    oldest = Math.max(oldest, await heldFrom(db, shard));
    for await (const frame of frames(db, shard)) {
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
  }
  const newest = [];
  for (let shard = 0; shard < shards; shard++) newest.push((await checkpoints.newest(shard))?.rev ?? 0);
  console.log(`shards: ${shards}`);
  console.log(`frames: ${frameCount} (${corrupt} corrupt)`);
  console.log(`records: ${records}`);
  console.log(`bytes: ${bytes}`);
  console.log(`revisions held: ${records === 0 ? 'none' : `${firstRev}..${lastRev}`} (oldest available: ${oldest})`);
  console.log(`newest checkpoint per shard: ${newest.join(', ')}`);
}

async function read(db: Db, shards: number, fromRev: number, toRev: number, key: string | undefined, json: boolean): Promise<void> {
  const rows = [];
  for (let shard = 0; shard < shards; shard++)
    for await (const frame of frames(db, shard))
      for (const row of frame.rows ?? []) if (row[0] >= fromRev && row[0] <= toRev) rows.push(row);
  rows.sort((a, b) => a[0] - b[0]);
  for (const [rev, ts, dbIndex, txn, effect, event] of rows) {
    const changes = changesOf(dbIndex, effect, event).filter((change) => key === undefined || change.key === key);
    if (changes.length === 0) continue;
    if (json) console.log(JSON.stringify({ rev, ts, db: dbIndex, txn, changes, effect }));
    else console.log(`${rev}\t${new Date(ts).toISOString()}\tdb${dbIndex}\t${changes.map((change) => `${change.event} ${change.key ?? '*'}`).join(', ')}\t${JSON.stringify(effect)}`);
  }
}

/** The corrupt frames, oldest first. */
async function findCorrupt(db: Db, shards: number): Promise<{ shard: number; firstRev: number; reason: string }[]> {
  const found = [];
  for (let shard = 0; shard < shards; shard++)
    for await (const frame of frames(db, shard)) if (frame.corrupt !== undefined) found.push({ shard, firstRev: frame.firstRev, reason: frame.corrupt });
  return found.sort((a, b) => a.firstRev - b.firstRev);
}

async function verify(db: Db, shards: number, dir: string): Promise<number> {
  const corrupt = await findCorrupt(db, shards);
  for (const frame of corrupt) console.log(`corrupt: shard ${frame.shard}, frame from revision ${frame.firstRev}: ${frame.reason}`);
  if (corrupt.length === 0) console.log('ok: every frame is whole');
  else
    console.log(
      `${corrupt.length} corrupt frame(s); \`npm run log -- repair --dir ${dir}\` cuts the log back to revision ${corrupt[0].firstRev - 1}, ` +
        'before the first damaged frame (what came after it is lost: copy the directory first)',
    );
  return corrupt.length === 0 ? 0 : 1;
}

async function repair(db: Db, shards: number): Promise<void> {
  const [first] = await findCorrupt(db, shards);
  if (first === undefined) {
    console.log('nothing to repair: every frame is whole');
    return;
  }
  const removed = await cutFrom(db, shards, first.firstRev);
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
  const { db, shards } = await openDataDir(values.dir);
  try {
    switch (command) {
      case 'segments':
        await segments(db, shards, Number(values['segment-revisions']));
        return 0;
      case 'stats':
        await stats(db, shards);
        return 0;
      case 'read':
        await read(db, shards, Number(values['from-rev']), Number(values['to-rev']), values.key, values.json);
        return 0;
      case 'verify':
        return await verify(db, shards, values.dir);
      case 'repair':
        await repair(db, shards);
        return 0;
      default:
        console.error(`eddy-log: unknown command '${command}'\n${USAGE}`);
        return 1;
    }
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`eddy-log: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
