import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { CorruptFrameError, decodeFrame, decodeFrameRows, encodeFrame } from '../../src/log/frame.js';
import { frameKey, parseFrameKey, shardFrameRange } from '../../src/log/keys.js';
import type { LogRecord } from '../../src/log/record.js';

const records: LogRecord[] = [
  { rev: 7, ts: 1000, shard: 1, db: 0, txn: 0, effect: ['put', 'a', '1', 0] },
  { rev: 8, ts: 1001, shard: 1, db: 2, txn: 8, effect: ['del', 'b', 'expired'], event: 'expired' },
];

describe('frames', () => {
  it('decode to the records they were encoded from, the shard given by the key', () => {
    const frame = encodeFrame(records);
    expect(decodeFrame(1, frame)).toEqual(records);
    expect(decodeFrameRows(frame)).toEqual([
      [7, 1000, 0, 0, ['put', 'a', '1', 0]],
      [8, 1001, 2, 8, ['del', 'b', 'expired'], 'expired'],
    ]);
  });

  it('carry a CRC-32: a flipped bit anywhere in the payload or the checksum is caught', () => {
    const frame = encodeFrame(records);
    for (const at of [1, 4, 5, frame.length - 1]) {
      const damaged = Buffer.from(frame);
      damaged[at] ^= 0x10;
      expect(() => decodeFrameRows(damaged), `byte ${at}`).toThrow(new CorruptFrameError('checksum mismatch'));
    }
    expect(() => decodeFrameRows(frame.subarray(0, 3))).toThrow(new CorruptFrameError('shorter than its header'));
  });

  it('written before checksums (a bare msgpack list) still load, and garbage without a marker is refused', () => {
    expect(decodeFrameRows(pack([[3, 1, 0, 0, ['persist', 'k']]]))).toEqual([[3, 1, 0, 0, ['persist', 'k']]]);
    expect(() => decodeFrameRows(pack({ not: 'rows' }))).toThrow(new CorruptFrameError('not a list of records'));
  });

  it('name their place in errors once a reader knows the key', () => {
    const error = new CorruptFrameError('checksum mismatch').at(frameKey(3, 42));
    expect([error.shard, error.firstRev, error.message]).toEqual([3, 42, 'corrupt frame in shard 3 at revision 42: checksum mismatch']);
  });
});

describe('frame keys', () => {
  it('sort as the log does: by shard, then by first revision, past 2^32', () => {
    const keys = [frameKey(0, 2 ** 33), frameKey(1, 1), frameKey(0, 255), frameKey(0, 256)];
    const sorted = [...keys].sort(Buffer.compare).map(parseFrameKey);
    expect(sorted).toEqual([
      { shard: 0, firstRev: 255 },
      { shard: 0, firstRev: 256 },
      { shard: 0, firstRev: 2 ** 33 },
      { shard: 1, firstRev: 1 },
    ]);
  });

  it("of a shard lie inside its range and outside every other shard's", () => {
    const range = shardFrameRange(2);
    for (const key of [frameKey(2, 0), frameKey(2, Number.MAX_SAFE_INTEGER)]) expect(Buffer.compare(range.gte, key) <= 0 && Buffer.compare(key, range.lte) <= 0).toBe(true);
    for (const key of [frameKey(1, Number.MAX_SAFE_INTEGER), frameKey(3, 0)]) expect(Buffer.compare(range.gte, key) <= 0 && Buffer.compare(key, range.lte) <= 0).toBe(false);
  });
});
