import { CorruptPayload, TruncatedPayload } from '../../formats/rdb/corrupt-payload.js';
import { crc64 } from '../../formats/rdb/crc64.js';
import { RdbReader } from '../../formats/rdb/rdb-reader.js';
import type { ValueSnapshot } from '../../log/record.js';
import { readValue } from './restore-value.js';

/** The RDB versions read: 9 (Redis 5.0 and 6.x) and 10 (Redis 7.0). */
export const RDB_FILE_VERSIONS = { oldest: 9, newest: 10 } as const;

/** What an RDB file holds, in file order. Times are absolute ms since the epoch; 0 is no expiry. */
export type RdbFileEvent =
  | { kind: 'aux'; name: string; value: string }
  /** A function library (FUNCTION2): its code, shebang line first, as FUNCTION LOAD takes it. */
  | { kind: 'function'; code: string }
  /** RESIZEDB: how many keys and keys with an expiry the database that follows holds (a hint). */
  | { kind: 'resizedb'; db: number; keys: number; expires: number }
  | { kind: 'key'; db: number; key: string; snapshot: ValueSnapshot; expireAtMs: number; idleSeconds?: number; frequency?: number };

/** A file Eddy cannot read: a wrong header or version, a module type, corrupt or missing bytes, a wrong checksum. */
export class RdbFileError extends Error {}

/** The opcodes between key/value pairs (rdb.h's RDB_OPCODE_*). */
const OPCODE = {
  FUNCTION2: 245,
  FUNCTION_PRE_GA: 246,
  MODULE_AUX: 247,
  IDLE: 248,
  FREQ: 249,
  AUX: 250,
  RESIZEDB: 251,
  EXPIRETIME_MS: 252,
  EXPIRETIME: 253,
  SELECTDB: 254,
  EOF: 255,
} as const;

/** RDB_TYPE_MODULE and RDB_TYPE_MODULE_2: values only their module can read. */
const MODULE_TYPES = new Set([6, 7]);
const HEADER_BYTES = 9;
const CHECKSUM_BYTES = 8;

/**
 * Reads a whole RDB file (rdbLoadRioWithLoadingCtx) as it arrives: push() the bytes, in chunks of
 * any size, then end(); next() gives the next event, or undefined until more bytes are pushed (or,
 * once `done`, for good). An item cut by the end of what was pushed is read again, from its start,
 * when more has come (a quarter more at least, so a large value is not re-read for every chunk).
 * The CRC-64 that follows EOF is checked unless it is 0, as Redis does. `remaining()` gives the
 * bytes after it (on a replication link, the commands that follow the RDB).
 * Every problem throws RdbFileError; the parser is then of no further use.
 */
export class RdbFileParser {
  version = 0;
  done = false;
  private pending = Buffer.alloc(0);
  private at = 0;
  private ended = false;
  private checksum = 0n;
  private db = 0;
  /** The expiry, idle time and frequency that apply to the next key. */
  private expireAtMs = 0;
  private idleSeconds: number | undefined;
  private frequency: number | undefined;
  /** After an item was cut short: how many bytes to wait for before reading it again. */
  private retryAt = 0;
  /** Chunks pushed but not yet joined to `pending`: joined only when read, so that waiting costs no copies. */
  private arrived: Buffer[] = [];
  private arrivedBytes = 0;

  push(chunk: Buffer): void {
    this.arrived.push(chunk);
    this.arrivedBytes += chunk.length;
  }

  /** No more bytes will come: an item still cut short is an error. */
  end(): void {
    this.ended = true;
  }

  /** The bytes pushed past the end of the RDB (once done). */
  remaining(): Buffer {
    this.joinArrived();
    return this.pending.subarray(this.at);
  }

  next(): RdbFileEvent | undefined {
    while (!this.done) {
      const available = this.pending.length - this.at + this.arrivedBytes;
      if (!this.ended && available < this.retryAt) return undefined;
      if (this.arrivedBytes > 0) this.joinArrived();
      const reader = new RdbReader(this.pending.subarray(this.at));
      let event: RdbFileEvent | undefined;
      try {
        event = this.version === 0 ? this.header(reader) : this.item(reader);
      } catch (error) {
        if (error instanceof TruncatedPayload && !this.ended) {
          this.retryAt = available + Math.max(1, available >> 2);
          return undefined;
        }
        throw this.explained(error);
      }
      this.retryAt = 0;
      if (!this.done) this.checksum = crc64(this.pending, this.at, this.at + reader.at, this.checksum);
      this.at += reader.at;
      if (event !== undefined) return event;
    }
    return undefined;
  }

  private joinArrived(): void {
    this.pending = Buffer.concat([this.pending.subarray(this.at), ...this.arrived]);
    this.at = 0;
    this.arrived = [];
    this.arrivedBytes = 0;
  }

