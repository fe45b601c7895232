import { availableParallelism } from 'node:os';

/**
 * The server's options as data, one row per option: Eddy's own, then every parameter of Redis
 * 7.0's redis.conf with its type, range, default (as CONFIG GET on redis-server 7.0.15 shows it)
 * and alias. One table serves the command line, the config file and CONFIG GET/SET.
 */

/** What CONFIG SET may do with an option: Redis's MODIFIABLE, IMMUTABLE and PROTECTED configs. */
export type Access = 'mutable' | 'immutable' | 'protected';

/** How an option's value reads; `number` bounds are inclusive, as Redis's (C's integer types). */
export type Kind =
  | { type: 'bool' }
  | {
      type: 'number';
      /** integer: string2ll; memory: memtoull (`1gb`); memory-or-percent: also `10%`; octal: strtoll base 8. */
      form: 'integer' | 'memory' | 'memory-or-percent' | 'octal';
      min: bigint;
      max: bigint;
      /** Where Redis moves a value after setting it (hz is kept in 1..500). */
      clamp?: readonly [bigint, bigint];
    }
  | { type: 'enum'; values: readonly string[]; shownAs?: Readonly<Record<string, string>> }
  /** Several words of `values` at once; the first is the one meaning none. */
  | { type: 'flags'; values: readonly string[]; exclusive: readonly [string, string] }
  | { type: 'string' }
  | { type: 'save-rules' }
  | { type: 'output-limits' }
  | { type: 'keyspace-events' }
  | { type: 'oom-score-adj-values' }
  | { type: 'percentiles' }
  | { type: 'retention' };

export interface OptionSpec {
  readonly name: string;
  /** The other name Redis takes for it (CONFIG GET of a glob answers both). */
  readonly alias?: string;
  readonly kind: Kind;
  readonly default: string | (() => string);
  readonly access: Access;
  /** Found by CONFIG GET only when named exactly (Redis's HIDDEN_CONFIG). */
  readonly hidden?: boolean;
  /** Redis's further check of a value read (its words when refused). */
  readonly check?: (value: string) => string | undefined;
  /** One line of meaning, for `eddy --help` and eddy.conf. */
  readonly doc: string;
  /** How --help and eddy.conf show a default that depends on the machine. */
  readonly shownDefault?: string;
}

type Extra = Partial<Pick<OptionSpec, 'alias' | 'access' | 'hidden' | 'check' | 'doc' | 'shownDefault'>>;

const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const UINT_MAX = 2n ** 32n - 1n;
const LONG_MAX = 2n ** 63n - 1n;
const ULLONG_MAX = 2n ** 64n - 1n;
const IMMUTABLE: Extra = { access: 'immutable' };
/** The meaning of every option in ACCEPTED_ONLY (the others each have their own). */
export const ACCEPTED_DOC = "Redis's option: accepted, checked and reported by CONFIG GET, with no effect in Eddy.";

const option = (name: string, kind: Kind, value: OptionSpec['default'], extra?: Extra): OptionSpec => ({
  name,
  kind,
  default: value,
  access: 'mutable',
  doc: ACCEPTED_DOC,
  ...extra,
});
const bool = (name: string, value: 'yes' | 'no', extra?: Extra) => option(name, { type: 'bool' }, value, extra);
const integer = (name: string, value: string, min: bigint, max: bigint, extra?: Extra) => option(name, { type: 'number', form: 'integer', min, max }, value, extra);
const memory = (name: string, value: string, min: bigint, max: bigint, extra?: Extra) => option(name, { type: 'number', form: 'memory', min, max }, value, extra);
const oneOf = (name: string, value: string, values: readonly string[], extra?: Extra) => option(name, { type: 'enum', values }, value, extra);
const text = (name: string, value: string, extra?: Extra) => option(name, { type: 'string' }, value, extra);
const port = (name: string, extra?: Extra) => integer(name, '0', 0n, 65535n, extra);

