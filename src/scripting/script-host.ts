import { MessageChannel, Worker } from 'node:worker_threads';
import { KILLED_MESSAGE } from './lua-runtime.js';
import { scriptError, type ScriptValue } from './script-value.js';
import { KILL_FLAG, SIGNAL_SLOTS, ThreadChannel, TO_HOST, TO_WORKER } from './thread-channel.js';
import type { RegisteredFunction } from './lua-runtime.js';
import type { HostMessage, ScriptProgram, WorkerMessage } from './worker-messages.js';

/** A script to run, and how its redis.call calls reach the server. */
export interface ScriptJob {
  program: ScriptProgram;
  keys: string[];
  argv: string[];
  /** The shards the script holds (commands needing them get -BUSY once it runs long). */
  shards: ReadonlySet<number>;
  /** Called as the script starts, and as it ends (before the next job starts). */
  begin(): void;
  end(): void;
  /** Runs one command for the script (on the server's thread); errors as `{err}`. */
  call(args: string[], resp: 2 | 3): ScriptValue;
  /** Whether the script has written (SCRIPT KILL then refuses: UNKILLABLE). */
  wrote(): boolean;
}

export type KillOutcome = 'not-busy' | 'unkillable' | 'killed';

/** How long a killed script may take to notice before its worker is terminated. */
const KILL_GRACE_MS = 2000;
/** The server watches for the worker's next message this long before it sleeps (ms): a redis.call
 * round trip is a few microseconds awake and a hundred when a thread must be woken. */
const HOST_SPIN_MS = 0.1;
/** Compiling never takes this long; past it the worker is taken for dead. */
const COMPILE_TIMEOUT_MS = 10_000;

/**
 * The server's side of the script worker: one worker thread with one Lua runtime, started on first
 * use. Jobs run one at a time. A run first waits synchronously for `syncBudgetMs`, serving the
 * script's redis.call calls at once (most scripts finish inside it, at the cost of two thread
 * switches per call); a longer run goes on in the background while the event loop serves others.
 */
export class ScriptHost {
  private worker: Worker | undefined;
  private channel: ThreadChannel | undefined;
  private flags = new Int32Array(new SharedArrayBuffer(SIGNAL_SLOTS * 4));
  private ready = false;
  private busy = false;
  private exited: Promise<ScriptValue> = new Promise(() => undefined);
  private readonly queue: (() => void)[] = [];
  private endWaiters: (() => void)[] = [];
  /** The script running now and when it started (performance.now()). */
  running: { job: ScriptJob; startedAt: number; killed: boolean } | undefined;

  constructor(
    private readonly options: { memoryLimit: number; log(level: number, message: string): void },
  ) {}

  /** Resolves when the running script ends (at once when none runs). */
  ended(): Promise<void> {
    if (this.running === undefined) return Promise.resolve();
    return new Promise((resolve) => this.endWaiters.push(resolve));
  }

  /** Runs a script; the result synchronously when it finished within `syncBudgetMs`. */
  run(job: ScriptJob, syncBudgetMs: number): ScriptValue | Promise<ScriptValue> {
    return this.exclusive(() => this.start(job, syncBudgetMs));
  }

  /** Compiles a script (SCRIPT LOAD): Redis's compile error, or undefined. */
  compile(sha: string, source: string): string | undefined | Promise<string | undefined> {
    return this.exclusive(() => {
      this.send({ type: 'load', sha, source });
      const answer = this.receive(COMPILE_TIMEOUT_MS) as WorkerMessage | undefined;
      return answer?.type === 'loaded' ? answer.error : 'ERR the script worker stopped';
    });
  }

  /** Loads a function library (FUNCTION LOAD): the functions it registers, or Redis's error. */
  loadLibrary(name: string, code: string): { functions: RegisteredFunction[] } | { error: string } | Promise<{ functions: RegisteredFunction[] } | { error: string }> {
    return this.exclusive(() => {
      this.send({ type: 'library', name, code });
      const answer = this.receive(COMPILE_TIMEOUT_MS) as WorkerMessage | undefined;
      return answer?.type === 'library-loaded' ? answer.outcome : { error: 'ERR the script worker stopped' };
    });
  }

  /** SCRIPT FLUSH: the worker forgets what it compiled. */
  flush(): void {
    if (this.ready) void this.exclusive(() => this.send({ type: 'flush' }));
  }

