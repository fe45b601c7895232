import { expectValid } from '../../formats/rdb/corrupt-payload.js';
import { ListpackWriter, readListpack } from '../../formats/rdb/listpack.js';
import { parseInt64 } from '../../formats/number-parsing.js';
import type { RdbReader } from '../../formats/rdb/rdb-reader.js';
import type { RdbWriter } from '../../formats/rdb/rdb-writer.js';
import type { GroupSnapshot, StreamSnapshot } from '../../log/record.js';
import { idText, msOf, seqOf, streamId, UINT64_MAX, type StreamId } from '../stream-id.js';
import { idOf, StreamValue } from '../stream-value.js';

/**
 * A stream in RDB_TYPE_STREAM_LISTPACKS_2 (Redis 7.0's rdb.c and t_stream.c), read and written
 * through StreamSnapshot only. Each node is a listpack keyed by its master ID: a master entry
 * (live count, deleted count, the first entry's field names, 0), then per entry its flags, its ID
 * as deltas from the master ID, its fields (or only the values when the names are the master's),
 * and the count of listpack elements it took. Then the counters, and the consumer groups in name
 * order with their PELs. Eddy keeps no deleted entries, so a node is written with its live ones.
 */

const DELETED = 1;
const SAME_FIELDS = 2;

function writeId(writer: RdbWriter, id: StreamId): void {
  writer.length(msOf(id));
  writer.length(seqOf(id));
}

function rawId(id: StreamId): Buffer {
  const bytes = Buffer.alloc(16);
  bytes.writeBigUInt64BE(msOf(id), 0);
  bytes.writeBigUInt64BE(seqOf(id), 8);
  return bytes;
}

function sameNames(fields: readonly string[], names: readonly string[]): boolean {
  if (fields.length !== names.length * 2) return false;
  for (let i = 0; i < names.length; i++) if (fields[i * 2] !== names[i]) return false;
  return true;
}