const LOG_LEVELS = ['debug', 'verbose', 'notice', 'warning', 'nothing'] as const;
const PROTECTED_ACTION = ['no', 'yes', 'local'];
const SHUTDOWN_FLAGS: Kind = { type: 'flags', values: ['default', 'save', 'nosave', 'now', 'force'], exclusive: ['save', 'nosave'] };

/** Eddy's own options. */
const EDDY_OPTIONS: readonly OptionSpec[] = [
  // Eddy's own. The request protocols are off (-1) unless a port is given; 0 picks a free one, as for `port`.
  integer('http-port', '-1', -1n, 65535n, { ...IMMUTABLE, doc: 'Port of the HTTP/JSON protocol (and WebSocket at /ws); -1 is off, 0 picks a free port.' }),
  integer('grpc-port', '-1', -1n, 65535n, { ...IMMUTABLE, doc: 'Port of the gRPC protocol; -1 is off, 0 picks a free port.' }),
  integer('ws-port', '-1', -1n, 65535n, { ...IMMUTABLE, doc: 'Port of the WebSocket protocol on its own listener; -1 is off, 0 picks a free port.' }),
  bool('http-tls', 'no', { ...IMMUTABLE, doc: 'HTTP (and SSE, WebSocket at /ws) over TLS, with the tls-* certificates.' }),
  bool('grpc-tls', 'no', { ...IMMUTABLE, doc: 'gRPC over TLS, with the tls-* certificates.' }),
  bool('ws-tls', 'no', { ...IMMUTABLE, doc: 'The WebSocket listener (ws-port) over TLS, with the tls-* certificates.' }),
  integer('metrics-port', '0', 0n, 65535n, { ...IMMUTABLE, doc: "Prometheus metrics on a port of their own (GET /metrics); 0: only at the HTTP listener's /metrics." }),
  bool('metrics-auth', 'yes', { doc: 'Scrapes of /metrics need the password (as the HTTP API); no lets anyone on the network scrape.' }),
  integer('shards', String(availableParallelism()), 1n, 1024n, {
    ...IMMUTABLE,
    doc: 'Shards the keyspace is split into; a data directory keeps the count it was created with.',
    shownDefault: 'the number of CPUs',
  }),
  memory('script-memory-limit', '128mb', 0n, ULLONG_MAX, { ...IMMUTABLE, doc: "The Lua runtime's memory cap: past it a script fails with an out-of-memory error." }),
  option('log-retention', { type: 'retention' }, '24h', {
    doc: 'History the log keeps for tails and point-in-time recovery: a duration (30m, 24h, 7d) and/or a size per shard (10gb).',
  }),
  text('load-rdb', '', {
    access: 'immutable',
    doc: 'A Redis RDB file a new data directory is loaded from at start (as eddy-rdb import); a directory that holds a log keeps it.',
  }),
  text('cluster-etcd-endpoints', '', {
    access: 'immutable',
    doc: 'With cluster-enabled yes: the etcd endpoints (http://127.0.0.1:2379[,...]) that hold the cluster configuration.',
  }),
  text('cluster-etcd-prefix', '/eddy/cluster/', { access: 'immutable', doc: "The etcd key prefix of this cluster's configuration (one prefix per cluster)." }),
  integer('progress-log-interval', '5000', 1n, INT_MAX, {
    doc: 'Milliseconds between the progress lines of a long operation (recovery-progress, rdb-load-progress, sync-progress).',
  }),
  integer('log-segment-revisions', '65536', 16n, 2n ** 30n, { ...IMMUTABLE, doc: 'Revisions per log segment: the unit in which old history is dropped.' }),
  bool('replica-diverged-resync', 'no', {
    doc: "A follower whose history the primary does not have (it was ahead) starts over from the primary's copy instead of stopping with an error.",
  }),
  text('otel-endpoint', '', { access: 'immutable', check: otlpEndpoint, doc: 'OpenTelemetry traces: the OTLP/HTTP collector spans go to; empty is off.' }),
  text('otel-sample-ratio', '1', {
    check: sampleRatio,
    doc: "The share of commands traced (0..1); a command continuing an application's trace follows that trace's sampling.",
  }),
];

