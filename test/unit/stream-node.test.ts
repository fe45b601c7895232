import { describe, expect, it } from 'vitest';
import type { StreamSnapshot } from '../../src/log/record.js';
import type { EncodingLimits } from '../../src/projections/encoding-limits.js';
import { MAX_ID, MIN_ID, streamId, UINT64_MAX } from '../../src/projections/stream-id.js';
import { StreamNode, type StreamEntry } from '../../src/projections/stream-node.js';
import { StreamValue } from '../../src/projections/stream-value.js';

const LIMITS = { streamNodeMaxEntries: 4, streamNodeMaxBytes: 4096 } as EncodingLimits;
const TOP = 2n ** 53n;

/** A node holding these entries, pushed in order. */
function nodeOf(entries: StreamEntry[]): StreamNode {
  const node = new StreamNode(entries[0][0], entries[entries.length - 1][0], entries.length, 0);
  for (const [id, fields] of entries) node.push(id, fields);
  return node;
}

function all(node: StreamNode, reverse = false): StreamEntry[] {
  const out: StreamEntry[] = [];
  node.collect(MIN_ID, MAX_ID, 0, reverse, out);
  return out;
}

/** Every byte a latin1 string can hold, and strings that look like the integers the encoding keeps as numbers, or nearly. */
const AWKWARD_VALUES = [
  '',
  '0',
  '00',
  '007',
  '-1',
  '+1',
  '1.5',
  ' 1',
  '123456789012345',
  '999999999999999',
  '1000000000000000',
  '18446744073709551615',
  Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join(''),
  'x'.repeat(31),
  'y'.repeat(32),
  'z'.repeat(5000),
];

describe('a stream node', () => {
  it('gives back what was pushed: the master fields, other fields, integers and strings of every byte', () => {
    const entries: StreamEntry[] = AWKWARD_VALUES.map((value, i) => [streamId(5n, BigInt(i)), i % 3 === 2 ? ['other', value] : ['f', value, 'g', String(i)]]);
    entries.push([streamId(6n, 0n), ['g', '1', 'f', '2']], [streamId(6n, 1n), ['f', 'a']], [streamId(6n, 2n), ['f', 'a', 'g', 'b', 'h', 'c']]);
    const node = nodeOf(entries);
    expect(all(node)).toEqual(entries);
    expect(all(node, true)).toEqual([...entries].reverse());
    node.close();
    expect(all(node)).toEqual(entries);
    for (const [id, fields] of entries) expect(node.entry(id)).toEqual([id, fields]);
  });

  it('keeps IDs near 2^64 on both halves, and around 2^53 where its numbers become bigints', () => {
    const ids = [
      streamId(0n, 0n),
      streamId(0n, TOP - 1n),
      streamId(0n, TOP),
      streamId(0n, TOP + 1n),
      streamId(0n, UINT64_MAX),
      streamId(1n, 0n),
      streamId(TOP - 1n, UINT64_MAX),
      streamId(TOP, 1n),
      streamId(UINT64_MAX - 1n, TOP),
      streamId(UINT64_MAX, 0n),
      streamId(UINT64_MAX, UINT64_MAX - 1n),
      MAX_ID,
    ];
    const entries: StreamEntry[] = ids.map((id, i) => [id, ['f', String(i)]]);
    const node = nodeOf(entries);
    expect(all(node).map(([id]) => id)).toEqual(ids);
    for (let i = 0; i < ids.length; i++) {
      const out: StreamEntry[] = [];
      node.collect(ids[i], MAX_ID, 2, false, out);
      expect(out.map(([id]) => id)).toEqual(ids.slice(i, i + 2));
      const back: StreamEntry[] = [];
      node.collect(MIN_ID, ids[i], 2, true, back);
      expect(back.map(([id]) => id)).toEqual(ids.slice(Math.max(0, i - 1), i + 1).reverse());
      // Bounds between two entries.
      if (i > 0 && ids[i] - ids[i - 1] > 1n) {
        const between: StreamEntry[] = [];
        node.collect(ids[i - 1] + 1n, ids[i] - 1n, 0, false, between);
        expect(between).toEqual([]);
      }
    }
    const later = nodeOf([
      [streamId(UINT64_MAX, UINT64_MAX - 5n), ['f', 'v']],
      [MAX_ID, ['f', 'w']],
    ]);
    expect(all(later).map(([id]) => id)).toEqual([streamId(UINT64_MAX, UINT64_MAX - 5n), MAX_ID]);
  });

  it('skips deleted entries in reads, finds none of them, and reads its last live entry', () => {
    const entries: StreamEntry[] = Array.from({ length: 10 }, (_, i) => [streamId(100n + BigInt(i), 0n), ['f', `v${i}`]]);
    const node = nodeOf(entries);
    expect(node.delete(entries[0][0])).toBe(true);
    expect(node.delete(entries[0][0])).toBe(false);
    expect(node.delete(streamId(99n, 0n))).toBe(false);
    node.close();
    expect(node.delete(entries[5][0])).toBe(true);
    expect(node.delete(entries[9][0])).toBe(true);
    const left = entries.filter((_, i) => ![0, 5, 9].includes(i));
    expect(node.live).toBe(7);
    expect(all(node)).toEqual(left);
    expect(all(node, true)).toEqual([...left].reverse());
    expect(node.entry(entries[5][0])).toBeUndefined();
    expect(node.entry(entries[6][0])).toEqual(entries[6]);
    expect(node.last()).toEqual(entries[8]);
    // Appends go on after a closed node opens again.
    node.push(streamId(200n, 0n), ['f', 'late']);
    expect(node.last()).toEqual([streamId(200n, 0n), ['f', 'late']]);
  });

  it('deletes its first live entries for a trim', () => {
    const entries: StreamEntry[] = Array.from({ length: 6 }, (_, i) => [streamId(1n, BigInt(i)), ['f', String(i)]]);
    const node = nodeOf(entries);
    node.delete(entries[1][0]);
    node.deleteFirst(2);
    expect(all(node)).toEqual(entries.slice(3));
    expect(node.live).toBe(3);
  });
});

