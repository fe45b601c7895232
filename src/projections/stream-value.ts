import type { CollectionSnapshot, GroupSnapshot, StreamSnapshot } from '../log/record.js';
import type { EncodingLimits } from './encoding-limits.js';
import { idText, MAX_ID, MIN_ID, parseStreamId, type ParsedId, type StreamId } from './stream-id.js';
import { StreamNode, type StreamEntry } from './stream-node.js';
import type { Collection } from './value.js';

/**
 * A stream (Redis's t_stream.c): entries in ID order, its counters, and its consumer groups. The
 * entries are kept as Redis keeps them, in nodes of `stream-node-max-entries` and
 * `stream-node-max-bytes` each encoded compactly (stream-node.ts); approximate trimming (`~`)
 * removes whole nodes only, so the boundaries are Redis's own, to trim exactly what Redis would.
 */
export class StreamValue implements Collection {
  readonly type = 'stream';
  /** The nodes, oldest first: each holds a contiguous run of entries. */
  nodes: StreamNode[] = [];
  lastId: StreamId = MIN_ID;
  /** The largest ID ever deleted by XDEL (a tombstone), or 0-0. */
  maxDeletedId: StreamId = MIN_ID;
  /** Every entry ever added, trimmed or deleted ones included (XINFO's entries-added). */
  entriesAdded = 0;
  /** Consumer groups by name. */
  groups = new Map<string, StreamGroup>();
  private length = 0;

  get size(): number {
    return this.length;
  }

  /** The first entry's ID, or 0-0 when the stream is empty (XINFO's recorded-first-entry-id). */
  get firstId(): StreamId {
    return this.edge(false)?.[0] ?? MIN_ID;
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
    if (full) {
      last?.close();
      const node = new StreamNode(
        id,
        id,
        1,
        NODE_HEADER_BYTES +
          listpackBytes(
            fields.filter((_, i) => i % 2 === 0),
            false,
          ) +
          entryBytes,
      );
      node.push(id, fields);
      this.nodes.push(node);
    } else {
      last.lastId = id;
      last.appended++;
      last.bytes += entryBytes;
      last.push(id, fields);
    }
    this.length++;
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
        this.length -= node.live;
        this.nodes.shift();
      } else {
        node.deleteFirst(left);
        this.length -= left;
        left = 0;
      }
    }
  }

  /** XDEL of one entry: false when it is not there. A node left with no live entry goes, as in Redis. */
  delete(id: StreamId): boolean {
    if (this.nodes.length === 0) return false;
    const nodeIndex = this.nodeOf(id);
    const node = this.nodes[nodeIndex];
    if (!node.delete(id)) return false;
    this.length--;
    if (node.live === 0) this.nodes.splice(nodeIndex, 1);
    if (id > this.maxDeletedId) this.maxDeletedId = id;
    return true;
  }

  /** The node that would hold `id`: the last one whose first ID is <= it (the first node when none is). */
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
    return this.fieldsOf(id) !== undefined;
  }

  fieldsOf(id: StreamId): string[] | undefined {
    return this.nodes.length === 0 ? undefined : this.nodes[this.nodeOf(id)].entry(id)?.[1];
  }

  /** Entries with `start <= id <= end`, at most `count` (0: all), from the end when `reverse`. */
  range(start: StreamId, end: StreamId, count: number, reverse = false): StreamEntry[] {
    const entries: StreamEntry[] = [];
    if (start > end || this.nodes.length === 0) return entries;
    const wanted = count === 0 ? Infinity : count;
    if (!reverse)
      for (let i = this.nodeOf(start); i < this.nodes.length && this.nodes[i].firstId <= end && entries.length < wanted; i++)
        this.nodes[i].collect(start, end, count, false, entries);
    else for (let i = this.nodeOf(end); i >= 0 && this.nodes[i].lastId >= start && entries.length < wanted; i--) this.nodes[i].collect(start, end, count, true, entries);
    return entries;
  }

  /** The first or last entry, or undefined when empty. */
  edge(last: boolean): StreamEntry | undefined {
    if (this.length === 0) return undefined;
    return last ? this.nodes[this.nodes.length - 1].last() : this.range(MIN_ID, MAX_ID, 1)[0];
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
    for (const [id, fields] of this.range(MIN_ID, MAX_ID, 0)) entries.push(idText(id), fields);
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
    // Each node's live count is its entries'.
    for (let i = 0; i < nodes.length; i += 5)
      stream.nodes.push(new StreamNode(idOf(nodes[i] as string), idOf(nodes[i + 1] as string), nodes[i + 3] as number, nodes[i + 4] as number));
    let at = 0;
    for (let i = 0; i < entries.length; i += 2) {
      const id = idOf(entries[i] as string);
      while (stream.nodes[at].lastId < id) at++;
      stream.nodes[at].push(id, entries[i + 1] as string[]);
    }
    for (const node of stream.nodes) node.close();
    stream.length = entries.length / 2;
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

export type { StreamEntry, StreamNode };

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
