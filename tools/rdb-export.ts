import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { RDB_FILE_SETTINGS, RdbFileWriter, writeStandardAux } from '../src/projections/rdb/rdb-file-writer.js';
import { DATABASES, FUNCTIONS_DB, type ShardState } from '../src/projections/shard-state.js';

/** What an exported file holds, for the tool's summary. */
export interface ExportSummary {
  keysPerDb: Map<number, number>;
  functions: number;
  bytes: number;
}

/** Bytes gathered before they are written out. */
const WRITE_BYTES = 1 << 20;

/** Writes `states` (every shard at one revision) to `out` as a Redis 7.0 RDB file. */
export async function writeRdbFile(states: readonly ShardState[], out: Writable, now: number): Promise<ExportSummary> {
  const summary: ExportSummary = { keysPerDb: new Map(), functions: 0, bytes: 0 };
  const writer = new RdbFileWriter(RDB_FILE_SETTINGS);
  const flush = async (atLeast: number): Promise<void> => {
    if (writer.pendingBytes < atLeast) return;
    const bytes = writer.take();
    summary.bytes += bytes.length;
    if (!out.write(bytes)) await once(out, 'drain');
  };
  writeStandardAux(writer, now);
  for (const state of states) for (const code of state.dbs[FUNCTIONS_DB].data.values()) writer.functionLibrary(code as string);
  summary.functions = states.reduce((sum, state) => sum + state.dbs[FUNCTIONS_DB].size, 0);
  for (let db = 0; db < DATABASES; db++) {
    const keyspaces = states.map((state) => state.dbs[db]);
    let keys = 0;
    let expires = 0;
    for (const ks of keyspaces)
      for (const key of ks.data.keys()) {
        const expireAt = ks.expireAt(key);
        if (!live(expireAt, now)) continue;
        keys++;
        if (expireAt !== 0) expires++;
      }
    if (keys === 0) continue;
    writer.database(db, { keys, expires });
    for (const ks of keyspaces)
      for (const [key, value] of ks.data) {
        const expireAt = ks.expireAt(key);
        if (!live(expireAt, now)) continue;
        writer.key(key, value, expireAt);
        await flush(WRITE_BYTES);
      }
    summary.keysPerDb.set(db, keys);
  }
  writer.end();
  await flush(0);
  return summary;
}

/** A key whose expiry has passed is left out, as Redis's SAVE leaves it for the loader to drop. */
function live(expireAt: number, now: number): boolean {
  return expireAt === 0 || expireAt > now;
}

/** Writes the file beside `path` and renames it into place, as Redis's SAVE does (a crash leaves the old file). */
export async function writeRdbFileAt(path: string, states: readonly ShardState[], now: number): Promise<ExportSummary> {
  const temporary = `${path}.${process.pid}.tmp`;
  const out = createWriteStream(temporary);
  try {
    const summary = await writeRdbFile(states, out, now);
    out.end();
    await once(out, 'finish');
    renameSync(temporary, path);
    return summary;
  } catch (error) {
    out.destroy();
    rmSync(temporary, { force: true });
    throw error;
  }
}
