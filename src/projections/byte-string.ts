import { countBits } from './bitmap.js';

/** Below this the room doubles, as Redis's sdsMakeRoomFor does; past it, it grows by an eighth. */
const DOUBLING_LIMIT = 1024 * 1024;
/** Patches up to this long are copied byte by byte (see `write`). */
const SHORT_PATCH = 16;
/**
 * BITCOUNT keeps the count of each block of this many bytes until a write touches the block: a
 * count of the whole of a 64 MB bitmap then sums 16 k numbers (about 20 us) instead of reading
 * 64 MB (25 ms), and a count after one SETBIT recounts one block (about 1 us).
 */
const COUNT_BLOCK_BYTES = 4096;
const COUNT_BLOCK_BITS = COUNT_BLOCK_BYTES * 8;

/**
 * A string value that is written in place: its bytes in a Buffer with spare room, so that a
 * SETBIT, SETRANGE or APPEND costs what it writes, not the length of the value. The room past
 * `length` is always zeros (the buffer is zero-filled and never shrinks), which is the padding
 * a write past the end needs. Past 1 MB the room grows by an eighth, not by sds's fixed 1 MB: a
 * long run of APPENDs stays amortized O(1), and a 64 MB bitmap wastes at most 8 MB.
 */
export class ByteString {
  readonly type = 'string';
  private bytes: Buffer;
  private used: number;
  /** The set bits of each whole block of `bytes`, -1 where a write made it unknown; made by the first count. */
  private blockOnes: Int32Array | undefined;

  private constructor(bytes: Buffer, used: number) {
    this.bytes = bytes;
    this.used = used;
  }

  /** `text`'s bytes (latin1), with room for `capacity` bytes (at least its length). */
  static from(text: string, capacity = text.length): ByteString {
    const bytes = Buffer.alloc(Math.max(capacity, text.length));
    bytes.write(text, 0, 'latin1');
    return new ByteString(bytes, text.length);
  }

  get length(): number {
    return this.used;
  }

  /** Bytes held, used or not (MEMORY USAGE counts them, as Redis counts an sds's allocation). */
  get capacity(): number {
    return this.bytes.length;
  }

  /** The byte at `index`, 0 past the end. */
  byteAt(index: number): number {
    return index < this.used ? this.bytes[index] : 0;
  }

  /** SETRANGE: `patch` (latin1) written at `offset`, the gap past the end (if any) left as zeros. */
  write(offset: number, patch: string): void {
    const end = offset + patch.length;
    if (end > this.bytes.length) this.grow(end);
    // Buffer#write's call into C++ costs about 80 ns: a loop copies SETBIT's one byte in 4 ns, 16 bytes in 55.
    if (patch.length <= SHORT_PATCH) for (let i = 0; i < patch.length; i++) this.bytes[offset + i] = patch.charCodeAt(i);
    else this.bytes.write(patch, offset, 'latin1');
    if (end > this.used) this.used = end;
    if (this.blockOnes !== undefined && patch.length > 0) this.blockOnes.fill(-1, Math.floor(offset / COUNT_BLOCK_BYTES), Math.floor((end - 1) / COUNT_BLOCK_BYTES) + 1);
  }

  append(text: string): void {
    this.write(this.used, text);
  }

  /** BITCOUNT: the set bits from bit `first` to bit `last` (inclusive; none past the end). */
  countOnes(first: number, last: number): number {
    const end = Math.min(last, this.used * 8 - 1);
    const bytes = this.view();
    // Blocks firstWhole .. endWhole - 1 lie wholly inside the range; the ragged ends are counted directly.
    const firstWhole = Math.ceil(first / COUNT_BLOCK_BITS);
    const endWhole = Math.floor((end + 1) / COUNT_BLOCK_BITS);
    if (firstWhole >= endWhole) return countBits(bytes, first, end);
    let count = countBits(bytes, first, firstWhole * COUNT_BLOCK_BITS - 1) + countBits(bytes, endWhole * COUNT_BLOCK_BITS, end);
    const known = (this.blockOnes ??= new Int32Array(Math.ceil(this.bytes.length / COUNT_BLOCK_BYTES)).fill(-1));
    for (let block = firstWhole; block < endWhole; block++) {
      if (known[block] < 0) known[block] = countBits(bytes.subarray(block * COUNT_BLOCK_BYTES, (block + 1) * COUNT_BLOCK_BYTES), 0, COUNT_BLOCK_BITS - 1);
      count += known[block];
    }
    return count;
  }

  /** The bytes from `start` to `end` (exclusive, clamped to the length) without a copy: valid until the next write. */
  view(start = 0, end = this.used): Uint8Array {
    return this.bytes.subarray(start, Math.min(end, this.used));
  }

  /** The bytes from `start` to `end` (exclusive) as a latin1 string. */
  slice(start: number, end: number): string {
    return this.bytes.toString('latin1', start, Math.min(end, this.used));
  }

  toString(): string {
    return this.bytes.toString('latin1', 0, this.used);
  }

  /** The log's and checkpoints' form: the latin1 string, so the format does not know this class. */
  snapshot(): string {
    return this.toString();
  }

  /** Redis's OBJECT ENCODING for any string written by SETRANGE, APPEND or SETBIT. */
  encoding(): string {
    return 'raw';
  }

  /** A copy with its own bytes (COPY: writing one must not change the other). */
  clone(): ByteString {
    return new ByteString(this.copied(this.bytes.length), this.used);
  }

  private grow(needed: number): void {
    // Growing is rare (the room doubles or grows by an eighth): the counts are simply made again.
    this.blockOnes = undefined;
    this.bytes = this.copied(needed < DOUBLING_LIMIT ? needed * 2 : needed + Math.ceil(needed / 8));
  }

  /** The used bytes in a new zero-filled buffer of `capacity` bytes. */
  private copied(capacity: number): Buffer {
    const bytes = Buffer.alloc(capacity);
    this.bytes.copy(bytes, 0, 0, this.used);
    return bytes;
  }
}
