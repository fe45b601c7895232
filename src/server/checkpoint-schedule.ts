import { parseSaveRules } from '../config/option-values.js';
import type { ServerContext } from '../session/server-context.js';

const CHECK_EVERY_MS = 1000;
const RETENTION_EVERY_MS = 60_000;

/**
 * Checkpoints by Redis's `save` rules ("after <seconds> if at least <changes> writes"), each followed
 * by a retention pass; and a retention pass every minute, so that the time window moves on even
 * when nothing is written. Returns how to stop.
 */
export function scheduleCheckpoints(context: ServerContext): () => void {
  const checkpointer = context.checkpointer;
  const rulesTimer = setInterval(() => {
    // A follower loading its primary's checkpoint takes its own once the copy is whole.
    if (checkpointer.inProgress || context.replication?.syncing) return;
    const changes = context.store.log.lastRev - checkpointer.lastRev;
    const seconds = Date.now() / 1000 - checkpointer.lastSaveSeconds;
    const rules = parseSaveRules(context.config.get('save'));
    if (rules.some(([after, atLeast]) => changes >= atLeast && changes > 0 && seconds >= after))
      context.hooks.background(
        checkpointer.checkpoint().then(() => context.compact()),
        'scheduled checkpoint',
      );
  }, CHECK_EVERY_MS);
  const retentionTimer = setInterval(() => context.hooks.background(context.compact(), 'log retention'), RETENTION_EVERY_MS);
  rulesTimer.unref();
  retentionTimer.unref();
  return () => {
    clearInterval(rulesTimer);
    clearInterval(retentionTimer);
  };
}
