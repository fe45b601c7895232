import { KILLED_MESSAGE, LuaRuntime, type ActiveRun, type RegisteredFunction, type RuntimeLimits } from './lua-runtime.js';
import type { ScriptProgram } from './script-program.js';
import { isScriptError, scriptError, type ScriptValue } from './script-value.js';

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
  /** Runs one command for the script; errors as `{err}`. */
  call(args: string[], resp: 2 | 3): ScriptValue;
  /** Whether the script has written (SCRIPT KILL then refuses: UNKILLABLE). */
  wrote(): boolean;
}

export type KillOutcome = 'not-busy' | 'unkillable' | 'killed';
type LibraryOutcome = { functions: RegisteredFunction[] } | { error: string };

/** How long a script runs before the event loop gets a turn, once it has outrun its first slice. */
const SLICE_MS = 5;

/**
 * The one Lua runtime and the scripts waiting for it. A script runs on the server's thread, a slice
 * at a time: the first slice (`syncBudgetMs`) answers most scripts at once, with redis.call a plain
 * function call; a longer script yields at the end of each slice, so the event loop serves other
 * clients between slices, and SCRIPT KILL or SHUTDOWN NOSAVE can stop it. Jobs run one at a time.
 */
export class ScriptHost {
  private runtime: LuaRuntime | undefined;
  private booting: Promise<void> | undefined;
  private busy = false;
  private readonly queue: (() => void)[] = [];
  private endWaiters: (() => void)[] = [];
  /** The script running now and when it started (performance.now()). */
  running: { job: ScriptJob; startedAt: number; run: ActiveRun | undefined } | undefined;

  constructor(private readonly options: RuntimeLimits & { log(level: number, message: string): void; internalError(error: unknown): void }) {}

  /** Loads the runtime ahead of the first script (it takes a few tens of milliseconds). */
  warmUp(): Promise<void> {
    this.booting ??= LuaRuntime.create(this.options).then((runtime) => {
      this.runtime = runtime;
      this.queue.shift()?.();
    });
    return this.booting;
  }

  /** Runs a script; the result synchronously when it finished within `syncBudgetMs`. */
  run(job: ScriptJob, syncBudgetMs: number): ScriptValue | Promise<ScriptValue> {
    return this.exclusive((runtime) => this.start(runtime, job, syncBudgetMs));
  }

  /**
   * Runs a script to its end now, without giving the event loop a turn (inside EXEC, which answers
   * at once): past `budgetMs` it is stopped (its writes stay) and `overrun` is its result.
   * Undefined when the runtime is not free (still loading, or another script runs).
   */
  runNow(job: ScriptJob, budgetMs: number, overrun: string): ScriptValue | undefined {
    const runtime = this.runtime;
    if (runtime === undefined || this.busy) return undefined;
    this.busy = true;
    try {
      return this.start(runtime, job, budgetMs, overrun) as ScriptValue;
    } finally {
      this.next();
    }
  }

  /** Compiles a script (SCRIPT LOAD): Redis's compile error, or undefined. */
  compile(sha: string, source: string): string | undefined | Promise<string | undefined> {
    return this.exclusive((runtime) => runtime.load(sha, source));
  }

  /** Loads a function library (FUNCTION LOAD): the functions it registers, or Redis's error. */
  loadLibrary(name: string, code: string): LibraryOutcome | Promise<LibraryOutcome> {
    return this.exclusive((runtime) => runtime.loadLibrary(name, code));
  }

  /** SCRIPT FLUSH: the runtime forgets what it compiled. */
  flush(): void {
    if (this.runtime !== undefined) void this.exclusive((runtime) => runtime.flush());
  }

  /** Resolves when the running script ends (at once when none runs). */
  ended(): Promise<void> {
    if (this.running === undefined) return Promise.resolve();
    return new Promise((resolve) => this.endWaiters.push(resolve));
  }

  /** SCRIPT KILL: stops a script that has not written. */
  kill(): KillOutcome {
    const running = this.running;
    if (running === undefined) return 'not-busy';
    if (running.job.wrote()) return 'unkillable';
    this.runtime?.kill();
    return 'killed';
  }

  /** SHUTDOWN NOSAVE, server stop, a script past its time inside EXEC: the running script fails at once (its writes stay). */
  stop(): void {
    if (this.running !== undefined) this.runtime?.kill();
  }

  /** Stops the running script and waits for it to end. */
  async close(): Promise<void> {
    this.stop();
    await this.ended();
  }

  private exclusive<T>(work: (runtime: LuaRuntime) => T | Promise<T>): T | Promise<T> {
    const runtime = this.runtime;
    if (runtime !== undefined && !this.busy) {
      this.busy = true;
      let result: T | Promise<T>;
      try {
        result = work(runtime);
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
    void this.warmUp();
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
    this.queue.shift()?.();
  }

  /** Starts a job; past `syncBudgetMs` it goes on a slice at a time, or, given `overrun`, is stopped with that error. */
  private start(runtime: LuaRuntime, job: ScriptJob, syncBudgetMs: number, overrun?: string): ScriptValue | Promise<ScriptValue> {
    this.running = { job, startedAt: performance.now(), run: undefined };
    try {
      job.begin();
      const io = { call: (args: string[], resp: 2 | 3) => job.call(args, resp), log: (level: number, message: string) => this.options.log(level, message) };
      const run = runtime.begin(job.program, job.keys, job.argv, io);
      if (!isActiveRun(run)) return this.finished(run);
      this.running.run = run;
      const result = runtime.step(run, syncBudgetMs);
      if (result !== undefined) return this.finished(result);
      if (overrun === undefined) return this.finishLater(runtime, run);
      runtime.kill();
      return this.stepToEnd(runtime, run, overrun);
    } catch (error) {
      return this.broken(runtime, error);
    }
  }

  /** The rest of a long script, a slice per event-loop turn. */
  private async finishLater(runtime: LuaRuntime, run: ActiveRun): Promise<ScriptValue> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      try {
        const result = runtime.step(run, SLICE_MS);
        if (result !== undefined) return this.finished(result);
      } catch (error) {
        return this.broken(runtime, error);
      }
    }
  }

  /** Steps a script told to stop to its end, without a pause; its kill error reads as `overrun`. */
  private stepToEnd(runtime: LuaRuntime, run: ActiveRun, overrun: string): ScriptValue {
    for (;;) {
      const result = runtime.step(run, Infinity);
      if (result !== undefined && isScriptError(result) && result.err === KILLED_MESSAGE) return this.finished(scriptError(overrun));
      if (result !== undefined) return this.finished(result);
    }
  }

  /**
   * The runtime threw where Lua should have reported (a bug, or a broken wasm heap): the running
   * script ends with an error, its writes kept, and the next script gets a new runtime.
   */
  private broken(runtime: LuaRuntime, error: unknown): ScriptValue {
    this.options.internalError(error);
    if (this.runtime === runtime) {
      this.runtime = undefined;
      this.booting = undefined;
      void this.warmUp();
    }
    return this.finished(scriptError('ERR the scripting engine failed while running the script and was restarted; writes it made are kept'));
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
}

function isActiveRun(value: ActiveRun | ScriptValue): value is ActiveRun {
  return typeof value === 'object' && value !== null && 'thread' in value && 'ref' in value;
}
