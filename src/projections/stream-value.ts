import type { CollectionSnapshot, GroupSnapshot, StreamSnapshot } from '../log/record.js';
import type { EncodingLimits } from './encoding-limits.js';
import { idText, MIN_ID, parseStreamId, type ParsedId, type StreamId } from './stream-id.js';
import type { Collection } from './value.js';

/**
 * A stream (Redis's t_stream.c): entries in ID order, its counters, and its consumer groups.
 * Entries sit in two parallel arrays from `head` on (trimming the front moves `head`, so XADD
 * with MAXLEN costs no copy). Redis keeps entries in listpack nodes of `stream-node-max-entries`
 * and `stream-node-max-bytes`; approximate trimming (`~`) removes whole nodes only, so the node
 * boundaries are kept here as bookkeeping, to trim exactly what Redis would.
 */
export class StreamValue implements Collection {
  readonly type = 'stream';
  private ids: StreamId[] = [];
  private fieldLists: string[][] = [];
  private head = 0;
  /** Node boundaries, oldest first: each holds a contiguous run of entries. */
  nodes: StreamNode[] = [];
  lastId: StreamId = MIN_ID;
  /** The largest ID ever deleted by XDEL (a tombstone), or 0-0. */
  maxDeletedId: StreamId = MIN_ID;
  /** Every entry ever added, trimmed or deleted ones included (XINFO's entries-added). */
  entriesAdded = 0;
  /** Consumer groups by name. */
  groups = new Map<string, StreamGroup>();

  get size(): number {
    return this.ids.length - this.head;
  }

  /** The first entry's ID, or 0-0 when the stream is empty (XINFO's recorded-first-entry-id). */
  get firstId(): StreamId {
    return this.size === 0 ? MIN_ID : this.ids[this.head];
  }

  encoding(): string {
    return 'stream';
  }

  /** Appends an entry whose ID is greater than `lastId`, in a new node when the last one is full as Redis counts. */
  append(id: StreamId, fields: string[], limits: EncodingLimits): void {
    let bytes = 0;
    for (const item of fields) bytes += item.length;
    const last = this.nodes[this.nodes.length - 1];
    // Redis caps a node's listpack at 1 GB whatever stream-node-max-bytes says (0 included).
    const maxBytes = limits.streamNodeMaxBytes === 0 || limits.streamNodeMaxBytes > 2 ** 30 ? 2 ** 30 : limits.streamNodeMaxBytes;
    const full = last === undefined || last.bytes + bytes >= maxBytes || (limits.streamNodeMaxEntries > 0 && last.appended >= limits.streamNodeMaxEntries);
    const entryBytes = listpackBytes(fields, full);
    if (full)
      this.nodes.push({
        firstId: id,
        lastId: id,
        live: 1,
        appended: 1,
        bytes:
          NODE_HEADER_BYTES +
          listpackBytes(
            fields.filter((_, i) => i % 2 === 0),
            false,
          ) +
          entryBytes,
      });
    else {
      last.lastId = id;
      last.live++;
      last.appended++;
      last.bytes += entryBytes;
    }
    this.ids.push(id);
    this.fieldLists.push(fields);
    this.lastId = id;
    this.entriesAdded++;
  }

  /** Removes the first `count` entries (a trim), with the nodes that empties, as Redis's streamTrim does. */
  removeFirst(count: number): void {
    let left = count;
    while (left > 0 && this.nodes.length > 0) {
      const node = this.nodes[0];
      if (node.live <= left) {
        left -= node.live;
        this.nodes.shift();
      } else {
        node.live -= left;
        left = 0;
      }
    }
    this.head += count;
    // Give the arrays' dead front back once it is most of them.
    if (this.head > 1024 && this.head * 2 > this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.fieldLists = this.fieldLists.slice(this.head);
      this.head = 0;
    }
  }

