import { parseInt64 } from '../number-parsing.js';
import { ByteSink } from './byte-sink.js';
import { CorruptPayload, expectValid } from './corrupt-payload.js';

/**
 * Redis's listpack (listpack.c): a 6-byte header (total bytes, element count), entries each
 * followed by their length written backwards, and a 0xFF terminator. A string that is a
 * canonical 64-bit integer is stored as an integer, as lpAppend stores it.
 */

const HEADER_BYTES = 6;
const TERMINATOR = 0xff;
/** The header's count when there are too many elements to say (LP_HDR_NUMELE_UNKNOWN). */
const UNKNOWN_COUNT = 0xffff;

export class ListpackWriter {
  private readonly sink = new ByteSink();
  count = 0;

  constructor() {
    this.sink.reserve(HEADER_BYTES);
  }

  /** The listpack's size once finished (lpBytes). */
  get bytes(): number {
    return this.sink.length + 1;
  }

  appendString(text: string): void {
    const integer = text.length <= 20 ? parseInt64(text) : null;
    if (integer !== null) return this.appendInteger(integer);
    const length = text.length;
    const sink = this.sink;
    const start = sink.length;
    if (length < 64) sink.byte(0x80 | length);
    else if (length < 4096) {
      sink.byte(0xe0 | (length >> 8));
      sink.byte(length & 0xff);
    } else {
      sink.byte(0xf0);
      const at = sink.reserve(4);
      sink.buffer.writeUInt32LE(length, at);
    }
    sink.latin1(text);
    this.endEntry(sink.length - start);
  }

  appendInteger(value: bigint | number): void {
    const v = BigInt(value);
    const sink = this.sink;
    const start = sink.length;
    if (v >= 0n && v <= 127n) sink.byte(Number(v));
    else if (v >= -4096n && v <= 4095n) {
      const u = Number(v < 0n ? v + 8192n : v);
      sink.byte(0xc0 | (u >> 8));
      sink.byte(u & 0xff);
    } else if (v >= -32768n && v <= 32767n) {
      sink.byte(0xf1);
      const at = sink.reserve(2);
      sink.buffer.writeInt16LE(Number(v), at);
    } else if (v >= -8388608n && v <= 8388607n) {
      sink.byte(0xf2);
      const at = sink.reserve(3);
      sink.buffer.writeIntLE(Number(v), at, 3);
    } else if (v >= -2147483648n && v <= 2147483647n) {
      sink.byte(0xf3);
      const at = sink.reserve(4);
      sink.buffer.writeInt32LE(Number(v), at);
    } else {
      sink.byte(0xf4);
      const at = sink.reserve(8);
      sink.buffer.writeBigInt64LE(v, at);
    }
    this.endEntry(sink.length - start);
  }

  finish(): Buffer {
    this.sink.byte(TERMINATOR);
    const buffer = this.sink.buffer;
    buffer.writeUInt32LE(this.sink.length, 0);
    buffer.writeUInt16LE(Math.min(this.count, UNKNOWN_COUNT), 4);
    return this.sink.toBuffer();
  }

  private endEntry(entryBytes: number): void {
    for (const byte of backLength(entryBytes)) this.sink.byte(byte);
    this.count++;
  }
}

/**
 * An entry's size (encoding and data) as lpEncodeBacklen writes it after the entry: 7 bits a byte,
 * most significant first, every byte but the first flagged with 128 (read backwards, a byte
 * without the flag ends it); its thresholds are Redis's, off by one at 16383 and up.
 */
function backLength(size: number): number[] {
  if (size <= 127) return [size];
  if (size < 16383) return [size >> 7, (size & 127) | 128];
  if (size < 2097151) return [size >> 14, ((size >> 7) & 127) | 128, (size & 127) | 128];
  if (size < 268435455) return [size >> 21, ((size >> 14) & 127) | 128, ((size >> 7) & 127) | 128, (size & 127) | 128];
  return [Math.floor(size / 2 ** 28), ((size >> 21) & 127) | 128, ((size >> 14) & 127) | 128, ((size >> 7) & 127) | 128, (size & 127) | 128];
}

/** The elements of a listpack, integers as their decimal text; throws CorruptPayload on any inconsistency. */
export function readListpack(bytes: Uint8Array): string[] {
  expectValid(bytes.length >= HEADER_BYTES + 1, 'listpack too short');
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  expectValid(view.readUInt32LE(0) === bytes.length, 'listpack size mismatch');
  expectValid(bytes[bytes.length - 1] === TERMINATOR, 'listpack terminator missing');
  const declared = view.readUInt16LE(4);
  const items: string[] = [];
  const end = bytes.length - 1;
  let at = HEADER_BYTES;
  while (at < end) {
    const first = bytes[at];
    let header: number;
    let dataLength = 0;
    let item: string | undefined;
    if (first < 0x80) {
      header = 1;
      item = String(first);
    } else if ((first & 0xc0) === 0x80) {
      header = 1;
      dataLength = first & 0x3f;
    } else if ((first & 0xe0) === 0xc0) {
      header = 2;
      expectValid(at + 2 <= end, 'listpack entry past its end');
      const u = ((first & 0x1f) << 8) | bytes[at + 1];
      item = String(u >= 4096 ? u - 8192 : u);
    } else if ((first & 0xf0) === 0xe0) {
      header = 2;
      expectValid(at + 2 <= end, 'listpack entry past its end');
      dataLength = ((first & 0x0f) << 8) | bytes[at + 1];
    } else if (first === 0xf0) {
      header = 5;
      expectValid(at + 5 <= end, 'listpack entry past its end');
      dataLength = view.readUInt32LE(at + 1);
    } else if (first >= 0xf1 && first <= 0xf4) {
      const width = [2, 3, 4, 8][first - 0xf1];
      header = 1 + width;
      expectValid(at + header <= end, 'listpack entry past its end');
      item = width === 8 ? String(view.readBigInt64LE(at + 1)) : String(view.readIntLE(at + 1, width));
    } else throw new CorruptPayload('listpack entry encoding unknown');
    const entryBytes = header + dataLength;
    expectValid(at + entryBytes <= end, 'listpack entry past its end');
    if (item === undefined) item = view.toString('latin1', at + header, at + entryBytes);
    at += entryBytes;
    // The back length must say the same size.
    const back = backLength(entryBytes);
    expectValid(at + back.length <= end, 'listpack back length past its end');
    for (let i = 0; i < back.length; i++) expectValid(bytes[at + i] === back[i], 'listpack back length mismatch');
    at += back.length;
    items.push(item);
  }
  expectValid(declared === UNKNOWN_COUNT || declared === items.length, 'listpack count mismatch');
  return items;
}
