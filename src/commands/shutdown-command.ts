import type { Client } from '../session/client.js';
import type { ServerContext } from '../session/server-context.js';
import { SYNTAX_ERROR } from '../replies/errors.js';
import { PendingReply } from '../replies/pending-reply.js';
import { ErrorReply, NO_REPLY, OK, type Reply } from '../replies/reply.js';

const NO_SHUTDOWN = new ErrorReply('ERR No shutdown in progress.');
const SHUTDOWN_FAILED = new ErrorReply('ERR Errors trying to SHUTDOWN. Check logs.');

/** A SHUTDOWN waiting for its followers to catch up; ABORT ends the wait and the server stays. */
interface ShutdownWait {
  abort(): void;
}
const waits = new WeakMap<ServerContext, ShutdownWait>();

/** SHUTDOWN's flags, as the command and the shutdown-on-sigterm/sigint options name them. */
export type ShutdownFlag = 'NOSAVE' | 'SAVE' | 'NOW' | 'FORCE';

/**
 * What Redis does before it stops, for SHUTDOWN and for SIGTERM/SIGINT alike (its
 * prepareForShutdown): unless NOW, a primary first waits up to `shutdown-timeout` seconds for its
 * followers to have every revision (SHUTDOWN ABORT from a client cancels); then SAVE takes a
 * checkpoint (as does a plain shutdown when `save` rules are set; NOSAVE never). False when the
 * server is to stay up: the wait was aborted, or the checkpoint failed without FORCE. The log
 * itself is synced at every stop whatever the flags: a checkpoint only makes the next start faster.
 */
export function prepareShutdown(server: ServerContext, flags: ReadonlySet<ShutdownFlag>): Promise<boolean> {
  const save = async (): Promise<boolean> => {
    if (!(flags.has('SAVE') || (!flags.has('NOSAVE') && server.config.get('save') !== ''))) return true;
    try {
      await server.checkpointer.checkpoint();
      return true;
    } catch (error) {
      server.hooks.internalError(error, 'shutdown');
      return flags.has('FORCE');
    }
  };
  const replicas = server.replication.replicas;
  const rev = server.store.log.lastRev;
  const timeoutMs = server.config.int('shutdown-timeout') * 1000;
  if (flags.has('NOW') || timeoutMs === 0 || replicas.countAcked(rev) >= replicas.all().length) return save();
  let aborted = false;
  let wake = (): void => undefined;
  const abort = new Promise<void>((resolve) => (wake = resolve));
  waits.set(server, {
    abort: () => {
      aborted = true;
      wake();
    },
  });
  return Promise.race([replicas.waitFor(rev, replicas.all().length, timeoutMs), abort]).then(() => {
    waits.delete(server);
    return aborted ? false : save();
  });
}

/** SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT], as Redis 7 (see prepareShutdown). */
export function shutdown(client: Client, args: string[]): Reply | PendingReply {
  const flags = new Set<string>();
  for (const arg of args.slice(1)) {
    const flag = arg.toUpperCase();
    if (!['NOSAVE', 'SAVE', 'NOW', 'FORCE', 'ABORT'].includes(flag)) return SYNTAX_ERROR;
    flags.add(flag);
  }
  if ((flags.has('SAVE') && flags.has('NOSAVE')) || (flags.has('ABORT') && flags.size > 1)) return SYNTAX_ERROR;
  const server = client.server;
  if (flags.has('ABORT')) return abortShutdown(server) ? OK : NO_SHUTDOWN;
  return PendingReply.from(
    prepareShutdown(server, flags as Set<ShutdownFlag>).then((stop) => {
      if (!stop) return SHUTDOWN_FAILED;
      server.hooks.shutdown();
      // Redis sends no reply when it shuts down: the connection just closes.
      client.closeAfterReply = true;
      return NO_REPLY;
    }),
  );
}

/** SHUTDOWN ABORT: ends a shutdown's wait for followers; false when none is waiting. */
function abortShutdown(server: ServerContext): boolean {
  const wait = waits.get(server);
  if (wait === undefined) return false;
  wait.abort();
  return true;
}
