import { tlsClientOptions } from '../security/tls.js';
import { unpack } from 'msgpackr';
import type { Config } from '../config/config.js';
import { messageOf, NOREPLICAS, READONLY } from '../replies/errors.js';
import { PendingReply } from '../replies/pending-reply.js';
import { ErrorReply, StatusReply } from '../replies/reply.js';
import type { CheckpointRow } from '../log/checkpoints.js';
import type { Checkpointer } from '../shards/checkpointer.js';
import type { Store } from '../shards/store.js';
import { FollowerLink, type LinkChange } from './follower-link.js';
import { Progress } from '../observability/progress.js';
import { sendCheckpoint, startPoint, streamLog } from './primary-stream.js';
import { decodeRecords } from './record-wire.js';
import { RedisPrimaryLink } from './redis-primary-link.js';
import type { PrimaryCommands } from './primary-commands.js';
import { redisPrimaryHandler } from './redis-primary-replication.js';
import { ReplicaRegistry, type ReplicaPeer } from './replica-registry.js';
import { loadReplicationIds, newReplicationId, NO_HISTORY, saveReplicationIds, type ReplicationIds } from './replication-ids.js';
import type { ReplicationTracer } from '../observability/command-tracer.js';

export interface ReplicationEvents {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** A follower loading its primary's checkpoint: each shard's revision, and the newest of them. */
interface CheckpointLoad {
  revs: number[];
  upTo: number;
  /** The newest revision seen in the stream (records the checkpoint already holds included). */
  seen: number;
  rowsDone: boolean;
  /** Rows loaded so far, told every progress-log-interval (`sync-progress`). */
  rows: number;
  progress: Progress;
}

/**
 * This node's place in replication: a primary that streams its log to followers, or a follower
 * whose log and projections are its primary's, applied through the same code as local writes.
 */
export class Replication {
  readonly replicas = new ReplicaRegistry();
  /** The link to this node's primary: an Eddy one, or a redis-server (told apart by its answer to REPLSYNC). */
  link: FollowerLink | RedisPrimaryLink | undefined;
  /** What a redis-server primary's stream runs as; the composition root gives it (it needs a session). */
  primaryCommands: PrimaryCommands | undefined;
  /** The port this node serves clients on, which it announces to its primary. */
  listeningPort = 0;
  private loading: CheckpointLoad | undefined;
  /** The primary's history name, taken once a checkpoint from it has loaded. */
  private pendingReplid = '';
  /** The primary's shard count: its records name its shards, placed here by this node's own. */
  private primaryShards = 0;

  /** Traces (--otel-endpoint); undefined while off. */
  tracer: ReplicationTracer | undefined = undefined;

  /** min-replicas-to-write, kept as a number: every write looks at it. */
  private minReplicasToWrite: number;

  private constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly checkpointer: Checkpointer,
    private readonly events: ReplicationEvents,
    public ids: ReplicationIds,
  ) {
    this.minReplicasToWrite = config.int('min-replicas-to-write');
    config.onChange('min-replicas-to-write', (value) => (this.minReplicasToWrite = Number(value)));
  }

  static async open(store: Store, config: Config, checkpointer: Checkpointer, events: ReplicationEvents): Promise<Replication> {
    return new Replication(store, config, checkpointer, events, await loadReplicationIds(store.log));
  }

  /** Called once the server listens: starts following when `replicaof` is set. */
  start(port: number): void {
    this.listeningPort = port;
    const replicaof = this.config.get('replicaof').trim();
    if (replicaof === '') return;
    const [host, primaryPort, ...rest] = replicaof.split(/\s+/);
    if (rest.length > 0 || !/^\d+$/.test(primaryPort ?? '')) throw new Error(`replicaof wants '<host> <port>', not '${replicaof}'`);
    this.follow(host, Number(primaryPort));
  }

  get isReplica(): boolean {
    return this.link !== undefined;
  }

  /** Why a write must be refused now (this node follows a primary; too few followers keep up), or undefined. */
  refuseWrite(): ErrorReply | undefined {
    if (this.link !== undefined) return READONLY;
    const wanted = this.minReplicasToWrite;
    if (wanted > 0 && this.replicas.countGood(this.config.int('min-replicas-max-lag')) < wanted) return NOREPLICAS;
    return undefined;
  }

