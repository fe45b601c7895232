import type { Client } from './client.js';
import type { CommandSpec } from './command-spec.js';
import { ErrorReply } from '../replies/reply.js';

/** Commands that act at once inside MULTI instead of being queued (Redis's processCommand). */
const IMMEDIATE = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

export function runsDuringMulti(spec: CommandSpec): boolean {
  return IMMEDIATE.has(spec.name);
}

/** Queues a command for EXEC; MULTI, EXEC and DISCARD themselves are in src/commands/transaction-commands.ts. */
export function queueInTransaction(client: Client, spec: CommandSpec, args: string[]): void {
  client.transaction?.queue.push([spec, args]);
}

/** Leaves MULTI: the queue is dropped and every WATCH forgotten (EXEC, DISCARD, an aborted EXEC). */
export function endTransaction(client: Client): void {
  client.transaction = null;
  client.server.watches.unwatchAll(client);
}

/** An EXEC refused before it could run (-BUSY, say) ends the transaction, naming why (Redis's execCommandAbort). */
export function abortExec(client: Client, refusal: ErrorReply): ErrorReply {
  endTransaction(client);
  return new ErrorReply(`EXECABORT Transaction discarded because of: ${refusal.message}`);
}
