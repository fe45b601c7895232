import type { Subscriber } from '../subscriptions/pubsub-registry.js';
import type { CommandSpec } from './command-spec.js';
import type { PushReply } from '../replies/reply.js';
import type { ServerContext } from './server-context.js';
import type { WriteContext } from '../shards/store.js';

/** What a protocol adapter gives the command layer about a connection. */
export interface ClientTransport {
  readonly remoteAddress: string;
  readonly localAddress: string;
  /** Closes the connection at once (CLIENT KILL, timeout), after `finalMessage` when given. */
  close(finalMessage?: PushReply): void;
  /**
   * Sends out-of-band data (pub/sub messages, tail events); protocols without a channel for it drop
   * it. False when the client is not reading fast enough (past client-output-buffer-limit pubsub);
   * `ignoreLimit` sends regardless (the rest of a tail record whose first change was accepted).
   */
  push(message: PushReply, ignoreLimit?: boolean): boolean;
  /** True while pushed messages pile up unread (a transport that can tell; others are never congested). */
  readonly congested?: boolean;
  /** Resolves once a congested transport has drained, or closed. */
  drained?(): Promise<void>;
}

/**
 * One connected client's session state, the same for every protocol; also the WriteContext of the
 * command it runs, so that handlers hand the client itself to the store.
 */
export class Client implements Subscriber, WriteContext {
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
  /**
   * The running command's time, read once by execute(); EXEC and a script run read it once for all
   * of their commands (Redis's command time snapshot).
   */
  now = 0;
  /** The running command's keyspace event names, from its row. */
  events: Readonly<Record<string, string>> | undefined = undefined;
  /** The client Lua scripts' commands run as (Redis's CLIENT_SCRIPT). */
  isScriptClient = false;
  /** Commands queued since MULTI (null outside a transaction); `failed` after a queuing error. */
  transaction: { queue: [CommandSpec, string[]][]; failed: boolean } | null = null;
  /** Keys under WATCH ("db:key"); `watchBroken` once one of them changed. */
  readonly watched = new Set<string>();
  /**
   * Watched keys already expired when watched (Redis's `expired` flag): deleting them is no change.
   * The flag is true once a change has reached the key; EXEC then sees whether it deleted it.
   */
  readonly watchedExpired = new Map<string, boolean>();
  watchBroken = false;
  /** True while EXEC runs the queued commands (blocking commands then answer at once). */
  inTransaction = false;
  /** Send the pending replies, then close (QUIT, protocol errors). */
  closeAfterReply = false;
  /** Pub/sub subscriptions: channels, patterns, shard channels. */
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();
  /** The log tail this connection follows (TAIL); it too puts a RESP2 connection in subscribed mode. */
  tail: { readonly nextRev: number; stop(): void } | undefined = undefined;
  /** Run when the connection goes away (unblock, unwatch). */
  private readonly cleanups = new Set<() => void>();
  /** The connection has closed. */
  gone = false;

  constructor(
    readonly server: ServerContext,
    readonly transport: ClientTransport,
  ) {
    this.id = server.clients.nextId();
    this.authenticated = server.config.get('requirepass') === '';
  }

  /** In RESP2, a subscribed connection only takes the pub/sub commands (Redis's subscribed mode). */
  get subscribed(): boolean {
    return this.channels.size + this.patterns.size + this.shardChannels.size > 0 || this.tail !== undefined;
  }

  /** A pub/sub message; a subscriber that cannot keep up is disconnected, as in Redis. */
  deliver(message: PushReply): void {
    if (!this.transport.push(message)) {
      this.server.hooks.slowSubscriber?.(this);
      this.transport.close();
    }
  }

  onDisconnect(cleanup: () => void): () => void {
    // A command that runs after its connection went (queued behind others) cleans up at once.
    if (this.gone) {
      cleanup();
      return () => undefined;
    }
    this.cleanups.add(cleanup);
    return () => this.cleanups.delete(cleanup);
  }

  /** The protocol calls this once when the connection closes. */
  disconnected(): void {
    this.gone = true;
    for (const cleanup of this.cleanups) cleanup();
    this.cleanups.clear();
  }
}
