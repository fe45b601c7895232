import type { Subscriber } from '../subscriptions/pubsub-registry.js';
import type { CommandRow, CommandSpec } from './command-spec.js';
import type { AclUser } from '../security/acl-user.js';
import type { PushReply, StatusReply } from '../replies/reply.js';
import type { TrackedClient, TrackingState } from '../subscriptions/client-tracking.js';
import type { ServerContext } from './server-context.js';
import type { WriteContext } from '../shards/store.js';

/** What a protocol adapter gives the command layer about a connection. */
export interface ClientTransport {
  readonly remoteAddress: string;
  readonly localAddress: string;
  /** The protocol it came by, for metrics (tail subscribers by protocol); RESP when not said. */
  readonly protocol?: 'resp' | 'http' | 'grpc' | 'ws';
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
  /**
   * Sends out-of-band data after the reply of the command now running (a client's own invalidations,
   * as Redis sends them after the reply); at once when none runs. Without it, push().
   */
  pushAfterReply?(message: PushReply): void;
  /** Bytes as they are, behind the replies gathered (SYNC's RDB); only RESP has it. */
  pushRaw?(bytes: Buffer): void;
  /** A MONITOR line (a status reply out of band); protocols that cannot send one lack it. */
  pushLine?(line: StatusReply): boolean;
  /** The socket's file descriptor where there is one (CLIENT LIST's fd). */
  readonly fd?: number;
  /** Bytes received and not parsed yet (CLIENT LIST's qbuf). */
  readonly queryBufferLength?: number;
  /** Bytes of replies held or queued on the socket (CLIENT LIST's omem). */
  readonly outputLength?: number;
}

/** CLIENT REPLY's modes; SKIP becomes `skip` once the CLIENT REPLY SKIP command itself is done. */
export type ReplyMode = 'on' | 'off' | 'skip-next' | 'skip';

/**
 * One connected client's session state, the same for every protocol; also the WriteContext of the
 * command it runs, so that handlers hand the client itself to the store.
 */
export class Client implements Subscriber, WriteContext, TrackedClient {
  readonly id: number;
  name = '';
  libName = '';
  libVersion = '';
  db = 0;
  /** RESP protocol version chosen with HELLO. */
  resp: 2 | 3 = 2;
  authenticated: boolean;
  /** The ACL user it runs as (`default` until AUTH names another). */
  user: AclUser;
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
  /** Waiting on keys (BLPOP, XREAD BLOCK, ...): its command's statistics wait for it to end. */
  blocked = false;
  /** The blocked command's row, arguments and first run's time, counted once it ends. */
  blockedRun: { readonly row: CommandRow; readonly args: string[]; readonly ms: number } | undefined = undefined;
  /** True while EXEC runs the queued commands (blocking commands then answer at once). */
  inTransaction = false;
  /** Send the pending replies, then close (QUIT, protocol errors). */
  closeAfterReply = false;
  /** ASKING was the last command: a cluster node importing a slot serves the next one (Redis's CLIENT_ASKING). */
  asking = false;
  /** READONLY: on a cluster replica, reads of its primary's slots are served here (Redis's CLIENT_READONLY). */
  clusterReadonly = false;
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
  /** CLIENT REPLY: whether replies are sent (the protocol asks replyWanted() per reply). */
  replyMode: ReplyMode = 'on';
  /** CLIENT NO-EVICT: never closed to free memory (Redis's `e` flag). */
  noEvict = false;
  /** CLIENT NO-TOUCH: its reads leave keys' access time and frequency alone (Redis 7.2's `T` flag). */
  noTouch = false;
  /** Client-side caching (CLIENT TRACKING), undefined while off. */
  tracking: TrackingState | undefined = undefined;
  /** MONITOR: every command run is streamed to it. */
  monitoring = false;
  /** The client Lua scripts' commands run as (Redis's CLIENT_SCRIPT): MONITOR shows it as `lua`, SORT sorts a set for it. */
  isScript = false;
  /** The client a redis-server primary's stream runs as (Redis's CLIENT_MASTER): it writes on a read-only follower. */
  isPrimary = false;

  constructor(
    readonly server: ServerContext,
    readonly transport: ClientTransport,
  ) {
    this.id = server.clients.nextId();
    this.user = server.acl.default;
    this.authenticated = this.user.checkPassword('');
  }

  /** In RESP2, a subscribed connection only takes the pub/sub commands (Redis's subscribed mode). */
  get subscribed(): boolean {
    return this.channels.size + this.patterns.size + this.shardChannels.size > 0 || this.tail !== undefined;
  }

  /**
   * Closed by a command of `issuer` (CLIENT KILL, ACL DELUSER, ACL LOAD, a channel permission
   * taken away): the issuer itself once its reply is out, as Redis closes it after the reply.
   */
  closeBy(issuer: Client): void {
    if (issuer === this) this.closeAfterReply = true;
    else this.transport.close();
  }

  /** A pub/sub message; a subscriber that cannot keep up is disconnected, as in Redis. */
  deliver(message: PushReply): void {
    if (!this.transport.push(message)) {
      this.server.hooks.slowSubscriber?.(this);
      this.transport.close();
    }
  }

  /** The store reads it for every lookup (CLIENT NO-TOUCH). */
  get touches(): boolean {
    return !this.noTouch;
  }

  /** Out-of-band data after the running command's reply (see ClientTransport.pushAfterReply). */
  deliverAfterReply(message: PushReply): void {
    if (this.transport.pushAfterReply !== undefined) this.transport.pushAfterReply(message);
    else this.deliver(message);
  }

  /** Whether the reply of the command just run is sent (CLIENT REPLY); a skipped one moves SKIP on. */
  replyWanted(): boolean {
    switch (this.replyMode) {
      case 'on':
        return true;
      case 'off':
        return false;
      case 'skip-next':
        this.replyMode = 'skip';
        return false;
      case 'skip':
        this.replyMode = 'on';
        return false;
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
