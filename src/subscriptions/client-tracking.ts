import { PushReply, type Reply } from '../replies/reply.js';
import type { Shard } from '../shards/shard.js';
import type { ChangeListener, Store } from '../shards/store.js';

/** The channel a RESP2 connection hears invalidations on when another connection redirects to it. */
export const INVALIDATE_CHANNEL = '__redis__:invalidate';

/** CLIENT TRACKING's options. */
export interface TrackingOptions {
  /** The id of the client invalidations go to (0: the tracking client itself). */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** BCAST's prefixes ('' stands for every key). */
  prefixes: string[];
}

/** A client's tracking state: its options, and what CLIENT CACHING said for its next command. */
export interface TrackingState extends TrackingOptions {
  /** CLIENT CACHING yes (OPTIN) or no (OPTOUT) was given for the next command. */
  caching: boolean;
  /** The client it redirected to went away (CLIENT TRACKINGINFO's broken_redirect). */
  brokenRedirect: boolean;
  /** Stops listening for the client's disconnection. */
  forget: () => void;
}

/** What tracking needs of a client session. */
export interface TrackedClient {
  readonly id: number;
  readonly resp: 2 | 3;
  tracking: TrackingState | undefined;
  /** In pub/sub mode (Redis's CLIENT_PUBSUB). */
  readonly subscribed: boolean;
  deliver(message: PushReply): void;
  deliverAfterReply(message: PushReply): void;
  onDisconnect(cleanup: () => void): () => void;
}

/** Keys changed in this event-loop turn under one BCAST prefix, with who changed each, and who listens. */
interface Broadcast {
  readonly clients: Set<TrackedClient>;
  readonly keys: Map<string, TrackedClient | undefined>;
}

/**
 * Client-side caching (Redis's tracking.c). In the default mode, the keys a tracking client read
 * are remembered with its id; in BCAST mode, the prefixes it asked for. Invalidations come from the
 * store's changes, whoever made them (a client, a script, expiry, eviction, the primary's records on
 * a follower), and go out as RESP3 `invalidate` pushes, or as `__redis__:invalidate` messages to a
 * RESP2 connection in pub/sub mode that another redirects to. Keys are remembered without their
 * database, as Redis does. It listens to the store only while a client tracks.
 */
export class ClientTracking implements ChangeListener {
  /** key -> ids of the clients that may hold it in their cache. */
  private readonly table = new Map<string, Set<number>>();
  private readonly broadcasts = new Map<string, Broadcast>();
  private readonly tracking = new Set<TrackedClient>();
  private broadcastScheduled = false;
  /**
   * One FLUSHALL is heard once per shard and database: a single null invalidation stands for all of
   * them, until something is cached again or another turn of the event loop comes.
   */
  private flushAnnounced = false;

  constructor(
    private readonly store: Store,
    private readonly clientById: (id: number) => TrackedClient | undefined,
    /** The client whose command runs now (Redis's current_client): NOLOOP and the order of its own invalidations. */
    private readonly currentClient: () => TrackedClient | undefined,
  ) {}

  /** Some client tracks: commands then tell the table what they read. */
  get active(): boolean {
    return this.tracking.size > 0;
  }

  get clientCount(): number {
    return this.tracking.size;
  }

  /** INFO's tracking_total_keys, tracking_total_items, tracking_total_prefixes. */
  get totals(): { keys: number; items: number; prefixes: number } {
    let items = 0;
    for (const ids of this.table.values()) items += ids.size;
    return { keys: this.table.size, items, prefixes: this.broadcasts.size };
  }

  /** CLIENT TRACKING ON (options already checked): replaces the options, adds BCAST prefixes. */
  enable(client: TrackedClient, options: TrackingOptions): void {
    const state = client.tracking;
    const prefixes = options.bcast && options.prefixes.length === 0 ? [''] : options.prefixes;
    if (state === undefined) {
      client.tracking = { ...options, prefixes: [], caching: false, brokenRedirect: false, forget: client.onDisconnect(() => this.disable(client)) };
      if (this.tracking.size === 0) this.store.listen(this);
      this.tracking.add(client);
    } else Object.assign(state, { redirect: options.redirect, bcast: options.bcast, optin: options.optin, optout: options.optout, noloop: options.noloop, brokenRedirect: false });
    const enabled = client.tracking as TrackingState;
    for (const prefix of prefixes) {
      if (enabled.prefixes.includes(prefix)) continue;
      enabled.prefixes.push(prefix);
      let broadcast = this.broadcasts.get(prefix);
      if (broadcast === undefined) this.broadcasts.set(prefix, (broadcast = { clients: new Set(), keys: new Map() }));
      broadcast.clients.add(client);
    }
    this.flushAnnounced = false;
  }

