import { formatDouble } from '../formats/double-text.js';
import { BooleanReply, DoubleReply, ErrorReply, MapReply, NoReply, NullArrayReply, PushReply, SetReply, StatusReply, VerbatimReply, type Reply } from '../replies/reply.js';

/**
 * Replies and arguments as plain values, the shape JSON (HTTP, WebSocket text frames) and msgpack
 * (WebSocket binary frames) carry. RESP3's types map to their nearest plain form: null, integers
 * (strings past 2^53), doubles (strings for inf and nan), booleans, maps as objects, sets as arrays,
 * and an error inside a reply as `{error: text}`.
 */
export type PlainValue = null | boolean | number | string | Uint8Array | { base64: string } | PlainValue[] | { [key: string]: PlainValue };

/** How a protocol carries a bulk string (a latin1 JS string: one char per byte). */
export type BulkForm = (bytes: string) => PlainValue;

// eslint-disable-next-line no-control-regex -- every byte below 0x80 is ASCII, control bytes included
const ASCII = /^[\x00-\x7f]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** JSON carries text: bytes that are valid UTF-8 become a string, any other bytes `{base64}`. */
export const bulkAsText: BulkForm = (bytes) => {
  if (ASCII.test(bytes)) return bytes;
  const buffer = Buffer.from(bytes, 'latin1');
  try {
    return utf8.decode(buffer);
  } catch {
    return { base64: buffer.toString('base64') };
  }
};

/** msgpack carries bytes as they are. */
export const bulkAsBytes: BulkForm = (bytes) => Buffer.from(bytes, 'latin1');

export function plainReply(reply: Reply, bulk: BulkForm): PlainValue {
  if (typeof reply === 'string') return bulk(reply);
  if (typeof reply === 'number') return reply;
  if (typeof reply === 'bigint') return Number.isSafeInteger(Number(reply)) ? Number(reply) : String(reply);
  if (reply === null || reply instanceof NullArrayReply || reply instanceof NoReply) return null;
  if (Array.isArray(reply)) return reply.map((item: Reply) => plainReply(item, bulk));
  if (reply instanceof StatusReply) return reply.text;
  if (reply instanceof ErrorReply) return { error: reply.message };
  if (reply instanceof MapReply) {
    const object: { [key: string]: PlainValue } = {};
    for (const [key, value] of reply.entries) object[mapKey(key)] = plainReply(value, bulk);
    return object;
  }
  if (reply instanceof SetReply || reply instanceof PushReply) return reply.items.map((item) => plainReply(item, bulk));
  if (reply instanceof DoubleReply) return Number.isFinite(reply.value) ? reply.value : formatDouble(reply.value);
  if (reply instanceof VerbatimReply) return bulk(reply.text);
  if (reply instanceof BooleanReply) return reply.value;
  throw new Error(`cannot convert reply ${String(reply)}`);
}

function mapKey(key: Reply): string {
  if (typeof key === 'string') return Buffer.from(key, 'latin1').toString('utf8');
  if (key instanceof StatusReply) return key.text;
  return String(key);
}

/** A request that is not a list of command arguments, with the message the client gets. */
export class BadArguments extends Error {}

/**
 * One command argument from a plain value: text is taken as UTF-8, bytes as they are, numbers in
 * their decimal form, `{base64}` decoded; anything else is a clear error.
 */
export function argumentFromPlain(value: unknown): string {
  if (typeof value === 'string') return ASCII.test(value) ? value : Buffer.from(value, 'utf8').toString('latin1');
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1');
  if (typeof value === 'object' && value !== null && typeof (value as { base64?: unknown }).base64 === 'string')
    return Buffer.from((value as { base64: string }).base64, 'base64').toString('latin1');
  throw new BadArguments('ERR Protocol error: arguments must be strings, numbers, bytes or {"base64": ...}');
}

/** A whole command from a plain value: a non-empty list of arguments. */
export function commandFromPlain(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new BadArguments('ERR Protocol error: a command is a non-empty array of arguments');
  return value.map(argumentFromPlain);
}
