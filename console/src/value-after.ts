import type { ChangeEvent } from './change-event.js';
import { tailUrl } from './tail-query.js';
import { readTail } from './tail-stream.js';

/**
 * The value of a change's key right after it, on demand: a one-change WITHVALUES tail from its
 * revision, for its key alone (the server replays the key from a checkpoint, so the value is the
 * one it had then, not now). Throws COMPACTED once retention dropped that revision.
 */
export async function valueAfter(change: ChangeEvent): Promise<unknown> {
  if (change.key === null) return null;
  const abort = new AbortController();
  let value: unknown;
  await readTail(
    tailUrl({ match: '', db: change.db, withValues: true }, change.rev, [change.key]),
    {
      opened: () => undefined,
      overflow: () => undefined,
      change: (found) => {
        if (found.rev !== change.rev || abort.signal.aborted) return;
        value = found.value ?? null;
        abort.abort();
      },
    },
    abort.signal,
  );
  return value;
}