/** Redis's parameters that Eddy honours. Where Eddy differs from Redis it says so. */
const HONOURED: readonly OptionSpec[] = [
  integer('port', '6379', 0n, 65535n, { ...IMMUTABLE, doc: 'The RESP (Redis protocol) port; 0 picks a free one.' }), // Redis moves its listener on CONFIG SET
  text('bind', '127.0.0.1', { ...IMMUTABLE, doc: 'The one address every listener binds to.' }), // one address; Redis's default is "* -::*"
  text('dir', './data', { access: 'protected', doc: 'The data directory: the log, checkpoints and eddy.pid.' }),
  oneOf('appendfsync', 'everysec', ['everysec', 'always', 'no'], {
    doc: 'always: a reply waits until its records are synced; everysec: written before the reply, synced every second; no: replies do not wait for the write.',
  }),
  oneOf('appendonly', 'yes', ['yes'], { ...IMMUTABLE, doc: 'The log is always on: yes is the only value.' }), // the log is always on
  text('requirepass', '', { doc: 'The password AUTH takes; empty: no password.' }),
  oneOf('loglevel', 'notice', LOG_LEVELS, { doc: 'How much the server logs (JSON lines on stdout, or in logfile).' }), // `nothing` is Redis 7.2's
  text('logfile', '', { ...IMMUTABLE, doc: 'File the JSON log lines are appended to, reopened on SIGHUP (logrotate); empty: stdout.' }),
  integer('databases', '16', 16n, 16n, { ...IMMUTABLE, doc: 'Number of databases (SELECT 0..15); always 16.' }), // Redis takes 1 and up
  integer('maxclients', '10000', 1n, UINT_MAX, { doc: 'The most clients connected at once; more are refused.' }),
  memory('proto-max-bulk-len', '536870912', 1024n * 1024n, LONG_MAX, { doc: 'The longest single argument a request may carry.' }),
  option('client-output-buffer-limit', { type: 'output-limits' }, 'normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60', {
    doc: 'Per client class: hard limit, soft limit and soft seconds of unsent output before the client is closed.',
  }),
  option('notify-keyspace-events', { type: 'keyspace-events' }, '', { doc: 'The keyspace notification classes published, e.g. KEA; empty: none.' }),
  option('save', { type: 'save-rules' }, '3600 1 300 100 60 10000', { doc: 'Checkpoint after <seconds> if at least <changes> writes, as pairs; "" turns checkpoints off.' }),
  integer('busy-reply-threshold', '5000', 0n, LONG_MAX, { alias: 'lua-time-limit', doc: 'How long a script runs, in ms, before commands on its shards get -BUSY.' }),
  text('replicaof', '', { alias: 'slaveof', access: 'immutable', doc: '`<host> <port>` starts as a follower of that primary; empty: a primary.' }),
  bool('cluster-enabled', 'no', { ...IMMUTABLE, doc: 'Starts the node as part of a cluster kept in etcd (cluster-etcd-endpoints), speaking the Redis Cluster protocol.' }),
  text('cluster-announce-ip', '', { doc: 'The address a cluster node gives clients (-MOVED, CLUSTER SLOTS); empty: the first bind address.' }),
  port('cluster-announce-port', { doc: 'The port a cluster node gives clients; 0: its port.' }),
  integer('cluster-node-timeout', '15000', 0n, LONG_MAX, { doc: "A cluster node's lease in etcd, in ms (rounded up to seconds): a node silent this long leaves the cluster." }),
  text('masterauth', '', { doc: 'The password a follower gives its primary.' }),
  text('masteruser', '', { doc: 'The ACL user a follower authenticates as (AUTH masteruser masterauth); empty: the default user.' }),
  integer('min-replicas-to-write', '0', 0n, INT_MAX, {
    alias: 'min-slaves-to-write',
    doc: 'Writes are refused unless this many followers are connected with a lag within min-replicas-max-lag; 0: off.',
  }),
  integer('min-replicas-max-lag', '10', 0n, INT_MAX, { alias: 'min-slaves-max-lag', doc: 'The lag, in seconds, a follower may have and still count for min-replicas-to-write.' }),
  integer('repl-timeout', '60', 1n, INT_MAX, { doc: 'Seconds without a word from the other side before a replication link is dropped.' }),
  integer('replica-priority', '100', 0n, INT_MAX, { alias: 'slave-priority', doc: "A follower's priority for Sentinel's choice of a new primary; 0: never." }),
  // The compact encodings' thresholds (OBJECT ENCODING, and when a collection converts).
  integer('hash-max-listpack-entries', '512', 0n, LONG_MAX, { alias: 'hash-max-ziplist-entries', doc: 'A hash with more fields than this leaves the compact encoding.' }),
  memory('hash-max-listpack-value', '64', 0n, LONG_MAX, { alias: 'hash-max-ziplist-value', doc: 'A hash with a longer field or value than this leaves the compact encoding.' }),
  integer('set-max-intset-entries', '512', 0n, LONG_MAX, { doc: 'A set of integers with more members than this leaves the intset encoding.' }),
  integer('zset-max-listpack-entries', '128', 0n, LONG_MAX, { alias: 'zset-max-ziplist-entries', doc: 'A sorted set with more members than this leaves the compact encoding.' }),
  memory('zset-max-listpack-value', '64', 0n, LONG_MAX, { alias: 'zset-max-ziplist-value', doc: 'A sorted set with a longer member than this leaves the compact encoding.' }),
  memory('stream-node-max-bytes', '4096', 0n, LONG_MAX, { doc: 'The most bytes in one node of a stream.' }),
  integer('stream-node-max-entries', '100', 0n, LONG_MAX, { doc: 'The most entries in one node of a stream.' }),
  memory('hll-sparse-max-bytes', '3000', 0n, LONG_MAX, { doc: 'The longest a sparse HyperLogLog grows before it turns dense.' }),

  integer('active-expire-effort', '1', 1n, 10n, { doc: 'How hard the background expiry cycle works, 1..10.' }),
  oneOf('enable-debug-command', 'no', PROTECTED_ACTION, { ...IMMUTABLE, doc: 'Whether DEBUG is allowed: no, yes, or local (loopback clients only).' }),
  option('hz', { type: 'number', form: 'integer', min: 0n, max: INT_MAX, clamp: [1n, 500n] }, '10', { doc: 'Background tasks (expiry, timeouts) per second.' }),
  integer('lfu-decay-time', '1', 0n, INT_MAX, { doc: 'Minutes after which an LFU counter is halved.' }),
  integer('lfu-log-factor', '10', 0n, INT_MAX, { doc: 'How slowly an LFU counter grows.' }),
  memory('maxmemory', '0', 0n, ULLONG_MAX, { doc: 'The memory limit for the data; past it the maxmemory-policy applies; 0: no limit.' }),
  integer('maxmemory-eviction-tenacity', '10', 0n, 100n, { doc: 'How long one eviction round may run, 0..100.' }),
  oneOf('maxmemory-policy', 'noeviction', ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'], {
    doc: 'What happens to writes at maxmemory: evict keys by the policy, or refuse (noeviction).',
  }),
  integer('maxmemory-samples', '5', 1n, INT_MAX, { doc: 'Keys sampled for each eviction.' }),
  bool('replica-ignore-maxmemory', 'yes', { alias: 'slave-ignore-maxmemory', doc: 'A follower does not evict on its own (its primary does).' }),
  integer('shutdown-timeout', '10', 0n, INT_MAX, { doc: 'Seconds SHUTDOWN waits for followers to catch up.' }),
  integer('tcp-keepalive', '300', 0n, INT_MAX, { doc: 'Seconds between TCP keepalive probes on client connections; 0: off.' }),
  integer('timeout', '0', 0n, INT_MAX, { doc: 'Seconds an idle client stays connected; 0: for ever.' }),
  integer('slowlog-log-slower-than', '10000', -1n, LONG_MAX, { doc: 'Commands taking at least this many microseconds go in SLOWLOG; 0 logs every command, -1 none.' }),
  integer('slowlog-max-len', '128', 0n, LONG_MAX, { doc: 'The most entries SLOWLOG keeps (the oldest go first).' }),
  integer('latency-monitor-threshold', '0', 0n, LONG_MAX, {
    doc: 'Events (command, expire-cycle, eviction-cycle, checkpoint) taking at least this many ms are sampled for LATENCY; 0 is off.',
  }),
  bool('latency-tracking', 'yes', { doc: 'Per-command latency histograms (INFO latencystats, LATENCY HISTOGRAM).' }),
  option('latency-tracking-info-percentiles', { type: 'percentiles' }, '50 99 99.9', { doc: 'The percentiles INFO latencystats reports.' }),
  bool('protected-mode', 'yes', { doc: 'With no password for the default user, only 127.0.0.1 and ::1 may connect.' }),
  text('aclfile', '', { ...IMMUTABLE, doc: 'The ACL file ACL LOAD reads and ACL SAVE writes (user lines); empty: none.' }),
  integer('acllog-max-len', '128', 0n, LONG_MAX, { doc: 'The most entries ACL LOG keeps.' }),
  port('tls-port', { ...IMMUTABLE, doc: 'The RESP-over-TLS port; 0 is no TLS listener.' }),
  text('tls-cert-file', '', { doc: 'The server certificate (PEM) of every TLS listener.' }),
  text('tls-key-file', '', { doc: 'The private key (PEM) of tls-cert-file.' }),
  text('tls-key-file-pass', '', { doc: 'The passphrase of tls-key-file, when it is encrypted.' }),
  text('tls-client-cert-file', '', { doc: 'The certificate a follower presents to its primary; tls-cert-file when empty.' }),
  text('tls-client-key-file', '', { doc: 'The private key of tls-client-cert-file.' }),
  text('tls-client-key-file-pass', '', { doc: 'The passphrase of tls-client-key-file.' }),
  text('tls-ca-cert-file', '', { doc: 'The CA certificates clients (and a primary) are checked against.' }),
  text('tls-ca-cert-dir', '', { doc: 'A directory of CA certificates, as tls-ca-cert-file.' }),
  oneOf('tls-auth-clients', 'yes', ['no', 'yes', 'optional'], { doc: 'yes: clients must present a certificate of the CA; optional: checked when given; no: not asked for.' }),
  text('tls-protocols', '', { doc: 'The TLS versions allowed, e.g. "TLSv1.2 TLSv1.3"; empty: Node\'s defaults.' }),
  text('tls-ciphers', '', { doc: 'The TLS 1.2 cipher list (OpenSSL format); empty: the defaults.' }),
  text('tls-ciphersuites', '', { doc: 'The TLS 1.3 cipher suites; empty: the defaults.' }),
  bool('tls-prefer-server-ciphers', 'no', { doc: "The server's cipher order wins over the client's." }),
  bool('tls-session-caching', 'yes', { doc: 'TLS session resumption.' }),
  integer('tls-session-cache-timeout', '300', 0n, INT_MAX, { doc: 'Seconds a cached TLS session stays valid.' }),
  text('tls-dh-params-file', '', { doc: 'Diffie-Hellman parameters (PEM) for DHE ciphers.' }),
  bool('tls-replication', 'no', { doc: 'A follower connects to its primary over TLS.' }),
];

