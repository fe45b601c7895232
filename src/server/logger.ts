import { pino, type Logger } from 'pino';

/** Redis's loglevel names mapped onto pino's levels. */
const LEVELS: Record<string, string> = { debug: 'debug', verbose: 'debug', notice: 'info', warning: 'warn', nothing: 'silent' };

export function pinoLevel(redisLevel: string): string {
  return LEVELS[redisLevel] ?? 'info';
}

export function createLogger(redisLevel: string): Logger {
  return pino({ level: pinoLevel(redisLevel), base: { pid: process.pid } });
}
