import { msOf, seqOf, type StreamId } from './stream-id.js';

/**
 * A node of a stream: a run of entries in ID order encoded in one latin1 string, as Redis's
 * listpack nodes are (t_stream.c), so that an entry of two small fields costs about 20 bytes instead
 * of a BigInt, two arrays and four strings. The layout, every number an unsigned LEB128 varint:
 *
 *   head:  field count, then the master fields (the first entry's field names)
 *   entry: flags byte, ms - first ms, seq (- first seq when the ms is the first's), then either the
 *          values alone (flag SAME_FIELDS: the master's fields, in order) or a pair count and the
 *          field/value pairs
 *   a string: 2 * length then its bytes, or 2 * n + 1 for a canonical decimal n below 10^15 (Redis's
 *          listpack integers)
 *
 * The last node of a stream takes appends in a Buffer that doubles, so that XADD copies only the new
 * entry; its string is made when read (and kept until the next append) and once for good when the
 * node is closed. XDEL flags an entry deleted in place, as Redis does, and the node goes when no live
 * entry is left; a closed node's string is rebuilt for that (a copy of at most stream-node-max-bytes,
 * about as much as finding the entry costs). Reads decode IDs as numbers and compare them with the
 * bounds in the node's own delta form, so that a scan makes no BigInt but for the entries it returns.
 */
export class StreamNode {
  /** Entries pushed and not deleted. */
  live = 0;
  private readonly firstMs: bigint;
  private readonly firstSeq: bigint;
  /** The encoded node: always there once closed, made on demand while open. */
  private text: string | undefined;
  /** The open node's bytes (`used` of them written); undefined once closed. */
  private builder: Buffer | undefined;
  private used = 0;
  /** Where the last entry pushed starts. */
  private lastAt = 0;
  /** The open node's master fields, to compare each appended entry's with. */
  private masterFields: string[] | undefined;

  constructor(
    /** Redis's master ID: the first entry appended to the node, deleted or not. */
    readonly firstId: StreamId,
    /** The last entry appended to the node, deleted or not: MINID trimming compares it. */
    public lastId: StreamId,
    /** Entries appended, deleted ones included: what stream-node-max-entries counts. */
    public appended: number,
    /** An estimate of the node's listpack bytes, for stream-node-max-bytes. */
    public bytes: number,
  ) {
    this.firstMs = msOf(firstId);
    this.firstSeq = seqOf(firstId);
  }

  /** The bytes the encoding holds: the string, and the open node's buffer. */
  get encodedBytes(): number {
    return (this.text?.length ?? 0) + (this.builder?.length ?? 0);
  }

  /** Encodes an entry after the others (its ID is above theirs); the first one pushed gives the master fields. */
  push(id: StreamId, fields: string[]): void {
    this.open(fields);
    if (this.used === 0) {
      const names: string[] = [];
      for (let i = 0; i < fields.length; i += 2) names.push(fields[i]);
      this.reserve(MAX_VARINT + names.reduce((sum, name) => sum + MAX_VARINT + name.length, 0));
      this.writeUint(names.length);
      for (const name of names) this.writeString(name);
      this.masterFields = names;
    }
    let bound = 1 + 3 * MAX_VARINT;
    for (const item of fields) bound += MAX_VARINT + item.length;
    this.reserve(bound);
    const master = this.masterFields as string[];
    let sameFields = fields.length === 2 * master.length;
    for (let i = 0; sameFields && i < master.length; i++) sameFields = fields[2 * i] === master[i];
    const ms = msOf(id) - this.firstMs;
    this.lastAt = this.used;
    (this.builder as Buffer)[this.used++] = sameFields ? SAME_FIELDS : 0;
    this.writeUint(canonical(ms));
    this.writeUint(canonical(ms === 0n ? seqOf(id) - this.firstSeq : seqOf(id)));
    if (sameFields) for (let i = 1; i < fields.length; i += 2) this.writeString(fields[i]);
    else {
      this.writeUint(fields.length / 2);
      for (const item of fields) this.writeString(item);
    }
    this.text = undefined;
    this.live++;
  }

