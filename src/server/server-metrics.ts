import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { platform, release, arch } from 'node:os';
import { collectDefaultMetrics, Histogram, Registry, type Metric } from 'prom-client';
import { DATABASES } from '../projections/shard-state.js';
import { replicaIp } from '../replication/replica-registry.js';
import type { ServerContext } from '../session/server-context.js';
import { REDIS_VERSION } from '../config/version.js';

type Labels = Record<string, string | number>;
interface Sample {
  value: number;
  labels?: Labels;
  metricName?: string;
}

/**
 * A metric whose samples are read at scrape time from what the server already counts (prom-client
 * calls get() per scrape): no cost between scrapes, nothing recorded twice.
 */
class ReadAtScrape {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'gauge' | 'counter' | 'histogram',
    private readonly samples: () => Sample[],
  ) {}

  get(): { name: string; help: string; type: string; values: Sample[]; aggregator: 'sum' } {
    return { name: this.name, help: this.help, type: this.type, values: this.samples(), aggregator: 'sum' };
  }

  reset(): void {
    // Its figures are the server's: CONFIG RESETSTAT resets them there.
  }
}

const one = (value: number): Sample[] => [{ value }];

/** Commands that run a script: their calls and time are the scripts' runs and time. */
const SCRIPT_COMMANDS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/**
 * The Prometheus registry of one server: redis_exporter's names and labels where a figure means
 * what the exporter's does (so Redis dashboards work), Eddy's own under `eddy_`, and prom-client's
 * process and Node.js metrics (GC pauses, event-loop lag, heap) prefixed `eddy_`.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private lastUtilization: EventLoopUtilization = performance.eventLoopUtilization();

  constructor(private readonly server: ServerContext) {
    collectDefaultMetrics({ register: this.registry, prefix: 'eddy_' });
    for (const metric of this.redisMetrics()) this.add(metric);
    for (const metric of this.eddyMetrics()) this.add(metric);
    this.watchLog();
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  private add(metric: ReadAtScrape): void {
    // prom-client's registry takes any object with get(); its type names its own classes only.
    this.registry.registerMetric(metric as unknown as Metric);
  }

  private redisMetrics(): ReadAtScrape[] {
    const s = this.server;
    const log = s.store.log;
    const commands = () => [...s.stats.commands.all()];
    const perCommand = (read: (figures: ReturnType<typeof commands>[number]) => number) => () =>
      commands().map((figures) => ({ value: read(figures), labels: { cmd: figures.name } }));
    const link = () => s.replication.link;
    const linkLabels = (): Labels => ({ master_host: link()?.host ?? '', master_port: link()?.port ?? 0 });
    const replicaLabels = (replica: ReturnType<typeof s.replication.replicas.all>[number]): Labels => ({
      slave_ip: replicaIp(replica),
      slave_port: replica.listeningPort,
      slave_state: replica.state,
    });
    return [
      new ReadAtScrape('redis_up', 'Whether the server answers (always 1 when it can be scraped)', 'gauge', () => one(1)),
      new ReadAtScrape('redis_instance_info', 'Information about the instance', 'gauge', () => [
        {
          value: 1,
          labels: {
            role: link() === undefined ? 'master' : 'slave',
            redis_version: REDIS_VERSION,
            redis_build_id: '',
            redis_mode: 'standalone',
            os: `${platform()} ${release()} ${arch()}`,
            maxmemory_policy: s.eviction.policy,
            tcp_port: s.tcpPort,
            run_id: s.runId,
            process_id: process.pid,
          },
        },
      ]),
      new ReadAtScrape('redis_uptime_in_seconds', 'Seconds since the server started', 'gauge', () => one(Math.floor((Date.now() - s.startedAt) / 1000))),
      new ReadAtScrape('redis_start_time_seconds', 'Start time since the Unix epoch, in seconds', 'gauge', () => one(Math.floor(s.startedAt / 1000))),
      new ReadAtScrape('redis_connected_clients', 'Clients connected', 'gauge', () => one(s.clients.size)),
      new ReadAtScrape('redis_blocked_clients', 'Clients blocked on a blocking command', 'gauge', () => one(s.blocking.blockedCount)),
      new ReadAtScrape('redis_tracking_clients', 'Clients with client-side caching on', 'gauge', () => one(s.tracking.clientCount)),
      new ReadAtScrape('redis_connections_received_total', 'Connections accepted', 'counter', () => one(s.clients.connectionsReceived)),
      new ReadAtScrape('redis_rejected_connections_total', 'Connections refused (maxclients)', 'counter', () => one(s.clients.rejectedConnections)),
      new ReadAtScrape('redis_commands_processed_total', 'Commands processed', 'counter', () => one(s.stats.commandsProcessed)),
      new ReadAtScrape(
        'redis_commands_total',
        'Calls per command',
        'counter',
        perCommand((figures) => figures.calls),
      ),
      new ReadAtScrape(
        'redis_commands_duration_seconds_total',
        'Time spent per command, in seconds',
        'counter',
        perCommand((figures) => figures.usec / 1e6),
      ),
      new ReadAtScrape(
        'redis_commands_rejected_calls_total',
        'Calls refused before running, per command',
        'counter',
        perCommand((figures) => figures.rejectedCalls),
      ),
      new ReadAtScrape(
        'redis_commands_failed_calls_total',
        'Calls that ran and answered an error, per command',
        'counter',
        perCommand((figures) => figures.failedCalls),
      ),
      new ReadAtScrape('redis_errors_total', 'Error replies by error code', 'counter', () => [...s.stats.errorCodes].map(([err, value]) => ({ value, labels: { err } }))),
      new ReadAtScrape('redis_keyspace_hits_total', 'Key lookups that found the key', 'counter', () => one(s.stats.keyspaceHits)),
      new ReadAtScrape('redis_keyspace_misses_total', 'Key lookups that did not', 'counter', () => one(s.stats.keyspaceMisses)),
      new ReadAtScrape('redis_expired_keys_total', 'Keys deleted on expiry', 'counter', () => one(s.store.expiredKeys)),
      new ReadAtScrape('redis_evicted_keys_total', 'Keys evicted under maxmemory', 'counter', () => one(s.store.evictedKeys)),
      new ReadAtScrape('redis_db_keys', 'Keys per database', 'gauge', () => this.perDatabase((keys) => keys.size)),
      new ReadAtScrape('redis_db_keys_expiring', 'Keys with a time to live, per database', 'gauge', () => this.perDatabase((keys) => keys.expires.size)),
      new ReadAtScrape('redis_memory_used_bytes', 'Memory used as maxmemory counts it', 'gauge', () => one(s.eviction.gauge.used(Date.now()))),
      new ReadAtScrape('redis_memory_used_rss_bytes', 'Resident set size of the process', 'gauge', () => one(process.memoryUsage.rss())),
      new ReadAtScrape('redis_memory_used_peak_bytes', 'Peak of redis_memory_used_bytes', 'gauge', () => one(s.eviction.gauge.peak)),
      new ReadAtScrape('redis_memory_max_bytes', 'maxmemory (0: no limit)', 'gauge', () => one(s.eviction.maxmemory)),
      new ReadAtScrape('redis_pubsub_channels', 'Channels with subscribers', 'gauge', () => one(s.pubsub.channels.byName.size)),
      new ReadAtScrape('redis_pubsub_patterns', 'Patterns with subscribers', 'gauge', () => one(s.pubsub.patternCount)),
      new ReadAtScrape('redis_rdb_last_save_timestamp_seconds', 'When the last checkpoint completed', 'gauge', () => one(s.checkpointer.lastSaveSeconds)),
      new ReadAtScrape('redis_rdb_changes_since_last_save', 'Revisions since the last checkpoint', 'gauge', () => one(log.lastRev - s.checkpointer.lastRev)),
      new ReadAtScrape('redis_rdb_bgsave_in_progress', 'Whether a checkpoint is being written', 'gauge', () => one(s.checkpointer.inProgress ? 1 : 0)),
      new ReadAtScrape('redis_rdb_last_bgsave_status', 'Whether the last checkpoint succeeded', 'gauge', () => one(s.checkpointer.lastStatusOk ? 1 : 0)),
      new ReadAtScrape('redis_aof_last_write_status', 'Whether the last log write succeeded', 'gauge', () => one(log.lastWriteOk ? 1 : 0)),
      new ReadAtScrape('redis_connected_slaves', 'Followers connected', 'gauge', () => one(s.replication.replicas.all().length)),
      new ReadAtScrape('redis_master_repl_offset', 'Replication offset: the committed revision', 'gauge', () => one(log.committedRev)),
      new ReadAtScrape('redis_connected_slave_offset_bytes', "A follower's acknowledged offset (a revision)", 'gauge', () =>
        s.replication.replicas.all().map((replica) => ({ value: replica.ackRev, labels: replicaLabels(replica) })),
      ),
      new ReadAtScrape('redis_connected_slave_lag_seconds', "Seconds since a follower's last acknowledgement", 'gauge', () =>
        s.replication.replicas.all().map((replica) => ({ value: (Date.now() - replica.ackAt) / 1000, labels: replicaLabels(replica) })),
      ),
      new ReadAtScrape('redis_master_link_up', "On a follower: whether its primary's link is up", 'gauge', () =>
        link() === undefined ? [] : [{ value: link()?.state === 'connected' ? 1 : 0, labels: linkLabels() }],
      ),
      new ReadAtScrape('redis_master_last_io_seconds_ago', 'On a follower: seconds since its primary last sent', 'gauge', () => {
        const lastIoAt = link()?.lastIoAt;
        return lastIoAt === undefined ? [] : [{ value: lastIoAt === 0 ? -1 : Math.floor((Date.now() - lastIoAt) / 1000), labels: linkLabels() }];
      }),
      new ReadAtScrape('redis_slave_repl_offset', "On a follower: the revision it has committed of its primary's", 'gauge', () =>
        link() === undefined ? [] : [{ value: log.committedRev, labels: linkLabels() }],
      ),
      new ReadAtScrape('redis_cpu_sys_seconds_total', 'System CPU time of the process', 'counter', () => one(process.cpuUsage().system / 1e6)),
      new ReadAtScrape('redis_cpu_user_seconds_total', 'User CPU time of the process', 'counter', () => one(process.cpuUsage().user / 1e6)),
    ];
  }

  private eddyMetrics(): ReadAtScrape[] {
    const s = this.server;
    const log = s.store.log;
    const scripts = () => [...s.stats.commands.all()].filter((figures) => SCRIPT_COMMANDS.has(figures.name));
    return [
      new ReadAtScrape('eddy_log_revision', 'Highest revision appended', 'gauge', () => one(log.lastRev)),
      new ReadAtScrape('eddy_log_committed_revision', 'Highest revision written to the log', 'gauge', () => one(log.committedRev)),
      new ReadAtScrape('eddy_log_oldest_revision', 'Oldest revision retention still holds', 'gauge', () => one(log.oldestRev)),
      new ReadAtScrape('eddy_log_records_appended_total', 'Records written to the log', 'counter', () => one(log.recordsWritten)),
      new ReadAtScrape('eddy_log_bytes_appended_total', 'Frame bytes written to the log', 'counter', () => one(log.bytesWritten)),
      new ReadAtScrape('eddy_log_commits_total', 'Group commits written', 'counter', () => one(log.batches)),
      new ReadAtScrape('eddy_log_segments', 'Segments held, as of the last retention pass', 'gauge', () => one(log.segmentStats.segments)),
      new ReadAtScrape('eddy_log_segment_bytes', 'Bytes of those segments', 'gauge', () => one(log.segmentStats.bytes)),
      new ReadAtScrape('eddy_checkpoint_revision', 'Revision of the last complete checkpoint', 'gauge', () => one(s.checkpointer.lastRev)),
      new ReadAtScrape('eddy_checkpoint_duration_seconds', 'How long the last checkpoint took', 'gauge', () => one(s.checkpointer.lastDurationMs / 1000)),
      new ReadAtScrape('eddy_checkpoint_bytes', 'Bytes of the last complete checkpoint', 'gauge', () => one(s.checkpointer.lastBytes)),
      new ReadAtScrape('eddy_checkpoint_keys', 'Keys in the last complete checkpoint', 'gauge', () => one(s.checkpointer.lastKeys)),
      new ReadAtScrape('eddy_command_duration_seconds', 'Run time per command (Redis latencystats), powers of two from 1.024 µs', 'histogram', () => this.commandHistograms()),
      new ReadAtScrape('eddy_tail_subscribers', 'Live log tails (TAIL, SSE, WebSocket, gRPC) by protocol', 'gauge', () => this.tails().counts),
      new ReadAtScrape('eddy_tail_lag_revisions', 'Committed revisions a tail has not been sent yet, by client', 'gauge', () => this.tails().lags),
      new ReadAtScrape('eddy_follower_lag_revisions', 'Committed revisions a follower has not acknowledged', 'gauge', () =>
        s.replication.replicas.all().map((replica) => ({
          value: Math.max(0, log.committedRev - replica.ackRev),
          labels: { follower: `${replicaIp(replica)}:${replica.listeningPort}` },
        })),
      ),
      new ReadAtScrape('eddy_follower_lag_seconds', "Seconds since a follower's last acknowledgement", 'gauge', () =>
        s.replication.replicas.all().map((replica) => ({ value: (Date.now() - replica.ackAt) / 1000, labels: { follower: `${replicaIp(replica)}:${replica.listeningPort}` } })),
      ),
      new ReadAtScrape('eddy_event_loop_utilization', 'Share of time the event loop was busy since the last scrape', 'gauge', () => {
        const now = performance.eventLoopUtilization();
        const since = performance.eventLoopUtilization(now, this.lastUtilization);
        this.lastUtilization = now;
        return one(since.utilization);
      }),
      new ReadAtScrape('eddy_event_loop_delay_max_seconds', 'Longest event-loop delay since start or CONFIG RESETSTAT', 'gauge', () => one(s.stats.eventLoopDelay.max / 1e9)),
      new ReadAtScrape('eddy_script_runs_total', 'Script runs (EVAL, EVALSHA, FCALL and their _RO forms)', 'counter', () =>
        one(scripts().reduce((sum, figures) => sum + figures.calls, 0)),
      ),
      new ReadAtScrape('eddy_script_duration_seconds_total', 'Time spent running scripts', 'counter', () => one(scripts().reduce((sum, figures) => sum + figures.usec, 0) / 1e6)),
    ];
  }

  /** Batch sizes and write times, observed once per group commit (see Log.commitObservers). */
  private watchLog(): void {
    const records = new Histogram({
      name: 'eddy_log_commit_records',
      help: 'Records per group commit',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384],
      registers: [this.registry],
    });
    const writes = new Histogram({
      name: 'eddy_log_write_duration_seconds',
      help: 'Time to write a group commit, by whether it was synced (fsync)',
      labelNames: ['synced'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [this.registry],
    });
    const fsyncs = new Histogram({
      name: 'eddy_log_fsync_duration_seconds',
      help: 'Time to write and fsync a group commit',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [this.registry],
    });
    this.server.store.log.commitObservers.push({
      written: (count, _bytes, seconds, synced) => {
        records.observe(count);
        writes.observe({ synced: synced ? 'yes' : 'no' }, seconds);
        if (synced) fsyncs.observe(seconds);
      },
    });
  }

  private perDatabase(count: (keys: { size: number; expires: { size: number } }) => number): Sample[] {
    const samples: Sample[] = [];
    for (let db = 0; db < DATABASES; db++) {
      let total = 0;
      let keys = 0;
      for (const keyspace of this.server.store.keyspaces(db)) {
        total += count(keyspace);
        keys += keyspace.size;
      }
      // As INFO keyspace (and so the exporter): a database with no keys is not listed.
      if (keys > 0) samples.push({ value: total, labels: { db: `db${db}` } });
    }
    return samples;
  }

  /** The per-command histograms, from the same counts INFO latencystats reads. */
  private commandHistograms(): Sample[] {
    const samples: Sample[] = [];
    for (const figures of this.server.stats.commands.all()) {
      const latency = figures.latency;
      if (latency.count === 0) continue;
      const cmd = figures.name;
      for (const [boundNs, cumulative] of latency.powerOfTwoBuckets())
        samples.push({ metricName: 'eddy_command_duration_seconds_bucket', value: cumulative, labels: { cmd, le: boundNs / 1e9 } });
      samples.push({ metricName: 'eddy_command_duration_seconds_bucket', value: latency.count, labels: { cmd, le: '+Inf' } });
      samples.push({ metricName: 'eddy_command_duration_seconds_sum', value: figures.usec / 1e6, labels: { cmd } });
      samples.push({ metricName: 'eddy_command_duration_seconds_count', value: latency.count, labels: { cmd } });
    }
    return samples;
  }

  /** Clients following the log, counted by protocol, and how far each is behind the committed revision. */
  private tails(): { counts: Sample[]; lags: Sample[] } {
    const byProtocol = new Map<string, number>([
      ['resp', 0],
      ['http', 0],
      ['ws', 0],
      ['grpc', 0],
    ]);
    const lags: Sample[] = [];
    const committed = this.server.store.log.committedRev;
    for (const client of this.server.clients.all()) {
      if (client.tail === undefined) continue;
      const protocol = client.transport.protocol ?? 'resp';
      byProtocol.set(protocol, (byProtocol.get(protocol) ?? 0) + 1);
      lags.push({ value: Math.max(0, committed + 1 - client.tail.nextRev), labels: { protocol, client: client.id } });
    }
    return { counts: [...byProtocol].map(([protocol, value]) => ({ value, labels: { protocol } })), lags };
  }
}
