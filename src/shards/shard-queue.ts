/**
 * A shard's job queue. Jobs on a shard run one at a time, in arrival order. A synchronous command runs
 * at once when the shard is free; a job that must keep the shard across awaits (a script, a blocking
 * multi-shard job) acquires it, and jobs arriving meanwhile wait their turn.
 */
export class ShardQueue {
  private held = false;
  private readonly waiting: (() => void)[] = [];

  get free(): boolean {
    return !this.held && this.waiting.length === 0;
  }

  /** Runs a synchronous `job` now if the shard is free, otherwise after every earlier job. */
  submit(job: () => void): void {
    if (this.free) job();
    else
      this.waiting.push(() => {
        job();
        this.release();
      });
  }

  /** Holds the shard now if it is free; the caller must then call `release()`. */
  tryAcquire(): boolean {
    if (!this.free) return false;
    this.held = true;
    return true;
  }

  /** Resolves once the caller holds the shard; it must call `release()` when done. */
  acquire(): Promise<void> {
    return new Promise((resolve) => {
      if (this.free) {
        this.held = true;
        resolve();
      } else this.waiting.push(resolve);
    });
  }

  release(): void {
    this.held = false;
    const next = this.waiting.shift();
    if (next === undefined) return;
    this.held = true;
    next();
  }
}
