import { peerOf } from '../commands/replication-commands.js';
import type { Client } from '../session/client.js';
import type { ServerContext } from '../session/server-context.js';

const SWEEP_EVERY_MS = 1000;

/**
 * The `timeout` option (Redis's clientsCronHandleTimeout): a client idle for longer than it is
 * closed, once a second, unless it is a replica, a subscriber, a MONITOR, or waiting (blocked on
 * keys, held by CLIENT PAUSE). 0 turns it off; CONFIG SET takes effect at once.
 */
export function closeIdleClients(context: ServerContext): void {
  let timer: NodeJS.Timeout | undefined;
  const apply = (seconds: number): void => {
    clearInterval(timer);
    timer = undefined;
    if (seconds <= 0) return;
    timer = setInterval(() => sweep(context, seconds * 1000), SWEEP_EVERY_MS);
    // The sweep never keeps the process alive by itself (shutdown closes the clients anyway).
    timer.unref();
  };
  apply(context.config.int('timeout'));
  context.config.onChange('timeout', (value) => apply(Number(value)));
}

function sweep(context: ServerContext, idleMs: number): void {
  const now = Date.now();
  for (const client of [...context.clients.all()]) if (now - client.lastActiveAt > idleMs && mayTimeOut(context, client)) client.transport.close();
}

function mayTimeOut(context: ServerContext, client: Client): boolean {
  if (client.subscribed || client.monitoring) return false;
  if (context.blocking.isBlocked(client) || context.pause.isHolding(client)) return false;
  return !context.replication.replicas.isReplica(peerOf(client));
}
