/**
 * The client side of RESP: replies and pushes from a server, as a follower reads its primary.
 * Bulk strings stay bytes (Buffers); statuses and errors are tagged.
 */
export type RespValue = Buffer | number | null | RespValue[] | { status: string } | { error: string };

/** The message of an error reply, or undefined. */
export function errorOf(value: RespValue): string | undefined {
  return value !== null && typeof value === 'object' && 'error' in value ? value.error : undefined;
}

/** The text of a status reply, or undefined. */
export function statusOf(value: RespValue): string | undefined {
  return value !== null && typeof value === 'object' && 'status' in value ? value.status : undefined;
}

/** Redis's proto-max-bulk-len default: a longer bulk is a broken stream, not one to wait for. */
const MAX_BULK_LENGTH = 512 * 1024 * 1024;

export class RespReplyReader {
  private buffer: Buffer = Buffer.alloc(0);
  /** Bytes needed before the next parse can succeed (a big bulk arriving in pieces). */
  private needed = 0;
  private pieces: Buffer[] = [];
  private piecesLength = 0;

  /** `onValue` also gets the value's size on the wire (a Redis primary's stream counts bytes). */
  constructor(private readonly onValue: (value: RespValue, bytes: number) => void) {}

  feed(chunk: Buffer): void {
    this.pieces.push(chunk);
    this.piecesLength += chunk.length;
    if (this.buffer.length + this.piecesLength < this.needed) return;
    this.buffer = this.buffer.length === 0 && this.pieces.length === 1 ? this.pieces[0] : Buffer.concat([this.buffer, ...this.pieces]);
    this.pieces = [];
    this.piecesLength = 0;
    let offset = 0;
    this.needed = 0;
    for (;;) {
      const parsed = this.parse(offset);
      if (parsed === undefined) break;
      const start = offset;
      offset = parsed.end;
      this.onValue(parsed.value, offset - start);
    }
    this.buffer = this.buffer.subarray(offset);
    // parse() measured from the start of the old buffer.
    this.needed = Math.max(0, this.needed - offset);
  }

  /** One value from `offset`, or undefined when it has not fully arrived. */
  private parse(offset: number): { value: RespValue; end: number } | undefined {
    const buffer = this.buffer;
    if (offset >= buffer.length) return undefined;
    const lineEnd = buffer.indexOf('\r\n', offset);
    if (lineEnd === -1) {
      this.needed = buffer.length + 1;
      return undefined;
    }
    const type = String.fromCharCode(buffer[offset]);
    const line = buffer.toString('latin1', offset + 1, lineEnd);
    const next = lineEnd + 2;
    if ((type === '$' || type === '*' || type === '>') && !/^-?\d+$/.test(line)) throw new Error(`replication stream: bad length '${line}'`);
    switch (type) {
      case '+':
        return { value: { status: line }, end: next };
      case '-':
        return { value: { error: line }, end: next };
      case ':':
        return { value: Number(line), end: next };
      case '_':
        return { value: null, end: next };
      case '$': {
        const length = Number(line);
        if (length < 0) return { value: null, end: next };
        if (length > MAX_BULK_LENGTH) throw new Error(`replication stream: a bulk of ${length} bytes is past the limit of ${MAX_BULK_LENGTH}`);
        if (next + length + 2 > buffer.length) {
          this.needed = next + length + 2;
          return undefined;
        }
        return { value: buffer.subarray(next, next + length), end: next + length + 2 };
      }
      case '*':
      case '>': {
        const count = Number(line);
        if (count < 0) return { value: null, end: next };
        const items: RespValue[] = [];
        let at = next;
        for (let i = 0; i < count; i++) {
          const item = this.parse(at);
          if (item === undefined) return undefined;
          items.push(item.value);
          at = item.end;
        }
        return { value: items, end: at };
      }
      default:
        throw new Error(`replication stream: unexpected RESP type '${type}'`);
    }
  }
}