/**
 * Redis's parameters with no meaning in Eddy: accepted, checked, stored and reported, so that
 * config files and tools written for Redis work. README.md lists them (test/unit/config.test.ts
 * checks the list).
 */
const ACCEPTED_ONLY: readonly OptionSpec[] = [
  oneOf('acl-pubsub-default', 'resetchannels', ['allchannels', 'resetchannels']),
  integer('active-defrag-cycle-max', '25', 1n, 99n),
  integer('active-defrag-cycle-min', '1', 1n, 99n),
  memory('active-defrag-ignore-bytes', '104857600', 1n, LONG_MAX),
  integer('active-defrag-max-scan-fields', '1000', 1n, LONG_MAX),
  integer('active-defrag-threshold-lower', '10', 0n, 1000n),
  integer('active-defrag-threshold-upper', '100', 0n, 1000n),
  bool('activedefrag', 'no', { check: (value) => (value === 'yes' ? NO_DEFRAG : undefined) }),
  bool('activerehashing', 'yes'),
  bool('always-show-logo', 'no', IMMUTABLE),
  bool('aof-disable-auto-gc', 'no'),
  bool('aof-load-truncated', 'yes'),
  bool('aof-rewrite-incremental-fsync', 'yes'),
  bool('aof-timestamp-enabled', 'no'),
  bool('aof-use-rdb-preamble', 'yes'),
  text('aof_rewrite_cpulist', '', IMMUTABLE),
  text('appenddirname', 'appendonlydir', { access: 'immutable', check: baseName('appenddirname', 'dirname') }),
  text('appendfilename', 'appendonly.aof', { access: 'immutable', check: baseName('appendfilename', 'filename') }),
  memory('auto-aof-rewrite-min-size', '67108864', 0n, LONG_MAX),
  integer('auto-aof-rewrite-percentage', '100', 0n, INT_MAX),
  text('bgsave_cpulist', '', IMMUTABLE),
  text('bind-source-addr', ''),
  text('bio_cpulist', '', IMMUTABLE),
  memory('client-query-buffer-limit', '1073741824', 1024n * 1024n, LONG_MAX),
  bool('cluster-allow-pubsubshard-when-down', 'yes'),
  bool('cluster-allow-reads-when-down', 'no'),
  bool('cluster-allow-replica-migration', 'yes'),
  port('cluster-announce-bus-port'),
  text('cluster-announce-hostname', '', { check: announcedHostname }),

  port('cluster-announce-tls-port'),
  text('cluster-config-file', 'nodes.conf', IMMUTABLE),

  memory('cluster-link-sendbuf-limit', '0', 0n, ULLONG_MAX),
  integer('cluster-migration-barrier', '1', 0n, INT_MAX),

  port('cluster-port', IMMUTABLE),
  oneOf('cluster-preferred-endpoint-type', 'ip', ['ip', 'hostname', 'unknown-endpoint']),
  bool('cluster-replica-no-failover', 'no', { alias: 'cluster-slave-no-failover' }),
  integer('cluster-replica-validity-factor', '10', 0n, INT_MAX, { alias: 'cluster-slave-validity-factor' }),
  bool('cluster-require-full-coverage', 'yes'),
  bool('crash-log-enabled', 'yes'),
  bool('crash-memcheck-enabled', 'yes'),
  bool('daemonize', 'no', IMMUTABLE),
  text('dbfilename', 'dump.rdb', { access: 'protected', check: baseName('dbfilename', 'filename') }),
  bool('disable-thp', 'yes', IMMUTABLE),
  bool('dynamic-hz', 'yes'),
  oneOf('enable-module-command', 'no', PROTECTED_ACTION, IMMUTABLE),
  oneOf('enable-protected-configs', 'no', PROTECTED_ACTION, IMMUTABLE),
  text('ignore-warnings', ''),
  integer('io-threads', '1', 1n, 128n, IMMUTABLE),
  bool('io-threads-do-reads', 'no', IMMUTABLE),
  bool('jemalloc-bg-thread', 'yes'),
  integer('key-load-delay', '0', INT_MIN, INT_MAX, { hidden: true }),
  bool('lazyfree-lazy-eviction', 'no'),
  bool('lazyfree-lazy-expire', 'no'),
  bool('lazyfree-lazy-server-del', 'no'),
  bool('lazyfree-lazy-user-del', 'no'),
  bool('lazyfree-lazy-user-flush', 'no'),
  // Redis 7.0 keeps every list in a quicklist whatever these say (listpack lists came with 7.2).
  integer('list-compress-depth', '0', 0n, INT_MAX),
  integer('list-max-listpack-size', '-2', INT_MIN, INT_MAX, { alias: 'list-max-ziplist-size' }),
  integer('loading-process-events-interval-bytes', '2097152', 1024n, INT_MAX, { hidden: true }),
  option('maxmemory-clients', { type: 'number', form: 'memory-or-percent', min: -100n, max: LONG_MAX }, '0'),
  bool('no-appendfsync-on-rewrite', 'no'),
  option('oom-score-adj', { type: 'enum', values: ['no', 'yes', 'relative', 'absolute'], shownAs: { relative: 'yes' } }, 'no'),
  option('oom-score-adj-values', { type: 'oom-score-adj-values' }, '0 200 800'),
  text('pidfile', '', IMMUTABLE),
  text('proc-title-template', '{title} {listen-addr} {server-mode}', { check: procTitleTemplate }),
  oneOf('propagation-error-behavior', 'ignore', ['ignore', 'panic', 'panic-on-replicas']),
  integer('rdb-key-save-delay', '0', INT_MIN, INT_MAX, { hidden: true }),
  bool('rdb-del-sync-files', 'no'),
  bool('rdb-save-incremental-fsync', 'yes'),
  bool('rdbchecksum', 'yes', IMMUTABLE),
  bool('rdbcompression', 'yes'),
  // Redis keeps its backlog at least 16kb.
  option('repl-backlog-size', { type: 'number', form: 'memory', min: 1n, max: LONG_MAX, clamp: [16384n, LONG_MAX] }, '1048576'),
  integer('repl-backlog-ttl', '3600', 0n, LONG_MAX),
  bool('repl-disable-tcp-nodelay', 'no'),
  oneOf('repl-diskless-load', 'disabled', ['disabled', 'on-empty-db', 'swapdb']),
  bool('repl-diskless-sync', 'yes'),
  integer('repl-diskless-sync-delay', '5', 0n, INT_MAX),
  integer('repl-diskless-sync-max-replicas', '0', 0n, INT_MAX),
  integer('repl-ping-replica-period', '10', 1n, INT_MAX, { alias: 'repl-ping-slave-period' }),
  text('replica-announce-ip', '', { alias: 'slave-announce-ip' }),
  port('replica-announce-port', { alias: 'slave-announce-port' }),
  bool('replica-announced', 'yes'),
  bool('replica-ignore-disk-write-errors', 'no'),
  bool('replica-lazy-flush', 'no', { alias: 'slave-lazy-flush' }),
  bool('replica-read-only', 'yes', { alias: 'slave-read-only' }),
  bool('replica-serve-stale-data', 'yes', { alias: 'slave-serve-stale-data' }),
  oneOf('sanitize-dump-payload', 'no', ['no', 'yes', 'clients']),
  text('server_cpulist', '', IMMUTABLE),
  bool('set-proc-title', 'yes', IMMUTABLE),
  option('shutdown-on-sigint', SHUTDOWN_FLAGS, 'default'),
  option('shutdown-on-sigterm', SHUTDOWN_FLAGS, 'default'),
  integer('socket-mark-id', '0', 0n, UINT_MAX, IMMUTABLE),
  bool('stop-writes-on-bgsave-error', 'yes'),
  oneOf('supervised', 'no', ['upstart', 'systemd', 'auto', 'no'], IMMUTABLE),
  bool('syslog-enabled', 'no', IMMUTABLE),
  oneOf('syslog-facility', 'local0', ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], IMMUTABLE),
  text('syslog-ident', 'redis', IMMUTABLE),
  integer('tcp-backlog', '511', 0n, INT_MAX, IMMUTABLE),
  bool('tls-cluster', 'no', { check: (value) => (value === 'yes' ? NO_TLS : undefined) }),
  // 0: no TLS listener (Redis's meaning; `port 0` is Eddy's "any free port", as its tests use it).
  integer('tls-session-cache-size', '20480', 0n, INT_MAX),
  integer('tracking-table-max-keys', '1000000', 0n, LONG_MAX),
  text('unixsocket', '', IMMUTABLE),
  option('unixsocketperm', { type: 'number', form: 'octal', min: 0n, max: 0o777n }, '0', IMMUTABLE),
  bool('use-exit-on-panic', 'no', { hidden: true }),
  integer('watchdog-period', '0', 0n, INT_MAX, { hidden: true }),
];

