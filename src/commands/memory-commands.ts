import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { parseInt64 } from '../formats/number-parsing.js';
import { estimateKeyBytes, keyEntryBytes } from '../projections/memory-estimate.js';
import { DATABASES } from '../projections/shard-state.js';
import { NOT_AN_INTEGER, SYNTAX_ERROR } from '../replies/errors.js';
import { DoubleReply, MapReply, OK, helpReply, type Reply } from '../replies/reply.js';
import type { Client } from '../session/client.js';
import type { ServerContext } from '../session/server-context.js';

/** MEMORY: what the process holds (Redis's memoryCommand in object.c), measured from V8. */

/** Redis's OBJ_COMPUTE_SIZE_DEF_SAMPLES. */
const DEFAULT_SAMPLES = 5;
const MB = 2 ** 20;

export function memory(client: Client, args: string[]): Reply {
  switch (args[1].toUpperCase()) {
    case 'USAGE':
      return usage(client, args);
    case 'STATS':
      return stats(client.server);
    case 'DOCTOR':
      return doctor(client.server);
    case 'MALLOC-STATS':
      return mallocStats();
    case 'PURGE':
      // Redis asks jemalloc to return dirty pages. V8 returns the pages of a heap that shrank after
      // a major GC, which it otherwise runs only once it needs room: a load's garbage can hold
      // resident memory long after the load. So PURGE is V8's most thorough GC now (tens of ms per 100 MB).
      client.server.eviction.gauge.collect(client.now);
      return OK;
    default:
      return helpReply('MEMORY', [
        'DOCTOR',
        '    Return memory problems reports.',
        'MALLOC-STATS',
        '    Return internal statistics report from the memory allocator.',
        'PURGE',
        '    Attempt to purge dirty pages for reclamation by the allocator.',
        'STATS',
        '    Return information about the memory usage of the server.',
        'USAGE <key> [SAMPLES <count>]',
        '    Return memory in bytes used by <key> and its value. Nested values are',
        '    sampled up to <count> times (default: 5, 0 means sample all).',
      ]);
  }
}

/** MEMORY USAGE key [SAMPLES count]: the key as stored (neither expired nor touched, as Redis's dictFind). */
function usage(client: Client, args: string[]): Reply {
  let samples = DEFAULT_SAMPLES;
  for (let i = 3; i < args.length; i += 2) {
    if (args[i].toLowerCase() !== 'samples' || i + 1 >= args.length) return SYNTAX_ERROR;
    const count = parseInt64(args[i + 1]);
    if (count === null) return NOT_AN_INTEGER;
    if (count < 0n) return SYNTAX_ERROR;
    samples = count === 0n ? 0 : Number(count);
  }
  const key = args[2];
  const ks = client.server.store.keyspace(client.db, key);
  const value = ks.data.get(key);
  return value === undefined ? null : estimateKeyBytes(key, value, ks.expires.has(key), samples);
}

interface Overhead {
  dbs: [db: number, main: number, expires: number][];
  keys: number;
  total: number;
}

/** What the keyspaces themselves cost (their map entries and key strings are estimated per key, as Redis counts its dict entries). */
function overheadOf(server: ServerContext): Overhead {
  const dbs: Overhead['dbs'] = [];
  let keys = 0;
  let total = server.eviction.gauge.startup;
  for (let db = 0; db < DATABASES; db++) {
    let main = 0;
    let expires = 0;
    for (const ks of server.store.keyspaces(db)) {
      main += ks.size * keyEntryBytes('', false);
      expires += ks.expires.size * (keyEntryBytes('', true) - keyEntryBytes('', false));
      keys += ks.size;
    }
    if (main + expires > 0) dbs.push([db, main, expires]);
    total += main + expires;
  }
  return { dbs, keys, total };
}

