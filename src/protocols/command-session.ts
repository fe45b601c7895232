import type { Credentials } from './credentials.js';
import { Client, type ClientTransport } from '../session/client.js';
import { dispatch } from '../session/dispatcher.js';
import { PendingReply } from '../replies/pending-reply.js';
import { ErrorReply, type Reply } from '../replies/reply.js';
import type { ServerContext } from '../session/server-context.js';
import type { Log } from '../log/log.js';

/** A command's reply and the log revision it may depend on. */
interface Settled {
  reply: Reply;
  rev: number;
}

const CONNECTION_CLOSED = new ErrorReply('ERR connection closed');
export const BULK_TOO_LONG = new ErrorReply('ERR Protocol error: invalid bulk length');

/**
 * A client session for the request protocols (HTTP, gRPC, WebSocket): commands run one after the
 * other through the same dispatcher as RESP, and each reply is released once the log acknowledged
 * every revision it may depend on, exactly as RESP holds its replies.
 */
export class CommandSession {
  readonly client: Client;
  /** The last command still waiting to dispatch, and how many are. */
  private previous: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  /** Replies on their way (for drain). */
  private readonly inFlight = new Set<Promise<Reply>>();

  constructor(
    readonly server: ServerContext,
    transport: ClientTransport,
  ) {
    this.client = new Client(server, transport);
    // Replies are typed values here (JSON, msgpack, gRPC messages): the RESP3 shapes carry the types.
    this.client.resp = 3;
  }

  /**
   * Logs the session in with a password taken from the protocol's own credentials (a bearer token,
   * a header, call metadata), through the AUTH command; undefined when accepted.
   */
  async authenticate(credentials: Credentials | undefined): Promise<ErrorReply | undefined> {
    // A password for a default user that needs none is ignored, as before ACL users (and as AUTH <password> is not).
    if (credentials === undefined || (credentials.user === undefined && this.server.acl.default.noPass)) return undefined;
    const reply = await this.run(credentials.user === undefined ? ['AUTH', credentials.password] : ['AUTH', credentials.user, credentials.password]);
    return reply instanceof ErrorReply ? reply : undefined;
  }

  /** Runs one command after the ones before it; resolves with its reply once it may be shown. */
  run(args: string[]): Promise<Reply> {
    const run = (): Settled | Promise<Settled> => (args.some((arg) => arg.length > this.server.maxBulkLength) ? { reply: BULK_TOO_LONG, rev: 0 } : this.dispatch(args));
    // Commands dispatch in order: at once when none before it is still waiting (for a busy shard, a
    // blocking pop), else after those. Replies then wait for the log, as RESP's do.
    const settled = this.waiting === 0 ? run() : this.previous.then(run);
    if (settled instanceof Promise) {
      this.waiting++;
      this.previous = settled.finally(() => this.waiting--);
    }
    const log = this.server.store.log;
    // A read with nothing to wait for (the common case) answers without further ado.
    if (!(settled instanceof Promise) && settled.rev <= log.ackedRev) return Promise.resolve(settled.reply);
    const reply = Promise.resolve(settled).then(({ reply, rev }) => afterAck(log, rev, reply));
    this.inFlight.add(reply);
    void reply.finally(() => this.inFlight.delete(reply));
    return reply;
  }

  /** Resolves when every command started so far has replied, or after `graceMs`. */
  async drain(graceMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.allSettled([...this.inFlight]), grace]);
    clearTimeout(timer);
  }

  /** The transport went away: unblock, unwatch, forget. */
  closed(): void {
    this.client.disconnected();
  }

  private dispatch(args: string[]): Settled | Promise<Settled> {
    // Queued behind others when the transport went: no one would see the reply, and a blocking pop
    // or a subscription for a ghost session would take what others are waiting for.
    if (this.client.gone) return { reply: CONNECTION_CLOSED, rev: 0 };
    let reply: Reply | PendingReply;
    const log = this.server.store.log;
    const revBefore = log.lastRev;
    try {
      reply = dispatch(this.client, args);
    } catch (error) {
      this.server.hooks.internalError(error, args[0]);
      reply = new ErrorReply('ERR internal error');
    }
    // As RESP does: while the log cannot be written, a read does not wait for it.
    if (!(reply instanceof PendingReply)) return { reply, rev: log.lastRev > revBefore || log.lastWriteOk ? log.lastRev : 0 };
    const pending = reply;
    return new Promise((resolve) => pending.onSettled((reply) => resolve({ reply, rev: this.server.store.log.lastRev })));
  }
}

/** Resolves with `reply` once the log has acknowledged `rev` (per appendfsync). */
function afterAck(log: Log, rev: number, reply: Reply): Reply | Promise<Reply> {
  if (rev <= log.ackedRev) return reply;
  return new Promise((resolve) => log.waitForAck({ ackRev: rev, acknowledged: () => resolve(reply) }));
}
