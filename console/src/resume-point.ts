import type { ChangeEvent } from './change-event.js';

/** Where a tail (re)starts: a revision, and how many of that revision's changes were already shown. */
export interface ResumeFrom {
  rev: number | '$';
  skip: number;
}

/**
 * The bookkeeping that makes pause/resume exact. One revision (one log record) may carry several
 * changes (MSET, a transaction), and a stream cut by pause can end between them; so the tail
 * resumes AT the last revision seen and drops the changes of it already shown: nothing is lost and
 * nothing is shown twice, whatever the cut.
 */
export class ResumePoint {
  private lastRev: number | undefined;
  private seenAtLastRev = 0;
  private skipping = 0;
  private skipRev: number | undefined;

  constructor(private start: number | '$') {}

  /** The point a new stream should start from. */
  resumeFrom(): ResumeFrom {
    if (this.lastRev === undefined) return { rev: this.start, skip: 0 };
    return { rev: this.lastRev, skip: this.seenAtLastRev };
  }

  /** Arms the skip for a stream that starts at `resumeFrom()`. */
  restarting(): ResumeFrom {
    const from = this.resumeFrom();
    this.skipping = from.skip;
    this.skipRev = from.rev === '$' ? undefined : from.rev;
    return from;
  }

  /** The stream's `tail` event: the revision it actually starts at (what `$` meant). */
  started(firstRev: number): void {
    if (this.start === '$' || this.lastRev === undefined) this.start = firstRev;
  }

  /** History before `oldest` was compacted away: the tail goes on from there. */
  compacted(oldest: number): void {
    this.start = oldest;
    this.lastRev = undefined;
    this.seenAtLastRev = 0;
    this.skipping = 0;
  }

  /** Whether a change is new (to be shown); records it as seen. */
  accept(change: ChangeEvent): boolean {
    if (this.skipping > 0 && change.rev === this.skipRev) {
      this.skipping--;
      return false;
    }
    this.skipping = 0;
    if (this.lastRev !== undefined && change.rev < this.lastRev) return false;
    if (change.rev === this.lastRev) this.seenAtLastRev++;
    else {
      this.lastRev = change.rev;
      this.seenAtLastRev = 1;
    }
    return true;
  }
}
