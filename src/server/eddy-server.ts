import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { composeServer, encodingLimitsFrom, evictionFrom } from './compose.js';
import { maxmemoryBeyondHeap } from '../shards/eviction.js';
import { getHeapStatistics } from 'node:v8';
import type { ServerContext } from '../session/server-context.js';
import type { Tracing } from '../observability/tracing.js';
import { isFsyncPolicy } from '../log/fsync-policy.js';
import { DRAIN_GRACE_MS, type ProtocolListener, type ProtocolName } from '../protocols/protocol.js';
import { listenResp } from '../protocols/resp/resp-listener.js';
import type { Server as TlsServer } from 'node:tls';
import { ServerTls } from './server-tls.js';
import { aclFileLines, parseUserLines } from '../security/acl-file.js';
import { LogDamagedError, Store } from '../shards/store.js';
import { KeyspaceNotifier } from '../subscriptions/keyspace-notifications.js';
import { scheduleCheckpoints } from './checkpoint-schedule.js';
import { pinoLevel } from './logger.js';
import { closeIdleClients } from './idle-timeout.js';
import { joinClusterIfEnabled } from './cluster-join.js';
import { followClusterRoles } from './cluster-roles.js';
import { openLog, prepareDataDir, removePidFile } from './data-directory.js';
import { ServerMetrics } from './server-metrics.js';
import { messageOf } from '../replies/errors.js';
import { loadRdbIntoNewDataDir } from './load-rdb.js';
import { recoveryProgress } from './recovery-progress.js';

/** Active expiry runs ten times a second, as Redis's default `hz 10`. */

export interface RunningServer {
  readonly context: ServerContext;
  readonly port: number;
  readonly listeners: readonly ProtocolListener[];
  /** Closes the listeners, flushes and syncs the log. */
  stop(): Promise<void>;
}

