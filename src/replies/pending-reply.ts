import { messageOf } from './errors.js';
import { ErrorReply, type Reply } from './reply.js';

/**
 * A reply that is not decided yet (the command waits for a busy shard). The protocol keeps later
 * replies of the same client behind it, so replies stay in order.
 */
export class PendingReply {
  /** The reply `work` comes to (it may itself be pending); a failure is an `ERR <message>` reply. */
  static from(work: Promise<Reply | PendingReply>): PendingReply {
    const pending = new PendingReply();
    work.then(
      (reply) => (reply instanceof PendingReply ? reply.onSettled((settled) => pending.resolve(settled)) : pending.resolve(reply)),
      (error: unknown) => pending.resolve(new ErrorReply(`ERR ${messageOf(error)}`)),
    );
    return pending;
  }

  private settled: ((reply: Reply) => void) | undefined;
  private value: Reply | undefined;
  private done = false;

  /** Settles once; later calls are ignored, so no client ever gets two replies for one command. */
  resolve(reply: Reply): void {
    if (this.done) return;
    this.done = true;
    this.value = reply;
    this.settled?.(reply);
  }

  /** Calls `settled` once with the reply (at once if it is already known). */
  onSettled(settled: (reply: Reply) => void): void {
    if (this.done) settled(this.value as Reply);
    else this.settled = settled;
  }
}
