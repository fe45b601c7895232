import { pino, type Logger } from 'pino';

/** Redis's loglevel names mapped onto pino's levels. */
const LEVELS: Record<string, string> = { debug: 'debug', verbose: 'debug', notice: 'info', warning: 'warn', nothing: 'silent' };

export function pinoLevel(redisLevel: string): string {
  return LEVELS[redisLevel] ?? 'info';
}

/** The server's logger, and how to reopen its file (SIGHUP after logrotate moved it). */
export interface ServerLogger {
  readonly logger: Logger;
  /** Reopens `logfile` at its path (throws when it cannot: lines go on to the old file); nothing to do on stdout. */
  reopen(): void;
}

/**
 * JSON lines on stdout, or appended to `logfile` (Redis's option; empty: stdout). Lines are written
 * synchronously, as pino's stdout is, so that none is lost when the process exits.
 */
export function createLogger(redisLevel: string, logfile = ''): ServerLogger {
  const base = { level: pinoLevel(redisLevel), base: { pid: process.pid } };
  if (logfile === '') return { logger: pino(base), reopen: () => undefined };
  const destination = pino.destination({ dest: logfile, sync: true, append: true });
  // A write that fails (a full disk) or a reopen that does must not end the server (an unheard
  // 'error' would): the first failure is told on stderr, the next ones once the file works again.
  let told = false;
  destination.on('error', (error: Error) => {
    if (!told) process.stderr.write(`eddy: the log file ${logfile} failed: ${error.message}\n`);
    told = true;
  });
  return {
    logger: pino(base, destination),
    reopen: () => {
      try {
        destination.reopen();
      } catch (error) {
        // sonic-boom left a listener that closes the old descriptor once a reopen succeeds; the next
        // reopen leaves its own, and two would close it twice.
        destination.removeAllListeners('ready');
        throw error;
      }
      told = false;
    },
  };
}
