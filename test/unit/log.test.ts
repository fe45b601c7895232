import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Log } from '../../src/log/log.js';
import type { LogRecord } from '../../src/log/record.js';

const dirs: string[] = [];
const logs: Log[] = [];

async function openLog(shards = 2, fsync: 'always' | 'everysec' | 'no' = 'everysec', dir = mkdtempSync(join(tmpdir(), 'eddy-log-'))): Promise<Log> {
  dirs.push(dir);
  const log = await Log.open(dir, { shards, fsync });
  logs.push(log);
  return log;
}

afterEach(async () => {
  for (const log of logs.splice(0)) await log.close().catch(() => undefined);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function collect(iterable: AsyncIterable<LogRecord>, count = Infinity): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  for await (const record of iterable) {
    records.push(record);
    if (records.length >= count) break;
  }
  return records;
}

describe('Log', () => {
  it('assigns node-wide revisions and reads them back merged in order', async () => {
    const log = await openLog(3);
    for (let i = 0; i < 30; i++) log.append(i % 3, 0, 0, ['put', `k${i}`, `v${i}`, 0], 1000 + i);
    await log.flush();
    const records = await collect(log.read(1));
    expect(records.map((r) => r.rev)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(records[4]).toEqual({ rev: 5, ts: 1004, shard: 1, db: 0, txn: 0, effect: ['put', 'k4', 'v4', 0] });
    expect((await collect(log.read(17, { shards: [2] }))).map((r) => r.rev)).toEqual([18, 21, 24, 27, 30]);
  });

  it('starts reading in the middle of a frame', async () => {
    const log = await openLog(1);
    for (let i = 0; i < 10; i++) log.append(0, 0, 0, ['del', `k${i}`, 'del'], i);
    await log.flush();
    expect((await collect(log.read(7))).map((r) => r.rev)).toEqual([7, 8, 9, 10]);
  });

  it('follows live commits after the stored records with no gap or duplicate', async () => {
    const log = await openLog(2);
    for (let i = 0; i < 5; i++) log.append(i % 2, 0, 0, ['del', `a${i}`, 'del'], i);
    await log.flush();
    const reading = collect(log.read(3, { follow: true }), 10);
    for (let i = 0; i < 7; i++) log.append(i % 2, 0, 0, ['del', `b${i}`, 'del'], i);
    const records = await reading;
    expect(records.map((r) => r.rev)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('commits a tick of appends as one batch and acknowledges after the write', async () => {
    const log = await openLog(2, 'always');
    log.append(0, 0, 0, ['del', 'x', 'del'], 0);
    log.append(1, 0, 0, ['del', 'y', 'del'], 0);
    expect(log.ackedRev).toBe(0);
    const acked = await new Promise<number>((resolve) => log.waitForAck({ ackRev: 2, acknowledged: () => resolve(log.ackedRev) }));
    expect(acked).toBe(2);
  });

  it('in `no` mode replies need not wait for the write', async () => {
    const log = await openLog(1, 'no');
    log.append(0, 0, 0, ['del', 'x', 'del'], 0);
    expect(log.ackedRev).toBe(1);
  });

  it('recovers its last revision and shard count on reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-log-'));
    const first = await openLog(4, 'everysec', dir);
    for (let i = 0; i < 9; i++) first.append(i % 4, 0, 0, ['del', `k${i}`, 'del'], i);
    await first.close();
    logs.splice(logs.indexOf(first), 1);
    const second = await openLog(2, 'everysec', dir);
    expect(second.shardCount).toBe(4);
    expect(second.lastRev).toBe(9);
    expect(second.append(0, 0, 0, ['del', 'z', 'del'], 0).rev).toBe(10);
  });
});
