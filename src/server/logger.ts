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
  return { logger: pino(base, destination), reopen: () => destination.reopen() };
}