  /** XDEL of one entry: false when it is not there. A node left with no live entry goes, as in Redis. */
  delete(id: StreamId): boolean {
    const index = this.indexOf(id);
    if (index === -1) return false;
    this.ids.splice(index, 1);
    this.fieldLists.splice(index, 1);
    const nodeIndex = this.nodeOf(id);
    const node = this.nodes[nodeIndex];
    if (--node.live === 0) this.nodes.splice(nodeIndex, 1);
    if (id > this.maxDeletedId) this.maxDeletedId = id;
    return true;
  }

  /** The position of `id` among the entries, or -1. */
  private indexOf(id: StreamId): number {
    const at = this.lowerBound(id);
    return at < this.ids.length && this.ids[at] === id ? at : -1;
  }

  /** The first array position whose ID is >= `id`. */
  private lowerBound(id: StreamId): number {
    let low = this.head;
    let high = this.ids.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.ids[mid] < id) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** The node holding `id`: the last one whose first ID is <= it. */
  private nodeOf(id: StreamId): number {
    let low = 0;
    let high = this.nodes.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.nodes[mid].firstId <= id) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  has(id: StreamId): boolean {
    return this.indexOf(id) !== -1;
  }

  fieldsOf(id: StreamId): string[] | undefined {
    const index = this.indexOf(id);
    return index === -1 ? undefined : this.fieldLists[index];
  }

  /** Entries with `start <= id <= end`, at most `count` (0: all), from the end when `reverse`. */
  range(start: StreamId, end: StreamId, count: number, reverse = false): StreamEntry[] {
    const entries: StreamEntry[] = [];
    if (start > end) return entries;
    const from = this.lowerBound(start);
    let to = this.lowerBound(end);
    if (to < this.ids.length && this.ids[to] === end) to++;
    if (!reverse) for (let i = from; i < to && (count === 0 || entries.length < count); i++) entries.push([this.ids[i], this.fieldLists[i]]);
    else for (let i = to - 1; i >= from && (count === 0 || entries.length < count); i--) entries.push([this.ids[i], this.fieldLists[i]]);
    return entries;
  }

  /** The first or last entry, or undefined when empty. */
  edge(last: boolean): StreamEntry | undefined {
    if (this.size === 0) return undefined;
    const at = last ? this.ids.length - 1 : this.head;
    return [this.ids[at], this.fieldLists[at]];
  }

  /** Whether XDEL may have left a tombstone from `start` on (Redis's streamRangeHasTombstones). */
  hasTombstonesFrom(start: StreamId): boolean {
    return this.size > 0 && this.maxDeletedId !== MIN_ID && start <= this.maxDeletedId;
  }

  /**
   * How many entries precede `id` since the first ever added, when that can be known (Redis's
   * streamEstimateDistanceFromFirstEverEntry): the groups' entries-read and lag rest on it.
   */
  distanceFromFirstEver(id: StreamId): number | undefined {
    if (this.entriesAdded === 0) return 0;
    if (this.size === 0 && id <= this.lastId) return this.entriesAdded;
    if (id !== MIN_ID && id < this.maxDeletedId) return undefined;
    if (id === this.lastId) return this.entriesAdded;
    if (id > this.lastId) return undefined;
    if (this.maxDeletedId === MIN_ID || this.maxDeletedId < this.firstId) {
      if (id < this.firstId) return this.entriesAdded - this.size;
      if (id === this.firstId) return this.entriesAdded - this.size + 1;
    }
    return undefined;
  }

  /** A group's lag: entries not yet delivered to it, when that can be known. */
  lagOf(group: StreamGroup): number | undefined {
    if (this.entriesAdded === 0) return 0;
    if (group.entriesRead !== undefined && !this.hasTombstonesFrom(group.lastId)) return this.entriesAdded - group.entriesRead;
    const read = this.distanceFromFirstEver(group.lastId);
    return read === undefined ? undefined : this.entriesAdded - read;
  }

  clone(): StreamValue {
    return StreamValue.fromSnapshot(this.snapshot()[1] as StreamSnapshot);
  }

