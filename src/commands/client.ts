import type { CommandSpec } from './command-spec.js';
import type { ServerContext } from './server-context.js';

/** What a protocol adapter gives the command layer about a connection. */
export interface ClientTransport {
  readonly remoteAddress: string;
  readonly localAddress: string;
  /** Closes the connection at once (CLIENT KILL, timeout). */
  close(): void;
}

/** One connected client's session state, the same for every protocol. */
export class Client {
  readonly id: number;
  name = '';
  libName = '';
  libVersion = '';
  db = 0;
  /** RESP protocol version chosen with HELLO. */
  resp: 2 | 3 = 2;
  authenticated: boolean;
  readonly createdAt = Date.now();
  lastActiveAt = this.createdAt;
  lastCommand = 'NULL';
  /** Commands queued since MULTI (null outside a transaction); `failed` after a queuing error. */
  transaction: { queue: [CommandSpec, string[]][]; failed: boolean } | null = null;
  /** Keys under WATCH ("db:key"); `watchBroken` once one of them changed. */
  readonly watched = new Set<string>();
  /** Watched keys that had already expired when watched. */
  readonly watchedExpired = new Set<string>();
  watchBroken = false;
  /** True while EXEC runs the queued commands (blocking commands then answer at once). */
  inTransaction = false;
  /** Send the pending replies, then close (QUIT, protocol errors). */
  closeAfterReply = false;
  /** Run when the connection goes away (unblock, unwatch). */
  private readonly cleanups = new Set<() => void>();

  constructor(
    readonly server: ServerContext,
    readonly transport: ClientTransport,
  ) {
    this.id = server.clients.nextId();
    this.authenticated = server.config.get('requirepass') === '';
  }

  onDisconnect(cleanup: () => void): () => void {
    this.cleanups.add(cleanup);
    return () => this.cleanups.delete(cleanup);
  }

  /** The protocol calls this once when the connection closes. */
  disconnected(): void {
    for (const cleanup of this.cleanups) cleanup();
    this.cleanups.clear();
  }
}
