import type { ChangeEvent } from './change-event.js';
import { isPattern } from './history-state.js';
import { logRead, nextRevision, oldestRevision } from './log-positions.js';
import { tailUrl } from './tail-query.js';
import { readTail } from './tail-stream.js';

/** The most changes a history shows (the newest ones); the page stays quick on a long log. */
export const HISTORY_LIMIT = 2000;

export interface History {
  changes: ChangeEvent[];
  /** The retained log's range searched: [oldest, next). */
  oldest: number;
  next: number;
  /** Older changes that were left out (past HISTORY_LIMIT). */
  omitted: number;
}

/**
 * The changes of a key (or of the keys a pattern matches) over the retained log, each with the
 * value after it. LOGREAD lists them up to now; then a WITHVALUES tail from the first one listed
 * has the server replay the log for those keys (from a checkpoint, with recovery's own apply), so
 * each value is exact, whatever the type; the tail is closed once the last listed change arrives.
 */
export async function keyHistory(target: string, db: number): Promise<History> {
  const [oldest, next] = await Promise.all([oldestRevision(), nextRevision()]);
  const filter = [isPattern(target) ? 'MATCH' : 'KEYS', target, 'DB', String(db)];
  const listed: number[] = [];
  for (let from = oldest; from < next;) {
    const [after, events] = await logRead(from, 1000, filter);
    for (const event of events) if (event[1] < next) listed.push(event[1]);
    if (after === from || events.length === 0) break;
    from = after;
  }
  const omitted = Math.max(0, listed.length - HISTORY_LIMIT);
  const wanted = listed.slice(omitted);
  const changes: ChangeEvent[] = [];
  if (wanted.length > 0) {
    const abort = new AbortController();
    const url = tailUrl({ match: isPattern(target) ? target : '', db, withValues: true }, wanted[0], isPattern(target) ? [] : [target]);
    await readTail(
      url,
      {
        opened: () => undefined,
        overflow: () => undefined,
        change: (change) => {
          changes.push(change);
          if (changes.length >= wanted.length) abort.abort();
        },
      },
      abort.signal,
    );
  }
  return { changes, oldest, next, omitted };
}
