import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/** Slots of the shared signal array. */
export const TO_HOST = 0;
export const TO_WORKER = 1;
/** Raised by SCRIPT KILL; the running script's hook looks at it. */
export const KILL_FLAG = 2;
export const SIGNAL_SLOTS = 3;
/** How long a receiver watches for a message before it sleeps. */
const SPIN_MS = 0.05;

/**
 * One direction-pair of messages between the server and the script worker, usable synchronously:
 * a message goes through a MessagePort, and a counter in shared memory wakes whoever waits for it
 * with Atomics.wait. This is what lets a script call redis.call and get the reply back without
 * either thread returning to its event loop.
 */
export class ThreadChannel {
  constructor(
    private readonly port: MessagePort,
    private readonly signal: Int32Array,
    private readonly sendSlot: number,
    private readonly receiveSlot: number,
    /** How long to watch for a message before sleeping (ms). */
    private readonly spinMs = SPIN_MS,
  ) {}

  send(message: unknown): void {
    this.port.postMessage(message);
    Atomics.add(this.signal, this.sendSlot, 1);
    Atomics.notify(this.signal, this.sendSlot);
  }

  /** The next message, waiting up to `timeoutMs` (Infinity: for ever); undefined on timeout. */
  receive(timeoutMs: number): unknown {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      // Read the counter first: a message posted after the look below changes it, so the wait
      // cannot miss it.
      const count = Atomics.load(this.signal, this.receiveSlot);
      const received = receiveMessageOnPort(this.port);
      if (received !== undefined) return received.message;
      const left = deadline - performance.now();
      if (left <= 0) return undefined;
      // The other side usually answers within microseconds: watch the counter for a moment before
      // sleeping, since waking a sleeping thread costs far more than a redis.call does.
      if (this.spinMs > 0 && this.spin(count, Math.min(left, this.spinMs))) continue;
      Atomics.wait(this.signal, this.receiveSlot, count, left === Infinity ? undefined : left);
    }
  }

  /** Watches the counter for up to `ms`; true once it moved. */
  private spin(count: number, ms: number): boolean {
    const until = performance.now() + ms;
    do {
      for (let i = 0; i < 200; i++) if (Atomics.load(this.signal, this.receiveSlot) !== count) return true;
    } while (performance.now() < until);
    return false;
  }

  /** The next message, without blocking the event loop meanwhile. */
  async receiveLater(): Promise<unknown> {
    for (;;) {
      const count = Atomics.load(this.signal, this.receiveSlot);
      const received = receiveMessageOnPort(this.port);
      if (received !== undefined) return received.message;
      const waiting = (Atomics as unknown as { waitAsync(array: Int32Array, index: number, value: number): { async: boolean; value: Promise<unknown> | string } }).waitAsync(
        this.signal,
        this.receiveSlot,
        count,
      );
      if (waiting.async) await waiting.value;
    }
  }
}
