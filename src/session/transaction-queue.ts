import type { Client } from './client.js';
import type { CommandSpec } from './command-spec.js';

/** Commands that act at once inside MULTI instead of being queued (Redis's processCommand). */
const IMMEDIATE = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

export function runsDuringMulti(spec: CommandSpec): boolean {
  return IMMEDIATE.has(spec.name);
}

/** Queues a command for EXEC; MULTI, EXEC and DISCARD themselves are in src/commands/transaction-commands.ts. */
export function queueInTransaction(client: Client, spec: CommandSpec, args: string[]): void {
  client.transaction?.queue.push([spec, args]);
}
