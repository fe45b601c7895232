import type { ScriptValue } from '../scripting/script-value.js';
import { formatDouble } from '../formats/double-text.js';
import { BooleanReply, DoubleReply, ErrorReply, MapReply, NullArrayReply, SetReply, StatusReply, VerbatimReply, type Reply } from '../replies/reply.js';

/**
 * Redis's conversions between replies and Lua values, on the server's side: a command's reply as a
 * script sees it (in the RESP version the script chose with redis.setresp), and a script's result
 * as the reply its client gets.
 */
export function scriptValueOf(reply: Reply, resp: 2 | 3): ScriptValue {
  if (reply === null || typeof reply === 'string' || typeof reply === 'number' || typeof reply === 'bigint') return reply;
  if (Array.isArray(reply)) return reply.map((item: Reply) => scriptValueOf(item, resp));
  if (reply instanceof StatusReply) return { ok: reply.text };
  if (reply instanceof ErrorReply) return { err: reply.message };
  if (reply instanceof MapReply) {
    const flat = reply.entries.flatMap(([key, value]) => [scriptValueOf(key, resp), scriptValueOf(value, resp)]);
    return resp === 3 ? { map: flat } : flat;
  }
  if (reply instanceof SetReply) {
    const items = reply.items.map((item) => scriptValueOf(item, resp));
    return resp === 3 ? { set: items } : items;
  }
  if (reply instanceof DoubleReply) return resp === 3 ? { double: reply.value } : (reply.text ?? formatDouble(reply.value));
  if (reply instanceof VerbatimReply) return resp === 3 ? { verbatim: [reply.format, reply.text] } : reply.text;
  if (reply instanceof BooleanReply) return resp === 3 ? reply.value : reply.value ? 1 : 0;
  if (reply instanceof NullArrayReply) return null;
  return null;
}

export function replyOfScriptValue(value: ScriptValue): Reply {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') return value;
  if (typeof value === 'boolean') return new BooleanReply(value);
  if (Array.isArray(value)) return value.map(replyOfScriptValue);
  if ('err' in value) return new ErrorReply(value.err);
  if ('ok' in value) return new StatusReply(value.ok);
  if ('double' in value) return new DoubleReply(value.double);
  if ('big' in value) return value.big;
  if ('verbatim' in value) return new VerbatimReply(value.verbatim[1], value.verbatim[0]);
  if ('map' in value) {
    const entries: [Reply, Reply][] = [];
    for (let i = 0; i + 1 < value.map.length; i += 2) entries.push([replyOfScriptValue(value.map[i]), replyOfScriptValue(value.map[i + 1])]);
    return new MapReply(entries);
  }
  return new SetReply(value.set.map(replyOfScriptValue));
}
