import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { holdsLog } from './data-directory.js';
import { importRdbFile } from './rdb-import.js';
import { Progress } from '../observability/progress.js';

/**
 * `--load-rdb FILE`: a server started on a data directory that holds no log yet loads a Redis RDB
 * file into it first, as `eddy-rdb import` does. A directory that already holds a log keeps it (the
 * option stays in a service's config across restarts, and the log is newer than the file), with a
 * warning that says so.
 */
export async function loadRdbIntoNewDataDir(config: Config, dir: string, logger: Logger): Promise<void> {
  const file = config.get('load-rdb');
  if (file === '') return;
  if (holdsLog(dir)) {
    logger.warn({ event: 'rdb-load-skipped', file, dir }, 'load-rdb left unread: the data directory already holds a log');
    return;
  }
  if (!existsSync(file)) throw new Error(`load-rdb: ${file} does not exist`);
  // A pid file left without a log is all a failed first start leaves: the import wants the directory empty.
  if (existsSync(dir) && readdirSync(dir).join() === 'eddy.pid') rmSync(join(dir, 'eddy.pid'));
  const started = performance.now();
  const progress = new Progress(0, config.int('progress-log-interval'));
  logger.info({ event: 'rdb-load-start', file, dir }, 'loading the RDB file into the new data directory');
  const summary = await importRdbFile(resolve(file), dir, config.int('shards'), (bytes, total) => {
    progress.total = total;
    if (!progress.advance(bytes)) return;
    const figures = progress.figures();
    logger.info({ event: 'rdb-load-progress', bytes, total, percent: figures.percent, bytesPerSecond: figures.perSecond }, 'loading the RDB file');
  });
  const keys = [...summary.keysPerDb.values()].reduce((sum, n) => sum + n, 0);
  logger.info({ event: 'rdb-load-done', file, keys, functions: summary.functions, expired: summary.expired, seconds: (performance.now() - started) / 1000 }, 'RDB file loaded');
}
