import { ByteSink } from '../../formats/rdb/byte-sink.js';
import { crc64 } from '../../formats/rdb/crc64.js';
import { RdbWriter } from '../../formats/rdb/rdb-writer.js';
import type { Value } from '../value.js';
import { rdbObject, type DumpSettings } from './dump-value.js';

/** rdb.h's opcodes the writer uses. */
const OPCODE = { FUNCTION2: 245, AUX: 250, RESIZEDB: 251, EXPIRETIME_MS: 252, SELECTDB: 254, EOF: 255 } as const;

/** What Redis 7.0's rdbSaveRio writes, in its order: header, AUX fields, functions, each database, EOF, CRC-64. */
export const RDB_FILE_HEADER = 'REDIS0010';

/** Redis's defaults for SAVE: rdbcompression yes, list-max-listpack-size -2, list-compress-depth 0. */
export const RDB_FILE_SETTINGS: DumpSettings = { compression: true, listFill: -2, listCompressDepth: 0 };

/** The AUX fields Redis 7.0 starts a file with that loaders look at. */
export function writeStandardAux(writer: RdbFileWriter, now: number): void {
  writer.aux('redis-ver', '7.0.0');
  writer.aux('redis-bits', '64');
  writer.aux('ctime', String(Math.floor(now / 1000)));
  writer.aux('used-mem', '0');
  writer.aux('aof-base', '0');
}

/**
 * Writes an RDB file of version 10 (Redis 7.0) a piece at a time: call the methods in file order
 * (aux, functions, then per database `database` and its keys, then `end`), and `take()` the
 * bytes written so far whenever it suits (after each key, when `pendingBytes` is large enough)
 * to send them on; the CRC-64 runs over everything taken. Values are encoded as DUMP encodes
 * them (dump-value.ts), so what loads from the file is what RESTORE would load.
 */
export class RdbFileWriter {
  private sink = new ByteSink();
  private checksum = 0n;
  /** After `end`, the checksum covers what is pending too. */
  private ended = false;

  constructor(private readonly settings: DumpSettings) {
    this.sink.latin1(RDB_FILE_HEADER);
  }

  get pendingBytes(): number {
    return this.sink.length;
  }

  aux(name: string, value: string): void {
    this.sink.byte(OPCODE.AUX);
    this.strings(name, value);
  }

  /** A function library's code (FUNCTION2). */
  functionLibrary(code: string): void {
    this.sink.byte(OPCODE.FUNCTION2);
    this.strings(code);
  }

  /** SELECTDB, and RESIZEDB when the sizes are known: the keys that follow are in `db`. */
  database(db: number, sizes?: { keys: number; expires: number }): void {
    const writer = new RdbWriter(false);
    writer.byte(OPCODE.SELECTDB);
    writer.length(db);
    if (sizes !== undefined) {
      writer.byte(OPCODE.RESIZEDB);
      writer.length(sizes.keys);
      writer.length(sizes.expires);
    }
    this.sink.bytes(writer.written());
  }

  /** A key, its value and its absolute expiry in ms (0: none). */
  key(key: string, value: Value, expireAt: number): void {
    const object = rdbObject(value, this.settings).written();
    const head = new RdbWriter(false);
    if (expireAt !== 0) {
      head.byte(OPCODE.EXPIRETIME_MS);
      head.millisecondTime(expireAt);
    }
    head.byte(object[0]);
    head.string(key);
    this.sink.bytes(head.written());
    this.sink.bytes(object.subarray(1));
  }

  /** EOF and the CRC-64 of the whole file before it. */
  end(): void {
    this.sink.byte(OPCODE.EOF);
    this.checksum = crc64(this.sink.buffer, 0, this.sink.length, this.checksum);
    const at = this.sink.reserve(8);
    this.sink.buffer.writeBigUInt64LE(this.checksum, at);
    this.ended = true;
  }

  /** The bytes written since the last take. */
  take(): Buffer {
    const taken = this.sink.toBuffer();
    if (!this.ended) this.checksum = crc64(taken, 0, taken.length, this.checksum);
    this.sink = new ByteSink();
    return taken;
  }

  private strings(...texts: string[]): void {
    const writer = new RdbWriter(this.settings.compression);
    for (const text of texts) writer.string(text);
    this.sink.bytes(writer.written());
  }
}
