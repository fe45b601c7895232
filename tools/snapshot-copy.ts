import { copyFileSync, linkSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';

const ATTEMPTS = 10;

/**
 * A consistent copy of a LevelDB directory, even while a server writes to it: table files are
 * immutable, so they are hard-linked (copied across disks); the manifest CURRENT names and the
 * write-ahead logs are copied. If compaction moved on between the steps, opening the copy fails and
 * the copy is taken again. LevelDB's own recovery then makes the copy whole (a torn last write in
 * the copied write-ahead log is dropped, as after a crash). The source is never opened or changed.
 */
export async function snapshotCopy(source: string): Promise<string> {
  let lastError: unknown;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const copy = mkdtempSync(join(tmpdir(), 'eddy-snapshot-'));
    try {
      const manifest = readFileSync(join(source, 'CURRENT'), 'utf8').trim();
      copyFileSync(join(source, 'CURRENT'), join(copy, 'CURRENT'));
      copyFileSync(join(source, manifest), join(copy, manifest));
      for (const file of readdirSync(source)) {
        if (file.endsWith('.ldb') || file.endsWith('.sst')) linkOrCopy(join(source, file), join(copy, file));
        else if (file.endsWith('.log') && file !== 'LOG') copyFileSync(join(source, file), join(copy, file));
      }
      const db = new Level<Buffer, Buffer>(copy, { keyEncoding: 'buffer', valueEncoding: 'buffer', createIfMissing: false });
      await db.open();
      await db.close();
      return copy;
    } catch (error) {
      lastError = error;
      rmSync(copy, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 20 * (attempt + 1)));
    }
  }
  throw new Error(`could not take a consistent copy of ${source}: ${String(lastError)}`);
}

function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}
