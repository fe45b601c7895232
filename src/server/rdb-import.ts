import { createReadStream, existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { libraryName } from '../commands/function-commands.js';
import { ErrorReply } from '../replies/reply.js';
import { CheckpointWriter } from '../log/checkpoints.js';
import { LogStorage } from '../log/storage.js';
import { RdbFileError, readRdbFileInBatches } from '../projections/rdb/rdb-file-reader.js';
import { DATABASES, FUNCTIONS_DB } from '../projections/shard-state.js';
import { shardOfSlot, slotOf } from '../shards/slot.js';

/** The revision of the one checkpoint an import writes: the server's first own write is the next one. */
const IMPORT_REV = 1;

export interface ImportSummary {
  keysPerDb: Map<number, number>;
  functions: number;
  /** Keys whose expiry had passed: a Redis master loading the file drops them too. */
  expired: number;
  aux: Map<string, string>;
  bytes: number;
}

/**
 * Loads a Redis RDB file into a new data directory `to` as one checkpoint per shard (rows are what
 * a checkpoint holds, so the file's values go in as they are read, a chunk at a time, and a server
 * started on it loads them as it loads any checkpoint, without replaying a record per key).
 * Everything is written to a sibling directory first and renamed at the end: a file that turns out
 * to be malformed leaves `to` as it was. `progress` hears the bytes read so far.
 */
export async function importRdbFile(file: string, to: string, shards: number, progress: (bytes: number, total: number) => void = () => {}): Promise<ImportSummary> {
  if (existsSync(to) && readdirSync(to).length > 0) throw new Error(`${to} is not empty: give a new data directory`);
  const total = statSync(file).size;
  const building = join(dirname(to), `.${basename(to)}.importing-${process.pid}`);
  rmSync(building, { recursive: true, force: true });
  const summary: ImportSummary = { keysPerDb: new Map(), functions: 0, expired: 0, aux: new Map(), bytes: 0 };
  try {
    const storage = await LogStorage.open(building, { fresh: { shards } });
    try {
      const writers = Array.from({ length: shards }, (_, shard) => new CheckpointWriter(storage.checkpoints, shard, IMPORT_REV));
      const now = Date.now();
      const stream = createReadStream(file, { highWaterMark: 1 << 16 });
      const chunks = (async function* () {
        for await (const chunk of stream) {
          summary.bytes += (chunk as Buffer).length;
          progress(summary.bytes, total);
          yield chunk as Buffer;
        }
      })();
      // A batch of keys per chunk read, each key added without a wait of its own: the only waits are
      // for the chunks LevelDB writes meanwhile.
      for await (const events of readRdbFileInBatches(chunks)) {
        for (const event of events) {
          let written: Promise<void> | undefined;
          if (event.kind === 'aux') summary.aux.set(event.name, event.value);
          else if (event.kind === 'function') {
            const name = libraryName(event.code);
            if (name instanceof ErrorReply) throw new RdbFileError(`the RDB holds a function library Eddy cannot load: ${name.message}`);
            written = writers[shardOfSlot(slotOf(name), shards)].add([FUNCTIONS_DB, name, event.code, 0]);
            summary.functions++;
          } else if (event.kind === 'key') {
            if (event.db >= DATABASES) throw new RdbFileError(`the RDB holds database ${event.db}: Eddy has databases 0 to ${DATABASES - 1}`);
            if (event.expireAtMs !== 0 && event.expireAtMs <= now) {
              summary.expired++;
              continue;
            }
            written = writers[shardOfSlot(slotOf(event.key), shards)].add([event.db, event.key, event.snapshot, event.expireAtMs]);
            summary.keysPerDb.set(event.db, (summary.keysPerDb.get(event.db) ?? 0) + 1);
          }
          if (written !== undefined) await written;
        }
      }
      for (const writer of writers) await writer.complete(now);
      await storage.markHeldFrom(IMPORT_REV + 1);
    } finally {
      await storage.close();
    }
    if (existsSync(to)) rmSync(to, { recursive: true });
    renameSync(building, to);
    return summary;
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    throw error;
  }
}