  /** REPLICAOF host port: from now on this node holds its primary's log; its own followers ask again. */
  /**
   * Start over from the primary's copy when this follower diverged, whatever replica-diverged-resync
   * says: set in a cluster, where an old primary comes back as its successor's replica and what it
   * had not replicated was never acknowledged to a WAIT (Redis's old master resyncs in full too).
   */
  resyncWhenDiverged = false;

  follow(host: string, port: number): void {
    if (this.link !== undefined && this.link.host === host && this.link.port === port && !this.link.halted) return;
    this.link?.stop();
    this.loading = undefined;
    this.store.replica = true;
    this.replicas.disconnectAll();
    const link: FollowerLink = new FollowerLink(
      host,
      port,
      this.linkHandler(() => this.link === link),
    );
    this.link = link;
    link.start();
    this.events.info('following a primary', { event: 'replicaof', host, port });
  }

  /** The primary answered REPLSYNC as an unknown command: a redis-server, followed in its own protocol. */
  private followRedis(host: string, port: number): void {
    this.link?.stop();
    const commands = () => {
      if (this.primaryCommands === undefined) throw new Error("no client to run the primary's commands as");
      return this.primaryCommands;
    };
    const handler = redisPrimaryHandler({
      log: this.store.log,
      config: this.config,
      commands,
      listeningPort: () => this.listeningPort,
      info: (message, fields) => this.events.info(message, fields),
      warn: (message, fields) => this.events.warn(message, fields),
    });
    const link = new RedisPrimaryLink(host, port, handler);
    this.link = link;
    link.start();
    this.events.info('the primary is a redis-server: following it as its replica', { host, port });
  }

  /** REPLICAOF NO ONE: a primary again; the revision sequence goes on, under a new history name. */
  async promote(): Promise<void> {
    if (this.link === undefined) return;
    this.link.stop();
    this.link = undefined;
    this.loading = undefined;
    const log = this.store.log;
    // The last revision shared with the old history: local writes start after it.
    const shared = log.lastRev;
    this.store.replica = false;
    await log.committed(shared);
    this.ids = { replid: newReplicationId(), replid2: this.ids.replid, replid2Rev: shared };
    await saveReplicationIds(log, this.ids);
    // Followers of this node ask again, and learn the new name (their history is the old one).
    this.replicas.disconnectAll();
    this.events.info('promoted to primary', { event: 'promoted', revision: log.lastRev, replid: this.ids.replid });
  }

  /**
   * DEBUG CHANGE-REPL-ID: a new history name and no previous one, as Redis's changeReplicationId
   * and clearReplicationId2: followers asking to resume are told to start over (a full sync).
   */
  changeReplicationId(): void {
    this.ids = { replid: newReplicationId(), replid2: '0'.repeat(40), replid2Rev: -1 };
    void saveReplicationIds(this.store.log, this.ids);
  }

  stop(): void {
    this.link?.stop();
  }

  /** REPLSYNC from a follower: where it resumes, then the stream. */
  serve(peer: ReplicaPeer, replid: string, rev: number, ts: number): ErrorReply | PendingReply {
    if (this.loading !== undefined || this.ids.replid === NO_HISTORY) return new ErrorReply("LOADING Eddy is loading its primary's copy; try again");
    const log = this.store.log;
    const pending = new PendingReply();
    void (async () => {
      const start = await startPoint(this.ids, log, replid, rev, ts);
      if ('diverged' in start) {
        this.events.warn('a follower diverged', { event: 'follower-diverged', client: peer.remoteAddress, reason: start.diverged });
        return pending.resolve(new ErrorReply(start.diverged));
      }
      const replica = this.replicas.add(peer);
      const attached = { client: peer.remoteAddress, port: replica.listeningPort };
      peer.onClose(() => this.events.info('follower detached', { event: 'follower-detached', ...attached, acked: replica.ackRev }));
      const timeout = () => this.config.int('repl-timeout');
      if ('from' in start) {
        pending.resolve(new StatusReply(`CONTINUE ${this.ids.replid} ${start.from} ${log.shardCount}`));
        replica.state = 'online';
        this.events.info('follower resumes', { event: 'follower-attached', ...attached, from: start.from });
        await new Promise((resolve) => setImmediate(resolve));
        return streamLog(log, replica, start.from, timeout);
      }
      const revs = (await this.checkpointer.checkpoint()).map((manifest) => manifest.rev);
      pending.resolve(new StatusReply(`FULLSYNC ${this.ids.replid} ${revs.join(',')}`));
      replica.state = 'send_bulk';
      this.events.info('follower gets a checkpoint first', { event: 'follower-attached', ...attached, revisions: revs });
      await new Promise((resolve) => setImmediate(resolve));
      if (!(await sendCheckpoint(log, peer, revs))) return;
      replica.state = 'online';
      return streamLog(log, replica, Math.min(...revs) + 1, timeout);
    })().catch((error: unknown) => {
      this.events.warn('follower stream failed', { err: error });
      pending.resolve(new ErrorReply(`ERR ${messageOf(error)}`));
      peer.close();
    });
    return pending;
  }