export const OPTIONS: readonly OptionSpec[] = [...EDDY_OPTIONS, ...HONOURED, ...ACCEPTED_ONLY];

/** The names of the options that change nothing in Eddy. */
export const ACCEPTED_ONLY_NAMES: readonly string[] = ACCEPTED_ONLY.map((spec) => spec.name);

// What redis-server 7.0.15 answers where it cannot do what is asked, and Eddy cannot either.
const NO_DEFRAG =
  'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution';
const NO_TLS = 'Unable to update TLS configuration. Check server logs.';

/** Names a Redis config file may still carry, which Redis 7.0 reads and ignores. */
export const DEPRECATED_OPTIONS: ReadonlySet<string> = new Set(['list-max-ziplist-entries', 'list-max-ziplist-value', 'lua-replicate-commands']);

/** Redis's pathIsBaseName check for its file names. */
function baseName(name: string, what: string): (value: string) => string | undefined {
  return (value) => {
    if (value === '' && name !== 'dbfilename') return `${name} can't be empty`;
    return /[/\\]/.test(value) ? `${name} can't be a path, just a ${what}` : undefined;
  };
}

function otlpEndpoint(value: string): string | undefined {
  if (value === '') return undefined;
  return URL.canParse(value) && /^https?:$/.test(new URL(value).protocol) ? undefined : 'argument must be an http:// or https:// URL';
}

