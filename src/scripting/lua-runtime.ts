import { createHash } from 'node:crypto';
import { pack, unpack } from 'msgpackr';
import { LuaFactory, type LuaEngine } from 'wasmoon';
import { formatDouble } from '../formats/double-text.js';
import { LUA_PRELUDE } from './lua-prelude.js';
import type { ScriptProgram } from './script-program.js';
import { isScriptError, scriptError, type ScriptValue } from './script-value.js';

/** What a running script reaches outside Lua. */
export interface ScriptIo {
  /** Runs a command for redis.call / redis.pcall; errors come back as `{err}`. */
  call(args: string[], resp: 2 | 3): ScriptValue;
  log(level: number, message: string): void;
}

// Lua's C API constants (lua.h, Lua 5.4).
const REGISTRY = -1_000_000 - 1000;
const RIDX_GLOBALS = 2n;
const T_NIL = 0;
const T_BOOLEAN = 1;
const T_NUMBER = 3;
const T_STRING = 4;
const T_TABLE = 5;
const YIELD = 1;
const ERR_MEMORY = 4;
const MASK_COUNT = 8;
/** Instructions between two looks at the kill flag. */
const HOOK_EVERY = 10_000;
/** Redis's limit on nested tables in a reply. */
const MAX_DEPTH = 100;

export const KILLED_MESSAGE = 'ERR Script killed by user with SCRIPT KILL...';
export const UNPAUSABLE_MESSAGE = 'ERR Script stopped: it ran past busy-reply-threshold where it cannot pause (inside a C call such as table.sort, string.gsub or __tostring)';

/** A script on its Lua thread, between slices. */
export interface ActiveRun {
  readonly thread: number;
  /** The registry reference that keeps the thread alive. */
  readonly ref: number;
  /** What errors name: the script's sha or the function's name. */
  readonly label: string;
  readonly args: number;
  started: boolean;
}

/** A function a library registered, with its flags (no-writes, ...). */
export interface RegisteredFunction {
  name: string;
  flags: string[];
}

/** The raw exports of wasmoon's Lua build that the conversions call on every value. */
interface LuaModule {
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  addFunction(fn: (...args: number[]) => number | void, signature: string): number;
  _lua_gettop(L: number): number;
  _lua_settop(L: number, index: number): void;
  _lua_type(L: number, index: number): number;
  _lua_tolstring(L: number, index: number, lengthPointer: number): number;
  _lua_pushlstring(L: number, pointer: number, length: number): number;
  _lua_pushinteger(L: number, n: bigint): void;
  _lua_pushnumber(L: number, n: number): void;
  _lua_pushboolean(L: number, b: number): void;
  _lua_pushnil(L: number): void;
  _lua_createtable(L: number, arraySize: number, recordSize: number): void;
  _lua_rawseti(L: number, index: number, n: bigint): void;
  _lua_rawgeti(L: number, index: number, n: bigint): number;
  _lua_rawset(L: number, index: number): void;
  _lua_rawget(L: number, index: number): number;
  _lua_isinteger(L: number, index: number): number;
  _lua_tointegerx(L: number, index: number, isNumber: number): bigint;
  _lua_tonumberx(L: number, index: number, isNumber: number): number;
  _lua_toboolean(L: number, index: number): number;
  _lua_next(L: number, index: number): number;
  _lua_pcallk(L: number, args: number, results: number, handler: number, context: number, continuation: number): number;
  _lua_error(L: number): number;
  _luaL_ref(L: number, table: number): number;
  _luaL_unref(L: number, table: number, ref: number): void;
  _lua_sethook(L: number, hook: number, mask: number, count: number): void;
  _lua_newthread(L: number): number;
  _lua_resume(L: number, from: number, args: number, resultsPointer: number): number;
  _lua_yieldk(L: number, results: number, context: number, continuation: number): number;
  _lua_isyieldable(L: number): number;
  _lua_xmove(from: number, to: number, n: number): void;
  _lua_pushcclosure(L: number, fn: number, upvalues: number): void;
  _lua_checkstack(L: number, n: number): number;
}

/** How the runtime is set up: its memory cap, and how long a script may run where it cannot pause. */
export interface RuntimeLimits {
  memoryLimit: number;
  /**
   * Inside a C call (a table.sort comparator, a gsub callback, __tostring) a script cannot yield,
   * so the event loop waits: past this many milliseconds of that, the script is stopped.
   */
  unpausableMs(): number;
}

