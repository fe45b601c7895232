import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CheckpointWriter } from '../../src/log/checkpoints.js';
import { encodeFrame } from '../../src/log/frame.js';
import type { LogRecord } from '../../src/log/record.js';
import { replayShard } from '../../src/log/replay.js';
import { LogStorage } from '../../src/log/storage.js';

/** Segments, checkpoints and the replay over a real LevelDB in a temporary directory. */
const open: LogStorage[] = [];
const dirs: string[] = [];

async function storage(shards = 2): Promise<LogStorage> {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-storage-'));
  dirs.push(dir);
  const opened = await LogStorage.open(dir, { create: { shards } });
  open.push(opened);
  return opened;
}

afterEach(async () => {
  for (const each of open.splice(0)) await each.close().catch(() => undefined);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const put = (rev: number, key: string): LogRecord => ({ rev, ts: 1000 + rev, shard: 0, db: 0, txn: 0, effect: ['put', key, String(rev), 0] });

/** Writes one frame per revision on shard 0, revisions `from`..`to`. */
async function writeFrames(store: LogStorage, from: number, to: number): Promise<void> {
  for (let rev = from; rev <= to; rev++) await store.writeFrames([{ shard: 0, firstRev: rev, value: encodeFrame([put(rev, `k${rev}`)]) }], false);
}

describe('segments', () => {
  it("group a shard's frames by revision span, with exact bytes, first and last revision and time", async () => {
    const store = await storage();
    await writeFrames(store, 1, 10);
    const segments = await store.segments(0, 4, true);
    expect(segments.map((segment) => [segment.index, segment.firstRev, segment.lastRev, segment.frames, segment.lastTs])).toEqual([
      [0, 1, 4, 4, 1004],
      [1, 5, 8, 4, 1008],
      [2, 9, 10, 2, 1010],
    ]);
    expect(segments[0].bytes).toBe(encodeFrame([put(1, 'k1')]).length * 4);
    expect(await store.segments(1, 4, true)).toEqual([]);
  });

  it('dropped from the oldest: the shard then holds from after them, and its frames are gone', async () => {
    const store = await storage();
    await writeFrames(store, 1, 10);
    const segments = await store.segments(0, 4, true);
    expect(await store.dropSegments(0, segments.slice(0, 2))).toBe(9);
    expect(await store.heldFrom(0)).toBe(9);
    expect(await store.heldFrom(1)).toBe(1);
    const left = [];
    for await (const record of store.read([0], 1)) left.push(record.rev);
    expect(left).toEqual([9, 10]);
  });
});

describe('checkpoints', () => {
  it('are written in chunks and count only once their manifest is: a half-written one is abandoned', async () => {
    const store = await storage();
    const writer = new CheckpointWriter(store.checkpoints, 0, 50);
    for (let i = 0; i < 4500; i++) await writer.add([0, `key:${i}`, 'v', 0]);
    const manifest = await writer.complete(123);
    expect(manifest).toMatchObject({ shard: 0, rev: 50, ts: 123, chunks: 3, keys: 4500 });
    const unfinished = new CheckpointWriter(store.checkpoints, 0, 60);
    for (let i = 0; i < 2500; i++) await unfinished.add([0, `later:${i}`, 'v', 0]);
    expect((await store.checkpoints.newest(0))?.rev).toBe(50);
    // Its first chunk is written in the background (the writer awaits only when too many are in flight).
    await vi.waitFor(async () => expect(await store.checkpoints.abandoned(0)).toEqual([60]));
    let rows = 0;
    for await (const chunk of store.checkpoints.rows(0, 50)) rows += chunk.length;
    expect(rows).toBe(4500);
  });
});

describe('replayShard', () => {
  it('gives the newest checkpoint, then the frames after it, up to a revision', async () => {
    const store = await storage();
    await writeFrames(store, 1, 6);
    const writer = new CheckpointWriter(store.checkpoints, 0, 3);
    await writer.add([0, 'from-checkpoint', 'x', 0]);
    await writer.complete(1);
    const seen: unknown[] = [];
    const sink = {
      rows: (rows: readonly unknown[]) => seen.push(['rows', rows.length]),
      records: (rows: readonly (readonly unknown[])[]) => seen.push(...rows.map((row) => row[0])),
    };
    expect(await replayShard(store, 0, sink)).toEqual({ records: 3, checkpointRev: 3 });
    expect(seen).toEqual([['rows', 1], 4, 5, 6]);
    seen.length = 0;
    expect(await replayShard(store, 0, sink, { checkpoint: null, upTo: 2 })).toEqual({ records: 2, checkpointRev: 0 });
    expect(seen).toEqual([1, 2]);
  });
});
