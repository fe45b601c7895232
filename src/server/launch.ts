import { spawn } from 'node:child_process';
import { totalmem } from 'node:os';
import { ConfigError } from '../config/option-values.js';
import { parseCommandLine } from './command-line.js';
import { availableMemory, heapChosenBy, oldSpaceMbFor } from './heap-size.js';

/**
 * The `eddy` command (bin/eddy.js): runs the server in a Node process whose heap is sized for it
 * (heap-size.ts). V8 takes its heap limit only at start, so unless the operator chose one, this
 * process starts the server again as its child with --max-old-space-size, passes signals on, and
 * exits as the child does; the child stops when this process goes (its IPC channel closes).
 */
const SIZED = 'EDDY_HEAP_SIZED';
const argv = process.argv.slice(2);

function oldSpaceMb(): number | undefined {
  if (process.env[SIZED] !== undefined || heapChosenBy(process.env.NODE_OPTIONS ?? '', process.execArgv)) return undefined;
  if (argv.some((arg) => ['--help', '-h', '--version', '-v', '--test-config'].includes(arg))) return undefined;
  try {
    return oldSpaceMbFor(parseCommandLine(argv).config.int('maxmemory'), availableMemory(totalmem(), process.constrainedMemory?.()));
  } catch (error) {
    // A bad command line is the server's to report, with its usage text.
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
}

const mb = oldSpaceMb();
if (mb === undefined) await import('./main.js');
else {
  const child = spawn(process.execPath, [...process.execArgv, `--max-old-space-size=${mb}`, process.argv[1], ...argv], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [SIZED]: String(mb) },
  });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128 + (signal === 'SIGKILL' ? 9 : 15))));
}
