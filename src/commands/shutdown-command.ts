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

/**
 * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT], as Redis 7: unless NOW, a primary first waits up
 * to `shutdown-timeout` seconds for its followers to have every revision (SHUTDOWN ABORT from
 * another client cancels); then SAVE takes a checkpoint (as does a plain SHUTDOWN when `save` rules
 * are set; NOSAVE never), and a failed one keeps the server up unless FORCE. The log itself is
 * synced at every stop whatever the flags: a checkpoint only makes the next start faster.
 */
export function shutdown(client: Client, args: string[]): Reply | PendingReply {
  const flags = new Set<string>();
  for (const arg of args.slice(1)) {
    const flag = arg.toUpperCase();
    if (!['NOSAVE', 'SAVE', 'NOW', 'FORCE', 'ABORT'].includes(flag)) return SYNTAX_ERROR;
    flags.add(flag);
  }
  if ((flags.has('SAVE') && flags.has('NOSAVE')) || (flags.has('ABORT') && flags.size > 1)) return SYNTAX_ERROR;
  const server = client.server;
  if (flags.has('ABORT')) {
    const wait = waits.get(server);
    if (wait === undefined) return NO_SHUTDOWN;
    wait.abort();
    return OK;
  }
  const stop = async (): Promise<Reply> => {
    const save = flags.has('SAVE') || (!flags.has('NOSAVE') && server.config.get('save') !== '');
    if (save) {
      try {
        await server.checkpointer.checkpoint();
      } catch (error) {
        server.hooks.internalError(error, 'shutdown');
        if (!flags.has('FORCE')) return SHUTDOWN_FAILED;
      }
    }
    server.hooks.shutdown();
    // Redis sends no reply when it shuts down: the connection just closes.
    client.closeAfterReply = true;
    return NO_REPLY;
  };
  const replicas = server.replication.replicas;
  const rev = server.store.log.lastRev;
  const timeoutMs = server.config.int('shutdown-timeout') * 1000;
  if (flags.has('NOW') || timeoutMs === 0 || replicas.countAcked(rev) >= replicas.all().length) return PendingReply.from(stop());
  let aborted = false;
  let wake = (): void => undefined;
  const abort = new Promise<void>((resolve) => (wake = resolve));
  waits.set(server, {
    abort: () => {
      aborted = true;
      wake();
    },
  });
  return PendingReply.from(
    Promise.race([replicas.waitFor(rev, replicas.all().length, timeoutMs), abort]).then(() => {
      waits.delete(server);
      return aborted ? SHUTDOWN_FAILED : stop();
    }),
  );
}