/** A stream of `count` entries `i-0`, four to a node. */
function streamOf(count: number): StreamValue {
  const stream = new StreamValue();
  for (let i = 1; i <= count; i++) stream.append(streamId(BigInt(i), 0n), ['f', String(i)], LIMITS);
  return stream;
}

const msList = (entries: StreamEntry[]): number[] => entries.map(([id]) => Number(id >> 64n));

describe('a stream in nodes', () => {
  it('reads a range from the middle, across nodes, forwards and backwards', () => {
    const stream = streamOf(20);
    expect(stream.nodes.length).toBe(5);
    expect(msList(stream.range(streamId(6n, 0n), MAX_ID, 5))).toEqual([6, 7, 8, 9, 10]);
    expect(msList(stream.range(streamId(6n, 1n), streamId(13n, 0n), 0))).toEqual([7, 8, 9, 10, 11, 12, 13]);
    expect(msList(stream.range(MIN_ID, streamId(14n, 0n), 6, true))).toEqual([14, 13, 12, 11, 10, 9]);
    expect(msList(stream.range(streamId(3n, 0n), streamId(5n, 5n), 0, true))).toEqual([5, 4, 3]);
    expect(stream.range(streamId(21n, 0n), MAX_ID, 0)).toEqual([]);
    expect(stream.fieldsOf(streamId(17n, 0n))).toEqual(['f', '17']);
    expect(stream.has(streamId(17n, 1n))).toBe(false);
  });

  it('trims the front, deletes, and drops a node once it holds no live entry', () => {
    const stream = streamOf(12);
    stream.removeFirst(6);
    expect(stream.size).toBe(6);
    expect(stream.nodes.length).toBe(2);
    expect(stream.firstId).toBe(streamId(7n, 0n));
    expect(stream.nodes[0].live).toBe(2);
    for (const ms of [9n, 10n, 11n, 12n]) expect(stream.delete(streamId(ms, 0n))).toBe(true);
    expect(stream.nodes.length).toBe(1);
    expect(stream.edge(true)).toEqual([streamId(8n, 0n), ['f', '8']]);
    expect(stream.maxDeletedId).toBe(streamId(12n, 0n));
    // The next entry goes into the node that is last again, as Redis appends to its last listpack.
    stream.append(streamId(13n, 0n), ['f', '13'], LIMITS);
    expect(stream.nodes.length).toBe(2);
    expect(msList(stream.range(MIN_ID, MAX_ID, 0))).toEqual([7, 8, 13]);
  });

  it('comes back from its snapshot with the same entries and nodes, and takes appends in its last node', () => {
    const stream = streamOf(10);
    stream.delete(streamId(1n, 0n));
    stream.delete(streamId(10n, 0n));
    stream.removeFirst(2);
    const snapshot = stream.snapshot()[1] as StreamSnapshot;
    const restored = StreamValue.fromSnapshot(snapshot);
    expect(restored.snapshot()).toEqual(stream.snapshot());
    for (const copy of [stream, restored]) copy.append(streamId(11n, 0n), ['f', '11'], LIMITS);
    expect(restored.snapshot()).toEqual(stream.snapshot());
    expect(msList(restored.range(MIN_ID, MAX_ID, 0))).toEqual([4, 5, 6, 7, 8, 9, 11]);
  });

  it('answers as a plain sorted list would through random appends, deletes, trims and reads', () => {
    let seed = 7;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const stream = new StreamValue();
    const model: StreamEntry[] = [];
    let ms = 0n;
    for (let step = 0; step < 3000; step++) {
      const op = random(10);
      if (op < 6) {
        // Jumps in ms both small and past 2^53; the seq anywhere.
        ms += random(5) === 0 ? TOP + BigInt(random(1000)) : BigInt(random(3));
        // Past the stream's top ID, as XADD's are, deleted entries included.
        let id = streamId(ms, random(2) === 0 ? BigInt(random(4)) : UINT64_MAX - BigInt(random(4)));
        if (id <= stream.lastId) id = stream.lastId + 1n;
        ms = id >> 64n;
        const fields = random(4) === 0 ? ['g', String(step), 'h', 'x'.repeat(random(40))] : ['f', String(random(100))];
        stream.append(id, fields, LIMITS);
        model.push([id, fields]);
      } else if (op < 8 && model.length > 0) {
        const [id] = model.splice(random(model.length), 1)[0];
        expect(stream.delete(id)).toBe(true);
        expect(stream.delete(id)).toBe(false);
      } else if (op === 8 && model.length > 0) {
        const count = random(Math.min(model.length, 6)) + 1;
        stream.removeFirst(count);
        model.splice(0, count);
      } else if (model.length > 0) {
        const from = model[random(model.length)][0] - BigInt(random(2));
        const to = model[random(model.length)][0] + BigInt(random(2));
        const count = random(8);
        const inRange = model.filter(([id]) => id >= from && id <= to);
        expect(stream.range(from, to, count)).toEqual(count === 0 ? inRange : inRange.slice(0, count));
        const reversed = [...inRange].reverse();
        expect(stream.range(from, to, count, true)).toEqual(count === 0 ? reversed : reversed.slice(0, count));
      }
      expect(stream.size).toBe(model.length);
    }
    expect(stream.range(MIN_ID, MAX_ID, 0)).toEqual(model);
    for (const [id, fields] of model) expect(stream.fieldsOf(id)).toEqual(fields);
    expect(stream.edge(false)).toEqual(model[0]);
    expect(stream.edge(true)).toEqual(model[model.length - 1]);
    expect(StreamValue.fromSnapshot(stream.snapshot()[1] as StreamSnapshot).range(MIN_ID, MAX_ID, 0)).toEqual(model);
  });
});
