import type { ChangeEvent } from '../../console/src/change-event.js';

/** A change as /tail sends it, at a revision (written at 1000 + rev ms), for the console's unit tests. */
export const change = (rev: number, key: string | null = `k${rev}`, value?: unknown): ChangeEvent => ({ rev, ts: 1000 + rev, db: 0, key, event: 'set', effect: [], value });
