import { randomBytes } from 'node:crypto';
import { Etcd3, type Lease, type Watcher } from 'etcd3';
import { SLOTS } from '../shards/slot.js';
import { SlotMigrations } from './slot-migrations.js';
import { SlotPause } from './slot-pause.js';
import { EMPTY_LAYOUT, parseLayoutDocument, SlotLayout, type ClusterNodeAddress, type SlotLayoutDocument } from './slot-layout.js';

/**
 * This node's membership of a cluster whose configuration lives in etcd (no consensus of Eddy's
 * own): each node keeps `<prefix>nodes/<id>` alive on a lease of cluster-node-timeout, and the slot
 * layout is one document, `<prefix>layout`, changed only by a transaction that compares its
 * revision (compare-and-swap); every node watches the prefix and takes the newest it sees.
 */

export interface MembershipOptions {
  readonly endpoints: readonly string[];
  readonly prefix: string;
  readonly self: ClusterNodeAddress;
  readonly nodeTimeoutMs: number;
  /** The cluster this node's data directory belongs to, when it has joined one before. */
  readonly clusterId: string | undefined;
  readonly onInfo: (message: string, fields: Record<string, unknown>) => void;
  readonly onError: (message: string) => void;
}

/** A layout change lost its race this many times in a row: someone else keeps writing, say so. */
const CAS_ATTEMPTS = 16;

export class ClusterMembership {
  layout = new SlotLayout(EMPTY_LAYOUT);
  /** Every node seen registered, by id, this one included: its address stays known after its lease goes (MOVED needs it). */
  readonly nodes = new Map<string, ClusterNodeAddress>();
  /** The ids of the nodes whose lease is alive now. */
  alive = new Set<string>();
  /** When this node first saw each other node's current lease (ms): CLUSTER LINKS' create-time. */
  private readonly aliveSince = new Map<string, number>();
  /** Commands held for the slots CLUSTER MIGRATESLOTS is switching to another node. */
  readonly slotPause = new SlotPause();
  /** This node's CLUSTER MIGRATESLOTS, running and recently over. */
  readonly slotMigrations = new SlotMigrations();
  /** Called after every read of the configuration (a layout or a node's lease changed). */
  onChange: (() => void) | undefined = undefined;
  private layoutRevision = '0';
  /** When etcd last renewed this node's lease (ms): a node that cannot renew it stops taking writes (see fenced). */
  private renewedAt = Date.now();
  private lease: Lease | undefined;
  private watcher: Watcher | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private stopped = false;

  private constructor(
    private readonly options: MembershipOptions,
    private readonly etcd: Etcd3,
  ) {}

  /** Registers this node and reads the cluster's configuration; rejects when etcd cannot be reached. */
  static async join(options: MembershipOptions): Promise<ClusterMembership> {
    const etcd = new Etcd3({ hosts: [...options.endpoints], dialTimeout: options.nodeTimeoutMs });
    const membership = new ClusterMembership(options, etcd);
    try {
      membership.clusterId = await membership.claimClusterId();
      if (options.clusterId !== undefined && options.clusterId !== membership.clusterId)
        throw new Error(
          `this node's data directory belongs to cluster ${options.clusterId}, but etcd holds cluster ${membership.clusterId} under ${options.prefix}: start it with an empty --dir to join this one`,
        );
      await membership.refuseTakenId();
      await membership.register();
      membership.watcher = await etcd.watch().prefix(options.prefix).create();
      membership.watcher.on('data', () => membership.reload());
      membership.watcher.on('error', (error: Error) => options.onError(`cluster watch: ${error.message}`));
      await membership.reload();
    } catch (error) {
      etcd.close();
      throw error;
    }
    return membership;
  }

  get self(): ClusterNodeAddress {
    return this.options.self;
  }

  /** The id of the cluster kept under this prefix: made by the first node that joins, kept in etcd. */
  clusterId = '';

  private async claimClusterId(): Promise<string> {
    const key = this.key('cluster-id');
    await this.etcd
      .if(key, 'Create', '==', 0)
      .then(this.etcd.put(key).value(randomBytes(20).toString('hex')))
      .commit();
    const id = await this.etcd.get(key).string();
    if (id === null) throw new Error('the cluster id in etcd vanished while this node joined');
    return id;
  }

