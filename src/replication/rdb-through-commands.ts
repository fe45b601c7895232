import type { Readable } from 'node:stream';
import { readRdbFileInBatches } from '../projections/rdb/rdb-file-reader.js';
import type { PrimaryCommands } from './primary-commands.js';

/** Keys stored between two turns of the event loop: clients and the log's group commit get theirs. */
const KEYS_PER_TURN = 500;

/**
 * A full resync's RDB, loaded through this node's own commands so that it becomes records in its
 * log, as Redis's replica replaces its dataset: FLUSHALL and FUNCTION FLUSH, then each key as the
 * `put` record RESTORE ... ABSTTL REPLACE would log (keys already expired are left out: the primary
 * deletes them in its stream), each function library as FUNCTION LOAD. Any command that fails (or
 * an RDB the reader refuses) rejects: the link then starts over.
 */
export async function loadRdbThroughCommands(rdb: Readable, commands: PrimaryCommands, loaded: (fields: Record<string, unknown>) => void): Promise<void> {
  const started = performance.now();
  commands.reset();
  await run(commands, ['FLUSHALL']);
  await run(commands, ['FUNCTION', 'FLUSH']);
  let keys = 0;
  let libraries = 0;
  for await (const events of readRdbFileInBatches(rdb)) {
    for (const event of events) {
      if (event.kind === 'function') {
        await run(commands, ['FUNCTION', 'LOAD', 'REPLACE', event.code]);
        libraries++;
      } else if (event.kind === 'key') {
        if (event.expireAtMs !== 0 && event.expireAtMs <= Date.now()) continue;
        const stored = commands.put(event);
        if (stored !== undefined) await stored;
        // Between two batches, clients and the log's group commit get their turn.
        if (++keys % KEYS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  // The primary's stream starts with a SELECT of its own: the client starts over in database 0.
  commands.reset();
  loaded({ keys, libraries, seconds: (performance.now() - started) / 1000 });
}

async function run(commands: PrimaryCommands, args: string[]): Promise<void> {
  const error = await commands.run(args);
  if (error !== undefined) throw new Error(`${args[0]} ${args[0] === 'RESTORE' ? args[1] : ''}: ${error}`);
}
