import { randomBytes } from 'node:crypto';
import type { Log } from '../log/log.js';
import { RDB_FILE_SETTINGS, RdbFileWriter, writeStandardAux } from '../projections/rdb/rdb-file-writer.js';
import { FUNCTIONS_DB } from '../projections/shard-state.js';
import { valueFromSnapshot } from '../projections/value-snapshot.js';
import type { Checkpointer } from '../shards/checkpointer.js';
import type { EncodingLimits } from '../projections/encoding-limits.js';

/** Bytes gathered before they are sent. */
const SEND_BYTES = 256 * 1024;

/** Where the RDB goes: bytes as they are, and a way to wait while the receiver is behind. */
export interface RdbSink {
  send(bytes: Buffer): void;
  readonly congested: boolean;
  drained(): Promise<void>;
}

/**
 * SYNC's full copy as `redis-cli --rdb` receives it: a Redis 7.0 RDB of a consistent snapshot,
 * in the EOF-marker form of diskless replication (`$EOF:<40 chars>\r\n`, the RDB, the 40 chars),
 * so that it streams without knowing its length first. The snapshot is a checkpoint (the
 * copy-on-write walk BGSAVE makes while writes go on, each shard at its revision), read back row
 * by row. Resolves once everything is handed to the sink.
 */
export async function streamRdbSnapshot(checkpointer: Checkpointer, log: Log, limits: EncodingLimits, sink: RdbSink): Promise<void> {
  const manifests = await checkpointer.checkpoint();
  const mark = randomBytes(20).toString('hex');
  sink.send(Buffer.from(`$EOF:${mark}\r\n`, 'latin1'));
  const now = Date.now();
  const writer = new RdbFileWriter(RDB_FILE_SETTINGS);
  const send = async (atLeast: number): Promise<void> => {
    if (writer.pendingBytes < atLeast) return;
    sink.send(writer.take());
    if (sink.congested) await sink.drained();
  };
  writeStandardAux(writer, now);
  for (const manifest of manifests) {
    let db = -1;
    for await (const rows of log.checkpoints.rows(manifest.shard, manifest.rev)) {
      for (const [rowDb, key, snapshot, expireAt] of rows) {
        if (rowDb === FUNCTIONS_DB) {
          writer.functionLibrary(snapshot as string);
          continue;
        }
        if (expireAt !== 0 && expireAt <= now) continue;
        if (rowDb !== db) writer.database((db = rowDb));
        writer.key(key, valueFromSnapshot(snapshot, limits), expireAt);
      }
      await send(SEND_BYTES);
    }
  }
  writer.end();
  await send(0);
  sink.send(Buffer.from(mark, 'latin1'));
}