/** Redis's raxes order names as bytes: a latin1 string compares the same way. */
function byName<T>(entries: [string, T][]): [string, T][] {
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function writeStream(writer: RdbWriter, snapshot: StreamSnapshot): void {
  const [lastId, maxDeletedId, entriesAdded, nodes, entries, groups] = snapshot;
  const listpacks: [StreamId, Buffer][] = [];
  let next = 0;
  for (let n = 0; n < nodes.length; n += 5) {
    const master = idOf(nodes[n] as string);
    const last = idOf(nodes[n + 1] as string);
    const inNode: [StreamId, readonly string[]][] = [];
    for (; next < entries.length && idOf(entries[next] as string) <= last; next += 2) inNode.push([idOf(entries[next] as string), entries[next + 1] as readonly string[]]);
    if (inNode.length === 0) continue;
    // The master fields are the first entry's; when it was deleted, the first live one stands in.
    const names = inNode[0][1].filter((_, i) => i % 2 === 0);
    const lp = new ListpackWriter();
    lp.appendInteger(inNode.length);
    lp.appendInteger(0);
    lp.appendInteger(names.length);
    for (const name of names) lp.appendString(name);
    lp.appendInteger(0);
    for (const [id, fields] of inNode) {
      const same = sameNames(fields, names);
      lp.appendInteger(same ? SAME_FIELDS : 0);
      lp.appendInteger(BigInt.asIntN(64, msOf(id) - msOf(master)));
      lp.appendInteger(BigInt.asIntN(64, seqOf(id) - seqOf(master)));
      if (!same) lp.appendInteger(fields.length / 2);
      for (let i = 0; i < fields.length; i++) if (!same || i % 2 === 1) lp.appendString(fields[i]);
      lp.appendInteger(same ? fields.length / 2 + 3 : fields.length + 4);
    }
    listpacks.push([master, lp.finish()]);
  }
  writer.length(listpacks.length);
  for (const [master, lp] of listpacks) {
    writer.blob(rawId(master));
    writer.blob(lp);
  }
  writer.length(entries.length / 2);
  writeId(writer, idOf(lastId));
  writeId(writer, entries.length === 0 ? 0n : idOf(entries[0] as string));
  writeId(writer, idOf(maxDeletedId));
  writer.length(entriesAdded);
  writer.length(groups.length);
  for (const [name, group] of byName(groups.map((group): [string, GroupSnapshot] => [group[0], group]))) {
    const [, groupLastId, entriesRead, consumers, pending] = group;
    writer.string(name);
    writeId(writer, idOf(groupLastId));
    // SCG_INVALID_ENTRIES_READ (-1) goes out as rdbSaveLen writes a long long: 2^64 - 1.
    writer.length(entriesRead < 0 ? UINT64_MAX : entriesRead);
    writer.length(pending.length / 4);
    const owned = new Map<string, StreamId[]>();
    for (let i = 0; i < pending.length; i += 4) {
      const id = idOf(pending[i] as string);
      writer.raw(rawId(id));
      writer.millisecondTime(pending[i + 2] as number);
      writer.length(pending[i + 3] as number);
      const consumer = pending[i + 1] as string;
      const ids = owned.get(consumer);
      if (ids === undefined) owned.set(consumer, [id]);
      else ids.push(id);
    }
    const named: [string, number][] = [];
    for (let i = 0; i < consumers.length; i += 2) named.push([consumers[i] as string, consumers[i + 1] as number]);
    writer.length(named.length);
    for (const [consumer, seenTime] of byName(named)) {
      writer.string(consumer);
      writer.millisecondTime(seenTime);
      const ids = owned.get(consumer) ?? [];
      writer.length(ids.length);
      for (const id of ids) writer.raw(rawId(id));
    }
  }
}

function integerOf(item: string | undefined): bigint {
  const value = item === undefined ? null : parseInt64(item);
  expectValid(value !== null, 'stream listpack integer expected');
  return value;
}

function readRawId(reader: RdbReader): StreamId {
  const bytes = reader.raw(16);
  return streamId(bytes.readBigUInt64BE(0), bytes.readBigUInt64BE(8));
}

function readId(reader: RdbReader): StreamId {
  const ms = reader.bigLength();
  return streamId(ms, reader.bigLength());
}

/** Reads a node's listpack: its live entries, appended count and last ID. */
function readNode(master: StreamId, items: string[], entries: (string | string[])[]): { live: number; appended: number; lastId: StreamId } {
  let at = 0;
  const take = (): string | undefined => items[at++];
  const live = integerOf(take());
  const deleted = integerOf(take());
  const nameCount = Number(integerOf(take()));
  expectValid(nameCount >= 0 && nameCount <= items.length, 'stream master fields invalid');
  const names: string[] = [];
  for (let i = 0; i < nameCount; i++) names.push(take() ?? '');
  expectValid(integerOf(take()) === 0n && at <= items.length, 'stream master entry unterminated');
  const total = live + deleted;
  expectValid(live >= 0n && deleted >= 0n && total <= BigInt(items.length), 'stream node counts invalid');
  let seen = 0;
  let lastId = master;
  let previous: StreamId | undefined;
  for (let n = 0n; n < total; n++) {
    const flags = integerOf(take());
    const id = streamId(BigInt.asUintN(64, msOf(master) + integerOf(take())), BigInt.asUintN(64, seqOf(master) + integerOf(take())));
    expectValid(id >= master && (previous === undefined || id > previous), 'stream entry IDs out of order');
    previous = id;
    const same = (flags & BigInt(SAME_FIELDS)) !== 0n;
    const count = same ? nameCount : Number(integerOf(take()));
    expectValid(count >= 0 && count * (same ? 1 : 2) <= items.length - at, 'stream entry fields invalid');
    const fields: string[] = [];
    for (let i = 0; i < count; i++) {
      fields.push(same ? names[i] : (take() as string));
      fields.push(take() as string);
    }
    expectValid(integerOf(take()) === BigInt(same ? count + 3 : count * 2 + 4), 'stream entry lp-count mismatch');
    lastId = id;
    if ((flags & BigInt(DELETED)) === 0n) {
      entries.push(idText(id), fields);
      seen++;
    }
  }
  expectValid(at === items.length && BigInt(seen) === live, 'stream node entries mismatch');
  return { live: seen, appended: Number(total), lastId };
}

/** A stream of type 19, or of type 15 (`legacy`: Redis before 7.0, without the counters, which are then derived as Redis derives them). */
export function readStream(reader: RdbReader, legacy: boolean): StreamSnapshot {
  const nodeCount = reader.length();
  const loaded: [StreamId, Buffer][] = [];
  for (let n = 0; n < nodeCount; n++) {
    const key = reader.stringBytes();
    expectValid(key.length === 16, 'stream node key is not the size of a stream ID');
    const lp = reader.stringBytes();
    expectValid(lp.length > 7, 'empty listpack inside stream');
    loaded.push([streamId(key.readBigUInt64BE(0), key.readBigUInt64BE(8)), Buffer.from(lp)]);
  }
  // A radix tree orders nodes by master ID whatever the payload's order.
  loaded.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const nodes: (string | number)[] = [];
  const entries: (string | string[])[] = [];
  let highest: StreamId | undefined;
  for (const [master, lp] of loaded) {
    expectValid(highest === undefined || master > highest, 'stream nodes overlap');
    const node = readNode(master, readListpack(lp), entries);
    highest = node.lastId;
    if (node.live > 0) nodes.push(idText(master), idText(node.lastId), node.live, node.appended, lp.length);
  }
  const length = reader.length();
  expectValid(length === entries.length / 2, 'stream length mismatch');
  const lastId = readId(reader);
  expectValid(highest === undefined || lastId >= highest, 'stream last ID before its entries');
  let maxDeletedId = 0n;
  let entriesAdded = length;
  if (!legacy) {
    readId(reader); // the first ID: Eddy derives it from the entries
    maxDeletedId = readId(reader);
    entriesAdded = reader.length();
  }
  const withoutGroups: StreamSnapshot = [idText(lastId), idText(maxDeletedId), entriesAdded, nodes, entries, []];
  // Before 7.0 a group's entries-read was not kept: Redis estimates it from the group's last ID.
  const estimator = legacy ? StreamValue.fromSnapshot(withoutGroups) : undefined;
  const groups: GroupSnapshot[] = [];
  const groupNames = new Set<string>();
  const groupCount = reader.length();
  for (let g = 0; g < groupCount; g++) {
    const name = reader.string();
    expectValid(!groupNames.has(name), 'duplicated consumer group name');
    groupNames.add(name);
    const groupLastId = readId(reader);
    let entriesRead: number;
    if (estimator !== undefined) entriesRead = estimator.distanceFromFirstEver(groupLastId) ?? -1;
    else {
      // -1 (unknown) comes as 2^64 - 1; no count of entries read is past 2^53.
      const read = reader.bigLength();
      expectValid(read === UINT64_MAX || read <= BigInt(Number.MAX_SAFE_INTEGER), 'stream group entries read invalid');
      entriesRead = read === UINT64_MAX ? -1 : Number(read);
    }
    const deliveries = new Map<string, [number, number, string | undefined]>();
    const pelSize = reader.length();
    for (let i = 0; i < pelSize; i++) {
      const id = idText(readRawId(reader));
      expectValid(!deliveries.has(id), 'duplicated global PEL entry');
      const time = reader.millisecondTime();
      deliveries.set(id, [time, reader.length(), undefined]);
    }
    const consumers: (string | number)[] = [];
    const consumerNames = new Set<string>();
    const consumerCount = reader.length();
    for (let c = 0; c < consumerCount; c++) {
      const consumer = reader.string();
      expectValid(!consumerNames.has(consumer), 'duplicate stream consumer');
      consumerNames.add(consumer);
      consumers.push(consumer, reader.millisecondTime());
      const owned = reader.length();
      for (let i = 0; i < owned; i++) {
        const delivery = deliveries.get(idText(readRawId(reader)));
        expectValid(delivery !== undefined && delivery[2] === undefined, 'consumer entry not found in group global PEL');
        delivery[2] = consumer;
      }
    }
    const pending: (string | number)[] = [];
    for (const [id, [time, count, consumer]] of deliveries) {
      expectValid(consumer !== undefined, 'stream CG PEL entry without consumer');
      pending.push(id, consumer, time, count);
    }
    groups.push([name, idText(groupLastId), entriesRead, consumers, pending]);
  }
  return [idText(lastId), idText(maxDeletedId), entriesAdded, nodes, entries, groups];
}