  /** Ends appends: the node keeps its exact string alone. */
  close(): void {
    this.content();
    this.builder = undefined;
    this.masterFields = undefined;
  }

  /**
   * Pushes onto `out` the live entries with `start <= id <= end`, in ID order or from the end when
   * `reverse`, until `out` holds `count` (0: no limit).
   */
  collect(start: StreamId, end: StreamId, count: number, reverse: boolean, out: StreamEntry[]): void {
    if (end < this.firstId || start > this.lastId || this.used === 0) return;
    const reader = new NodeReader(this.content());
    const names = readHead(reader);
    // Bounds outside the node need no comparison.
    const from = start > this.firstId ? this.relative(start) : undefined;
    const to = end < this.lastId ? this.relative(end) : undefined;
    const length = reader.text.length;
    if (!reverse) {
      while (reader.at < length) {
        const flags = reader.text.charCodeAt(reader.at++);
        const ms = reader.uint();
        const seq = reader.uint();
        if (to !== undefined && isAfter(ms, seq, to)) return;
        if ((flags & DELETED) !== 0 || (from !== undefined && isBefore(ms, seq, from))) skipValues(reader, flags, names.length);
        else if (out.push([this.idOf(ms, seq), readValues(reader, flags, names)]) === count) return;
      }
      return;
    }
    // Entries are read front to back only: their starts first, then the entries from the last one.
    let found = 0;
    while (reader.at < length) {
      const at = reader.at;
      const flags = reader.text.charCodeAt(reader.at++);
      const ms = reader.uint();
      const seq = reader.uint();
      if (to !== undefined && isAfter(ms, seq, to)) break;
      entryStarts[found++] = at;
      skipValues(reader, flags, names.length);
    }
    for (let i = found - 1; i >= 0; i--) {
      reader.at = entryStarts[i];
      const flags = reader.text.charCodeAt(reader.at++);
      const ms = reader.uint();
      const seq = reader.uint();
      if (from !== undefined && isBefore(ms, seq, from)) return;
      if ((flags & DELETED) === 0 && out.push([this.idOf(ms, seq), readValues(reader, flags, names)]) === count) return;
    }
  }

  /** The live entry with this ID, or undefined. */
  entry(id: StreamId): StreamEntry | undefined {
    const at = this.find(id);
    if (at === -1) return undefined;
    const reader = new NodeReader(this.content());
    const names = readHead(reader);
    reader.at = at;
    const flags = reader.text.charCodeAt(reader.at++);
    reader.uint();
    reader.uint();
    return [id, readValues(reader, flags, names)];
  }

  /** The last live entry: most often the last one pushed, read without a scan. */
  last(): StreamEntry | undefined {
    if (this.used === 0) return undefined;
    const text = this.content();
    const flags = text.charCodeAt(this.lastAt);
    if ((flags & DELETED) === 0) {
      const reader = new NodeReader(text);
      const names = readHead(reader);
      reader.at = this.lastAt + 1;
      const id = this.idOf(reader.uint(), reader.uint());
      return [id, readValues(reader, flags, names)];
    }
    const out: StreamEntry[] = [];
    this.collect(this.firstId, this.lastId, 1, true, out);
    return out[0];
  }

  /** XDEL of one entry: false when it is not live here. */
  delete(id: StreamId): boolean {
    const at = this.find(id);
    if (at === -1) return false;
    this.flagDeleted([at]);
    this.live--;
    return true;
  }

  /** Deletes the first `count` live entries (a trim that ends inside the node), as Redis's streamTrim flags them. */
  deleteFirst(count: number): void {
    const reader = new NodeReader(this.content());
    const names = readHead(reader);
    const starts: number[] = [];
    while (starts.length < count && reader.at < reader.text.length) {
      const at = reader.at;
      const flags = reader.text.charCodeAt(reader.at++);
      reader.uint();
      reader.uint();
      if ((flags & DELETED) === 0) starts.push(at);
      skipValues(reader, flags, names.length);
    }
    this.flagDeleted(starts);
    this.live -= count;
  }