/**
 * One Lua 5.4 state (wasmoon), reused for every script: compiled scripts stay in its registry, and
 * values cross with Redis's conversion rules, byte for byte (strings go through the wasm heap, never
 * through UTF-8 text).
 */
export class LuaRuntime {
  private readonly m: LuaModule;
  /** The main Lua state. */
  private readonly main: number;
  /** The state being worked on: the main one, or the coroutine a raw function was called from. */
  private L: number;
  private readonly scripts = new Map<string, number>();
  private readonly lengthPointer: number;
  private scratch = 0;
  private scratchSize = 0;
  private resp: 2 | 3 = 2;
  private io: ScriptIo | undefined;
  private beforeRun = 0;
  private errorInfoRef = 0;
  /** The thread of the running script, when its slice ends, and whether the hook yielded it. */
  private runThread = 0;
  private sliceEnd = 0;
  private hookYielded = false;
  private killRequested = false;
  /** When a script that cannot pause is stopped (performance.now()). */
  private deadline = Infinity;
  /** The hook paused a coroutine inside the script: its resumer passes the pause up (see the prelude). */
  private nestedPause = false;
  private readonly prepareFunction: number;
  private preparing: { program: ScriptProgram; keys: readonly string[]; argv: readonly string[] } | undefined;
  private prepared: { thread: number; ref: number; args: number } | undefined;
  private loadLibraryRef = 0;
  private callFunctionRef = 0;
  private readonly libraries = new Map<string, { code: string; functions: RegisteredFunction[] }>();

  private constructor(
    private readonly engine: LuaEngine,
    private readonly limits: RuntimeLimits,
  ) {
    this.m = engine.global.lua.module as unknown as LuaModule;
    this.main = engine.global.address;
    this.L = this.main;
    this.lengthPointer = this.m._malloc(4);
    this.prepareFunction = this.m.addFunction((state: number) => this.prepareRun(state), 'ii');
  }

  static async create(limits: RuntimeLimits): Promise<LuaRuntime> {
    const engine = await new LuaFactory().createEngine({ openStandardLibs: true, injectObjects: false, enableProxy: false, traceAllocations: true });
    const runtime = new LuaRuntime(engine, limits);
    runtime.installPrelude();
    engine.global.setMemoryMax(limits.memoryLimit);
    return runtime;
  }

  has(sha: string): boolean {
    return this.scripts.has(sha);
  }

  /** Compiles a script under its sha; the compile error in Redis's words, or undefined. */
  load(sha: string, source: string): string | undefined {
    if (this.scripts.has(sha)) return undefined;
    const { L, m } = this;
    const top = m._lua_gettop(L);
    const pointer = this.bytes(source);
    const status = this.engine.global.lua.luaL_loadbufferx(L, pointer, Buffer.byteLength(source, 'latin1'), '@user_script', 't');
    if (status !== 0) {
      const message = this.readString(-1);
      m._lua_settop(L, top);
      return `ERR Error compiling script (new function): ${message}`;
    }
    this.scripts.set(sha, m._luaL_ref(L, REGISTRY));
    return undefined;
  }

  /** Forgets every compiled script (SCRIPT FLUSH). */
  flush(): void {
    for (const ref of this.scripts.values()) this.m._luaL_unref(this.L, REGISTRY, ref);
    this.scripts.clear();
  }

