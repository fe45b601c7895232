import type { Logger } from 'pino';
import type { Log } from '../log/log.js';
import { Progress } from '../observability/progress.js';
import type { RecoveryWatch } from '../shards/store.js';

/**
 * Recovery at start, told as it goes: a `recovery-progress` line every `everyMs` with the records
 * replayed, their rate, and the revisions left before the log's last one. Shards replay side by side;
 * the one furthest behind is where recovery stands.
 */
export function recoveryProgress(log: Log, everyMs: number, logger: Logger): Required<RecoveryWatch>['replayed'] {
  const progress = new Progress(0, everyMs);
  const reached = new Map<number, number>();
  let records = 0;
  return (shard, count, rev) => {
    records += count;
    reached.set(shard, rev);
    if (!progress.advance(records)) return;
    const figures = progress.figures();
    const revision = Math.min(...reached.values());
    logger.info(
      { event: 'recovery-progress', records, recordsPerSecond: figures.perSecond, revision, revisionsRemaining: Math.max(0, log.lastRev - revision), seconds: figures.seconds },
      'recovering from the log',
    );
  };
}
