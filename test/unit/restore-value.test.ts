import { describe, expect, it } from 'vitest';
import { CorruptPayload } from '../../src/formats/rdb/corrupt-payload.js';
import { ListpackWriter } from '../../src/formats/rdb/listpack.js';
import { RdbWriter } from '../../src/formats/rdb/rdb-writer.js';
import { restoredSnapshot } from '../../src/projections/rdb/restore-value.js';

/** The RDB types Redis 7.0 still reads but no longer writes, built by hand as Redis 2.4 to 6.2 wrote them. */

/** A ziplist of short strings and small integers (int8 entries). */
function ziplist(items: (string | number)[]): Buffer {
  const entries: Buffer[] = [];
  let previous = 0;
  let lastOffset = 10;
  let offset = 10;
  for (const item of items) {
    const body = typeof item === 'number' ? Buffer.from([0xfe, item & 0xff]) : Buffer.concat([Buffer.from([item.length]), Buffer.from(item, 'latin1')]);
    const entry = Buffer.concat([Buffer.from([previous]), body]);
    entries.push(entry);
    lastOffset = offset;
    offset += entry.length;
    previous = entry.length;
  }
  const header = Buffer.alloc(10);
  header.writeUInt32LE(offset + 1, 0);
  header.writeUInt32LE(lastOffset, 4);
  header.writeUInt16LE(items.length, 8);
  return Buffer.concat([header, ...entries, Buffer.from([0xff])]);
}

function payload(write: (writer: RdbWriter) => void): Buffer {
  const writer = new RdbWriter(false);
  write(writer);
  return writer.dumpPayload();
}

describe('RESTORE of older RDB types', () => {
  it('reads a plain list (1), a ziplist list (10) and a quicklist of ziplists (14)', () => {
    expect(restoredSnapshot(payload((w) => (w.byte(1), w.length(2), w.string('a'), w.string('12'))))).toEqual(['list', 'a', '12']);
    expect(restoredSnapshot(payload((w) => (w.byte(10), w.blob(ziplist(['x', -3, 'yz'])))))).toEqual(['list', 'x', '-3', 'yz']);
    expect(restoredSnapshot(payload((w) => (w.byte(14), w.length(2), w.blob(ziplist(['a', 1])), w.blob(ziplist(['b'])))))).toEqual(['list', 'a', '1', 'b']);
  });

  it('reads ziplist hashes (13) and sorted sets (12), zipmap hashes (9) and text-scored sorted sets (3)', () => {
    expect(restoredSnapshot(payload((w) => (w.byte(13), w.blob(ziplist(['f', 'v', 'n', 5])))))).toEqual(['hash', 'f', 'v', 'n', '5']);
    expect(restoredSnapshot(payload((w) => (w.byte(12), w.blob(ziplist(['m', '1.5', 'n', 2])))))).toEqual(['zset', 1.5, 'm', 2, 'n']);
    const zipmap = Buffer.from([1, 1, 0x66, 2, 1, 0x76, 0x77, 0, 0xff]);
    expect(restoredSnapshot(payload((w) => (w.byte(9), w.blob(zipmap))))).toEqual(['hash', 'f', 'vw']);
    const textScores = payload((w) => {
      w.byte(3);
      w.length(2);
      w.string('a');
      w.raw(Buffer.from([3, 0x32, 0x2e, 0x35]));
      w.string('b');
      w.byte(254);
    });
    expect(restoredSnapshot(textScores)).toEqual(['zset', 2.5, 'a', Infinity, 'b']);
  });

  it('reads a Redis 5 stream (15), estimating each group’s entries read as Redis does', () => {
    const node = new ListpackWriter();
    const append = (item: number | string): void => {
      if (typeof item === 'number') node.appendInteger(item);
      else node.appendString(item);
    };
    // The master entry (2 live, 0 deleted, field "f"), then two entries with the same fields: flags, ID deltas, value, lp-count.
    for (const item of [2, 0, 1, 'f', 0]) append(item);
    for (const seq of [0, 1]) for (const item of [2, 0, seq, 'v', 4]) append(item);
    const master = Buffer.alloc(16);
    master.writeBigUInt64BE(5n, 0);
    const stream = payload((w) => {
      w.byte(15);
      w.length(1);
      w.blob(master);
      w.blob(node.finish());
      w.length(2); // entries
      w.length(5);
      w.length(1); // last ID 5-1
      w.length(1); // one group, at the first entry, with nothing pending
      w.string('g');
      w.length(5);
      w.length(0);
      w.length(0);
      w.length(0);
    });
    expect(restoredSnapshot(stream)).toEqual(['stream', ['5-1', '0-0', 2, ['5-0', '5-1', 2, 2, 40], ['5-0', ['f', 'v'], '5-1', ['f', 'v']], [['g', '5-0', 1, [], []]]]]);
  });

  it('refuses empty keys, duplicates, unknown types and modules', () => {
    for (const bad of [
      payload((w) => (w.byte(2), w.length(0))),
      payload((w) => (w.byte(2), w.length(2), w.string('a'), w.string('a'))),
      payload((w) => (w.byte(5), w.length(1), w.string('a'), w.binaryDouble(NaN))),
      payload((w) => (w.byte(13), w.blob(ziplist(['f', 'v', 'f', 'w'])))),
      payload((w) => (w.byte(7), w.length(1))),
      payload((w) => w.byte(20)),
    ])
      expect(() => restoredSnapshot(bad)).toThrow(CorruptPayload);
  });
});