  /** Where the live entry with this ID starts, or -1. */
  private find(id: StreamId): number {
    if (id < this.firstId || id > this.lastId || this.used === 0) return -1;
    const reader = new NodeReader(this.content());
    const names = readHead(reader);
    const wanted = this.relative(id);
    while (reader.at < reader.text.length) {
      const at = reader.at;
      const flags = reader.text.charCodeAt(reader.at++);
      const ms = reader.uint();
      const seq = reader.uint();
      if (isAfter(ms, seq, wanted)) return -1;
      if (ms === wanted[0] && seq === wanted[1]) return (flags & DELETED) === 0 ? at : -1;
      skipValues(reader, flags, names.length);
    }
    return -1;
  }

  private flagDeleted(starts: number[]): void {
    const bytes = this.builder ?? Buffer.from(this.content(), 'latin1');
    for (const at of starts) bytes[at] |= DELETED;
    this.text = this.builder === undefined ? bytes.toString('latin1') : undefined;
  }

  /** The encoded string, made from the open node's buffer when it changed since last read. */
  private content(): string {
    return (this.text ??= this.builder?.toString('latin1', 0, this.used) ?? '');
  }

  /** The buffer appends go to: a closed node (a stream's last after a restart or an XDEL) opens again. */
  private open(fields: string[]): void {
    if (this.builder !== undefined) return;
    if (this.used === 0) {
      // Room for the head and two entries like this one.
      let size = 3 * MAX_VARINT;
      for (const item of fields) size += 2 * (MAX_VARINT + item.length);
      this.builder = Buffer.allocUnsafeSlow(Math.max(MIN_BUFFER, size));
      return;
    }
    const text = this.content();
    this.builder = Buffer.allocUnsafeSlow(Math.max(MIN_BUFFER, 2 * text.length));
    this.used = this.builder.write(text, 0, 'latin1');
    this.masterFields = readHead(new NodeReader(text));
  }

  /** Room for `bytes` more in the open node's buffer, doubling it when short. */
  private reserve(bytes: number): void {
    const builder = this.builder as Buffer;
    if (this.used + bytes <= builder.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(2 * builder.length, this.used + bytes));
    builder.copy(grown, 0, 0, this.used);
    this.builder = grown;
  }

