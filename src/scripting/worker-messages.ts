import type { ScriptValue } from './script-value.js';

/** What the server asks of the script worker. */
export type HostMessage =
  | { type: 'load'; sha: string; source: string }
  | { type: 'run'; sha: string; source: string; keys: string[]; argv: string[] }
  | { type: 'flush' }
  | { type: 'reply'; value: ScriptValue };

/** What the script worker tells the server. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'loaded'; error: string | undefined }
  | { type: 'call'; args: string[]; resp: 2 | 3 }
  | { type: 'log'; level: number; message: string }
  | { type: 'done'; result: ScriptValue };