  private header(reader: RdbReader): undefined {
    const header = reader.raw(HEADER_BYTES).toString('latin1');
    const match = /^REDIS(\d{4})$/.exec(header);
    if (match === null) throw new RdbFileError('not an RDB file: it does not start with REDIS and a 4-digit version');
    const version = Number(match[1]);
    if (version < RDB_FILE_VERSIONS.oldest || version > RDB_FILE_VERSIONS.newest) {
      throw new RdbFileError(`RDB version ${version} is not supported: Eddy reads versions 9 (Redis 5.0, 6.x) and 10 (Redis 7.0)`);
    }
    this.version = version;
    return undefined;
  }

  /** One opcode or key/value pair; undefined for those that only set state (the expiry of the next key...). */
  private item(reader: RdbReader): RdbFileEvent | undefined {
    const type = reader.byte();
    switch (type) {
      case OPCODE.EXPIRETIME:
        this.expireAtMs = reader.raw(4).readInt32LE(0) * 1000;
        return undefined;
      case OPCODE.EXPIRETIME_MS:
        this.expireAtMs = reader.millisecondTime();
        return undefined;
      case OPCODE.IDLE:
        this.idleSeconds = reader.length();
        return undefined;
      case OPCODE.FREQ:
        this.frequency = reader.byte();
        return undefined;
      case OPCODE.SELECTDB:
        this.db = reader.length();
        return undefined;
      case OPCODE.RESIZEDB:
        return { kind: 'resizedb', db: this.db, keys: reader.length(), expires: reader.length() };
      case OPCODE.AUX:
        return { kind: 'aux', name: reader.string(), value: reader.string() };
      case OPCODE.FUNCTION2:
        return { kind: 'function', code: reader.string() };
      case OPCODE.FUNCTION_PRE_GA:
        throw new RdbFileError('the RDB holds functions in the pre-GA format of Redis 7.0 release candidates, which Redis 7.0 does not read either');
      case OPCODE.MODULE_AUX:
        throw new RdbFileError('the RDB holds module data (MODULE_AUX): Eddy loads no modules');
      case OPCODE.EOF:
        this.checkEnd(reader);
        return undefined;
      default:
        return this.keyValue(reader, type);
    }
  }

  private keyValue(reader: RdbReader, type: number): RdbFileEvent {
    if (MODULE_TYPES.has(type)) throw new RdbFileError(`the RDB holds a module type (RDB type ${type}): Eddy loads no modules`);
    const key = reader.string();
    const snapshot = readValue(reader, type);
    const event: RdbFileEvent = { kind: 'key', db: this.db, key, snapshot, expireAtMs: this.expireAtMs };
    if (this.idleSeconds !== undefined) event.idleSeconds = this.idleSeconds;
    if (this.frequency !== undefined) event.frequency = this.frequency;
    this.expireAtMs = 0;
    this.idleSeconds = undefined;
    this.frequency = undefined;
    return event;
  }

  /** EOF, then the CRC-64 of every byte before the checksum: 0 when the writer did not compute it (rdbchecksum no). */
  private checkEnd(reader: RdbReader): void {
    const checksumAt = this.at + reader.at;
    const expected = reader.raw(CHECKSUM_BYTES).readBigUInt64LE(0);
    const actual = crc64(this.pending, this.at, checksumAt, this.checksum);
    if (expected !== 0n && expected !== actual) throw new RdbFileError('RDB checksum does not match: the file is corrupt');
    this.done = true;
  }

  private explained(error: unknown): Error {
    if (error instanceof RdbFileError) return error;
    if (error instanceof TruncatedPayload) return new RdbFileError('RDB file ends early: it is truncated');
    const offset = this.at;
    if (error instanceof CorruptPayload) return new RdbFileError(`RDB file corrupt in the item at byte ${offset}: ${error.message}`);
    return new RdbFileError(`RDB file unreadable in the item at byte ${offset}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The events of the RDB file in `source` (its bytes, or a Readable / any iterable of chunks),
 * read as they arrive. Throws RdbFileError; also when the source ends before EOF.
 */
export async function* readRdbFile(source: Buffer | AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<RdbFileEvent, RdbFileParser> {
  const batches = readRdbFileInBatches(source);
  for (;;) {
    const batch = await batches.next();
    if (batch.done === true) return batch.value;
    yield* batch.value;
  }
}

/**
 * readRdbFile's events, a batch per chunk read: a caller with a million keys to take awaits once
 * per chunk, not once per key.
 */
export async function* readRdbFileInBatches(source: Buffer | AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<RdbFileEvent[], RdbFileParser> {
  const parser = new RdbFileParser();
  const chunks = Buffer.isBuffer(source) ? [source] : source;
  const eventsSoFar = (): RdbFileEvent[] => {
    const events: RdbFileEvent[] = [];
    for (let event = parser.next(); event !== undefined; event = parser.next()) events.push(event);
    return events;
  };
  for await (const chunk of chunks) {
    parser.push(chunk);
    yield eventsSoFar();
    if (parser.done) return parser;
  }
  parser.end();
  yield eventsSoFar();
  if (!parser.done) throw new RdbFileError('RDB file ends early: it is truncated');
  return parser;
}
