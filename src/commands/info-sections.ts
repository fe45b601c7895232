import { arch, platform, release, totalmem } from 'node:os';
import { DATABASES } from '../projections/shard-state.js';
import { replicationInfo } from '../replication/replication-info.js';
import type { ServerContext } from '../session/server-context.js';
import { EDDY_VERSION, REDIS_VERSION } from '../config/version.js';

type Section = (server: ServerContext) => [string, string | number][];

function human(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes}B` : `${value.toFixed(2)}${units[unit]}`;
}

const SECTIONS: Record<string, Section> = {
  server: (s) => {
    const uptime = Math.floor((Date.now() - s.startedAt) / 1000);
    const now = Date.now();
    return [
      ['redis_version', REDIS_VERSION],
      ['redis_git_sha1', '00000000'],
      ['redis_git_dirty', 0],
      ['redis_mode', 'standalone'],
      ['os', `${platform()} ${release()} ${arch()}`],
      ['arch_bits', 64],
      ['multiplexing_api', MULTIPLEXING_API],
      ['process_id', process.pid],
      ['process_supervised', 'no'],
      ['run_id', s.runId],
      ['tcp_port', s.tcpPort],
      ['server_time_usec', now * 1000],
      ['uptime_in_seconds', uptime],
      ['uptime_in_days', Math.floor(uptime / 86400)],
      ['hz', s.config.get('hz')],
      ['configured_hz', s.config.get('hz')],
      // Redis's LRU clock: seconds, in 24 bits.
      ['lru_clock', Math.floor(now / 1000) % 2 ** 24],
      ['executable', process.argv[1] ?? ''],
      ['config_file', s.configFile],
      ['io_threads_active', 0],
      // Eddy's own.
      ['eddy_version', EDDY_VERSION],
      ['node_version', process.versions.node],
      ['shards', s.store.shards.length],
    ];
  },
  clients: (s) => [
    ['connected_clients', s.clients.size],
    ['cluster_connections', 0],
    ['maxclients', s.config.get('maxclients')],
    ['blocked_clients', s.blocking.blockedCount],
    ['tracking_clients', s.tracking.clientCount],
  ],
  memory: (s) => {
    // used_memory as maxmemory counts it (src/shards/memory-gauge.ts): V8's heap past the young generation, plus external memory.
    const eviction = s.eviction;
    const gauge = eviction.gauge;
    const used = gauge.used(Date.now());
    const rss = process.memoryUsage.rss();
    return [
      ['used_memory', used],
      ['used_memory_human', human(used)],
      ['used_memory_rss', rss],
      ['used_memory_rss_human', human(rss)],
      ['used_memory_peak', gauge.peak],
      ['used_memory_peak_human', human(gauge.peak)],
      ['used_memory_startup', gauge.startup],
      ['total_system_memory', totalmem()],
      ['total_system_memory_human', human(totalmem())],
      ['number_of_cached_scripts', s.scriptSources.size],
      ['maxmemory', eviction.maxmemory],
      ['maxmemory_human', human(eviction.maxmemory)],
      ['maxmemory_policy', eviction.policy],
      ['mem_fragmentation_ratio', (rss / Math.max(1, used)).toFixed(2)],
      ['mem_allocator', 'v8'],
      // Eddy's own: V8's hard limit (--max-old-space-size plus the young generation), and where writes start being refused.
      ['heap_size_limit', gauge.heapLimit],
      ['heap_size_limit_human', human(gauge.heapLimit)],
      ['heap_oom_threshold', Math.round(eviction.heapCeiling)],
    ];
  },
  persistence: (s) => {
    const log = s.store.log;
    return [
      ['loading', 0],
      ['async_loading', 0],
      ['rdb_changes_since_last_save', log.lastRev - s.checkpointer.lastRev],
      ['rdb_bgsave_in_progress', s.checkpointer.inProgress ? 1 : 0],
      ['rdb_last_save_time', s.checkpointer.lastSaveSeconds],
      ['rdb_last_bgsave_status', s.checkpointer.lastStatusOk ? 'ok' : 'err'],
      ['rdb_last_bgsave_time_sec', Math.round(s.checkpointer.lastDurationMs / 1000)],
      ['aof_enabled', 1],
      ['aof_rewrite_in_progress', s.rewritesInProgress > 0 ? 1 : 0],
      ['aof_last_write_status', log.lastWriteOk ? 'ok' : 'err'],
    ];
  },
  stats: (s) => [
    ['total_connections_received', s.clients.connectionsReceived],
    ['total_commands_processed', s.stats.commandsProcessed],
    ['rejected_connections', s.clients.rejectedConnections],
    ['expired_keys', s.store.expiredKeys],
    ['evicted_keys', s.store.evictedKeys],
    ['keyspace_hits', s.stats.keyspaceHits],
    ['keyspace_misses', s.stats.keyspaceMisses],
    ['pubsub_channels', s.pubsub.channels.byName.size],
    ['pubsub_patterns', s.pubsub.patternCount],
    ['pubsubshard_channels', s.pubsub.shardChannels.byName.size],
    ['latest_fork_usec', 0],
    ['total_forks', 0],
    ['migrate_cached_sockets', s.targets.size],
    ...trackingTotals(s),
    ['total_error_replies', s.stats.errorReplies],
    // Eddy's own: the longest and the 99th-percentile event-loop delay since start or CONFIG RESETSTAT.
    ['eventloop_delay_max_ms', (s.stats.eventLoopDelay.max / 1e6).toFixed(1)],
    ['eventloop_delay_p99_ms', (s.stats.eventLoopDelay.percentile(99) / 1e6).toFixed(1)],
  ],
  replication: (s) => replicationInfo(s.replication, s.store.log, s.config),
  cpu: () => {
    // Node's figure covers every thread of the process: the main thread's own is not told apart.
    const { system, user } = process.cpuUsage();
    const seconds = (micros: number) => (micros / 1e6).toFixed(6);
    return [
      ['used_cpu_sys', seconds(system)],
      ['used_cpu_user', seconds(user)],
      ['used_cpu_sys_children', '0.000000'],
      ['used_cpu_user_children', '0.000000'],
      ['used_cpu_sys_main_thread', seconds(system)],
      ['used_cpu_user_main_thread', seconds(user)],
    ];
  },
  modules: () => [],
  commandstats: (s) =>
    [...s.stats.commands.all()]
      .filter((figures) => figures.calls + figures.rejectedCalls + figures.failedCalls > 0)
      .map((figures): [string, string] => {
        const usec = Math.round(figures.usec);
        const perCall = figures.calls === 0 ? 0 : usec / figures.calls;
        return [
          `cmdstat_${figures.name}`,
          `calls=${figures.calls},usec=${usec},usec_per_call=${perCall.toFixed(2)},rejected_calls=${figures.rejectedCalls},failed_calls=${figures.failedCalls}`,
        ];
      }),
  errorstats: (s) => [...s.stats.errorCodes].map(([code, count]): [string, string] => [`errorstat_${code}`, `count=${count}`]),
  latencystats: (s) => {
    const percentiles = s.config
      .get('latency-tracking-info-percentiles')
      .split(' ')
      .filter((text) => text !== '');
    return [...s.stats.commands.all()]
      .filter((figures) => figures.latency.count > 0)
      .map((figures): [string, string] => [
        `latency_percentiles_usec_${figures.name}`,
        percentiles.map((percent) => `p${percent}=${(figures.latency.percentile(Number(percent)) / 1000).toFixed(3)}`).join(','),
      ]);
  },
  cluster: (s) => [['cluster_enabled', s.cluster === undefined ? 0 : 1]],
  keyspace: (s) => {
    const lines: [string, string][] = [];
    for (let db = 0; db < DATABASES; db++) {
      let keys = 0;
      let expires = 0;
      for (const ks of s.store.keyspaces(db)) {
        keys += ks.size;
        expires += ks.expires.size;
      }
      if (keys > 0) lines.push([`db${db}`, `keys=${keys},expires=${expires},avg_ttl=0`]);
    }
    return lines;
  },
  // Eddy's own: the log, its durability and recovery.
  log: (s) => {
    const log = s.store.log;
    return [
      ['log_fsync', log.fsync],
      ['log_revision', log.lastRev],
      ['log_committed_revision', log.committedRev],
      ['log_bytes_written', log.bytesWritten],
      ['log_batches', log.batches],
      ['log_oldest_revision', log.oldestRev],
      // As of the last retention pass (every minute, and after each checkpoint).
      ['log_segments', log.segmentStats.segments],
      ['log_segment_bytes', log.segmentStats.bytes],
      ['log_checkpoint_revision', s.checkpointer.lastRev],
      ['recovery_records', s.stats.recoveredRecords],
      ['recovery_ms', Math.round(s.stats.recoveryMs)],
    ];
  },
};

/** Redis's order; `log` is Eddy's own. */
const ALL_SECTIONS = Object.keys(SECTIONS);
/** What INFO with no argument (or `default`) shows: all but commandstats and latencystats, as Redis. */
const DEFAULT_SECTIONS = ALL_SECTIONS.filter((name) => name !== 'commandstats' && name !== 'latencystats');

/** Redis's headers: `# Server`, `# CPU`, `# Commandstats`. */
function title(section: string): string {
  return section === 'cpu' ? 'CPU' : section[0].toUpperCase() + section.slice(1);
}