  /**
   * Two processes with one node id (a copied data directory) would both claim its slots: a node
   * whose id is registered alive at another address is refused. The same address is this node's
   * own lease from before a restart.
   */
  private async refuseTakenId(): Promise<void> {
    const registered = await this.etcd.get(this.key(`nodes/${this.self.id}`)).string();
    if (registered === null) return;
    const other = JSON.parse(registered) as ClusterNodeAddress;
    if (other.host !== this.self.host || other.port !== this.self.port)
      throw new Error(
        `cluster node id ${this.self.id} is in use by ${other.host}:${other.port} (a copied data directory?): start this node with an empty --dir, or wait cluster-node-timeout if that node is gone`,
      );
  }

  /**
   * The nodes this one knows (CLUSTER NODES, SHARDS, cluster_known_nodes): every member with an
   * address once this node has joined; itself alone before (see SlotLayoutDocument.members).
   */
  get known(): ClusterNodeAddress[] {
    const members = this.layout.members;
    if (!members.has(this.self.id)) return [this.self];
    return [...this.nodes.values()].filter((node) => members.has(node.id));
  }

  /** Since when `id`'s lease has been alive, as this node saw it (ms). */
  seenSince(id: string): number {
    return this.aliveSince.get(id) ?? 0;
  }

  /** A node registered in etcd with this address (CLUSTER MEET names nodes by address). */
  registeredAt(host: string, port: number): ClusterNodeAddress | undefined {
    for (const node of this.nodes.values()) if (node.host === host && node.port === port && this.alive.has(node.id)) return node;
    return undefined;
  }

  /** Redis's cluster_state ok: every slot served by a node that is alive (cluster-require-full-coverage); judged at each read. */
  healthy = false;

  /** Whether this node's lease is held: a node that lost it is not part of the cluster until it has a new one. */
  get registered(): boolean {
    return this.lease !== undefined && !this.lease.revoked();
  }

  /**
   * Fencing: the lease was not renewed for half of cluster-node-timeout. The lease expires in etcd
   * a full timeout after its last renewal, and only then may a replica take this node's slots:
   * a node that stops taking writes at half the timeout has stopped before another can start.
   */
  get fenced(): boolean {
    return !this.registered || Date.now() - this.renewedAt > this.options.nodeTimeoutMs / 2;
  }

  /** Election of a failed primary's successor: each replica says how far its log goes, and its replica-priority... */
  async offerRevision(rev: number, priority: number): Promise<void> {
    if (this.lease === undefined) return;
    await this.lease.put(this.key(`revisions/${this.self.id}`)).value(`${rev}:${priority}`);
  }

  /** A primary handing its slots over (CLUSTER FAILOVER): where its log ends, for the layout epoch of that handoff. */
  async announceFinalRevision(epoch: number, rev: number): Promise<void> {
    if (this.lease === undefined) return;
    await this.lease.put(this.key(`handoff/${this.self.id}`)).value(`${epoch}:${rev}`);
  }

  /** The revision `primary` announced for the handoff at `epoch`, once it has. */
  async finalRevisionOf(primary: string, epoch: number): Promise<number | undefined> {
    const value = await this.etcd.get(this.key(`handoff/${primary}`)).string();
    const [at, rev] = (value ?? '').split(':');
    return value !== null && Number(at) === epoch ? Number(rev) : undefined;
  }

  /** ...and the most up to date one (then the lowest priority number, then the lowest id) takes over. */
  async offeredRevisions(): Promise<Map<string, { rev: number; priority: number }>> {
    const response = await this.etcd.getAll().prefix(this.key('revisions/')).strings();
    return new Map(
      Object.entries(response).map(([key, value]) => {
        // An offer without a priority (a node of an earlier version) has Redis's default, 100.
        const [rev, priority = '100'] = value.split(':');
        return [key.slice(this.key('revisions/').length), { rev: Number(rev), priority: Number(priority) }];
      }),
    );
  }

