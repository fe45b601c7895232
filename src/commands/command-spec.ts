import type { Client } from './client.js';
import type { PendingReply } from './pending-reply.js';
import type { Reply } from './reply.js';

/**
 * A command handler: reads like the command's documentation; returns the reply it decided, or a
 * pending reply when the client blocks (BLPOP and kin).
 */
export type Handler = (client: Client, args: string[]) => Reply | PendingReply;

/** A command's metadata as Redis's COMMAND INFO describes it. */
export interface CommandSpec {
  /** Lower-case name. */
  name: string;
  /** Argument count including the name; negative means "at least". */
  arity: number;
  flags: readonly string[];
  /** Key positions: first, last (negative counts from the end), step; 0,0,0 when keyless. */
  firstKey: number;
  lastKey: number;
  step: number;
  handler: Handler;
  /** Redis's documentation group (COMMAND DOCS). */
  group: string;
  summary: string;
  /** Keyspace event names of its effects where they differ from the effects' own (INCR: incrby). */
  events: Readonly<Record<string, string>> | undefined;
}

/** The positions of the keys a command names, from its spec. */
export function keyPositions(spec: CommandSpec, argc: number): number[] {
  if (spec.firstKey === 0) return [];
  const last = spec.lastKey < 0 ? argc + spec.lastKey : spec.lastKey;
  const positions: number[] = [];
  for (let i = spec.firstKey; i <= last && i < argc; i += spec.step) positions.push(i);
  return positions;
}