/** The composition root: opens the log, recovers the projections, and starts the listeners. */
export async function startServer(config: Config, configFile: string, logger: Logger, onShutdownCommand: () => void): Promise<RunningServer> {
  const dir = resolve(config.get('dir'));
  // The heap is sized before the process starts (bin/eddy.js): a maxmemory it cannot hold is refused now, not found out at V8's abort.
  const beyondHeap = maxmemoryBeyondHeap(config.int('maxmemory'), getHeapStatistics().heap_size_limit);
  if (beyondHeap !== undefined) throw new Error(beyondHeap);
  await loadRdbIntoNewDataDir(config, dir, logger);
  prepareDataDir(dir);
  const requestedShards = config.int('shards');
  const fsync = config.get('appendfsync');
  if (!isFsyncPolicy(fsync)) throw new Error(`bad appendfsync ${fsync}`);
  const log = await openLog(dir, {
    shards: requestedShards,
    fsync,
    segmentRevisions: config.int('log-segment-revisions'),
    onListenerError: (error) => logger.error({ err: error }, 'a log listener failed; the log goes on'),
    onWriteError: (error) => logger.error({ err: error }, 'log write failed; retrying, replies held until it succeeds'),
  });
  if (log.shardCount !== requestedShards) logger.warn({ dataShards: log.shardCount, requestedShards }, 'the data directory keeps the shard count it was created with');
  const store = new Store(log, encodingLimitsFrom(config));
  const eviction = evictionFrom(store, config);
  // MEMORY STATS' startup.allocated: the process before it loads the dataset.
  eviction.gauge.startup = eviction.gauge.used(Date.now());
  let report;
  logger.info({ event: 'recovery-start', dir, revision: log.lastRev, shards: log.shardCount }, 'recovering from the log');
  try {
    report = await store.recover({
      fits: (loaded) => eviction.checkReplayFits(loaded),
      replayed: recoveryProgress(log, config.int('progress-log-interval'), logger),
    });
  } catch (error) {
    if (!(error instanceof LogDamagedError)) {
      eviction.stop();
      await log.close();
      throw error;
    }
    await log.close();
    throw new Error(
      `${error.message}. Refusing to start. \`npm run log -- verify --dir ${dir}\` shows the damage; ` +
        `\`npm run log -- repair --dir ${dir}\` cuts the log back to revision ${error.corruption.firstRev - 1} (what came after is lost; copy the directory first).`,
    );
  }
  if (report.cut !== undefined)
    logger.warn(
      { event: 'log-tail-cut', fromRevision: report.cut.fromRev, frames: report.cut.frames, reason: report.cut.reason, revision: log.lastRev },
      'torn log tail cut back to the last whole frame',
    );
  logger.info(
    { event: 'recovery-done', dir, records: report.records, keys: report.keys, seconds: report.ms / 1000, revision: log.lastRev, checkpoint: report.checkpointRev },
    'recovered from the log',
  );

  let stopping: Promise<void> | undefined;
  const context = await composeServer(
    store,
    config,
    {
      shutdown: onShutdownCommand,
      internalError: (error, command) => logger.error({ err: error, command }, 'command handler failed'),
      background: (work, what) => void work.catch((error: unknown) => logger.error({ err: error }, `${what} failed`)),
      scriptLog: (level, message) => logger[level >= 3 ? 'warn' : level === 2 ? 'info' : 'debug']({ source: 'script' }, message),
      debugLog: (message) => logger.warn({ source: 'DEBUG LOG' }, message),
      compacted: (segments, oldestRev) =>
        logger.info({ event: 'retention-compacted', segments, oldestRevision: oldestRev, revision: log.lastRev }, 'log retention dropped old history'),
      slowSubscriber: (client) => logger.warn({ client: client.id, name: client.name }, 'subscriber closed: client-output-buffer-limit pubsub reached'),
    },
    {
      info: (message, fields) => logger.info(fields ?? {}, message),
      warn: (message, fields) => logger.warn(fields ?? {}, message),
    },
    config.int('port'),
    configFile,
    eviction,
  );
  loadUsers(context);
  // Every SLOWLOG entry is also a log line, for log collectors.
  context.slowlog.onEntry = (entry) =>
    logger.info({ event: 'slow-command', id: entry.id, micros: entry.durationUsec, args: entry.args, client: entry.peer, name: entry.clientName }, 'slow command');
  const tracing = await startTracing(context, logger);
  // The Lua runtime loads in the background: the first EVAL need not wait for it.
  void context.scripts.warmUp();
  context.stats.recoveredRecords = report.records;
  context.stats.eventLoopDelay.enable();
  context.checkpointer.lastRev = report.checkpointRev;
  context.checkpointer.events = {
    started: (rev) => logger.info({ event: 'checkpoint-start', revision: rev }, 'checkpoint started'),
    done: ({ rev, bytes, keys, ms }) => logger.info({ event: 'checkpoint-done', revision: rev, bytes, keys, seconds: ms / 1000 }, 'checkpoint written'),
    failed: (rev, error) => logger.warn({ event: 'checkpoint-failed', revision: rev, reason: messageOf(error) }, 'checkpoint failed'),
  };
  const stopCheckpoints = scheduleCheckpoints(context);
  context.stats.recoveryMs = report.ms;
  config.onChange('appendfsync', (value) => {
    if (isFsyncPolicy(value)) log.fsync = value;
  });
  config.onChange('loglevel', (value) => (logger.level = pinoLevel(value)));

  // A follower is read-only from before its first client connects.
  context.replication.start(config.int('port'));
  new KeyspaceNotifier(log, context.pubsub, config);
  context.activeExpiry.start();
  closeIdleClients(context);
  // A cluster node joins before it listens: no command runs before it knows which slots are its own.
  context.cluster = await joinClusterIfEnabled(config, dir, logger);
  if (context.cluster !== undefined) followClusterRoles(context.cluster, context, logger, config.int('cluster-node-timeout'));
  const metrics = new ServerMetrics(context);
  const listeners = await listenAll(context, new ServerTls(config, logger), logger, metrics);
  const metricsListener = await listenMetricsPort(context, metrics);
  context.replication.listeningPort = listeners[0].port;
  const ports = Object.fromEntries(listeners.map((listener) => [portField[listener.protocol], listener.port]));
  if (metricsListener !== undefined) ports.metricsPort = metricsListener.port;
  logger.info({ event: 'server-listening', ...ports, bind: config.get('bind'), shards: log.shardCount, appendfsync: fsync }, 'ready to accept connections');

  return {
    context,
    port: listeners[0].port,
    listeners,
    stop: () =>
      (stopping ??= (async () => {
        const started = performance.now();
        // An idle event loop would end the process half-way through (a listener waiting on a socket
        // keeps no timer alive): hold it open until every step has run.
        const keepAlive = setInterval(() => undefined, 1000);
        const failed: string[] = [];
        const step = async (what: string, work: () => unknown): Promise<void> => {
          try {
            await work();
          } catch (error) {
            failed.push(what);
            logger.error({ err: error }, `shutdown: ${what} failed; going on with the next step`);
          }
        };
        try {
          await step('stopping timers and replication', () => {
            context.activeExpiry.stop();
            eviction.stop();
            stopCheckpoints();
            context.replication.stop();
            context.targets.closeAll();
            context.stats.eventLoopDelay.disable();
          });
          // A script still running ends here; its writes are logged before the log closes.
          await step('ending scripts', () => context.scripts.close());
          // The node's lease goes at once, rather than after cluster-node-timeout.
          await step('leaving the cluster', () => context.cluster?.stop());
          await new Promise((resolve) => setImmediate(resolve));
          await step('closing listeners', () => Promise.all(listeners.map((listener) => closeWithin(listener, LISTENER_CLOSE_MS, logger))));
          await step('closing the metrics listener', () => metricsListener?.close());
          await step('flushing and closing the log', () => log.close());
          // After the log: the last commands' spans end with its last commit.
          if (tracing !== undefined) await step('exporting the last spans', () => tracing.shutdown());
          await step('removing the pid file', () => removePidFile(dir));
        } finally {
          clearInterval(keepAlive);
        }
        if (failed.length > 0) throw new Error(`shutdown incomplete: ${failed.join(', ')} failed (see above)`);
        logger.info({ event: 'shutdown-done', revision: log.lastRev, seconds: (performance.now() - started) / 1000 }, 'log flushed; stopped');
      })()),
  };
}