  /**
   * Applies `change` to the newest layout and writes the result if nobody wrote in between
   * (etcd compares the layout key's mod revision); on a lost race, reads again and retries.
   */
  async changeLayout(change: (layout: SlotLayout) => SlotLayoutDocument): Promise<void> {
    const key = this.key('layout');
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = await this.etcd.get(key).exec();
      const kv = current.kvs[0];
      const layout = kv === undefined ? new SlotLayout(EMPTY_LAYOUT) : new SlotLayout(parseLayoutDocument(kv.value.toString()));
      const next = change(layout);
      // Nothing to change (another node already did it): no write, no new revision for every node to read.
      if (next === layout.document) return this.reload();
      const revision = kv === undefined ? 0 : kv.mod_revision;
      const written = await this.etcd
        .if(key, 'Mod', '==', revision)
        .then(this.etcd.put(key).value(JSON.stringify(next)))
        .commit();
      if (written.succeeded) {
        await this.reload();
        return;
      }
    }
    throw new Error('the cluster layout kept changing under this write: try again');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.watcher?.cancel().catch(() => undefined);
    await this.lease?.revoke().catch(() => undefined);
    this.etcd.close();
  }

  private key(name: string): string {
    return `${this.options.prefix}${name}`;
  }

  /** A lease of cluster-node-timeout (at least etcd's minimum, a second) holding this node's entry; a lost one is taken again. */
  private async register(): Promise<void> {
    const lease = this.etcd.lease(Math.max(1, Math.ceil(this.options.nodeTimeoutMs / 1000)));
    this.lease = lease;
    lease.on('lost', (error: Error) => {
      if (this.stopped) return;
      this.options.onError(`cluster lease lost (${error.message}): registering again`);
      setTimeout(() => void this.register().catch((again: Error) => this.options.onError(`cluster registration: ${again.message}`)), 1000).unref();
    });
    lease.on('keepaliveSucceeded', () => (this.renewedAt = Date.now()));
    await lease.put(this.key(`nodes/${this.options.self.id}`)).value(JSON.stringify(this.options.self));
    this.renewedAt = Date.now();
    this.options.onInfo('cluster node registered', { id: this.options.self.id, host: this.options.self.host, port: this.options.self.port });
  }

  /** Reads the configuration again now (after a write whose read back may have failed). */
  refresh(): Promise<void> {
    return this.reload();
  }

  /** Reads nodes and layout again; reloads run one after another, so the newest read wins. */
  private reload(): Promise<void> {
    this.reloading = this.reloading.then(() => this.readAll()).catch((error: Error) => this.options.onError(`cluster configuration: ${error.message}`));
    return this.reloading;
  }

  private async readAll(): Promise<void> {
    const response = await this.etcd.getAll().prefix(this.options.prefix).exec();
    const alive = new Set<string>();
    let layout: SlotLayoutDocument = EMPTY_LAYOUT;
    let revision = '0';
    for (const kv of response.kvs) {
      const name = kv.key.toString().slice(this.options.prefix.length);
      if (name === 'layout') {
        layout = parseLayoutDocument(kv.value.toString());
        revision = kv.mod_revision;
      } else if (name.startsWith('nodes/')) {
        const node = JSON.parse(kv.value.toString()) as ClusterNodeAddress;
        this.nodes.set(node.id, node);
        alive.add(node.id);
      }
    }
    for (const id of this.aliveSince.keys()) if (!alive.has(id)) this.aliveSince.delete(id);
    for (const id of alive) if (!this.aliveSince.has(id)) this.aliveSince.set(id, Date.now());
    this.alive = alive;
    if (revision !== this.layoutRevision) {
      this.layoutRevision = revision;
      this.layout = new SlotLayout(layout);
      this.options.onInfo('cluster layout changed', { epoch: layout.epoch, ranges: layout.ranges.length });
    }
    // A node that has not joined (or has left: CLUSTER RESET) serves nothing, as a fresh Redis node.
    this.healthy = this.layout.members.has(this.self.id) && this.layout.assigned() === SLOTS && this.layout.owningNodes().every((id) => alive.has(id));
    this.onChange?.();
  }
}
