import { formatDouble } from '../../formats/double-text.js';
import { BooleanReply, DoubleReply, ErrorReply, MapReply, NoReply, NullArrayReply, PushReply, SetReply, StatusReply, VerbatimReply, type Reply } from '../../replies/reply.js';

/**
 * Encodes reply values as RESP2 or RESP3 text. Strings are latin1 (one char per byte), so a string's
 * length is its byte length and the text goes to the socket as latin1 unchanged.
 */
export function encodeReply(reply: Reply, resp: 2 | 3): string {
  if (typeof reply === 'string') return `$${reply.length}\r\n${reply}\r\n`;
  if (typeof reply === 'number' || typeof reply === 'bigint') return `:${reply}\r\n`;
  if (reply === null) return resp === 3 ? '_\r\n' : '$-1\r\n';
  if (reply instanceof StatusReply) return `+${reply.text}\r\n`;
  if (reply instanceof ErrorReply) return `-${reply.message.replace(/[\r\n]+/g, ' ')}\r\n`;
  if (Array.isArray(reply)) return encodeItems('*', reply, resp);
  if (reply instanceof MapReply) {
    let out = resp === 3 ? `%${reply.entries.length}\r\n` : `*${reply.entries.length * 2}\r\n`;
    for (const [key, value] of reply.entries) out += encodeReply(key, resp) + encodeReply(value, resp);
    return out;
  }
  if (reply instanceof SetReply) return encodeItems(resp === 3 ? '~' : '*', reply.items, resp);
  if (reply instanceof DoubleReply) {
    const text = reply.text ?? formatDouble(reply.value);
    return resp === 3 ? `,${text}\r\n` : `$${text.length}\r\n${text}\r\n`;
  }
  if (reply instanceof VerbatimReply) return resp === 3 ? `=${reply.text.length + 4}\r\n${reply.format}:${reply.text}\r\n` : `$${reply.text.length}\r\n${reply.text}\r\n`;
  if (reply instanceof BooleanReply) return resp === 3 ? (reply.value ? '#t\r\n' : '#f\r\n') : reply.value ? ':1\r\n' : ':0\r\n';
  if (reply instanceof NullArrayReply) return resp === 3 ? '_\r\n' : '*-1\r\n';
  if (reply instanceof PushReply) return encodePush(reply, resp);
  if (reply instanceof NoReply) return '';
  throw new Error(`cannot encode reply ${String(reply)}`);
}

function encodeItems(type: string, items: readonly Reply[], resp: 2 | 3): string {
  let out = `${type}${items.length}\r\n`;
  for (const item of items) out += encodeReply(item, resp);
  return out;
}

/** Pushes fan out: one message goes to many subscribers, so its encoding is kept per protocol version. */
const encodedPushes = [new WeakMap<PushReply, string>(), new WeakMap<PushReply, string>()];

function encodePush(push: PushReply, resp: 2 | 3): string {
  const cache = encodedPushes[resp - 2];
  let encoded = cache.get(push);
  if (encoded === undefined) cache.set(push, (encoded = encodeItems(resp === 3 ? '>' : '*', push.items, resp)));
  return encoded;
}
