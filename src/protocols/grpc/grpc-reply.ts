import { BooleanReply, DoubleReply, ErrorReply, MapReply, NoReply, NullArrayReply, PushReply, SetReply, StatusReply, VerbatimReply, type Reply } from '../../replies/reply.js';

/** The `Reply` message of proto/eddy.proto, one field of its `value` oneof set. */
export type GrpcReply =
  | { bulk: Buffer }
  | { simple: string }
  | { integer: number | string }
  | { double: number }
  | { boolean: boolean }
  | { null: Record<string, never> }
  | { error: string }
  | { array: { items: GrpcReply[] } }
  | { map: { entries: { key: GrpcReply; value: GrpcReply }[] } }
  | { set: { items: GrpcReply[] } }
  | { verbatim: { format: string; text: Buffer } };

/** A reply value as the typed gRPC message, RESP3's types one to one. */
export function grpcReply(reply: Reply): GrpcReply {
  if (typeof reply === 'string') return { bulk: Buffer.from(reply, 'latin1') };
  if (typeof reply === 'number') return { integer: reply };
  if (typeof reply === 'bigint') return { integer: String(reply) };
  if (reply === null || reply instanceof NullArrayReply || reply instanceof NoReply) return { null: {} };
  if (Array.isArray(reply)) return { array: { items: reply.map((item: Reply) => grpcReply(item)) } };
  if (reply instanceof PushReply) return { array: { items: reply.items.map(grpcReply) } };
  if (reply instanceof StatusReply) return { simple: reply.text };
  if (reply instanceof ErrorReply) return { error: reply.message };
  if (reply instanceof MapReply) return { map: { entries: reply.entries.map(([key, value]) => ({ key: grpcReply(key), value: grpcReply(value) })) } };
  if (reply instanceof SetReply) return { set: { items: reply.items.map(grpcReply) } };
  if (reply instanceof DoubleReply) return { double: reply.value };
  if (reply instanceof VerbatimReply) return { verbatim: { format: reply.format, text: Buffer.from(reply.text, 'latin1') } };
  if (reply instanceof BooleanReply) return { boolean: reply.value };
  throw new Error(`cannot convert reply ${String(reply)}`);
}