  /** SCRIPT KILL: stops a script that has not written; a script that ignores it loses its worker. */
  kill(): KillOutcome {
    const running = this.running;
    if (running === undefined) return 'not-busy';
    if (running.job.wrote()) return 'unkillable';
    running.killed = true;
    Atomics.store(this.flags, KILL_FLAG, 1);
    setTimeout(() => {
      if (this.running === running) this.stop();
    }, KILL_GRACE_MS).unref();
    return 'killed';
  }

  /** SHUTDOWN NOSAVE and server stop: the worker goes, whatever it runs. */
  async close(): Promise<void> {
    await this.worker?.terminate();
  }

  private exclusive<T>(work: () => T | Promise<T>): T | Promise<T> {
    if (this.ready && !this.busy) {
      this.busy = true;
      let result: T | Promise<T>;
      try {
        result = work();
      } catch (error) {
        this.next();
        throw error;
      }
      if (!(result instanceof Promise)) {
        this.next();
        return result;
      }
      return result.finally(() => this.next());
    }
    this.boot();
    return new Promise<T>((resolve, reject) =>
      this.queue.push(() => {
        try {
          resolve(this.exclusive(work));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      }),
    );
  }

  private next(): void {
    this.busy = false;
    if (this.ready) this.queue.shift()?.();
  }

  private boot(): void {
    if (this.worker !== undefined) return;
    const { port1, port2 } = new MessageChannel();
    const signal = new SharedArrayBuffer(SIGNAL_SLOTS * 4);
    this.flags = new Int32Array(signal);
    this.channel = new ThreadChannel(port1, this.flags, TO_WORKER, TO_HOST, HOST_SPIN_MS);
    const worker = new Worker(new URL('./script-worker.js', import.meta.url), {
      workerData: { port: port2, signal, memoryLimit: this.options.memoryLimit },
      transferList: [port2],
    });
    this.worker = worker;
    let died: (value: ScriptValue) => void = () => undefined;
    this.exited = new Promise((resolve) => (died = resolve));
    const gone = (): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.ready = false;
      died(scriptError(this.running?.killed ? KILLED_MESSAGE : 'ERR the script worker stopped'));
      // Queued jobs start a new worker.
      if (this.queue.length > 0) this.boot();
    };
    worker.on('error', gone);
    worker.on('exit', gone);
    void this.channel.receiveLater().then((message) => {
      if (this.worker !== worker || (message as WorkerMessage).type !== 'ready') return;
      this.ready = true;
      this.busy = false;
      this.queue.shift()?.();
    });
  }

  /** Ends the worker, whatever it runs; the running script ends with an error (its writes stay). */
  stop(): void {
    void this.worker?.terminate();
  }

  private start(job: ScriptJob, syncBudgetMs: number): ScriptValue | Promise<ScriptValue> {
    Atomics.store(this.flags, KILL_FLAG, 0);
    this.running = { job, startedAt: performance.now(), killed: false };
    job.begin();
    this.send({ type: 'run', program: job.program, keys: job.keys, argv: job.argv });
    const deadline = performance.now() + syncBudgetMs;
    for (;;) {
      const left = deadline - performance.now();
      const message = left > 0 ? (this.receive(left) as WorkerMessage | undefined) : undefined;
      if (message === undefined) return this.finishLater(job);
      const result = this.handle(message, job);
      if (result !== undefined) return this.finished(result);
    }
  }

  private async finishLater(job: ScriptJob): Promise<ScriptValue> {
    const channel = this.channel as ThreadChannel;
    for (;;) {
      const message = await Promise.race([channel.receiveLater() as Promise<WorkerMessage>, this.exited.then((result) => ({ type: 'done', result }) as const)]);
      const result = this.handle(message, job);
      if (result !== undefined) return this.finished(result);
    }
  }

  /** One message from the worker; the script's result once it is done. */
  private handle(message: WorkerMessage, job: ScriptJob): ScriptValue | undefined {
    switch (message.type) {
      case 'call':
        this.send({ type: 'reply', value: job.call(message.args, message.resp) });
        return undefined;
      case 'log':
        this.options.log(message.level, message.message);
        return undefined;
      case 'done':
        return message.result;
      default:
        return undefined;
    }
  }

  private finished(result: ScriptValue): ScriptValue {
    const job = this.running?.job;
    this.running = undefined;
    job?.end();
    const waiters = this.endWaiters;
    this.endWaiters = [];
    for (const wake of waiters) wake();
    return result;
  }

  private send(message: HostMessage): void {
    (this.channel as ThreadChannel).send(message);
  }

  private receive(timeoutMs: number): unknown {
    return (this.channel as ThreadChannel).receive(timeoutMs);
  }
}
