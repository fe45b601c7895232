import type { Client } from './client.js';
import type { PendingReply } from '../replies/pending-reply.js';
import type { Reply } from '../replies/reply.js';

/**
 * A command handler: reads like the command's documentation; returns the reply it decided, or a
 * pending reply when the client blocks (BLPOP and kin).
 */
export type Handler = (client: Client, args: string[]) => Reply | PendingReply;

/**
 * The flags the dispatcher and the script host test on every command, as bits computed once per
 * row (COMMAND INFO still lists every flag by name).
 */
export const Flag = {
  write: 1 << 0,
  readonly: 1 << 1,
  noauth: 1 << 2,
  no_multi: 1 << 3,
  movablekeys: 1 << 4,
  noscript: 1 << 5,
  /** CLIENT PAUSE WRITE holds these as it holds writes (EVAL, FCALL: they may write). */
  may_replicate: 1 << 6,
  /** MONITOR does not show these (the script commands show themselves as they start). */
  skip_monitor: 1 << 7,
  admin: 1 << 8,
  /** May add memory: refused with -OOM over maxmemory (after eviction) or near the heap's limit. */
  denyoom: 1 << 9,
  /** Not in SLOWLOG (EXEC: the commands it runs are). */
  skip_slowlog: 1 << 10,
  /** O(1) or O(log N): its slow runs are LATENCY's `fast-command` events. */
  fast: 1 << 11,
  /** Served by a cluster node importing the key's slot as if ASKING came first (RESTORE-ASKING). */
  asking: 1 << 12,
} as const;

export function flagBitsOf(flags: readonly string[]): number {
  let bits = 0;
  for (const flag of flags) bits |= Flag[flag as keyof typeof Flag] ?? 0;
  return bits;
}

/** What a command and a subcommand both have: Redis's COMMAND INFO row. */
export interface CommandRow {
  /** Lower-case name; a subcommand's is `container|sub`, as Redis names it in errors. */
  name: string;
  /** Argument count including the name; negative means "at least". */
  arity: number;
  flags: readonly string[];
  /** `flags` as Flag bits. */
  flagBits: number;
  /** Key positions: first, last (negative counts from the end), step; 0,0,0 when keyless. */
  firstKey: number;
  lastKey: number;
  step: number;
  /** ACL categories, `@write` and so on (src/commands/command-categories.ts). */
  categories: readonly string[];
  summary: string;
}

/** A command's metadata as Redis's COMMAND INFO describes it, and its handler. */
export interface CommandSpec extends CommandRow {
  handler: Handler;
  /** The command table's group: Redis's documentation group (COMMAND DOCS) by another name. */
  group: string;
  /** Keyspace event names of its effects where they differ from the effects' own (INCR: incrby). */
  events: Readonly<Record<string, string>> | undefined;
  /** A container's subcommands (CLIENT ID, OBJECT ENCODING), by lower- and upper-case name. */
  subcommands: ReadonlyMap<string, SubcommandSpec> | undefined;
}

/** A subcommand as Redis 7 tables it: looked up, arity-checked and refused before its container runs. */
export type SubcommandSpec = CommandRow;

/** Whether `argc` arguments (name included) fit an arity; negative means "at least". */
export function arityAccepts(arity: number, argc: number): boolean {
  return arity > 0 ? argc === arity : argc >= -arity;
}

/**
 * What `args` runs: the command itself, or for a container given a subcommand, that subcommand's
 * spec; undefined when the container has no such subcommand (Redis's lookupCommand).
 */
export function resolveSubcommand(spec: CommandSpec, args: readonly string[]): CommandSpec | SubcommandSpec | undefined {
  const subcommands = spec.subcommands;
  if (subcommands === undefined || args.length < 2) return spec;
  return subcommands.get(args[1]) ?? subcommands.get(args[1].toLowerCase());
}