function sampleRatio(value: string): string | undefined {
  const ratio = Number(value);
  return value.trim() !== '' && ratio >= 0 && ratio <= 1 ? undefined : 'argument must be a number from 0 to 1';
}

function announcedHostname(value: string): string | undefined {
  if (value.length >= 256) return 'Hostnames must be less than 256 characters';
  return /^[A-Za-z0-9.-]*$/.test(value) ? undefined : 'Hostnames may only contain alphanumeric characters, hyphens or dots';
}

/** The variables a process title may name, and whether each expands to something (Redis's validateProcTitleTemplate). */
const TITLE_VARIABLES = new Map([
  ['title', false],
  ['listen-addr', true],
  ['server-mode', false],
  ['port', true],
  ['tls-port', true],
  ['unixsocket', false],
  ['config-file', false],
]);

/** A template is valid when its variables are known and it expands to something ("{{" and "}}" are braces). */
function procTitleTemplate(value: string): string | undefined {
  let expandsToSomething = false;
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '{' && value[i + 1] !== '{') {
      const end = value.indexOf('}', i);
      const variable = end < 0 ? undefined : TITLE_VARIABLES.get(value.slice(i + 1, end));
      if (variable === undefined) return 'template format is invalid or contains unknown variables';
      expandsToSomething ||= variable;
      i = end;
    } else {
      expandsToSomething = true;
      if ((value[i] === '{' || value[i] === '}') && value[i + 1] === value[i]) i++;
    }
  }
  return expandsToSomething ? undefined : 'template format is invalid or contains unknown variables';
}
