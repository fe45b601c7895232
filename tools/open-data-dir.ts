import { Level } from 'level';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Opens a data directory for a tool. LevelDB lets one process in at a time: while the server runs
 * on it, this fails with a clear message.
 */
export async function openDataDir(dir: string): Promise<{ db: Level<Buffer, Buffer>; shards: number }> {
  if (!existsSync(join(dir, 'CURRENT'))) throw new Error(`${dir} is not an Eddy data directory (no LevelDB there)`);
  const db = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer', createIfMissing: false });
  try {
    await db.open();
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? String(error);
    throw new Error(/lock/i.test(cause) ? `${dir} is in use by a running server; stop it first, or copy the directory` : cause);
  }
  const stored = await db.get(Buffer.from('Mshards'));
  if (stored === undefined) throw new Error(`${dir} holds no Eddy log`);
  return { db, shards: stored.readUInt16BE(0) };
}
