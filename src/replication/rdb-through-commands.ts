import type { Readable } from 'node:stream';
import type { PrimaryCommands } from './primary-commands.js';

/** A full resync's RDB, loaded as commands: FLUSHALL, then each key restored (pending the file reader). */
export async function loadRdbThroughCommands(rdb: Readable, commands: PrimaryCommands, loaded: (fields: Record<string, unknown>) => void): Promise<void> {
  commands.reset();
  for await (const chunk of rdb) void chunk;
  loaded({});
  throw new Error('RDB file reader missing');
}