  /** Whether a full checkpoint is still loading (INFO's master_sync_in_progress). */
  get syncing(): boolean {
    return this.loading !== undefined;
  }

  /** What a link calls; `current` is false once the link was replaced or stopped, and it must change nothing. */
  private linkHandler(current: () => boolean) {
    const log = this.store.log;
    return {
      resumePoint: async () => {
        // Everything applied is written first: the primary resumes after the last record held.
        await log.committed(log.lastRev);
        const rev = log.lastRev;
        const ts = (await log.recordAt(rev))?.ts ?? 0;
        return { replid: this.ids.replid, rev: this.ids.replid === NO_HISTORY ? 0 : rev, ts };
      },
      started: (replid: string, start: { from: number; shards: number } | { checkpointRevs: number[] }) => (current() ? this.started(replid, start, current) : Promise.resolve()),
      message: (kind: string, parts: Buffer[]) => (current() ? this.streamMessage(kind, parts, current) : undefined),
      diverged: async (message: string) => {
        if (this.config.get('replica-diverged-resync') !== 'yes' && !this.resyncWhenDiverged) {
          this.events.warn(
            "this follower diverged from its primary: it stops replicating (set replica-diverged-resync yes, or REPLICAOF again after fixing it, to start over from the primary's copy)",
            { reason: message },
          );
          return false;
        }
        // Start over: the next handshake says it has no history, and the primary's copy replaces this one.
        this.ids = { ...this.ids, replid: NO_HISTORY };
        await saveReplicationIds(log, this.ids);
        return true;
      },
      ackRev: () => log.committedRev,
      listeningPort: () => this.listeningPort,
      masteruser: () => this.config.get('masteruser'),
      masterauth: () => this.config.get('masterauth'),
      tls: () => (this.config.get('tls-replication') === 'yes' ? tlsClientOptions((name) => this.config.get(name)) : undefined),
      timeoutSeconds: () => this.config.int('repl-timeout'),
      onError: (message: string) => this.events.warn('replication link', { reason: message }),
      changed: (change: LinkChange) => {
        if (current()) this.linkChanged(change);
      },
      notEddy: () => {
        const link = this.link;
        if (current() && link !== undefined) this.followRedis(link.host, link.port);
      },
    };
  }

  /** The follower link's course as log lines: `link-connecting`, `link-connected`, `sync-start`, `link-down`. */
  private linkChanged(change: LinkChange): void {
    const primary = { host: this.link?.host, port: this.link?.port };
    if (change.kind === 'connecting') this.events.info('connecting to the primary', { event: 'link-connecting', ...primary });
    else if (change.kind === 'connected') this.events.info('streaming from the primary', { event: 'link-connected', ...primary, from: change.from });
    else if (change.kind === 'sync-start') this.events.info("receiving the primary's checkpoint", { event: 'sync-start', ...primary, revisions: change.revisions });
    else this.events.warn('the link to the primary is down; retrying', { event: 'link-down', ...primary, reason: change.reason });
  }