  snapshot(): CollectionSnapshot {
    const entries: (string | string[])[] = [];
    for (let i = this.head; i < this.ids.length; i++) entries.push(idText(this.ids[i]), this.fieldLists[i]);
    const nodes: (string | number)[] = [];
    for (const node of this.nodes) nodes.push(idText(node.firstId), idText(node.lastId), node.live, node.appended, node.bytes);
    const groups: GroupSnapshot[] = [];
    for (const [name, group] of this.groups) {
      const pending: (string | number)[] = [];
      for (const entry of group.pending.values()) pending.push(idText(entry.id), entry.consumer, entry.deliveryTime, entry.deliveryCount);
      const consumers: (string | number)[] = [];
      for (const consumer of group.consumers.values()) consumers.push(consumer.name, consumer.seenTime);
      groups.push([name, idText(group.lastId), group.entriesRead ?? -1, consumers, pending]);
    }
    return ['stream', [idText(this.lastId), idText(this.maxDeletedId), this.entriesAdded, nodes, entries, groups]];
  }

  /** The stream a snapshot holds (checkpoints, COPY, RENAME across shards), its node layout included. */
  static fromSnapshot(snapshot: StreamSnapshot): StreamValue {
    const [lastId, maxDeletedId, entriesAdded, nodes, entries, groups] = snapshot;
    const stream = new StreamValue();
    for (let i = 0; i < entries.length; i += 2) {
      stream.ids.push(idOf(entries[i] as string));
      stream.fieldLists.push(entries[i + 1] as string[]);
    }
    for (let i = 0; i < nodes.length; i += 5)
      stream.nodes.push({
        firstId: idOf(nodes[i] as string),
        lastId: idOf(nodes[i + 1] as string),
        live: nodes[i + 2] as number,
        appended: nodes[i + 3] as number,
        bytes: nodes[i + 4] as number,
      });
    stream.lastId = idOf(lastId);
    stream.maxDeletedId = idOf(maxDeletedId);
    stream.entriesAdded = entriesAdded;
    for (const [name, groupLastId, entriesRead, consumers, pending] of groups) {
      const group = new StreamGroup(idOf(groupLastId), entriesRead < 0 ? undefined : entriesRead);
      for (let i = 0; i < consumers.length; i += 2) group.consumer(consumers[i] as string, consumers[i + 1] as number);
      for (let i = 0; i < pending.length; i += 4)
        group.assign(idOf(pending[i] as string), group.consumer(pending[i + 1] as string, 0), pending[i + 2] as number, pending[i + 3] as number);
      stream.groups.set(name, group);
    }
    return stream;
  }

  /** Creates a group (XGROUP CREATE); false when it exists. */
  createGroup(name: string, lastId: StreamId, entriesRead: number | undefined): boolean {
    if (this.groups.has(name)) return false;
    this.groups.set(name, new StreamGroup(lastId, entriesRead));
    return true;
  }
}

export type StreamEntry = [id: StreamId, fields: string[]];

export interface StreamNode {
  /** Redis's master ID: the first entry appended to the node, deleted or not. */
  firstId: StreamId;
  /** The last entry appended to the node, deleted or not: MINID trimming compares it. */
  lastId: StreamId;
  live: number;
  /** Entries appended, deleted ones included: what stream-node-max-entries counts. */
  appended: number;
  /** An estimate of the node's listpack bytes, for stream-node-max-bytes. */
  bytes: number;
}

/** A pending entry: delivered to a consumer of a group and not yet acknowledged (Redis's NACK). */
export interface PendingEntry {
  id: StreamId;
  consumer: string;
  deliveryTime: number;
  deliveryCount: number;
}

export interface StreamConsumer {
  name: string;
  /** When the consumer last read or claimed (XINFO CONSUMERS' idle). */
  seenTime: number;
  pending: IdOrderedMap<PendingEntry>;
}

