import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../commands/config.js';
import { ServerContext } from '../commands/server-context.js';
import { isFsyncPolicy } from '../log/fsync-policy.js';
import { Log } from '../log/log.js';
import { listenResp, type RespListener } from '../protocols/resp/resp-listener.js';
import { Store } from '../shards/store.js';
import { pinoLevel } from './logger.js';

/** Active expiry runs ten times a second, as Redis's default `hz 10`. */
const ACTIVE_EXPIRY_MS = 100;
const ACTIVE_EXPIRY_SAMPLE = 20;

export interface RunningServer {
  readonly context: ServerContext;
  readonly port: number;
  /** Closes the listeners, flushes and syncs the log. */
  stop(): Promise<void>;
}

/** The composition root: opens the log, recovers the projections, and starts the listeners. */
export async function startServer(config: Config, configFile: string, logger: Logger, onShutdownCommand: () => void): Promise<RunningServer> {
  const dir = resolve(config.get('dir'));
  mkdirSync(dir, { recursive: true });
  const requestedShards = config.int('shards');
  const fsync = config.get('appendfsync');
  if (!isFsyncPolicy(fsync)) throw new Error(`bad appendfsync ${fsync}`);
  const log = await Log.open(dir, {
    shards: requestedShards,
    fsync,
    onWriteError: (error) => logger.error({ err: error }, 'log write failed; retrying, replies held until it succeeds'),
  });
  if (log.shardCount !== requestedShards)
    logger.warn({ dataShards: log.shardCount, requestedShards }, 'the data directory keeps the shard count it was created with');
  const store = new Store(log);
  const report = await store.recover();
  logger.info({ dir, records: report.records, keys: report.keys, seconds: report.ms / 1000, revision: log.lastRev }, 'recovered from the log');

  let stopping: Promise<void> | undefined;
  const context = new ServerContext(
    store,
    config,
    {
      shutdown: onShutdownCommand,
      internalError: (error, command) => logger.error({ err: error, command }, 'command handler failed'),
    },
    config.int('port'),
    configFile,
  );
  context.stats.recoveredRecords = report.records;
  context.stats.recoveryMs = report.ms;
  config.onChange('appendfsync', (value) => {
    if (isFsyncPolicy(value)) log.fsync = value;
  });
  config.onChange('loglevel', (value) => (logger.level = pinoLevel(value)));

  const expiryTimer = setInterval(() => store.expireSome(Date.now(), ACTIVE_EXPIRY_SAMPLE), ACTIVE_EXPIRY_MS);
  expiryTimer.unref();
  const resp: RespListener = await listenResp(context, config.int('port'), config.get('bind'));
  logger.info({ port: resp.port, bind: config.get('bind'), shards: log.shardCount, appendfsync: fsync }, 'ready to accept connections');

  return {
    context,
    port: resp.port,
    stop: () =>
      (stopping ??= (async () => {
        const started = performance.now();
        clearInterval(expiryTimer);
        await resp.close();
        await log.close();
        logger.info({ revision: log.lastRev, seconds: (performance.now() - started) / 1000 }, 'log flushed; stopped');
      })()),
  };
}