  /** CLIENT TRACKING OFF, RESET or a disconnection. Its ids stay in the table, skipped and dropped lazily, as in Redis. */
  disable(client: TrackedClient): void {
    const state = client.tracking;
    if (state === undefined) return;
    for (const prefix of state.prefixes) {
      const broadcast = this.broadcasts.get(prefix);
      broadcast?.clients.delete(client);
      if (broadcast?.clients.size === 0) this.broadcasts.delete(prefix);
    }
    state.forget();
    client.tracking = undefined;
    this.tracking.delete(client);
    if (this.tracking.size === 0) this.store.unlisten(this);
  }

  /** A read-only command of `client` (or of a script it runs) named these keys. */
  remember(client: TrackedClient, keys: readonly string[]): void {
    const state = client.tracking;
    if (state === undefined || state.bcast) return;
    // OPTIN caches only after CLIENT CACHING yes, OPTOUT all but after CLIENT CACHING no.
    if ((state.optin && !state.caching) || (state.optout && state.caching)) return;
    for (const key of keys) {
      const ids = this.table.get(key);
      if (ids === undefined) this.table.set(key, new Set([client.id]));
      else ids.add(client.id);
    }
    if (keys.length > 0) this.flushAnnounced = false;
  }

  keyChanged(_db: number, key: string): void {
    const writer = this.currentClient();
    if (this.broadcasts.size > 0) this.rememberForBroadcast(key, writer);
    const ids = this.table.get(key);
    if (ids === undefined) return;
    this.table.delete(key);
    for (const id of ids) {
      const target = this.clientById(id);
      // A client that turned tracking off, or on again in BCAST mode, no longer hears of what it read.
      if (target?.tracking === undefined || target.tracking.bcast) continue;
      if (target.tracking.noloop && target === writer) continue;
      this.send(target, [key], target === writer);
    }
  }

  /** FLUSHDB and FLUSHALL invalidate everything (a null key list); SWAPDB invalidates nothing, as in Redis. */
  dbChanged(_shard: Shard, db: number, replacement: number): void {
    if (replacement !== db || this.flushAnnounced) return;
    this.flushAnnounced = true;
    queueMicrotask(() => (this.flushAnnounced = false));
    const writer = this.currentClient();
    for (const client of this.tracking) this.send(client, null, client === writer);
    this.table.clear();
  }

  private rememberForBroadcast(key: string, writer: TrackedClient | undefined): void {
    for (const [prefix, broadcast] of this.broadcasts) {
      if (!key.startsWith(prefix)) continue;
      broadcast.keys.set(key, writer);
      if (!this.broadcastScheduled) {
        this.broadcastScheduled = true;
        setImmediate(() => this.broadcast());
      }
    }
  }

  /** BCAST: once per event-loop turn, each prefix's changed keys (in key order) to its clients; NOLOOP ones miss their own. */
  private broadcast(): void {
    this.broadcastScheduled = false;
    for (const broadcast of this.broadcasts.values()) {
      if (broadcast.keys.size === 0) continue;
      const keys = [...broadcast.keys.keys()].sort();
      for (const client of broadcast.clients) {
        if (client.tracking?.noloop !== true) this.send(client, keys, false);
        else {
          const others = keys.filter((key) => broadcast.keys.get(key) !== client);
          if (others.length > 0) this.send(client, others, false);
        }
      }
      broadcast.keys.clear();
    }
  }

  /**
   * Redis's sendTrackingMessage: to the client itself in RESP3, or to the one it redirects to (a push
   * in RESP3, a message on __redis__:invalidate to a RESP2 one in pub/sub mode); a redirect to a
   * client that has gone is reported to a RESP3 client, and nothing is sent.
   */
  private send(client: TrackedClient, keys: readonly string[] | null, afterReply: boolean): void {
    let target = client;
    const redirect = client.tracking?.redirect ?? 0;
    if (redirect !== 0) {
      const redirected = this.clientById(redirect);
      if (redirected === undefined) {
        if (client.tracking !== undefined) client.tracking.brokenRedirect = true;
        if (client.resp === 3) this.deliver(client, new PushReply(['tracking-redir-broken', redirect]), afterReply);
        return;
      }
      target = redirected;
      afterReply = target === this.currentClient();
    }
    const keyList: Reply = keys;
    if (target.resp === 3) this.deliver(target, new PushReply(['invalidate', keyList]), afterReply);
    else if (redirect !== 0 && target.subscribed) this.deliver(target, new PushReply(['message', INVALIDATE_CHANNEL, keyList]), afterReply);
  }

  private deliver(target: TrackedClient, message: PushReply, afterReply: boolean): void {
    if (afterReply) target.deliverAfterReply(message);
    else target.deliver(message);
  }
}
