import type { PushReply, Reply } from '../replies/reply.js';
import { argumentFromPlain, BadArguments } from './plain-values.js';

/** A log-tail request as the request protocols take it (WebSocket frames, SSE query, gRPC message). */
export interface TailRequestFields {
  /** Revision to start from; undefined or '$': from now. */
  from?: number | string;
  keys?: readonly string[];
  match?: readonly string[];
  db?: number;
  withValues?: boolean;
}

/** The TAIL command for a request: every protocol subscribes through the same command. */
export function tailCommand(request: TailRequestFields): string[] {
  const args = ['TAIL', 'FROM', request.from === undefined || request.from === '' ? '$' : String(request.from)];
  // One KEYS (MATCH) per key (pattern): TAIL takes the word after it as a key even when it reads
  // like an option, so no key can pass for one.
  for (const key of request.keys ?? []) args.push('KEYS', key);
  for (const pattern of request.match ?? []) args.push('MATCH', pattern);
  if (request.db !== undefined) args.push('DB', String(request.db));
  if (request.withValues === true) args.push('WITHVALUES');
  return args;
}

/** The parts of a `change` push (see src/subscriptions/change-reply.ts); undefined for other pushes. */
export interface ChangeFields {
  rev: number;
  ts: number;
  db: number;
  key: string | null;
  event: string;
  effect: Reply;
  /** Only with WITHVALUES. */
  value?: Reply;
}

export function changeFields(message: PushReply): ChangeFields | undefined {
  const items = message.items;
  if (items[0] !== 'change') return undefined;
  const fields: ChangeFields = {
    rev: items[1] as number,
    ts: items[2] as number,
    db: items[3] as number,
    key: items[4] as string | null,
    event: items[5] as string,
    effect: items[6],
  };
  if (items.length > 7) fields.value = items[7];
  return fields;
}

/** A tail request from a plain object (a WebSocket frame); malformed fields are a clear error. */
export function tailCommandFromPlain(frame: Record<string, unknown>): string[] {
  const { from, keys, match, db, withValues } = frame;
  const list = (value: unknown, name: string): string[] | undefined => {
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) throw new BadArguments(`ERR Protocol error: '${name}' must be an array`);
    return value.map(argumentFromPlain);
  };
  if (from !== undefined && typeof from !== 'number' && from !== '$') throw new BadArguments("ERR Protocol error: 'from' must be a revision or '$'");
  if (db !== undefined && typeof db !== 'number') throw new BadArguments("ERR Protocol error: 'db' must be a number");
  return tailCommand({ from, keys: list(keys, 'keys'), match: list(match, 'match'), db, withValues: withValues === true });
}
