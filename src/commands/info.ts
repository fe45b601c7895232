import { arch, platform, release } from 'node:os';
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
    return [
      ['redis_version', REDIS_VERSION],
      ['eddy_version', EDDY_VERSION],
      ['redis_mode', 'standalone'],
      ['os', `${platform()} ${release()} ${arch()}`],
      ['arch_bits', 64],
      ['process_id', process.pid],
      ['run_id', s.runId],
      ['tcp_port', s.tcpPort],
      ['uptime_in_seconds', uptime],
      ['uptime_in_days', Math.floor(uptime / 86400)],
      ['executable', process.argv[1] ?? ''],
      ['config_file', s.configFile],
      ['shards', s.store.shards.length],
    ];
  },
  clients: (s) => [
    ['connected_clients', s.clients.size],
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
  stats: (s) => [
    ['total_connections_received', s.clients.connectionsReceived],
    ['total_commands_processed', s.stats.commandsProcessed],
    ['rejected_connections', s.clients.rejectedConnections],
    ['expired_keys', s.store.expiredKeys],
    ['evicted_keys', s.store.evictedKeys],
    ['keyspace_hits', s.stats.keyspaceHits],
    ['keyspace_misses', s.stats.keyspaceMisses],
    ...trackingTotals(s),
    ['total_error_replies', s.stats.errorReplies],
    // Eddy's own: the longest and the 99th-percentile event-loop delay since start or CONFIG RESETSTAT.
    ['eventloop_delay_max_ms', (s.stats.eventLoopDelay.max / 1e6).toFixed(1)],
    ['eventloop_delay_p99_ms', (s.stats.eventLoopDelay.percentile(99) / 1e6).toFixed(1)],
  ],
  replication: (s) => replicationInfo(s.replication, s.store.log, s.config),
  errorstats: (s) => [...s.stats.errorCodes].map(([code, count]): [string, string] => [`errorstat_${code}`, `count=${count}`]),
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
};

const DEFAULT_SECTIONS = Object.keys(SECTIONS);

function title(section: string): string {
  return section[0].toUpperCase() + section.slice(1);
}

/** INFO's text for the requested sections (default, all, everything, or names). */
export function infoText(server: ServerContext, requested: readonly string[]): string {
  const names = requested.map((name) => name.toLowerCase());
  const wanted =
    names.length === 0 || names.some((name) => name === 'default' || name === 'all' || name === 'everything')
      ? DEFAULT_SECTIONS
      : DEFAULT_SECTIONS.filter((name) => names.includes(name));
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
