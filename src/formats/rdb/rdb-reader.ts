import { scanNumber, scannedDouble, isCSpace } from '../strtod.js';
import { CorruptPayload, TruncatedPayload, expectValid } from './corrupt-payload.js';
import { crc64 } from './crc64.js';
import { LZF_MAX_EXPANSION, lzfDecompress } from './lzf.js';
import { RDB_VERSION } from './rdb-types.js';

/** Whether a DUMP payload ends in a version Redis 7.0 reads and the CRC-64 of what precedes it (verifyDumpPayload). */
export function hasValidFooter(payload: Buffer): boolean {
  if (payload.length < 10) return false;
  const footer = payload.length - 10;
  if (payload.readUInt16LE(footer) > RDB_VERSION) return false;
  return crc64(payload, 0, payload.length - 8) === payload.readBigUInt64LE(footer + 2);
}

/**
 * Reads the RDB value encodings (rdb.c's loaders). Every read is bounds-checked and throws
 * CorruptPayload, so that no length in the input makes it allocate more than the input holds.
 * Like Redis, it reads from the whole payload: an object may run into the footer unnoticed.
 */
export class RdbReader {
  at = 0;

  constructor(private readonly bytes: Buffer) {}

  byte(): number {
    if (this.at >= this.bytes.length) throw new TruncatedPayload();
    return this.bytes[this.at++];
  }

  raw(count: number): Buffer {
    if (count > this.bytes.length - this.at) throw new TruncatedPayload();
    this.at += count;
    return this.bytes.subarray(this.at - count, this.at);
  }

  /** rdbLoadLen, as a bigint (stream IDs use all 64 bits). */
  bigLength(): bigint {
    const first = this.byte();
    const kind = first >> 6;
    if (kind === 0) return BigInt(first & 0x3f);
    if (kind === 1) return BigInt(((first & 0x3f) << 8) | this.byte());
    if (first === 0x80) return BigInt(this.raw(4).readUInt32BE(0));
    if (first === 0x81) return this.raw(8).readBigUInt64BE(0);
    throw new CorruptPayload('length encoding unknown');
  }

  /** A length or a count; past 2^53 nothing the payload holds can be that long. */
  length(): number {
    const value = this.bigLength();
    expectValid(value <= BigInt(Number.MAX_SAFE_INTEGER), 'length too large');
    return Number(value);
  }

  /** rdbGenericLoadStringObject: an integer-encoded string as its decimal text, an LZF one decompressed. */
  stringBytes(): Buffer {
    const first = this.bytes[this.at];
    if (first === undefined || first >> 6 !== 3) return this.raw(this.length());
    this.at++;
    switch (first & 0x3f) {
      case 0:
        return Buffer.from(String(this.raw(1).readInt8(0)), 'latin1');
      case 1:
        return Buffer.from(String(this.raw(2).readInt16LE(0)), 'latin1');
      case 2:
        return Buffer.from(String(this.raw(4).readInt32LE(0)), 'latin1');
      case 3: {
        const compressedLength = this.length();
        const length = this.length();
        expectValid(length <= compressedLength * LZF_MAX_EXPANSION, 'LZF length impossible');
        const plain = lzfDecompress(this.raw(compressedLength), length);
        expectValid(plain !== undefined, 'invalid LZF compressed string');
        return Buffer.from(plain.buffer, plain.byteOffset, plain.length);
      }
      default:
        throw new CorruptPayload('string encoding unknown');
    }
  }

  string(): string {
    return this.stringBytes().toString('latin1');
  }

  binaryDouble(): number {
    return this.raw(8).readDoubleLE(0);
  }

  /** rdbLoadDoubleValue (RDB_TYPE_ZSET): a length byte (253 nan, 254 inf, 255 -inf), then text as sscanf's %lg reads it. */
  textDouble(): number {
    const length = this.byte();
    if (length === 253) return NaN;
    if (length === 254) return Infinity;
    if (length === 255) return -Infinity;
    const text = this.raw(length).toString('latin1');
    let start = 0;
    while (start < text.length && isCSpace(text.charCodeAt(start))) start++;
    const scanned = scanNumber(text, start);
    expectValid(scanned !== undefined, 'double text invalid');
    return scannedDouble(scanned).value;
  }

  millisecondTime(): number {
    return Number(this.raw(8).readBigInt64LE(0));
  }
}