/** What Node's event loop (libuv) waits on, as Redis names its own. */
const MULTIPLEXING_API = platform() === 'linux' ? 'epoll' : platform() === 'win32' ? 'iocp' : 'kqueue';

/**
 * INFO's text for the requested sections, in Redis's order whatever the order asked: none or
 * `default` is the default set, `all` and `everything` every section, names add theirs (unknown
 * names are skipped, as in Redis).
 */
export function infoText(server: ServerContext, requested: readonly string[]): string {
  const names = new Set(requested.map((name) => name.toLowerCase()));
  const everything = names.has('all') || names.has('everything');
  const defaults = names.size === 0 || names.has('default');
  const wanted = ALL_SECTIONS.filter((name) => everything || names.has(name) || (defaults && DEFAULT_SECTIONS.includes(name)));
  return wanted
    .map(
      (name) =>
        `# ${title(name)}\r\n${SECTIONS[name](server)
          .map(([field, value]) => `${field}:${value}\r\n`)
          .join('')}`,
    )
    .join('\r\n');
}

/** INFO stats' client-side caching figures: keys in the tracking table, client entries under them, BCAST prefixes. */
function trackingTotals(s: ServerContext): [string, number][] {
  const { keys, items, prefixes } = s.tracking.totals;
  return [
    ['tracking_total_keys', keys],
    ['tracking_total_items', items],
    ['tracking_total_prefixes', prefixes],
  ];
}