  private writeUint(value: Uint): void {
    const builder = this.builder as Buffer;
    if (typeof value === 'number') {
      while (value >= 0x80) {
        builder[this.used++] = (value % 0x80) | 0x80;
        value = Math.floor(value / 0x80);
      }
      builder[this.used++] = value;
      return;
    }
    while (value >= 0x80n) {
      builder[this.used++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    builder[this.used++] = Number(value);
  }

  private writeString(text: string): void {
    const integer = canonicalInteger(text);
    if (integer !== -1) return this.writeUint(2 * integer + 1);
    this.writeUint(2 * text.length);
    const builder = this.builder as Buffer;
    // Short strings byte by byte: cheaper than a call into Buffer's native write.
    if (text.length < 32) for (let i = 0; i < text.length; i++) builder[this.used++] = text.charCodeAt(i);
    else this.used += builder.write(text, this.used, 'latin1');
  }

  /** An ID of this node as its entries encode it: ms since the first ms, and seq (since the first seq when in the first ms). */
  private relative(id: StreamId): [ms: Uint, seq: Uint] {
    const ms = msOf(id) - this.firstMs;
    return [canonical(ms), canonical(ms === 0n ? seqOf(id) - this.firstSeq : seqOf(id))];
  }

  private idOf(ms: Uint, seq: Uint): StreamId {
    return ms === 0 ? this.firstId + BigInt(seq) : ((this.firstMs + BigInt(ms)) << 64n) | BigInt(seq);
  }
}

/** An entry's ID and its fields and values. */
export type StreamEntry = [id: StreamId, fields: string[]];

const DELETED = 1;
/** The entry has the master's fields: its values alone are encoded. */
const SAME_FIELDS = 2;
/** A 64-bit number's varint at most. */
const MAX_VARINT = 10;
const MIN_BUFFER = 64;

/** A number in the one form it has: a JS number below 2^53, else a bigint; so `===` compares two exactly, and `<` any two. */
type Uint = number | bigint;

function canonical(value: bigint): Uint {
  return value <= MAX_SAFE ? Number(value) : value;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The decimal number a string is, when it is written as String(n) writes it and below 10^15; else -1. */
function canonicalInteger(text: string): number {
  const length = text.length;
  if (length === 0 || length > 15) return -1;
  let value = 0;
  for (let i = 0; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9 || (digit === 0 && i === 0 && length > 1)) return -1;
    value = value * 10 + digit;
  }
  return value;
}

// The bound indexed, not destructured: destructuring walks the array's iterator.
function isBefore(ms: Uint, seq: Uint, bound: [Uint, Uint]): boolean {
  return ms < bound[0] || (ms === bound[0] && seq < bound[1]);
}

function isAfter(ms: Uint, seq: Uint, bound: [Uint, Uint]): boolean {
  return ms > bound[0] || (ms === bound[0] && seq > bound[1]);
}

/** Where reverse reads note the entries' starts, shared: reads never nest. */
const entryStarts: number[] = [];

/** A cursor over a node's string. */
class NodeReader {
  at = 0;

  constructor(readonly text: string) {}

  uint(): Uint {
    const text = this.text;
    let byte = text.charCodeAt(this.at++);
    if (byte < 0x80) return byte;
    let value = byte & 0x7f;
    let scale = 0x80;
    // Seven bytes hold 49 bits, exact in a double; a longer varint goes on in a bigint.
    for (let i = 1; i < 7; i++) {
      byte = text.charCodeAt(this.at++);
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
    let big = BigInt(value);
    let shift = 49n;
    do {
      byte = text.charCodeAt(this.at++);
      big |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
    } while (byte >= 0x80);
    return canonical(big);
  }

  /** A length, a count or an integer string's header: below 2^49, so a number. */
  small(): number {
    const text = this.text;
    let byte = text.charCodeAt(this.at++);
    if (byte < 0x80) return byte;
    let value = byte & 0x7f;
    let scale = 0x80;
    do {
      byte = text.charCodeAt(this.at++);
      value += (byte & 0x7f) * scale;
      scale *= 0x80;
    } while (byte >= 0x80);
    return value;
  }

  string(): string {
    const header = this.small();
    if (header % 2 === 1) return String((header - 1) / 2);
    const start = this.at;
    this.at += header / 2;
    return this.text.slice(start, this.at);
  }

  skipString(): void {
    const header = this.small();
    if (header % 2 === 0) this.at += header / 2;
  }
}

/** The master fields; the reader is left at the first entry. */
function readHead(reader: NodeReader): string[] {
  const count = reader.small();
  const names: string[] = new Array(count);
  for (let i = 0; i < count; i++) names[i] = reader.string();
  return names;
}

/** An entry's fields and values, its ID read. */
function readValues(reader: NodeReader, flags: number, names: string[]): string[] {
  if ((flags & SAME_FIELDS) !== 0) {
    const fields: string[] = new Array(2 * names.length);
    for (let i = 0; i < names.length; i++) {
      fields[2 * i] = names[i];
      fields[2 * i + 1] = reader.string();
    }
    return fields;
  }
  const fields: string[] = new Array(2 * reader.small());
  for (let i = 0; i < fields.length; i++) fields[i] = reader.string();
  return fields;
}

function skipValues(reader: NodeReader, flags: number, masterCount: number): void {
  const count = (flags & SAME_FIELDS) !== 0 ? masterCount : 2 * reader.small();
  for (let i = 0; i < count; i++) reader.skipString();
}
