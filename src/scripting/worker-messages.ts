import type { RegisteredFunction } from './lua-runtime.js';
import type { ScriptValue } from './script-value.js';

/** What runs: an EVAL script by its sha, or a function of a library (FCALL). */
export type ScriptProgram = { kind: 'script'; sha: string; source: string } | { kind: 'function'; library: string; code: string; name: string };

/** What the server asks of the script worker. */
export type HostMessage =
  | { type: 'load'; sha: string; source: string }
  | { type: 'library'; name: string; code: string }
  | { type: 'run'; program: ScriptProgram; keys: string[]; argv: string[] }
  | { type: 'flush' }
  | { type: 'reply'; value: ScriptValue };

/** What the script worker tells the server. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'loaded'; error: string | undefined }
  | { type: 'library-loaded'; outcome: { functions: RegisteredFunction[] } | { error: string } }
  | { type: 'call'; args: string[]; resp: 2 | 3 }
  | { type: 'log'; level: number; message: string }
  | { type: 'done'; result: ScriptValue };
