import { inSlotRanges } from '../shards/slot.js';

/**
 * The last moment of CLUSTER MIGRATESLOTS: commands for the slots being switched to another node
 * wait (milliseconds, while the last changes reach that node and etcd records the new owner) and
 * are then dispatched again, to be sent on with -MOVED. Commands for every other slot go on.
 */
export class SlotPause {
  private ranges: readonly (readonly [number, number])[] = [];
  private resumed: Promise<void> = Promise.resolve();
  private resume: (() => void) | undefined;

  get active(): boolean {
    return this.ranges.length > 0;
  }

  holds(slot: number): boolean {
    return inSlotRanges(slot, this.ranges);
  }

  pause(ranges: readonly (readonly [number, number])[]): void {
    this.ranges = ranges;
    this.resumed = new Promise((resolve) => (this.resume = resolve));
  }

  /** Ends the pause: the held commands run again, in the order they came. */
  end(): void {
    this.ranges = [];
    this.resume?.();
    this.resume = undefined;
  }

  /** Resolves when the pause ends. */
  whenEnded(): Promise<void> {
    return this.resumed;
  }
}
