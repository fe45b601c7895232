import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Log, type LogOptions } from '../log/log.js';

/**
 * The server's data directory, as an operator meets it: made if missing, refused with a plain
 * reason when it cannot be written, holds something other than Eddy's log, or is held by another
 * running process (LevelDB lets one in at a time, and its own error says neither who nor why).
 */

/** Names the process that holds a data directory, for the next one that tries to open it. */
const PID_FILE = 'eddy.pid';

/** What may sit in a new data directory besides Eddy's files: a mount point's lost+found. */
const HARMLESS = new Set([PID_FILE, 'lost+found']);

/** Makes `dir` if needed and checks it can be Eddy's; throws an Error whose message says what is wrong. */
export function prepareDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new Error(`the data directory ${dir} cannot be created: ${(error as Error).message}`);
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new Error(`the data directory ${dir} is not writable by this process (uid ${process.getuid?.() ?? '?'}): give it to the user Eddy runs as, or give another --dir`);
  }
  const entries = readdirSync(dir).filter((name) => !HARMLESS.has(name));
  // LevelDB's CURRENT names its manifest: without it the files there are someone else's, and would be mixed with the log's.
  if (entries.length > 0 && !entries.includes('CURRENT'))
    throw new Error(
      `${dir} is not an Eddy data directory: it holds other files (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}) and no Eddy log; give an empty or new --dir`,
    );
}

/** Log.open; a directory another process holds says so, and names it (LevelDB's lock error does not). */
export async function openLog(dir: string, options: LogOptions): Promise<Log> {
  let log: Log;
  try {
    log = await Log.open(dir, options);
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code !== 'LEVEL_LOCKED') throw error;
    let holder = 'another process';
    try {
      holder = `another Eddy process (pid ${readFileSync(join(dir, PID_FILE), 'utf8').trim()})`;
    } catch {
      // No pid file: not an Eddy that wrote one.
    }
    throw new Error(`the data directory ${dir} is held by ${holder}: stop it first, or give this one another --dir`);
  }
  writeFileSync(join(dir, PID_FILE), `${process.pid}\n`);
  return log;
}

/** At the end of a stop, once the log is closed. */
export function removePidFile(dir: string): void {
  rmSync(join(dir, PID_FILE), { force: true });
}

/** Whether `dir` holds an Eddy log already (LevelDB's CURRENT is there). */
export function holdsLog(dir: string): boolean {
  return existsSync(join(dir, 'CURRENT'));
}
