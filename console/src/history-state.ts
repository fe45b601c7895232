import type { ChangeEvent } from './change-event.js';

/** A key's state as of a revision, from its changes with values (WITHVALUES): gone is null. */
export interface KeyAsOf {
  key: string;
  rev: number;
  value: unknown;
}

/**
 * The matching keys as of `rev`: for each key the value after its last change at or before `rev`
 * (the server computed those values by replaying the log: the same apply as recovery). Keys
 * deleted by then are left out; a key with no change up to `rev` in the retained log is not known
 * from it (eddy-pitr restores everything).
 */
export function stateAsOf(changes: readonly ChangeEvent[], rev: number): KeyAsOf[] {
  const latest = new Map<string, KeyAsOf>();
  for (const change of changes) {
    if (change.rev > rev) break;
    // A whole-database change (FLUSHDB, FLUSHALL) empties what came before it.
    if (change.key === null) latest.clear();
    else latest.set(change.key, { key: change.key, rev: change.rev, value: change.value ?? null });
  }
  return [...latest.values()].filter((state) => state.value !== null).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Whether a history request names a pattern (glob characters) rather than one key. */
export function isPattern(text: string): boolean {
  return /[*?[\\]/.test(text);
}