/** ACL users at start: the aclfile's, or the config file's `user` lines (not both, as Redis says). */
function loadUsers(context: ServerContext): void {
  const config = context.config;
  const path = config.get('aclfile');
  if (path !== '' && config.userLines.length > 0)
    throw new Error(
      'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.',
    );
  const lines = path === '' ? config.userLines : aclFileLines(readFileSync(path, 'latin1'), path);
  context.acl.replaceAll(parseUserLines(lines, context.acl));
  // requirepass still names the default user's password unless a user line redefined it.
  if (!lines.some(({ words }) => words[1] === 'default')) context.acl.setRequirePass(config.get('requirepass'));
}

/** Traces when --otel-endpoint names a collector; the OpenTelemetry SDK is loaded only then. */
async function startTracing(context: ServerContext, logger: Logger): Promise<Tracing | undefined> {
  const config = context.config;
  const endpoint = config.get('otel-endpoint');
  if (endpoint === '') return undefined;
  const { Tracing, tracesUrl } = await import('../observability/tracing.js');
  const tracing = new Tracing(context.store.log, config, {
    endpoint,
    instanceId: context.runId,
    bindAddress: config.get('bind'),
    onExportError: (error) => logger.warn({ err: error, endpoint }, 'spans could not be exported to otel-endpoint; retrying with the next batch'),
  });
  context.tracing = tracing;
  context.replication.tracer = tracing;
  logger.info({ url: tracesUrl(endpoint), sampleRatio: Number(config.get('otel-sample-ratio')) }, 'traces exported over OTLP/HTTP');
  return tracing;
}

/** Longer than a listener's own drain grace: past it the listener is given up on, and the log still closes. */
const LISTENER_CLOSE_MS = DRAIN_GRACE_MS + 1000;

