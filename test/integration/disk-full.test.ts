import { Redis } from 'ioredis';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';

/**
 * A full disk, for real: the data directory lives on a small tmpfs, filled up with a file. Mounting
 * needs root (the CI machines run as root); elsewhere the test cannot make the condition and says so.
 */
const mountPoint = mkdtempSync(join(tmpdir(), 'eddy-full-'));
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint]).status === 0;
let server: EddyProcess | undefined;

afterAll(async () => {
  await server?.stop();
  if (mounted) execFileSync('umount', [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

test.runIf(mounted)(
  'disk full: writes get MISCONF, reads go on, held writes are kept, writing resumes once space is back',
  async () => {
    server = await EddyProcess.start(['--appendfsync', 'always', '--save', ''], join(mountPoint, 'data'));
    const redis = new Redis({ port: server.port, protocol: 2, maxRetriesPerRequest: 0 });
    await redis.set('before', 'full');
    const filler = join(mountPoint, 'filler');
    // Fill what is left (a write that does not fit fails with ENOSPC; keep what fitted).
    for (let size = 4 * 1024 * 1024; size >= 1024; size = Math.floor(size / 2)) {
      try {
        writeFileSync(`${filler}-${size}`, Buffer.alloc(size));
      } catch {
        // That piece did not fit; smaller ones may.
      }
    }
    const writer = new Redis({ port: server.port, protocol: 2, maxRetriesPerRequest: 0 });
    const held = writer.set('during', 'x'.repeat(100_000)); // its reply waits for the disk
    await expect.poll(async () => (await redis.info('persistence')).includes('aof_last_write_status:err'), { timeout: 10_000 }).toBe(true);
    await expect(redis.set('refused', 'v')).rejects.toThrow(/^MISCONF Errors writing to the AOF file: No space left on device/);
    expect(await redis.get('before')).toBe('full');
    expect(await redis.dbsize()).toBeGreaterThanOrEqual(1);

    for (let size = 4 * 1024 * 1024; size >= 1024; size = Math.floor(size / 2)) rmSync(`${filler}-${size}`, { force: true });
    expect(await held).toBe('OK');
    await expect.poll(async () => (await redis.info('persistence')).includes('aof_last_write_status:ok'), { timeout: 10_000 }).toBe(true);
    expect(await redis.set('after', 'space')).toBe('OK');
    redis.disconnect();
    writer.disconnect();

    // What was acknowledged survives a restart.
    expect(await server.kill('SIGKILL')).not.toBe(0);
    await server.launch();
    const reader = new Redis({ port: server.port, protocol: 2 });
    expect(await reader.mget('before', 'after')).toEqual(['full', 'space']);
    expect((await reader.get('during'))?.length).toBe(100_000);
    reader.disconnect();
  },
  60_000,
);
