import { workerData, type MessagePort } from 'node:worker_threads';
import { LuaRuntime } from './lua-runtime.js';
import type { ScriptValue } from './script-value.js';
import { KILL_FLAG, ThreadChannel, TO_HOST, TO_WORKER } from './thread-channel.js';
import type { HostMessage, WorkerMessage } from './worker-messages.js';

/**
 * The script worker: one Lua runtime on its own thread, so that a long or looping script never
 * stops the server's event loop. It does nothing but wait for a request, run it, and answer;
 * redis.call blocks it until the server has run the command.
 */
const { port, signal, memoryLimit } = workerData as { port: MessagePort; signal: SharedArrayBuffer; memoryLimit: number };
const flags = new Int32Array(signal);
const channel = new ThreadChannel(port, flags, TO_HOST, TO_WORKER);
const send = (message: WorkerMessage): void => channel.send(message);

const runtime = await LuaRuntime.create(memoryLimit, () => Atomics.load(flags, KILL_FLAG) === 1);
const io = {
  call(args: string[], resp: 2 | 3): ScriptValue {
    send({ type: 'call', args, resp });
    return (channel.receive(Infinity) as { value: ScriptValue }).value;
  },
  log(level: number, message: string): void {
    send({ type: 'log', level, message });
  },
};
send({ type: 'ready' });

for (;;) {
  const request = channel.receive(Infinity) as HostMessage;
  if (request.type === 'load') send({ type: 'loaded', error: runtime.load(request.sha, request.source) });
  else if (request.type === 'library') send({ type: 'library-loaded', outcome: runtime.loadLibrary(request.name, request.code) });
  else if (request.type === 'flush') runtime.flush();
  else if (request.type === 'run') {
    const program = request.program;
    if (program.kind === 'function') send({ type: 'done', result: runtime.runFunction(program.library, program.code, program.name, request.keys, request.argv, io) });
    else {
      const error = runtime.load(program.sha, program.source);
      send({ type: 'done', result: error === undefined ? runtime.run(program.sha, request.keys, request.argv, io) : { err: error } });
    }
  }
}