async function closeWithin(listener: ProtocolListener, ms: number, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  try {
    if ((await Promise.race([listener.close(), late])) === 'late')
      logger.warn({ protocol: listener.protocol, seconds: ms / 1000 }, 'a listener did not close in time; stopping without it');
  } finally {
    clearTimeout(timer);
  }
}

const portField: Record<ProtocolName, string> = { resp: 'port', 'resp-tls': 'tlsPort', http: 'httpPort', grpc: 'grpcPort', ws: 'wsPort' };

/**
 * RESP always; HTTP, gRPC and WebSocket when their port is set (WebSocket also at /ws of HTTP).
 * Their frameworks are loaded only then: together they take half a second to load. RESP opens
 * last, so that a PING answered means every listener accepts connections (a readiness check on the
 * RESP port tells the truth); one that cannot bind closes those already open and fails the start.
 */
async function listenAll(context: ServerContext, tls: ServerTls, logger: Logger, metrics: ServerMetrics): Promise<ProtocolListener[]> {
  const config = context.config;
  const host = config.get('bind');
  /** A listener that cannot bind says which one, and which option to change. */
  const named = async <T extends ProtocolListener>(protocol: string, option: string, listen: () => Promise<T>): Promise<T> => {
    try {
      return await listen();
    } catch (error) {
      throw new Error(`the ${protocol} listener cannot listen on ${host}:${config.int(option)} (--${option})`, { cause: error });
    }
  };
  const others: ProtocolListener[] = [];
  /** A listener over TLS takes new certificates on CONFIG SET. */
  const watched = <T extends ProtocolListener & { server: object }>(listener: T, encrypted: boolean): T => {
    if (encrypted) tls.watch(listener.server as TlsServer);
    return listener;
  };
  try {
    const websocket = config.int('ws-port') >= 0 ? new (await import('../protocols/ws/ws-endpoint.js')).WebSocketEndpoint(context) : undefined;
    if (config.int('http-port') >= 0) {
      const { listenHttp } = await import('../protocols/http/http-listener.js');
      const options = {
        port: config.int('http-port'),
        host,
        attachUpgrades: websocket && ((http: import('node:http').Server) => websocket.attach(http, '/ws')),
        onInternalError: (error: unknown) => logger.error({ err: error }, 'http request failed'),
        tls: tls.optionsIf('http-tls'),
        metrics,
      };
      others.push(watched(await named('HTTP', 'http-port', () => listenHttp(context, options)), options.tls !== undefined));
    }
    if (config.int('grpc-port') >= 0) {
      const { listenGrpc } = await import('../protocols/grpc/grpc-listener.js');
      const files = tls.grpcFiles();
      others.push(await named('gRPC', 'grpc-port', () => listenGrpc(context, config.int('grpc-port'), host, files)));
    }
    if (websocket !== undefined) {
      const options = tls.optionsIf('ws-tls');
      others.push(watched(await named('WebSocket', 'ws-port', () => websocket.listen(config.int('ws-port'), host, options)), options !== undefined));
    }
    if (config.int('tls-port') > 0)
      others.push(watched(await named('RESP over TLS', 'tls-port', () => listenResp(context, config.int('tls-port'), host, tls.optionsIf('always'))), true));
    return [await named('RESP', 'port', () => listenResp(context, config.int('port'), host)), ...others];
  } catch (error) {
    await Promise.all(others.map((listener) => listener.close()));
    throw error;
  }
}

/** --metrics-port: Prometheus's /metrics on a port of its own (0: none). */
async function listenMetricsPort(context: ServerContext, metrics: ServerMetrics): Promise<{ port: number; close(): Promise<void> } | undefined> {
  const port = context.config.int('metrics-port');
  if (port === 0) return undefined;
  const { listenMetrics } = await import('../protocols/http/metrics-listener.js');
  try {
    return await listenMetrics(context, metrics, port, context.config.get('bind'));
  } catch (error) {
    throw new Error(`the metrics listener cannot listen on ${context.config.get('bind')}:${port} (--metrics-port)`, { cause: error });
  }
}
