import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** `npm run bench [-- --quick]`: every benchmark in turn, each in its own process, options passed on. */
for (const script of [
  'resp-bench.js',
  'types-bench.js',
  'protocols-bench.js',
  'fanout-bench.js',
  'durability-bench.js',
  'script-bench.js',
  'replication-bench.js',
  'follow-redis-bench.js',
  'rdb-bench.js',
  'maxmemory-bench.js',
  'streams-bitmaps-hll-geo-bench.js',
  'bytes-bench.js',
  'security-bench.js',
  'cluster-bench.js',
]) {
  const result = spawnSync(process.execPath, [resolve(import.meta.dirname, script), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
