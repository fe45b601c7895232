import { command, CommandError } from './server-api.js';
import { compactedOldest } from './tail-query.js';
import { revisionAtTime } from './revision-at-time.js';

/** A LOGREAD page: the revision to ask for next, and the changes (`['change', rev, ts, db, key, event, effect]`). */
export type LogPage = [number, [string, number, number, number, string | null, string, unknown][]];

/** LOGREAD through the HTTP API (README "Watch keys from your app"). */
export function logRead(from: number | '$', count: number, filter: string[] = []): Promise<LogPage> {
  return command<LogPage>('LOGREAD', 'FROM', from, 'COUNT', count, ...filter);
}

/** The oldest revision retention still holds (a read from 1 says so when it is compacted away). */
export async function oldestRevision(): Promise<number> {
  try {
    await logRead(1, 1);
    return 1;
  } catch (error) {
    const oldest = error instanceof CommandError ? compactedOldest(error.message) : undefined;
    if (oldest === undefined) throw error;
    return oldest;
  }
}

/** The revision the next commit will have. */
export async function nextRevision(): Promise<number> {
  return (await logRead('$', 1))[0];
}

/** The first revision at or after a time (ms), by binary search over the retained log. */
export async function revisionAt(time: number): Promise<number> {
  const [oldest, next] = await Promise.all([oldestRevision(), nextRevision()]);
  return revisionAtTime(time, oldest, next, async (rev) => {
    const [, events] = await logRead(rev, 1);
    return events.length === 0 ? undefined : { rev: events[0][1], ts: events[0][2] };
  });
}
