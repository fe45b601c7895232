import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dumpDatabases } from '../support/dataset-dump.js';
import { EddyProcess } from '../support/eddy-process.js';

/**
 * A data directory written by an older commit (test/fixtures/make-data-dir-v1.ts says which), with
 * every effect kind in its log, still loads: the same dataset, and LOGREAD decodes the same events.
 */
const FIXTURES = join(import.meta.dirname, '../fixtures');

interface DataDirFixture {
  args: string[];
  dataset: Record<string, Record<string, unknown>>;
  bytes: Record<string, string>;
  functions: unknown;
  logread: unknown;
}

const fixture = JSON.parse(readFileSync(join(FIXTURES, 'data-dir-v1.json'), 'utf8')) as DataDirFixture;
let server: EddyProcess;
let redis: Redis;

beforeAll(async () => {
  // A copy: LevelDB rewrites the directory it opens.
  const dir = mkdtempSync(join(tmpdir(), 'eddy-old-data-'));
  cpSync(join(FIXTURES, 'data-dir-v1'), dir, { recursive: true });
  server = await EddyProcess.start(fixture.args, dir);
  redis = new Redis({ port: server.port });
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

it('loads the same dataset in every database, functions included', async () => {
  expect(await dumpDatabases(redis)).toEqual(fixture.dataset);
  for (const [key, hex] of Object.entries(fixture.bytes)) expect((await redis.getBuffer(key))?.toString('hex')).toBe(hex);
  expect(await redis.function('LIST', 'WITHCODE')).toEqual(fixture.functions);
});

it('reads the same events from the log', async () => {
  expect(await redis.call('LOGREAD', 'FROM', '1', 'COUNT', '100000')).toEqual(fixture.logread);
});
