import { ActiveExpiry } from '../shards/active-expiry.js';
import { constants } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseRetention, type RetentionPolicy } from '../log/retention.js';
import type { Checkpointer } from '../shards/checkpointer.js';
import type { Store } from '../shards/store.js';
import type { Eviction } from '../shards/eviction.js';
import { BlockingRegistry } from './blocking.js';
import { ClientRegistry } from './client-registry.js';
import type { Config } from '../config/config.js';
import { parseOutputLimits, type OutputLimits } from '../config/option-values.js';
import type { PubSubRegistry } from '../subscriptions/pubsub-registry.js';
import type { TailHub } from '../subscriptions/tail-hub.js';
import type { ScriptHost } from '../scripting/script-host.js';
import type { Replication } from '../replication/replication.js';
import { WatchRegistry } from './watch-registry.js';
import { ClientPause } from './client-pause.js';
import { MonitorFeed } from './monitor-feed.js';
import { ClientTracking } from '../subscriptions/client-tracking.js';
import type { Client } from './client.js';
import { CommandStats } from '../observability/command-stats.js';
import { Slowlog } from '../observability/slowlog.js';
import { LatencyMonitor } from '../observability/latency-monitor.js';
import type { CommandTracer } from '../observability/command-tracer.js';
import { TargetConnections } from '../replication/target-connections.js';
import { AclUsers } from '../security/acl-users.js';
import type { ClusterMembership } from '../cluster/cluster-membership.js';
import { allCommands, findCommand } from './command-registry.js';

/** Counters for INFO stats. */
export class Stats {
  /** How long the event loop was kept from running (ms): checkpoints and big commands show here. */
  readonly eventLoopDelay = monitorEventLoopDelay({ resolution: 10 });
  commandsProcessed = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  errorReplies = 0;
  /** Error replies by their code (the first word: ERR, WRONGTYPE, NOGROUP, ...), for INFO errorstats. */
  readonly errorCodes = new Map<string, number>();
  recoveredRecords = 0;
  recoveryMs = 0;
  /** Calls, time, rejections and failures per command (INFO commandstats and latencystats, LATENCY HISTOGRAM). */
  readonly commands = new CommandStats();

  /** CONFIG RESETSTAT: what Redis resets (not the slow log nor the latency monitor: they have RESET). */
  reset(): void {
    this.commands.reset();
    this.commandsProcessed = 0;
    this.keyspaceHits = 0;
    this.keyspaceMisses = 0;
    this.errorReplies = 0;
    this.errorCodes.clear();
    this.eventLoopDelay.reset();
  }

  /** Counts an error reply under its code; Redis keeps at most 128 codes, then counts only the total. */
  noteError(message: string): void {
    this.errorReplies++;
    const space = message.indexOf(' ');
    const code = space === -1 ? message : message.slice(0, space);
    const count = this.errorCodes.get(code);
    if (count !== undefined) this.errorCodes.set(code, count + 1);
    else if (this.errorCodes.size < 128) this.errorCodes.set(code, 1);
  }
}

/**
 * Strings are JS strings (one char per byte), so no bulk may exceed V8's longest string, a little
 * under Redis's default 512 MB: past it, Eddy answers "invalid bulk length" / "string exceeds
 * maximum allowed size" instead of failing.
 */
function boundedBulkLength(configured: number): number {
  return Math.min(configured, constants.MAX_STRING_LENGTH);
}

/** Hooks into the process that owns the server (the composition root fills them in). */
export interface ServerHooks {
  /** SHUTDOWN: flush the log and exit. */
  shutdown(): void;
  /** A handler threw: log it (the client gets an error reply). */
  internalError(error: unknown, command: string): void;
  /** Logs the failure of work a command started and did not wait for (BGSAVE). */
  background(work: Promise<unknown>, what: string): void;
  /** A subscriber was cut off at its output buffer limit. */
  slowSubscriber?(client: { id: number; name: string }): void;
  /** redis.log from a script (level: Redis's LOG_DEBUG 0 .. LOG_WARNING 3). */
  scriptLog?(level: number, message: string): void;
  /** DEBUG LOG's message, for the server log. */
  debugLog?(message: string): void;
  /** Retention dropped old history: how many segments, and the oldest revision the log still holds. */
  compacted?(segments: number, oldestRev: number): void;
}