export class StreamGroup {
  readonly pending = new IdOrderedMap<PendingEntry>();
  readonly consumers = new Map<string, StreamConsumer>();

  constructor(
    public lastId: StreamId,
    /** Entries the group has read since the first ever added; undefined when unknown (Redis's SCG_INVALID_ENTRIES_READ). */
    public entriesRead: number | undefined,
  ) {}

  /** The consumer, created (seen at `time`) when missing. */
  consumer(name: string, time: number): StreamConsumer {
    let consumer = this.consumers.get(name);
    if (consumer === undefined) this.consumers.set(name, (consumer = { name, seenTime: time, pending: new IdOrderedMap() }));
    return consumer;
  }

  /** Gives `id` to `consumer` in the PEL, moving it from another consumer if needed. */
  assign(id: StreamId, consumer: StreamConsumer, deliveryTime: number, deliveryCount: number): void {
    const existing = this.pending.get(id);
    if (existing !== undefined && existing.consumer !== consumer.name) this.consumers.get(existing.consumer)?.pending.delete(id);
    const entry: PendingEntry = existing ?? { id, consumer: consumer.name, deliveryTime, deliveryCount };
    entry.consumer = consumer.name;
    entry.deliveryTime = deliveryTime;
    entry.deliveryCount = deliveryCount;
    if (existing === undefined) this.pending.set(id, entry);
    consumer.pending.set(id, entry);
  }

  /** XACK of one ID: false when it was not pending. */
  acknowledge(id: StreamId): boolean {
    const entry = this.pending.get(id);
    if (entry === undefined) return false;
    this.pending.delete(id);
    this.consumers.get(entry.consumer)?.pending.delete(id);
    return true;
  }
}

/**
 * A map keyed by stream IDs that iterates in ID order, as Redis's rax-based PELs do. Its Map is
 * keyed by the ID's text: V8 hashes a BigInt by its low digit, so IDs that differ only in their
 * ms (`n-0`) would all collide. Deliveries almost always add IDs in order; one out of order marks
 * the map for a sort before the next walk.
 */
export class IdOrderedMap<T> {
  private map = new Map<string, [StreamId, T]>();
  private largest: StreamId = -1n;
  private sorted = true;

  get size(): number {
    return this.map.size;
  }

  get(id: StreamId): T | undefined {
    return this.map.get(id.toString(36))?.[1];
  }

  has(id: StreamId): boolean {
    return this.map.has(id.toString(36));
  }

  set(id: StreamId, value: T): void {
    const key = id.toString(36);
    const existing = this.map.get(key);
    if (existing !== undefined) {
      existing[1] = value;
      return;
    }
    if (id < this.largest) this.sorted = false;
    else this.largest = id;
    this.map.set(key, [id, value]);
  }

  delete(id: StreamId): boolean {
    return this.map.delete(id.toString(36));
  }

  /** Values in ID order. */
  *values(): IterableIterator<T> {
    if (!this.sorted) {
      this.map = new Map([...this.map].sort(([, [a]], [, [b]]) => (a < b ? -1 : a > b ? 1 : 0)));
      this.sorted = true;
    }
    for (const [, value] of this.map.values()) yield value;
  }
}

/** A node's listpack header and master entry's fixed part, as Redis lays them out (near enough for stream-node-max-bytes). */
const NODE_HEADER_BYTES = 6 + 3 * 2 + 2 + 1;

/** The bytes a listpack spends on these strings: each with its length byte and back-length byte; an entry adds its flags, ID deltas and lp-count. */
function listpackBytes(items: string[], masterFields: boolean): number {
  let bytes = masterFields ? 4 * 2 : 5 * 2;
  for (const item of items) bytes += item.length + 2;
  return bytes;
}

/** An ID as the log and snapshots write it, known to be well-formed. */
export function idOf(text: string): StreamId {
  return (parseStreamId(text, 0n) as ParsedId).id;
}