  private async started(replid: string, start: { from: number; shards: number } | { checkpointRevs: number[] }, current: () => boolean): Promise<void> {
    const log = this.store.log;
    this.primaryShards = 'from' in start ? start.shards : start.checkpointRevs.length;
    if ('from' in start) {
      // From revision 1: the primary's whole history replaces whatever this node held.
      if (start.from === 1 && log.lastRev > 0) await this.emptyFor(0);
      if (current()) await this.adopt(replid);
      return;
    }
    const revs = start.checkpointRevs;
    // Until the copy is whole and checkpointed here, a restart must start over: no history yet.
    this.ids = { ...this.ids, replid: NO_HISTORY };
    await saveReplicationIds(log, this.ids);
    await this.emptyFor(Math.min(...revs));
    if (!current()) return;
    this.loading = { revs, upTo: Math.max(...revs), seen: Math.min(...revs), rowsDone: false, rows: 0, progress: new Progress(0, this.config.int('progress-log-interval')) };
    this.pendingReplid = replid;
  }

  private async emptyFor(rev: number): Promise<void> {
    // A checkpoint walking the old projection must not outlive it.
    await this.checkpointer.settled();
    this.replicas.disconnectAll();
    this.store.clearAll();
    await this.store.log.replica.reset(rev, ['repl']);
  }

  private async adopt(replid: string): Promise<void> {
    if (this.ids.replid === replid) return;
    this.ids = { ...this.ids, replid };
    await saveReplicationIds(this.store.log, this.ids);
    this.replicas.disconnectAll();
  }

  private streamMessage(kind: string, parts: Buffer[], current: () => boolean): void | Promise<void> {
    if (kind === 'log') return this.applyRecords(decodeRecords(parts[0]), current);
    if (kind === 'rows') {
      const rows = unpack(parts[1]) as CheckpointRow[];
      this.loadingProgress(rows.length);
      return this.store.loadRows(rows);
    }
    if (kind === 'rows-end') {
      const loading = this.loading;
      if (loading !== undefined) {
        loading.rowsDone = true;
        if (loading.seen >= loading.upTo) return this.finishLoading(current);
      }
      return;
    }
    if (kind === 'ping') return;
    throw new Error(`unknown message '${kind}' from the primary`);
  }

  private applyRecords(records: ReturnType<typeof decodeRecords>, current: () => boolean): void | Promise<void> {
    const loading = this.loading;
    let applied = records;
    if (loading !== undefined) {
      // The checkpoint already holds a shard's records up to its revision.
      applied = records.filter((record) => record.rev > loading.revs[record.shard]);
      loading.seen = Math.max(loading.seen, records.at(-1)?.rev ?? 0);
    }
    if (applied.length > 0) {
      if (this.tracer === undefined) this.store.applyReplicated(applied, this.primaryShards);
      else this.tracer.applyBatch(applied, this.link, () => this.store.applyReplicated(applied, this.primaryShards));
    }
    if (loading !== undefined) this.store.log.replica.advanceTo(loading.seen);
    if (applied.length > 0 || loading !== undefined) void this.store.log.committed(this.store.log.lastRev).then(() => this.link?.ack());
    if (loading !== undefined && loading.rowsDone && loading.seen >= loading.upTo) return this.finishLoading(current);
  }

  /** A long full sync, told as it goes: the checkpoint's rows loaded so far and their rate. */
  private loadingProgress(rows: number): void {
    const loading = this.loading;
    if (loading === undefined) return;
    loading.rows += rows;
    if (!loading.progress.advance(loading.rows)) return;
    const figures = loading.progress.figures();
    this.events.info("loading the primary's checkpoint", { event: 'sync-progress', rows: loading.rows, rowsPerSecond: figures.perSecond, seconds: figures.seconds });
  }

  /** The primary's copy is whole here: checkpoint it, then take the primary's history name. */
  private async finishLoading(current: () => boolean): Promise<void> {
    const rows = this.loading?.rows ?? 0;
    this.loading = undefined;
    if (this.link !== undefined) this.link.state = 'connected';
    // A checkpoint already under way may have started before the copy was whole: a new one holds it.
    await this.checkpointer.settled();
    await this.checkpointer.checkpoint();
    if (!current()) return;
    await this.adopt(this.pendingReplid);
    this.events.info("loaded the primary's checkpoint", { event: 'sync-done', revision: this.store.log.lastRev, rows });
  }
}