/** What the composition root (src/server/compose.ts) builds for the session layer to reach. */
export interface ServerServices {
  /** Checkpoints (SAVE, BGSAVE, the `save` rules); LASTSAVE is its last success. */
  readonly checkpointer: Checkpointer;
  readonly pubsub: PubSubRegistry;
  /** Live log tails, grouped by filter. */
  readonly tailHub: TailHub;
  /** The Lua runtime (loaded at start), and the scripts known by sha (SCRIPT LOAD, EVAL). */
  readonly scripts: ScriptHost;
  readonly replication: Replication;
  /** maxmemory, eviction and the heap guard; the process's used memory (INFO, MEMORY). */
  readonly eviction: Eviction;
  /** A client as CLIENT LIST shows it (ACL LOG's client-info). */
  readonly describeClient: (client: Client) => string;
}

/** Everything a command can reach besides its client: the store, options, clients and counters. */
export class ServerContext {
  readonly clients = new ClientRegistry();
  readonly stats = new Stats();
  readonly startedAt = Date.now();
  /** INFO's run_id: a new random id at each start, as in Redis. */
  readonly runId = randomBytes(20).toString('hex');

  readonly blocking: BlockingRegistry;
  readonly checkpointer: Checkpointer;
  readonly watches: WatchRegistry;
  /** proto-max-bulk-len, kept as a number: the protocol parser reads it for every bulk. */
  maxBulkLength: number;
  readonly pubsub: PubSubRegistry;
  readonly tailHub: TailHub;
  readonly scripts: ScriptHost;
  readonly replication: Replication;
  readonly eviction: Eviction;
  readonly scriptSources = new Map<string, string>();
  /** client-output-buffer-limit's pubsub class, read at every message a subscriber is sent. */
  pubsubOutputLimits: OutputLimits;
  /** CLIENT PAUSE: the dispatcher holds commands while `pause.mode` is set. */
  readonly pause: ClientPause;
  /** MONITOR's clients, fed every command run. */
  readonly monitors = new MonitorFeed();
  /** Client-side caching (CLIENT TRACKING). */
  readonly tracking: ClientTracking;
  /** Active expiry, at `hz` with `active-expire-effort` (DEBUG SET-ACTIVE-EXPIRE turns it off). */
  readonly activeExpiry: ActiveExpiry;
  /** SLOWLOG, fed by execute() (slowlog-log-slower-than, slowlog-max-len). */
  readonly slowlog: Slowlog;
  /** ACL users (and requirepass, the default user's password) and the ACL LOG. */
  readonly acl = new AclUsers({ find: findCommand, all: allCommands });
  /** This node's cluster membership (cluster-enabled yes), set once it has joined; undefined standalone. */
  cluster: ClusterMembership | undefined = undefined;
  readonly describeClient: (client: Client) => string;
  /** MIGRATE's cached connections to other servers. */
  readonly targets = new TargetConnections();
  /** LATENCY's events (latency-monitor-threshold). */
  readonly latency: LatencyMonitor;
  /** Traces (--otel-endpoint); undefined while off, which is all a command then looks at. */
  tracing: CommandTracer | undefined = undefined;
  /** The client whose command a protocol is running now (Redis's current_client); undefined between commands. */
  currentClient: Client | undefined = undefined;