  /**
   * Loads a function library (FUNCTION LOAD) under its name, replacing what it held: the functions
   * it registered with their flags, or Redis's error. Loading the same code again changes nothing.
   */
  loadLibrary(library: string, code: string): { functions: RegisteredFunction[] } | { error: string } {
    const loaded = this.libraries.get(library);
    if (loaded?.code === code) return { functions: loaded.functions };
    const { L, m } = this;
    const top = m._lua_gettop(L);
    try {
      m._lua_rawgeti(L, REGISTRY, BigInt(this.loadLibraryRef));
      this.pushString(library);
      // The `#!lua name=...` line is metadata, not Lua; blanking it keeps the line numbers.
      const body = code.replace(/^#![^\n]*/, '');
      const pointer = this.bytes(body);
      if (this.engine.global.lua.luaL_loadbufferx(L, pointer, body.length, '@user_function', 't') !== 0) return { error: `ERR Error compiling function: ${this.readString(-1)}` };
      // A library's top level runs here, where it cannot pause: it gets the unpausable limit.
      this.deadline = performance.now() + this.limits.unpausableMs();
      if (m._lua_pcallk(L, 2, 1, 0, 0, 0) !== 0) return { error: `ERR Error registering functions: ${this.errorText(-1)}` };
      const listed = this.readPlain(-1, 0, 'text');
      const functions = (Array.isArray(listed) ? listed : []).map((entry: { name: string; flags: unknown }) => ({
        name: entry.name,
        flags: Array.isArray(entry.flags) ? (entry.flags as string[]) : [],
      }));
      this.libraries.set(library, { code, functions });
      return { functions };
    } finally {
      this.deadline = Infinity;
      this.killRequested = false;
      m._lua_settop(L, top);
    }
  }

  /**
   * Starts a script or function on a new Lua thread: step() then runs it a slice at a time. A value
   * instead when it cannot start (it does not compile, the function is not there).
   */
  begin(program: ScriptProgram, keys: readonly string[], argv: readonly string[], io: ScriptIo): ActiveRun | ScriptValue {
    const L = this.main;
    const m = this.m;
    let label: string;
    if (program.kind === 'script') {
      const error = this.load(program.sha, program.source);
      if (error !== undefined) return scriptError(error);
      label = program.sha;
    } else {
      const loaded = this.loadLibrary(program.library, program.code);
      if ('error' in loaded) return scriptError(loaded.error);
      if (!loaded.functions.some((fn) => fn.name === program.name)) return scriptError('ERR Function not found');
      label = program.name;
    }
    this.resp = 2;
    this.killRequested = false;
    this.callRef(this.beforeRun);
    // Building KEYS and ARGV allocates (a big ARGV can pass the memory cap): it runs protected.
    this.preparing = { program, keys, argv };
    this.prepared = undefined;
    m._lua_pushcclosure(L, this.prepareFunction, 0);
    const status = m._lua_pcallk(L, 0, 0, 0, 0, 0);
    this.preparing = undefined;
    const prepared = this.prepared as { thread: number; ref: number; args: number } | undefined;
    if (status !== 0 || prepared === undefined) {
      const message = status === ERR_MEMORY ? this.outOfMemory(label) : scriptError(`ERR ${this.readString(-1)}`);
      m._lua_settop(L, 0);
      return message;
    }
    this.io = io;
    return { ...prepared, label, started: false };
  }

  /**
   * Inside a protected call: sets KEYS and ARGV (a function sees neither, as in Redis), starts the
   * run's thread and pushes what it calls onto it.
   */
  private prepareRun(state: number): number {
    const m = this.m;
    const { program, keys, argv } = this.preparing as NonNullable<typeof this.preparing>;
    const outer = this.L;
    try {
      this.L = state;
      m._lua_rawgeti(state, REGISTRY, RIDX_GLOBALS);
      this.setField('KEYS', () => (program.kind === 'script' ? this.pushStrings(keys) : m._lua_pushnil(state)));
      this.setField('ARGV', () => (program.kind === 'script' ? this.pushStrings(argv) : m._lua_pushnil(state)));
      m._lua_settop(state, -2);
      const thread = m._lua_newthread(state);
      const ref = m._luaL_ref(state, REGISTRY);
      this.L = thread;
      let args = 0;
      if (program.kind === 'script') m._lua_rawgeti(thread, REGISTRY, BigInt(this.scripts.get(program.sha) as number));
      else {
        m._lua_rawgeti(thread, REGISTRY, BigInt(this.callFunctionRef));
        this.pushString(program.library);
        this.pushString(program.name);
        this.pushStrings(keys);
        this.pushStrings(argv);
        args = 4;
      }
      this.prepared = { thread, ref, args };
      return 0;
    } catch (error) {
      this.L = state;
      return this.raiseAsLuaError(error);
    } finally {
      this.L = outer;
    }
  }

  private outOfMemory(label: string): ScriptValue {
    return scriptError(`ERR Out of memory: the script needed more than the scripting memory limit script: ${label}.`);
  }

  /**
   * Runs a started script for about `sliceMs`: its result once it ends, or undefined when it
   * yielded at the end of its slice (the caller lets the event loop run, then steps again). The
   * instruction hook yields the script's thread: Lua 5.4 lets a count hook yield, even inside pcall.
   */
  step(run: ActiveRun, sliceMs: number): ScriptValue | undefined {
    const m = this.m;
    this.sliceEnd = performance.now() + sliceMs;
    this.deadline = this.sliceEnd + this.limits.unpausableMs();
    this.runThread = run.thread;
    this.hookYielded = false;
    this.nestedPause = false;
    let status: number;
    try {
      status = m._lua_resume(run.thread, this.main, run.started ? 0 : run.args, this.lengthPointer);
    } finally {
      run.started = true;
      this.runThread = 0;
      this.deadline = Infinity;
    }
    if (status === YIELD && this.hookYielded) return undefined;
    const results = m.HEAPU32[this.lengthPointer >> 2];
    try {
      this.L = run.thread;
      if (status === YIELD) return scriptError(`ERR attempt to yield from outside a coroutine script: ${run.label}.`);
      if (status === 0) return results === 0 ? null : this.readResult(-results, 0);
      if (status === ERR_MEMORY) return this.outOfMemory(run.label);
      return this.errorReply(run);
    } catch (error) {
      return scriptError(error instanceof ConversionError ? error.message : `ERR ${String(error)}`);
    } finally {
      this.L = this.main;
      m._lua_settop(this.main, 0);
      m._luaL_unref(this.main, REGISTRY, run.ref);
      this.io = undefined;
      // A kill that came as the script ended must not stop the next one.
      this.killRequested = false;
      this.deadline = Infinity;
    }
  }

  /** SCRIPT KILL: the running script fails at its next instruction hook, and at every one after. */
  kill(): void {
    this.killRequested = true;
  }

  /**
   * A failed run's error as Redis words it: `<error> script: <sha or function>, on @user_script:<line>.`
   * The line comes from the dead thread's stack, which Lua leaves for inspection.
   */
  private errorReply(run: ActiveRun): ScriptValue {
    const m = this.m;
    const L = this.main;
    this.L = L;
    m._lua_rawgeti(L, REGISTRY, BigInt(this.errorInfoRef));
    m._lua_rawgeti(L, REGISTRY, BigInt(run.ref));
    m._lua_xmove(run.thread, L, 1);
    const sha = run.label;
    // error_info may run the error's __tostring, where nothing can pause.
    this.deadline = performance.now() + this.limits.unpausableMs();
    const status = m._lua_pcallk(L, 2, 1, 0, 0, 0);
    this.deadline = Infinity;
    if (status !== 0 || m._lua_type(L, -1) !== T_TABLE) return scriptError(`${this.errorText(-1).replace(/^(?!ERR )/, 'ERR ')} script: ${sha}.`);
    const message = this.field(-1, 'err', () => this.readString(-1));
    const line = this.field(-1, 'line', () => (m._lua_type(L, -1) === T_NUMBER ? String(m._lua_tonumberx(L, -1, 0)) : '?'));
    const raised = this.field(-1, 'raised', () => m._lua_toboolean(L, -1) === 1);
    const source = this.field(-1, 'source', () => this.readString(-1));
    return scriptError(`${raised ? 'ERR ' : ''}${message} script: ${sha}, on @${source}:${line}.`);
  }

  private installPrelude(): void {
    const { L, m } = this;
    const lua = this.engine.global.lua;
    const register = (name: string, fn: (state: number) => number): void => {
      const entered = (state: number): number => {
        const outer = this.L;
        this.L = state;
        try {
          return fn(state);
        } finally {
          this.L = outer;
        }
      };
      m._lua_pushcclosure(L, m.addFunction(entered, 'ii'), 0);
      lua.lua_setglobal(L, `__eddy_${name}`);
    };
    register('call', () => this.redisCall(true));
    register('pcall', () => this.redisCall(false));
    register('log', (state) => {
      this.io?.log(Number(m._lua_tonumberx(state, 1, 0)), this.readString(2));
      return 0;
    });
    register('sha1hex', () => {
      this.pushString(
        createHash('sha1')
          .update(Buffer.from(this.readString(1), 'latin1'))
          .digest('hex'),
      );
      return 1;
    });
    // Asked by the prelude's coroutine.resume after each resume: did the hook pause the coroutine?
    // The pause goes up while the asking thread can yield (`can_pass`); the script's own thread
    // taking it ends the slice.
    register('hook_paused', (state) => {
      const paused = this.nestedPause;
      const canPass = m._lua_toboolean(state, 1) === 1;
      if (paused && (state === this.runThread || !canPass)) this.nestedPause = false;
      if (paused && canPass && state === this.runThread) this.hookYielded = true;
      m._lua_pushboolean(state, paused ? 1 : 0);
      return 1;
    });
    register('setresp', (state) => {
      this.resp = m._lua_tonumberx(state, 1, 0) === 3 ? 3 : 2;
      return 0;
    });
    register('json_encode', () => this.guarded(() => this.pushString(Buffer.from(JSON.stringify(this.readPlain(1, 0, 'text')) ?? 'null', 'utf8').toString('latin1'))));
    register('json_decode', () => this.guarded(() => this.pushPlain(JSON.parse(Buffer.from(this.readString(1), 'latin1').toString('utf8')), 0)));
    register('msgpack_pack', () => this.guarded(() => this.pushString(pack(this.readPlain(1, 0, 'bytes')).toString('latin1'))));
    register('msgpack_unpack', () => this.guarded(() => this.pushPlain(unpack(Buffer.from(this.readString(1), 'latin1')), 0)));
    this.pushString(KILLED_MESSAGE);
    lua.lua_setglobal(L, '__eddy_killed');
    const top = m._lua_gettop(L);
    const pointer = this.bytes(LUA_PRELUDE);
    if (lua.luaL_loadbufferx(L, pointer, LUA_PRELUDE.length, '=prelude', 't') !== 0 || m._lua_pcallk(L, 0, 4, 0, 0, 0) !== 0)
      throw new Error(`Lua prelude failed: ${this.readString(-1)}`);
    this.callFunctionRef = m._luaL_ref(L, REGISTRY);
    this.loadLibraryRef = m._luaL_ref(L, REGISTRY);
    this.errorInfoRef = m._luaL_ref(L, REGISTRY);
    this.beforeRun = m._luaL_ref(L, REGISTRY);
    m._lua_settop(L, top);
    // Every HOOK_EVERY instructions: a killed script fails (and again at every later look, so
    // pcall cannot keep it alive); a script past its slice yields, where Lua allows it.
    const hook = m.addFunction((state: number) => {
      const now = performance.now();
      if (this.killRequested || now > this.deadline) this.raiseFatal(state, this.killRequested ? KILLED_MESSAGE : UNPAUSABLE_MESSAGE);
      else if (this.runThread !== 0 && now > this.sliceEnd && m._lua_isyieldable(state) === 1) {
        // The script's own thread yields to step(); a coroutine inside it yields to its resumer,
        // which passes the pause up (the prelude's coroutine.resume).
        if (state === this.runThread) this.hookYielded = true;
        else this.nestedPause = true;
        m._lua_yieldk(state, 0, 0, 0);
      }
    }, 'vii');
    m._lua_sethook(L, hook, MASK_COUNT, HOOK_EVERY);
  }

  /** Raises an error no pcall keeps: the prelude's pcall and coroutine.resume raise it again. */
  private raiseFatal(state: number, message: string): void {
    const outer = this.L;
    this.L = state;
    this.pushTable({ err: message });
    this.setField('fatal', () => this.m._lua_pushboolean(state, 1));
    this.L = outer;
    this.m._lua_error(state);
  }

  /**
   * redis.call (`raise`: errors are raised) and redis.pcall (errors are returned). They are C
   * functions to Lua, so that `return redis.call(...)` keeps the script's frame for error lines.
   */
  private redisCall(raise: boolean): number {
    const { L, m } = this;
    const count = m._lua_gettop(L);
    let reply: ScriptValue;
    if (count < 1) reply = scriptError('ERR Please specify at least one argument for this redis lib call');
    else {
      const args: string[] = [];
      for (let i = 1; i <= count; i++) {
        const type = m._lua_type(L, i);
        if (type === T_NUMBER) args.push(this.numberText(i));
        else if (type === T_STRING) args.push(this.readString(i));
        else break;
      }
      if (args.length < count) reply = scriptError('ERR Lua redis lib command arguments must be strings or integers');
      // A library runs its top level at FUNCTION LOAD, where no command may run.
      else if (this.io === undefined) reply = scriptError('ERR redis.call is not allowed while a library loads');
      else reply = this.io.call(args, this.resp);
    }
    if (isScriptError(reply)) {
      this.pushTable(reply);
      return raise ? m._lua_error(L) : 1;
    }
    this.pushValue(reply, 0);
    return 1;
  }

  /** A raw function whose conversion may fail: the failure becomes a Lua error. */
  private guarded(work: () => void): number {
    try {
      work();
      return 1;
    } catch (error) {
      return this.raiseAsLuaError(error);
    }
  }

  /**
   * A JS error inside a raw function becomes a Lua error on the current state. A Lua error (a
   * longjmp, which emscripten throws as a non-Error) or a broken wasm heap is not ours to turn into
   * a message: it goes on up.
   */
  private raiseAsLuaError(error: unknown): number {
    if (!(error instanceof Error) || error instanceof WebAssembly.RuntimeError) throw error;
    this.pushString(error.message);
    return this.m._lua_error(this.L);
  }

  private callRef(ref: number): void {
    this.m._lua_rawgeti(this.L, REGISTRY, BigInt(ref));
    this.m._lua_pcallk(this.L, 0, 0, 0, 0, 0);
  }

  // ---- Lua -> Redis (a script's result), Redis's conversion table

  private readResult(index: number, depth: number): ScriptValue {
    const { L, m } = this;
    switch (m._lua_type(L, index)) {
      case T_BOOLEAN: {
        const value = m._lua_toboolean(L, index) === 1;
        // RESP2 has no booleans: true is 1, false is a null bulk.
        return this.resp === 3 ? value : value ? 1 : null;
      }
      case T_NUMBER:
        return m._lua_isinteger(L, index) === 1 ? integerValue(m._lua_tointegerx(L, index, 0)) : integerOfFloat(m._lua_tonumberx(L, index, 0));
      case T_STRING:
        return this.readString(index);
      case T_TABLE:
        this.ensureStack();
        return this.readTable(this.absolute(index), depth);
      default:
        return null;
    }
  }

  private readTable(table: number, depth: number): ScriptValue {
    if (depth > MAX_DEPTH) throw new ConversionError('ERR reached lua stack limit');
    const { L, m } = this;
    const err = this.field(table, 'err', () => (m._lua_type(L, -1) === T_STRING ? this.readString(-1) : undefined));
    if (err !== undefined) return { err };
    const ok = this.field(table, 'ok', () => (m._lua_type(L, -1) === T_STRING ? this.readString(-1) : undefined));
    if (ok !== undefined) return { ok };
    if (this.resp === 3) {
      const tagged =
        this.field(table, 'double', () => (m._lua_type(L, -1) === T_NUMBER ? { double: m._lua_tonumberx(L, -1, 0) } : undefined)) ??
        this.field(table, 'big_number', () => (m._lua_type(L, -1) === T_STRING ? { big: this.readString(-1) } : undefined)) ??
        this.field(table, 'map', () => (m._lua_type(L, -1) === T_TABLE ? { map: this.readPairs(this.absolute(-1), depth, true) } : undefined)) ??
        this.field(table, 'set', () => (m._lua_type(L, -1) === T_TABLE ? { set: this.readPairs(this.absolute(-1), depth, false) } : undefined));
      if (tagged !== undefined) return tagged;
    }
    // An array stops at its first nil, as Redis's conversion does.
    const items: ScriptValue[] = [];
    for (let i = 1; ; i++) {
      const type = m._lua_rawgeti(L, table, BigInt(i));
      if (type === T_NIL) {
        m._lua_settop(L, -2);
        return items;
      }
      items.push(this.readResult(-1, depth + 1));
      m._lua_settop(L, -2);
    }
  }

  /** A RESP3 map's key/value pairs (flat), or a set's keys. */
  private readPairs(table: number, depth: number, withValues: boolean): ScriptValue[] {
    const { L, m } = this;
    const flat: ScriptValue[] = [];
    m._lua_pushnil(L);
    while (m._lua_next(L, table) !== 0) {
      flat.push(this.readResult(-2, depth + 1));
      if (withValues) flat.push(this.readResult(-1, depth + 1));
      m._lua_settop(L, -2);
    }
    return flat;
  }

  // ---- Redis -> Lua (a command's reply inside the script)

  private pushValue(value: ScriptValue, depth: number): void {
    const { L, m } = this;
    if (value === null) {
      // A null is false in RESP2 scripts and nil in RESP3 ones (Redis's table).
      if (this.resp === 3) m._lua_pushnil(L);
      else m._lua_pushboolean(L, 0);
    } else if (typeof value === 'string') this.pushString(value);
    else if (typeof value === 'number') {
      if (Number.isInteger(value)) m._lua_pushinteger(L, BigInt(value));
      else m._lua_pushnumber(L, value);
    } else if (typeof value === 'bigint') m._lua_pushinteger(L, BigInt.asIntN(64, value));
    else if (typeof value === 'boolean') m._lua_pushboolean(L, value ? 1 : 0);
    else if (Array.isArray(value)) {
      this.ensureStack();
      m._lua_createtable(L, value.length, 0);
      for (let i = 0; i < value.length; i++) {
        this.pushValue(value[i], depth + 1);
        m._lua_rawseti(L, -2, BigInt(i + 1));
      }
    } else this.pushTable(value, depth);
  }

  /** A tagged value as the one-field table Redis gives Lua ({err=}, {ok=}, {map=}, ...). */
  private pushTable(value: Exclude<ScriptValue, string | number | bigint | boolean | null | ScriptValue[]>, depth = 0): void {
    const { L, m } = this;
    this.ensureStack();
    m._lua_createtable(L, 0, 1);
    if ('err' in value) this.setField('err', () => this.pushString(value.err));
    else if ('ok' in value) this.setField('ok', () => this.pushString(value.ok));
    else if ('double' in value) this.setField('double', () => m._lua_pushnumber(L, value.double));
    else if ('big' in value) this.setField('big_number', () => this.pushString(value.big));
    else if ('verbatim' in value)
      this.setField('verbatim_string', () => {
        m._lua_createtable(L, 0, 2);
        this.setField('format', () => this.pushString(value.verbatim[0]));
        this.setField('string', () => this.pushString(value.verbatim[1]));
      });
    else {
      const isMap = 'map' in value;
      const flat = isMap ? value.map : value.set;
      this.setField(isMap ? 'map' : 'set', () => {
        m._lua_createtable(L, 0, flat.length);
        for (let i = 0; i < flat.length; i += isMap ? 2 : 1) {
          this.pushValue(flat[i], depth + 1);
          if (isMap) this.pushValue(flat[i + 1], depth + 1);
          else m._lua_pushboolean(L, 1);
          m._lua_rawset(L, -3);
        }
      });
    }
  }

  // ---- plain values for cjson and cmsgpack

  /** A Lua value as plain JS data; tables with keys 1..n are arrays. Strings as UTF-8 text or bytes. */
  private readPlain(index: number, depth: number, strings: 'text' | 'bytes'): unknown {
    if (depth > MAX_DEPTH) throw new Error('Cannot serialise, excessive nesting');
    const { L, m } = this;
    switch (m._lua_type(L, index)) {
      case T_BOOLEAN:
        return m._lua_toboolean(L, index) === 1;
      case T_NUMBER:
        return m._lua_isinteger(L, index) === 1 ? Number(m._lua_tointegerx(L, index, 0)) : m._lua_tonumberx(L, index, 0);
      case T_STRING: {
        const bytes = this.readString(index);
        return strings === 'text' ? Buffer.from(bytes, 'latin1').toString('utf8') : Buffer.from(bytes, 'latin1');
      }
      case T_TABLE: {
        this.ensureStack();
        const table = this.absolute(index);
        const entries: [unknown, unknown][] = [];
        m._lua_pushnil(L);
        while (m._lua_next(L, table) !== 0) {
          entries.push([this.readPlain(-2, depth + 1, 'text'), this.readPlain(-1, depth + 1, strings)]);
          m._lua_settop(L, -2);
        }
        const isArray = entries.length > 0 && entries.every(([key]) => typeof key === 'number' && Number.isInteger(key) && key >= 1 && key <= entries.length);
        if (!isArray) return Object.fromEntries(entries.map(([key, value]) => [String(key), value]));
        const array: unknown[] = new Array(entries.length);
        for (const [key, value] of entries) array[(key as number) - 1] = value;
        return array;
      }
      default:
        return null;
    }
  }

  private pushPlain(value: unknown, depth: number): void {
    const { L, m } = this;
    if (depth > MAX_DEPTH) throw new Error('Cannot deserialise, excessive nesting');
    if (value === null || value === undefined) m._lua_pushnil(L);
    else if (typeof value === 'boolean') m._lua_pushboolean(L, value ? 1 : 0);
    else if (typeof value === 'number') {
      if (Number.isSafeInteger(value)) m._lua_pushinteger(L, BigInt(value));
      else m._lua_pushnumber(L, value);
    } else if (typeof value === 'bigint') m._lua_pushinteger(L, BigInt.asIntN(64, value));
    else if (typeof value === 'string') this.pushString(Buffer.from(value, 'utf8').toString('latin1'));
    else if (value instanceof Uint8Array) this.pushString(Buffer.from(value).toString('latin1'));
    else if (Array.isArray(value)) {
      this.ensureStack();
      m._lua_createtable(L, value.length, 0);
      value.forEach((item, i) => {
        this.pushPlain(item, depth + 1);
        m._lua_rawseti(L, -2, BigInt(i + 1));
      });
    } else if (typeof value === 'object') {
      this.ensureStack();
      const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
      m._lua_createtable(L, 0, entries.length);
      for (const [key, item] of entries) {
        this.pushPlain(key, depth + 1);
        this.pushPlain(item, depth + 1);
        m._lua_rawset(L, -3);
      }
    } else m._lua_pushnil(L);
  }

  // ---- strings and fields

  /** A number argument to redis.call as Redis 7.0 writes it: "%.17g" (0.1 is 0.10000000000000001). */
  private numberText(index: number): string {
    const { L, m } = this;
    if (m._lua_isinteger(L, index) === 1) return String(m._lua_tointegerx(L, index, 0));
    return formatDouble(m._lua_tonumberx(L, index, 0));
  }

  /**
   * Room for a few more values on the stack, before each nested table: Lua guarantees C code only
   * 20 slots, and going past them would write over the wasm heap.
   */
  private ensureStack(): void {
    if (this.m._lua_checkstack(this.L, 8) === 0) throw new ConversionError('ERR reached lua stack limit');
  }

  /** An error value as text: a string, or an `{err=...}` table's message. */
  private errorText(index: number): string {
    if (this.m._lua_type(this.L, index) !== T_TABLE) return this.readString(index);
    return this.field(index, 'err', () => this.readString(-1));
  }

  private readString(index: number): string {
    const { L, m } = this;
    const pointer = m._lua_tolstring(L, index, this.lengthPointer);
    if (pointer === 0) return '';
    const length = m.HEAPU32[this.lengthPointer >> 2];
    return Buffer.from(m.HEAPU8.buffer, pointer, length).toString('latin1');
  }

  private pushString(text: string): void {
    this.m._lua_pushlstring(this.L, this.bytes(text), text.length);
  }

  private pushStrings(items: readonly string[]): void {
    this.m._lua_createtable(this.L, items.length, 0);
    for (let i = 0; i < items.length; i++) {
      this.pushString(items[i]);
      this.m._lua_rawseti(this.L, -2, BigInt(i + 1));
    }
  }

  /** Copies `text` (latin1: a byte per character) to scratch memory in the wasm heap; the pointer is valid until the next call. */
  private bytes(text: string): number {
    const length = text.length;
    if (length + 1 > this.scratchSize) {
      if (this.scratch !== 0) this.m._free(this.scratch);
      this.scratchSize = Math.max(length + 1, 4096);
      this.scratch = this.m._malloc(this.scratchSize);
    }
    const heap = this.m.HEAPU8;
    if (length < 64) for (let i = 0; i < length; i++) heap[this.scratch + i] = text.charCodeAt(i);
    else heap.set(Buffer.from(text, 'latin1'), this.scratch);
    return this.scratch;
  }

  /** Sets field `name` of the table on top of the stack to what `push` pushes. */
  private setField(name: string, push: () => void, L = this.L): void {
    this.pushString(name);
    push();
    this.m._lua_rawset(L, -3);
  }

  /** Reads field `name` of the table at `table` with `read` (the value is on top meanwhile). */
  private field<T>(table: number, name: string, read: () => T): T {
    const { L, m } = this;
    const at = this.absolute(table);
    this.pushString(name);
    m._lua_rawget(L, at);
    try {
      return read();
    } finally {
      m._lua_settop(L, -2);
    }
  }

  private absolute(index: number): number {
    return index < 0 && index > REGISTRY ? this.m._lua_gettop(this.L) + index + 1 : index;
  }
}

/** A result that cannot become a reply (nested too deep); its message is the reply. */
class ConversionError extends Error {}

/** A Lua integer as a reply: a number while exact, a bigint past that. */
function integerValue(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

const INT64_MIN = -(2n ** 63n);

/**
 * A float result as Redis's C cast makes it an integer: truncated; out of range or NaN gives
 * INT64_MIN, as the cast does on x86.
 */
function integerOfFloat(x: number): number | bigint {
  if (!Number.isFinite(x) || x >= 2 ** 63 || x < -(2 ** 63)) return INT64_MIN;
  return integerValue(BigInt(Math.trunc(x)));
}
