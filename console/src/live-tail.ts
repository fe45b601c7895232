import type { ChangeEvent } from './change-event.js';
import { ResumePoint } from './resume-point.js';
import { CommandError } from './server-api.js';
import { compactedOldest, tailUrl, type TailFilter } from './tail-query.js';
import { readTail } from './tail-stream.js';

export interface LiveTailView {
  changes(changes: ChangeEvent[]): void;
  /** A line in the feed that is not a change: compaction, a cut-off, an error. */
  marker(text: string): void;
  state(text: string): void;
}

/**
 * The live log's stream: follows /tail, and on pause stops reading; resume opens a new stream at the
 * last revision seen (ResumePoint drops what was already shown). An overflow or a dropped
 * connection resumes the same way; history compacted away is marked and skipped.
 */
export class LiveTail {
  private readonly resume: ResumePoint;
  private abort: AbortController | undefined;
  private batch: ChangeEvent[] = [];
  private flushScheduled = false;
  /** Streams opened so far: the first follows, the others resume. */
  private opened = 0;

  constructor(
    private readonly filter: TailFilter,
    start: number | '$',
    private readonly view: LiveTailView,
  ) {
    this.resume = new ResumePoint(start);
  }

  get following(): boolean {
    return this.abort !== undefined;
  }

  start(): void {
    if (this.abort !== undefined) return;
    const abort = (this.abort = new AbortController());
    void this.follow(abort);
  }

  pause(): void {
    this.abort?.abort();
    this.abort = undefined;
    const from = this.resume.resumeFrom();
    this.view.state(from.rev === '$' ? 'paused' : `paused: resumes at revision ${from.rev}`);
  }

  private async follow(abort: AbortController): Promise<void> {
    let failures = 0;
    while (!abort.signal.aborted) {
      const from = this.resume.restarting();
      try {
        await readTail(tailUrl(this.filter, from.rev), this.handlers(), abort.signal);
        failures = 0;
        // The server ended the stream (a cut-off, a restart): reopen, but never in a tight loop.
        if (!abort.signal.aborted) await new Promise((resolve) => setTimeout(resolve, 200));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const oldest = compactedOldest(message);
        if (oldest !== undefined) {
          this.view.marker(`history before revision ${oldest} was compacted away: following from ${oldest}`);
          this.resume.compacted(oldest);
          continue;
        }
        // A refusal (auth, ACL, a bad filter) will not change by retrying; a dropped connection may.
        if (error instanceof CommandError || ++failures > 5) {
          this.view.marker(`stopped: ${message}`);
          this.view.state('stopped');
          if (this.abort === abort) this.abort = undefined;
          return;
        }
        this.view.marker(`connection lost (${message}); resuming`);
        await new Promise((resolve) => setTimeout(resolve, 500 * failures));
      }
    }
  }

  private handlers() {
    return {
      opened: (firstRev: number) => {
        this.resume.started(firstRev);
        this.view.state(this.opened++ === 0 ? `following from revision ${firstRev}` : `resumed at revision ${firstRev}`);
      },
      change: (change: ChangeEvent) => {
        if (this.resume.accept(change)) this.queue(change);
      },
      overflow: (resumeRev: number) => this.view.marker(`the server cut this tail off (too slow a reader): resuming at revision ${resumeRev}`),
    };
  }

  /** Changes reach the view once per frame, not one render each: a burst of writes stays smooth. */
  private queue(change: ChangeEvent): void {
    this.batch.push(change);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    requestAnimationFrame(() => {
      this.flushScheduled = false;
      const batch = this.batch;
      this.batch = [];
      this.view.changes(batch);
    });
  }
}