  constructor(
    readonly store: Store,
    readonly config: Config,
    readonly hooks: ServerHooks,
    services: ServerServices,
    readonly tcpPort: number,
    readonly configFile = '',
  ) {
    this.maxBulkLength = boundedBulkLength(config.int('proto-max-bulk-len'));
    config.onChange('proto-max-bulk-len', (value) => (this.maxBulkLength = boundedBulkLength(Number(value))));
    this.pubsubOutputLimits = pubsubLimitsOf(config.get('client-output-buffer-limit'));
    config.onChange('client-output-buffer-limit', (value) => (this.pubsubOutputLimits = pubsubLimitsOf(value)));
    this.activeExpiry = new ActiveExpiry(store, { hz: config.int('hz'), effort: config.int('active-expire-effort') });
    config.onChange('hz', (value) => {
      this.activeExpiry.settings.hz = Number(value);
      this.activeExpiry.restart();
    });
    config.onChange('active-expire-effort', (value) => (this.activeExpiry.settings.effort = Number(value)));
    this.slowlog = new Slowlog(config.int('slowlog-log-slower-than'), config.int('slowlog-max-len'));
    config.onChange('slowlog-log-slower-than', (value) => (this.slowlog.slowerThanUsec = Number(value)));
    config.onChange('slowlog-max-len', (value) => {
      this.slowlog.maxLength = Number(value);
      this.slowlog.trim();
    });
    this.latency = new LatencyMonitor(config.int('latency-monitor-threshold'));
    config.onChange('latency-monitor-threshold', (value) => (this.latency.thresholdMs = Number(value)));
    this.stats.commands.tracksLatency = config.get('latency-tracking') === 'yes';
    config.onChange('latency-tracking', (value) => (this.stats.commands.tracksLatency = value === 'yes'));
    this.blocking = new BlockingRegistry(store);
    this.watches = new WatchRegistry(store);
    this.pause = new ClientPause((paused) => (store.deletionsPaused = paused));
    this.tracking = new ClientTracking(
      store,
      (id) => this.clients.byId(id),
      () => this.currentClient,
    );
    this.checkpointer = services.checkpointer;
    this.pubsub = services.pubsub;
    this.tailHub = services.tailHub;
    this.scripts = services.scripts;
    this.replication = services.replication;
    this.eviction = services.eviction;
    this.describeClient = services.describeClient;
    this.acl.setRequirePass(config.get('requirepass'));
    config.onChange('requirepass', (value) => this.acl.setRequirePass(value));
    this.acl.logMaxLength = config.int('acllog-max-len');
    config.onChange('acllog-max-len', (value) => (this.acl.logMaxLength = Number(value)));
    const noteLatency = (event: string, ms: number) => this.latency.note(event, ms);
    this.activeExpiry.noteLatency = noteLatency;
    this.checkpointer.noteLatency = noteLatency;
    this.eviction.noteLatency = noteLatency;
    // LATENCY's log-commit and fsync take the log's own timing of each commit, the one metrics read.
    store.log.commitObservers.push({
      written: (_records, _bytes, seconds, synced, sinceAppendSeconds) => {
        this.latency.note('log-commit', sinceAppendSeconds * 1000);
        if (synced) this.latency.note('fsync', seconds * 1000);
      },
    });
  }

  /** CONFIG RESETSTAT: the counters Redis's resetServerStats zeroes, wherever they are kept. */
  resetStats(): void {
    this.stats.reset();
    this.store.expiredKeys = 0;
    this.store.evictedKeys = 0;
    this.clients.connectionsReceived = 0;
    this.clients.rejectedConnections = 0;
  }

  /** BGREWRITEAOF passes under way (INFO's aof_rewrite_in_progress). */
  rewritesInProgress = 0;

  /** BGREWRITEAOF: a checkpoint, then a retention pass (the log is Eddy's AOF). */
  async rewriteLog(): Promise<void> {
    this.rewritesInProgress++;
    try {
      await this.checkpointer.checkpoint();
      await this.compact();
    } finally {
      this.rewritesInProgress--;
    }
  }

  /** Drops the log history that `log-retention` no longer keeps; the number of segments dropped. */
  async compact(): Promise<number> {
    const dropped = await this.store.log.applyRetention(parseRetention(this.config.get('log-retention')) as RetentionPolicy);
    if (dropped > 0) this.hooks.compacted?.(dropped, this.store.log.oldestRev);
    return dropped;
  }
}

/** The pubsub class of client-output-buffer-limit (the option always holds every class). */
function pubsubLimitsOf(value: string): OutputLimits {
  return parseOutputLimits(value).get('pubsub') as OutputLimits;
}
