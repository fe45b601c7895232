import { HEAP_GUARD } from '../shards/eviction.js';

/**
 * How large a V8 old space the server asks for: V8 aborts the whole process at its limit, so the
 * limit is chosen from the memory the server may use instead of Node's default (about a quarter
 * of the machine, 4 GB at most). With maxmemory, the dataset may reach it while the heap guard
 * (src/shards/eviction.ts) still has room, plus half again for garbage between major GCs and the
 * server's own buffers; without it, three quarters of the machine's (or the cgroup's) memory,
 * leaving the rest to LevelDB, the young generation and the system.
 */

const MB = 2 ** 20;
/** Beside the dataset: the code, replies, log batches, the Lua runtime. */
const SERVER_HEADROOM = 64 * MB;
const GARBAGE_ALLOWANCE = 1.5;
const MACHINE_SHARE = 0.75;

/** The old space (MB) for a maxmemory (0: none) on a machine with `memory` bytes available. */
export function oldSpaceMbFor(maxmemory: number, memory: number): number {
  if (maxmemory > 0) return Math.ceil(((maxmemory / HEAP_GUARD) * GARBAGE_ALLOWANCE + SERVER_HEADROOM) / MB);
  return Math.floor((memory * MACHINE_SHARE) / MB);
}

/** Whether the operator chose the heap (in NODE_OPTIONS or node's own flags): then it is theirs to size. */
export function heapChosenBy(nodeOptions: string, execArgv: readonly string[]): boolean {
  return /--max[-_]old[-_]space[-_]size/.test(nodeOptions) || execArgv.some((arg) => /^--max[-_]old[-_]space[-_]size/.test(arg));
}

/** The memory this process may have: the machine's, or its cgroup's limit when lower (Node reports no limit as a huge number). */
export function availableMemory(total: number, constrained: number | undefined): number {
  return constrained !== undefined && constrained > 0 && constrained < total ? constrained : total;
}
