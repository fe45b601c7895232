import type { Shard } from '../shards/shard.js';
import type { ChangeListener, Store } from '../shards/store.js';
import type { Client } from './client.js';
import { recordRun } from './execution.js';
import { PendingReply } from '../replies/pending-reply.js';
import { ErrorReply, NULL_ARRAY, type Reply } from '../replies/reply.js';
import { typeOf, type TypeName } from '../projections/value.js';

const TIMEOUT_NOT_FLOAT = new ErrorReply('ERR timeout is not a float or out of range');
const TIMEOUT_NEGATIVE = new ErrorReply('ERR timeout is negative');
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, ...). Each waits in a first-come queue per key;
 * after every command, keys that changed are offered to their queues in order, and a client whose
 * `attempt` succeeds is served and unblocked (Redis's handleClientsBlockedOnKeys). As in Redis, a
 * key is offered only when it holds the type its clients pop (a list made a string inside a MULTI
 * wakes no one), and a client is served from the key that became ready.
 */
interface Blocked {
  client: Client;
  db: number;
  keys: string[];
  /** The type of value the client pops. */
  type: TypeName;
  /** Tries to serve the client now from `keys`; undefined when there is still nothing for it. */
  attempt: (keys: string[]) => Reply | undefined;
  /** The reply when the key is deleted or changes type under the client (XREADGROUP's); without it the client waits on. */
  gone: (() => Reply) | undefined;
  pending: PendingReply;
  timer: NodeJS.Timeout | undefined;
  forget: () => void;
  /** The blocked command's keyspace event names, for the writes its serving makes. */
  events: Readonly<Record<string, string>> | undefined;
  /** Served, timed out or gone: a serve already under way must skip it. */
  done: boolean;
}

export class BlockingRegistry implements ChangeListener {
  private readonly queues = new Map<string, Blocked[]>();
  private readonly ready = new Set<string>();

  /** Listens to the store only while someone is blocked, so that writes pay nothing otherwise. */
  constructor(private readonly store: Store) {}

  get blockedCount(): number {
    const clients = new Set<Client>();
    for (const queue of this.queues.values()) for (const blocked of queue) clients.add(blocked.client);
    return clients.size;
  }

  /** Blocks `client` until `attempt` succeeds after a change to one of `keys`, or `timeoutMs` passes (0: forever). */
  block(client: Client, keys: string[], type: TypeName, timeoutMs: number, attempt: (keys: string[]) => Reply | undefined, gone?: () => Reply): PendingReply {
    const pending = new PendingReply();
    const blocked: Blocked = { client, db: client.db, keys, type, attempt, gone, pending, timer: undefined, forget: () => undefined, events: client.events, done: false };
    if (this.queues.size === 0) this.store.listen(this);
    for (const key of new Set(keys)) {
      const id = `${client.db}:${key}`;
      const queue = this.queues.get(id);
      if (queue === undefined) this.queues.set(id, [blocked]);
      else queue.push(blocked);
    }
    if (timeoutMs > 0) this.armTimeout(blocked, Date.now() + timeoutMs);
    client.blocked = true;
    blocked.forget = client.onDisconnect(() => this.finish(blocked, undefined));
    return pending;
  }

  /** setTimeout fires at once past 2^31-1 ms (about 24.8 days): long timeouts re-arm until due. */
  private armTimeout(blocked: Blocked, deadline: number): void {
    const wait = Math.min(deadline - Date.now(), MAX_TIMER_MS);
    blocked.timer = setTimeout(() => (Date.now() >= deadline ? this.finish(blocked, NULL_ARRAY) : this.armTimeout(blocked, deadline)), wait);
  }

  keyChanged(db: number, key: string): void {
    const id = `${db}:${key}`;
    if (this.queues.has(id)) this.ready.add(id);
  }

  dbChanged(_shard: Shard, db: number): void {
    for (const id of this.queues.keys()) if (id.startsWith(`${db}:`)) this.ready.add(id);
  }

  /** Offers every changed key to the clients waiting on it, first blocked first served. */
  serveReady(): void {
    // A blocked command served now runs at the time it is served.
    const now = Date.now();
    while (this.ready.size > 0) {
      const [id] = this.ready;
      this.ready.delete(id);
      const queue = this.queues.get(id);
      if (queue === undefined) continue;
      const key = id.slice(id.indexOf(':') + 1);
      for (const blocked of [...queue]) {
        if (blocked.done) continue;
        blocked.client.now = now;
        blocked.client.events = blocked.events;
        const value = this.store.lookup(blocked.db, key, blocked.client);
        if (value === undefined || typeOf(value) !== blocked.type) {
          if (blocked.gone !== undefined) this.finish(blocked, blocked.gone());
          else if (blocked.type !== 'stream') break;
          continue;
        }
        const started = performance.now();
        const reply = blocked.attempt([key]);
        // A list or zset that serves no one has nothing left; stream readers each wait for their own IDs.
        if (reply === undefined && blocked.type !== 'stream') break;
        if (reply !== undefined) this.finish(blocked, reply, performance.now() - started);
      }
    }
  }

  isBlocked(client: Client): boolean {
    for (const queue of this.queues.values()) for (const blocked of queue) if (blocked.client === client) return true;
    return false;
  }

  /** CLIENT UNBLOCK: the client's wait ends as at its timeout, or with `error`; false when it is not blocked on keys. */
  unblock(client: Client, error: ErrorReply | undefined): boolean {
    for (const queue of this.queues.values())
      for (const blocked of queue)
        if (blocked.client === client && !blocked.done) {
          this.finish(blocked, error ?? NULL_ARRAY);
          return true;
        }
    return false;
  }

  /**
   * Ends with `redirect`'s error the wait of every client blocked on a key it names, as Redis's
   * clusterRedirectBlockedClientIfNeeded does when a key's slot has gone to another node.
   */
  redirectAway(redirect: (db: number, key: string) => ErrorReply | undefined): void {
    for (const [id, queue] of this.queues) {
      const colon = id.indexOf(':');
      const error = redirect(Number(id.slice(0, colon)), id.slice(colon + 1));
      if (error !== undefined) for (const blocked of [...queue]) this.finish(blocked, error);
    }
  }

  get hasReady(): boolean {
    return this.ready.size > 0;
  }

  /** Unblocks with a reply (served, timed out) or silently (the client went away). */
  private finish(blocked: Blocked, reply: Reply | undefined, servedMs = 0): void {
    if (blocked.done) return;
    blocked.done = true;
    const client = blocked.client;
    client.blocked = false;
    const run = client.blockedRun;
    client.blockedRun = undefined;
    if (run !== undefined && reply !== undefined) recordRun(client, run.row, run.args, run.ms + servedMs, reply instanceof ErrorReply);
    clearTimeout(blocked.timer);
    blocked.forget();
    for (const key of blocked.keys) {
      const id = `${blocked.db}:${key}`;
      const queue = this.queues.get(id);
      if (queue === undefined) continue;
      const index = queue.indexOf(blocked);
      if (index !== -1) queue.splice(index, 1);
      if (queue.length === 0) this.queues.delete(id);
    }
    if (this.queues.size === 0) this.store.unlisten(this);
    // An error a blocked client ends with (XREADGROUP's NOGROUP) counts as the command's, as in Redis.
    if (reply instanceof ErrorReply) blocked.client.server.stats.noteError(reply.message);
    if (reply !== undefined) blocked.pending.resolve(reply);
  }
}

/** A blocking command's timeout in seconds (a double; 0 blocks forever), as ms; or Redis's error. */
export function parseTimeout(text: string): number | ErrorReply {
  const seconds = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(seconds)) return TIMEOUT_NOT_FLOAT;
  if (seconds < 0) return TIMEOUT_NEGATIVE;
  return Math.round(seconds * 1000);
}
