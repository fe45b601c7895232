import type { Socket } from 'node:net';
import type { ServerContext } from '../session/server-context.js';
import { CommandSession } from './command-session.js';
import { presentedCredentials } from './credentials.js';

/**
 * Whether a scrape may read /metrics: with `metrics-auth yes` (the default), by the same rule as
 * every HTTP request (Basic user:password, or a password in `authorization: Bearer` or `x-eddy-password`, checked by AUTH);
 * with `no`, anyone who reaches the port may.
 */
export async function metricsRefusal(server: ServerContext, header: (name: string) => unknown, socket: Socket): Promise<string | undefined> {
  if (server.config.get('metrics-auth') === 'no') return undefined;
  const session = new CommandSession(server, {
    protocol: 'http',
    remoteAddress: `${socket.remoteAddress}:${socket.remotePort}`,
    localAddress: `${socket.localAddress}:${socket.localPort}`,
    close: () => undefined,
    push: () => true,
  });
  try {
    const refused = await session.authenticate(presentedCredentials(header));
    if (refused !== undefined) return refused.message;
    return session.client.authenticated ? undefined : 'NOAUTH Authentication required.';
  } finally {
    session.closed();
  }
}
