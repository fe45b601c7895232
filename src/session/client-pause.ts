import { PendingReply } from '../replies/pending-reply.js';
import { ErrorReply, type Reply } from '../replies/reply.js';
import type { Client } from './client.js';
import { Flag, type CommandRow } from './command-spec.js';

/** Redis's pause types: WRITE holds writes and the commands that may write (EVAL, FCALL); ALL holds every command. */
export type PauseMode = 'write' | 'all';

const HOLDS_FOR_WRITE = Flag.write | Flag.may_replicate;
const REPLICA_COMMANDS = new Set(['replconf', 'psync', 'sync']);
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A command held by the pause, and how to run it when the pause ends. */
interface Held {
  client: Client;
  pending: PendingReply;
  retry: () => Reply | PendingReply;
}

/**
 * CLIENT PAUSE and UNPAUSE. While paused, held commands wait in the order they came and run in that
 * order when the pause ends (at its timeout or at UNPAUSE), each dispatched again as Redis replays
 * postponed clients. A connection's later commands wait behind its held one, so its replies stay in
 * order. While paused, keys past their time are not deleted (reads see them missing, as on a Redis
 * that pauses expiry with its clients).
 */
export class ClientPause {
  mode: PauseMode | undefined = undefined;
  private endsAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly held: Held[] = [];

  constructor(private readonly onChange: (paused: boolean) => void) {}

  /** CLIENT PAUSE: a later pause replaces the type and extends the end, never shortens it (Redis 7.0). */
  pause(timeoutMs: number, mode: PauseMode): void {
    this.mode = mode;
    this.endsAt = Math.max(this.endsAt, Date.now() + timeoutMs);
    this.armTimer();
    this.onChange(true);
  }

  unpause(): void {
    if (this.mode === undefined) return;
    this.mode = undefined;
    this.endsAt = 0;
    clearTimeout(this.timer);
    this.onChange(false);
    // Commands held behind one that is now run again are held again, in order, if a new pause came.
    for (const held of this.held.splice(0)) this.resume(held);
  }

  /** Whether the pause holds this command (its row, or its subcommand's), EXEC with a write queued included. */
  holds(client: Client, command: CommandRow): boolean {
    // A replica's own traffic is never paused (Redis spares replica clients).
    if (REPLICA_COMMANDS.has(command.name)) return false;
    if (this.mode === 'all') return true;
    if ((command.flagBits & HOLDS_FOR_WRITE) !== 0) return true;
    return command.name === 'exec' && client.transaction !== null && client.transaction.queue.some(([queued]) => (queued.flagBits & HOLDS_FOR_WRITE) !== 0);
  }

  /** Holds a command until the pause ends; `retry` dispatches it again then. */
  hold(client: Client, retry: () => Reply | PendingReply): PendingReply {
    const held: Held = { client, pending: new PendingReply(), retry };
    this.held.push(held);
    return held.pending;
  }

  /** Whether the client waits for the pause to end (CLIENT LIST's blocked clients; idle timeout spares it). */
  isHolding(client: Client): boolean {
    return this.held.some((held) => held.client === client);
  }

  private resume(held: Held): void {
    runAgain(held.client, held.pending, held.retry);
  }

  private armTimer(): void {
    clearTimeout(this.timer);
    const wait = Math.min(Math.max(this.endsAt - Date.now(), 0), MAX_TIMER_MS);
    this.timer = setTimeout(() => (Date.now() >= this.endsAt ? this.unpause() : this.armTimer()), wait);
  }
}

/** Runs a held command again and settles its pending reply with the outcome (a pending one's when it settles). */
export function runAgain(client: Client, pending: PendingReply, retry: () => Reply | PendingReply): void {
  let reply: Reply | PendingReply;
  try {
    reply = client.gone ? null : retry();
  } catch (error) {
    client.server.hooks.internalError(error, client.lastCommand);
    reply = new ErrorReply('ERR internal error running the command');
  }
  // Still waiting (a busy shard, or a new pause): its reply settles the held one.
  if (reply instanceof PendingReply) reply.onSettled((settled) => pending.resolve(settled));
  else pending.resolve(reply);
}
