import { PendingReply } from '../replies/pending-reply.js';
import { ErrorReply, type Reply } from '../replies/reply.js';
import type { Client } from './client.js';

const BUSY = new ErrorReply('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.');
/** The longest delay setTimeout takes (a longer one fires at once); busy-reply-threshold may be longer, and then the wait just comes round again. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A command that needs shards a running script holds waits until the script ends, and gets -BUSY
 * once the script has run past busy-reply-threshold, as in Redis; `retry` dispatches it again.
 * Undefined when no running script holds those shards.
 */
export function waitForScript(client: Client, shardIds: readonly number[], retry: () => Reply | PendingReply): Reply | PendingReply | undefined {
  const scripts = client.server.scripts;
  const running = scripts.running;
  if (running === undefined || !shardIds.some((id) => running.job.shards.has(id))) return undefined;
  const left = client.server.config.int('busy-reply-threshold') - (performance.now() - running.startedAt);
  if (left <= 0) return BUSY;
  const pending = new PendingReply();
  let timer: NodeJS.Timeout | undefined;
  void Promise.race([scripts.ended(), new Promise((resolve) => (timer = setTimeout(resolve, Math.min(left, MAX_TIMER_MS))))]).then(() => {
    clearTimeout(timer);
    let reply: Reply | PendingReply;
    try {
      reply = retry();
    } catch (error) {
      client.server.hooks.internalError(error, client.lastCommand);
      reply = new ErrorReply('ERR internal error running the command');
    }
    if (reply instanceof PendingReply) reply.onSettled((settled) => pending.resolve(settled));
    else pending.resolve(reply);
  });
  return pending;
}
