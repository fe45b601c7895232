import type { Readable } from 'node:stream';
import { defaultEncodingLimits } from '../projections/encoding-limits.js';
import { dumpPayload, type DumpSettings } from '../projections/rdb/dump-value.js';
import { readRdbFile } from '../projections/rdb/rdb-file-reader.js';
import { valueFromSnapshot } from '../projections/value-snapshot.js';
import type { PrimaryCommands } from './primary-commands.js';

/** The payloads handed to RESTORE are read back at once: no compression, any list node size. */
const PAYLOAD_SETTINGS: DumpSettings = { compression: false, listFill: -2, listCompressDepth: 0 };
/** Keys restored between two turns of the event loop: clients and the log's group commit get theirs. */
const KEYS_PER_TURN = 500;

/**
 * A full resync's RDB, loaded through this node's own commands so that it becomes records in its
 * log, as Redis's replica replaces its dataset: FLUSHALL and FUNCTION FLUSH, then each key as
 * RESTORE ... ABSTTL REPLACE in its database, each function library as FUNCTION LOAD. Any command
 * that fails (or an RDB the reader refuses) rejects: the link then starts over.
 */
export async function loadRdbThroughCommands(rdb: Readable, commands: PrimaryCommands, loaded: (fields: Record<string, unknown>) => void): Promise<void> {
  const started = performance.now();
  commands.reset();
  await run(commands, ['FLUSHALL']);
  await run(commands, ['FUNCTION', 'FLUSH']);
  const limits = defaultEncodingLimits();
  let db = 0;
  let keys = 0;
  let libraries = 0;
  for await (const event of readRdbFile(rdb)) {
    if (event.kind === 'function') {
      await run(commands, ['FUNCTION', 'LOAD', 'REPLACE', event.code]);
      libraries++;
    } else if (event.kind === 'key') {
      if (event.db !== db) {
        await run(commands, ['SELECT', String(event.db)]);
        db = event.db;
      }
      const payload = dumpPayload(valueFromSnapshot(event.snapshot, limits), PAYLOAD_SETTINGS).toString('latin1');
      await run(commands, ['RESTORE', event.key, String(event.expireAtMs), payload, 'ABSTTL', 'REPLACE']);
      if (++keys % KEYS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
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