function stats(server: ServerContext): Reply {
  const gauge = server.eviction.gauge;
  const now = Date.now();
  const used = gauge.used(now);
  const heap = getHeapStatistics();
  const rss = process.memoryUsage.rss();
  const overhead = overheadOf(server);
  const dataset = Math.max(0, used - overhead.total);
  const netOfStartup = Math.max(1, used - gauge.startup);
  // The "allocator" is V8: what it holds in pages (active), and what of those is resident.
  const allocated = heap.used_heap_size + heap.external_memory;
  const active = heap.total_heap_size + heap.external_memory;
  const resident = heap.total_physical_size + heap.external_memory;
  let luaCaches = 0;
  for (const source of server.scriptSources.values()) luaCaches += source.length;
  const entries: [string, Reply][] = [
    ['peak.allocated', gauge.peak],
    ['total.allocated', used],
    ['startup.allocated', gauge.startup],
    // The log on disk is the replication backlog; nothing of it is held in memory for replicas.
    ['replication.backlog', 0],
    ['clients.slaves', 0],
    ['clients.normal', 0],
    ['cluster.links', 0],
    ['aof.buffer', 0],
    ['lua.caches', luaCaches],
    ['functions.caches', 0],
  ];
  for (const [db, main, expires] of overhead.dbs)
    entries.push([
      `db.${db}`,
      new MapReply([
        ['overhead.hashtable.main', main],
        ['overhead.hashtable.expires', expires],
        ['overhead.hashtable.slot-to-keys', 0],
      ]),
    ]);
  entries.push(
    ['overhead.total', overhead.total],
    ['keys.count', overhead.keys],
    ['keys.bytes-per-key', overhead.keys === 0 ? 0 : Math.floor(netOfStartup / overhead.keys)],
    ['dataset.bytes', dataset],
    ['dataset.percentage', new DoubleReply((dataset * 100) / netOfStartup)],
    ['peak.percentage', new DoubleReply((used * 100) / Math.max(1, gauge.peak))],
    ['allocator.allocated', allocated],
    ['allocator.active', active],
    ['allocator.resident', resident],
    ['allocator-fragmentation.ratio', new DoubleReply(active / allocated)],
    ['allocator-fragmentation.bytes', active - allocated],
    ['allocator-rss.ratio', new DoubleReply(resident / active)],
    ['allocator-rss.bytes', resident - active],
    ['rss-overhead.ratio', new DoubleReply(rss / resident)],
    ['rss-overhead.bytes', rss - resident],
    ['fragmentation', new DoubleReply(rss / Math.max(1, used))],
    ['fragmentation.bytes', rss - used],
  );
  return new MapReply(entries);
}

/** MEMORY DOCTOR: Redis's report in spirit (the same greeting, V8's causes instead of jemalloc's). */
function doctor(server: ServerContext): string {
  const gauge = server.eviction.gauge;
  const now = Date.now();
  const used = gauge.used(now);
  if (used - gauge.startup < 5 * MB)
    return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.";
  const issues: string[] = [];
  if (gauge.peak > used * 1.5)
    issues.push(
      ' * Peak memory: this instance once used more than 150% of what it uses now. V8 keeps the pages of a peak for a while after a major GC and returns them gradually; nothing needs to be done.',
    );
  const rss = process.memoryUsage.rss();
  // Node itself (code, the young generation, LevelDB's cache) is resident beside any heap: tens of MB are no issue.
  if (rss > used * 1.4 && rss - used > 128 * MB)
    issues.push(
      " * High total RSS: the resident set is more than 1.4 times the used memory. In Eddy this is V8 heap not yet given back, the young generation, LevelDB's block cache and memtables, and the Lua runtime's WebAssembly memory.",
    );
  if (gauge.oldHeapUsed(now) > server.eviction.heapCeiling * 0.9)
    issues.push(' * Heap near its limit: writes will soon be refused with -OOM. Set maxmemory with an eviction policy, or start with a larger --max-old-space-size.');
  if (issues.length === 0) return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.";
  return `Sam, I detected a few issues in this Eddy instance memory implants:\n\n${issues.join('\n\n')}\n\nI'm here to keep you safe, Sam. I want to help you.\n`;
}

/** MEMORY MALLOC-STATS (and DEBUG JMAP): V8's heap spaces stand in for the allocator's report. */
export function mallocStats(): string {
  const heap = getHeapStatistics();
  const lines = ['___ Begin V8 heap statistics ___'];
  for (const [name, value] of Object.entries(heap)) lines.push(`${name}: ${value}`);
  for (const space of getHeapSpaceStatistics())
    lines.push(`${space.space_name}: size ${space.space_size} used ${space.space_used_size} available ${space.space_available_size} physical ${space.physical_space_size}`);
  lines.push('--- End V8 heap statistics ---');
  return `${lines.join('\n')}\n`;
}
