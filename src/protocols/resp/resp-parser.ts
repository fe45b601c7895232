import { splitInlineArgs } from './inline-args.js';

/** Redis's protocol limits (server.h) and the error texts it sends when they are broken. */
export const INLINE_MAX_SIZE = 64 * 1024;
export const MULTIBULK_MAX_COUNT = 1024 * 1024;
/** Before AUTH, Redis 7 accepts only small requests, so that unauthenticated clients cannot fill memory. */
const UNAUTHENTICATED_MULTIBULK_MAX = 10;
const UNAUTHENTICATED_BULK_MAX = 16384;

export interface RespSink {
  onCommand(args: string[]): void;
  /** The request broke the protocol: reply `-ERR Protocol error: <message>` and close. */
  onProtocolError(message: string): void;
  readonly authenticated: boolean;
  readonly maxBulkLength: number;
}

const ASTERISK = 42;
const DOLLAR = 36;
const CR = 13;
const LF = 10;

/** A length as Redis's string2ll reads it from bytes [start, end), or NaN. */
function parseLength(buf: Buffer, start: number, end: number): number {
  if (end <= start || end - start > 20) return NaN;
  let i = start;
  const negative = buf[i] === 45;
  if (negative) i++;
  if (i === end) return NaN;
  let n = 0;
  for (; i < end; i++) {
    const digit = buf[i] - 48;
    if (digit < 0 || digit > 9) return NaN;
    n = n * 10 + digit;
  }
  return negative ? -n : n;
}

/**
 * An incremental RESP request parser: multibulk and inline requests, fed chunk by chunk. It keeps
 * its place between chunks (command, argument, bytes of a bulk), so nothing is parsed twice, and a
 * large bulk arriving in many chunks is gathered as a list and copied once, when complete.
 */
export class RespParser {
  /** An incomplete header or inline line, prepended to the next chunk (at most 64 KiB). */
  private rest: Buffer | null = null;
  private args: string[] | null = null;
  private remaining = 0;
  private bulkLength = -1;
  private bulkParts: Buffer[] = [];
  private bulkHave = 0;
  private failed = false;

  constructor(private readonly sink: RespSink) {}

  /** Bytes received and not yet part of a whole command (CLIENT LIST's qbuf). */
  get bufferedLength(): number {
    return (this.rest?.length ?? 0) + this.bulkHave;
  }

  feed(chunk: Buffer): void {
    if (this.failed) return;
    let buf = chunk;
    if (this.rest !== null) {
      buf = Buffer.concat([this.rest, chunk]);
      this.rest = null;
    }
    const length = buf.length;
    let pos = 0;
    while (pos < length && !this.failed) {
      if (this.bulkLength >= 0) {
        pos = this.readBulk(buf, pos);
        continue;
      }
      if (this.args === null) {
        if (buf[pos] !== ASTERISK) {
          pos = this.readInline(buf, pos);
          if (pos < 0) return;
          continue;
        }
        const cr = buf.indexOf(CR, pos);
        if (cr === -1 || cr + 1 >= length) return this.keepPartialLine(buf, pos, 'too big mbulk count string');
        const count = parseLength(buf, pos + 1, cr);
        if (Number.isNaN(count) || count > MULTIBULK_MAX_COUNT) return this.fail('invalid multibulk length');
        if (!this.sink.authenticated && count > UNAUTHENTICATED_MULTIBULK_MAX) return this.fail('unauthenticated multibulk length');
        pos = cr + 2;
        if (count <= 0) continue; // Redis skips empty and null multibulks.
        this.args = [];
        this.remaining = count;
        continue;
      }
      if (buf[pos] !== DOLLAR) return this.fail(`expected '$', got '${String.fromCharCode(buf[pos])}'`);
      const cr = buf.indexOf(CR, pos);
      if (cr === -1 || cr + 1 >= length) return this.keepPartialLine(buf, pos, 'too big bulk count string');
      const size = parseLength(buf, pos + 1, cr);
      if (Number.isNaN(size) || size < 0 || size > this.sink.maxBulkLength) return this.fail('invalid bulk length');
      if (!this.sink.authenticated && size > UNAUTHENTICATED_BULK_MAX) return this.fail('unauthenticated bulk length');
      pos = cr + 2;
      this.bulkLength = size;
    }
  }

  private readBulk(buf: Buffer, pos: number): number {
    const need = this.bulkLength + 2 - this.bulkHave;
    const available = buf.length - pos;
    let arg: string;
    if (this.bulkHave === 0 && available >= need) {
      arg = buf.toString('latin1', pos, pos + this.bulkLength);
      pos += need;
    } else if (available < need) {
      this.bulkParts.push(buf.subarray(pos));
      this.bulkHave += available;
      return buf.length;
    } else {
      this.bulkParts.push(buf.subarray(pos, pos + need));
      pos += need;
      arg = Buffer.concat(this.bulkParts).toString('latin1', 0, this.bulkLength);
      this.bulkParts = [];
      this.bulkHave = 0;
    }
    this.bulkLength = -1;
    const args = this.args as string[];
    args.push(arg);
    if (--this.remaining === 0) {
      this.args = null;
      this.sink.onCommand(args);
    }
    return pos;
  }

  /** Reads one inline command line; returns the next position, or -1 when the line is incomplete. */
  private readInline(buf: Buffer, pos: number): number {
    const lf = buf.indexOf(LF, pos);
    if (lf === -1) {
      this.keepPartialLine(buf, pos, 'too big inline request');
      return -1;
    }
    if (lf - pos > INLINE_MAX_SIZE) {
      this.fail('too big inline request');
      return -1;
    }
    const end = lf > pos && buf[lf - 1] === CR ? lf - 1 : lf;
    const args = splitInlineArgs(buf.toString('latin1', pos, end));
    if (args === null) {
      this.fail('unbalanced quotes in request');
      return -1;
    }
    if (args.length > 0) this.sink.onCommand(args);
    return lf + 1;
  }

  private keepPartialLine(buf: Buffer, pos: number, tooBig: string): void {
    if (buf.length - pos > INLINE_MAX_SIZE) return this.fail(tooBig);
    this.rest = buf.subarray(pos);
  }

  private fail(message: string): void {
    this.failed = true;
    this.rest = null;
    this.args = null;
    this.bulkParts = [];
    this.sink.onProtocolError(message);
  }
}
