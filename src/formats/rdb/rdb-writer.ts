import { ByteSink } from './byte-sink.js';
import { crc64 } from './crc64.js';
import { lzfCompress } from './lzf.js';
import { RDB_VERSION } from './rdb-types.js';

/** Strings of at most this many bytes that are integers are written as integers (rdbSaveRawString). */
const INTEGER_CANDIDATE_BYTES = 11;
/** Below this Redis does not try LZF: "under 20 bytes it's unable to compress even aaaaaaaaaaaaaaaaaa". */
const LZF_MIN_BYTES = 21;
const CANONICAL = /^-?[1-9][0-9]*$|^0$/;

/**
 * The RDB value encodings Redis's rdb.c writes: lengths in 1, 2, 5 or 9 bytes, strings as a small
 * integer, LZF-compressed (with rdbcompression) or verbatim, doubles in binary, times in ms.
 */
export class RdbWriter {
  private readonly sink = new ByteSink();

  constructor(private readonly compression: boolean) {}

  byte(value: number): void {
    this.sink.byte(value);
  }

  raw(bytes: Uint8Array): void {
    this.sink.bytes(bytes);
  }

  /** rdbSaveLen. */
  length(value: number | bigint): void {
    const sink = this.sink;
    if (typeof value === 'bigint' && value > 0xffffffffn) {
      sink.byte(0x81);
      const at = sink.reserve(8);
      sink.buffer.writeBigUInt64BE(value, at);
      return;
    }
    const n = Number(value);
    if (n < 64) sink.byte(n);
    else if (n < 16384) {
      sink.byte(0x40 | (n >> 8));
      sink.byte(n & 0xff);
    } else if (n <= 0xffffffff) {
      sink.byte(0x80);
      const at = sink.reserve(4);
      sink.buffer.writeUInt32BE(n, at);
    } else this.length(BigInt(n));
  }

  /** A string (latin1, one char per byte) as rdbSaveRawString writes it. */
  string(text: string): void {
    if (text.length <= INTEGER_CANDIDATE_BYTES && CANONICAL.test(text) && this.smallInteger(Number(text))) return;
    if (this.compression && text.length >= LZF_MIN_BYTES && this.compressed(Buffer.from(text, 'latin1'))) return;
    this.length(text.length);
    this.sink.latin1(text);
  }

  /** A binary string (a listpack, an intset) as rdbSaveRawString writes it. */
  blob(bytes: Uint8Array): void {
    if (this.compression && bytes.length >= LZF_MIN_BYTES && this.compressed(bytes)) return;
    this.length(bytes.length);
    this.sink.bytes(bytes);
  }

  /** Already-compressed bytes (a compressed quicklist node), as rdbSaveLzfBlob writes them. */
  lzfBlob(compressed: Uint8Array, originalLength: number): void {
    this.byte(0xc3);
    this.length(compressed.length);
    this.length(originalLength);
    this.raw(compressed);
  }

  binaryDouble(value: number): void {
    const at = this.sink.reserve(8);
    this.sink.buffer.writeDoubleLE(value, at);
  }

  millisecondTime(value: number): void {
    const at = this.sink.reserve(8);
    this.sink.buffer.writeBigInt64LE(BigInt(value), at);
  }

  /** What was written, as it is. */
  written(): Buffer {
    return this.sink.toBuffer();
  }

  /** The DUMP payload: what was written, the RDB version and the CRC-64 of both, little endian. */
  dumpPayload(): Buffer {
    const sink = this.sink;
    const versionAt = sink.reserve(2);
    sink.buffer.writeUInt16LE(RDB_VERSION, versionAt);
    const crc = crc64(sink.buffer, 0, sink.length);
    const crcAt = sink.reserve(8);
    sink.buffer.writeBigUInt64LE(crc, crcAt);
    return sink.toBuffer();
  }

  /** rdbEncodeInteger: INT8, INT16 or INT32, little endian; false past 32 bits. */
  private smallInteger(value: number): boolean {
    const sink = this.sink;
    if (value >= -128 && value <= 127) {
      sink.byte(0xc0);
      const at = sink.reserve(1);
      sink.buffer.writeInt8(value, at);
    } else if (value >= -32768 && value <= 32767) {
      sink.byte(0xc1);
      const at = sink.reserve(2);
      sink.buffer.writeInt16LE(value, at);
    } else if (value >= -2147483648 && value <= 2147483647) {
      sink.byte(0xc2);
      const at = sink.reserve(4);
      sink.buffer.writeInt32LE(value, at);
    } else return false;
    return true;
  }

  /** rdbSaveLzfStringObject: only when LZF saves at least four bytes. */
  private compressed(bytes: Uint8Array): boolean {
    const packed = lzfCompress(bytes, bytes.length - 4);
    if (packed === undefined) return false;
    this.lzfBlob(packed, bytes.length);
    return true;
  }
}
