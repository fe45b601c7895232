import { CORRUPT_HYPERLOGLOG, NOT_A_HYPERLOGLOG, printedArgument } from '../replies/errors.js';
import { cardinalityOfRegisters, HyperLogLog, registerOf, REGISTERS } from '../projections/hyperloglog.js';
import { ErrorReply, OK, StatusReply, type Reply } from '../replies/reply.js';
import type { Client } from '../session/client.js';
import { readStringValue } from './string-commands.js';
import { ByteString } from '../projections/byte-string.js';
import { textOf } from '../projections/string-value.js';

/**
 * HyperLogLog commands (Redis's hyperloglog.c). An HLL is a string value in Redis's own bytes
 * (src/projections/hyperloglog.ts), so GET, SET, DUMP and replicas see what redis-server holds.
 */

const NO_SUCH_KEY = new ErrorReply('ERR The specified key does not exist');
const NOT_SPARSE = new ErrorReply('ERR HLL encoding is not sparse');

function sparseMaxBytes(client: Client): number {
  return client.server.config.int('hll-sparse-max-bytes');
}

/** An HLL as stored: the length of its string value and the HLL it holds. */
interface Stored {
  readonly length: number;
  readonly hll: HyperLogLog;
}

/** The HLL at `key`: undefined when missing, WRONGTYPE for another type or a string that is not an HLL. */
function readHyperLogLog(client: Client, key: string): Stored | undefined | ErrorReply {
  const value = readStringValue(client, key);
  if (value instanceof ErrorReply || value === undefined) return value;
  // A dense HLL is 12 KB, a value written in place once PFADD changed it: read in place, not copied out.
  const hll = (value instanceof ByteString ? HyperLogLog.borrowing(value.view()) : undefined) ?? HyperLogLog.of(textOf(value));
  return hll === undefined ? NOT_A_HYPERLOGLOG : { length: value.length, hll };
}

/**
 * Logs an HLL's new bytes. When the length stayed (a dense HLL always, a sparse one changed in
 * place, a cached count), a `setrange` of the span that changed: a PFADD to a dense HLL changes a
 * byte or two of its 12 KB, and the log need not hold the rest again. Otherwise a `put` that keeps
 * the key's expiry, as Redis changes the value in place.
 */
function writeHyperLogLog(client: Client, key: string, old: Stored | undefined, hll: HyperLogLog): void {
  const store = client.server.store;
  if (old === undefined || old.length !== hll.byteLength) {
    store.put(client.db, key, hll.toString(), old === undefined ? 0 : store.keyspace(client.db, key).expireAt(key), client);
    return;
  }
  // A PFMERGE that changed nothing still writes (Redis notifies and propagates it): the magic, as it was.
  const { offset, patch } = hll.changes() ?? { offset: 0, patch: 'HYLL' };
  store.write(store.shardOf(key), client.db, ['setrange', key, offset, patch], client);
}

export function pfadd(client: Client, args: string[]): Reply {
  const key = args[1];
  const stored = readHyperLogLog(client, key);
  if (stored instanceof ErrorReply) return stored;
  const hll = stored?.hll ?? HyperLogLog.empty();
  const maxBytes = sparseMaxBytes(client);
  let updated = stored === undefined;
  for (let i = 2; i < args.length; i++) {
    const result = hll.add(args[i], maxBytes);
    // Redis keeps the registers it set before it met the corruption, unlogged; Eddy writes nothing.
    if (result === 'corrupt') return CORRUPT_HYPERLOGLOG;
    if (result === 'changed') updated = true;
  }
  if (!updated) return 0;
  hll.invalidateCache();
  writeHyperLogLog(client, key, stored, hll);
  return 1;
}

/** PFCOUNT of one key answers from the cached cardinality, or counts and caches it; of several keys, counts their union. */
export function pfcount(client: Client, args: string[]): Reply {
  if (args.length > 2) return unionCardinality(client, args);
  const key = args[1];
  const stored = readHyperLogLog(client, key);
  if (stored === undefined || stored instanceof ErrorReply) return stored ?? 0;
  const hll = stored.hll;
  const cached = hll.cachedCardinality();
  if (cached !== undefined) return cached;
  const cardinality = hll.cardinality();
  if (cardinality === undefined) return CORRUPT_HYPERLOGLOG;
  hll.cacheCardinality(cardinality);
  // A follower's values are its primary's log: the cache there is the primary's to write.
  if (!client.server.replication.isReplica) writeHyperLogLog(client, key, stored, hll);
  return cardinality;
}

/**
 * The registers of several HLLs merged, each the highest of theirs (a missing key counts as empty),
 * and what each key held; or the first error.
 */
function merged(client: Client, keys: readonly string[]): { max: Uint8Array; stored: (Stored | undefined)[] } | ErrorReply {
  const max = new Uint8Array(REGISTERS);
  const stored: (Stored | undefined)[] = [];
  for (const key of keys) {
    const each = readHyperLogLog(client, key);
    if (each instanceof ErrorReply) return each;
    if (each !== undefined && !each.hll.mergeInto(max)) return CORRUPT_HYPERLOGLOG;
    stored.push(each);
  }
  return { max, stored };
}

function unionCardinality(client: Client, args: string[]): Reply {
  const union = merged(client, args.slice(1));
  return union instanceof ErrorReply ? union : cardinalityOfRegisters(union.max);
}

/**
 * PFMERGE: the destination (a source too) takes the highest of each register. It turns dense when
 * any source is, as Redis does; otherwise its sparse encoding grows register by register.
 */
export function pfmerge(client: Client, args: string[]): Reply {
  const key = args[1];
  const union = merged(client, args.slice(1));
  if (union instanceof ErrorReply) return union;
  const destination = union.stored[0];
  const hll = destination?.hll ?? HyperLogLog.empty();
  if (union.stored.some((each) => each?.hll.encoding === 'dense') && !hll.toDense()) return CORRUPT_HYPERLOGLOG;
  const maxBytes = sparseMaxBytes(client);
  for (let i = 0; i < REGISTERS; i++) if (union.max[i] !== 0) hll.set(i, union.max[i], maxBytes);
  hll.invalidateCache();
  writeHyperLogLog(client, key, destination, hll);
  return OK;
}

/** PFDEBUG GETREG|DECODE|ENCODING|TODENSE key: the key is checked before the subcommand, as in Redis. */
export function pfdebug(client: Client, args: string[]): Reply {
  const [, subcommand, key] = args;
  const stored = readHyperLogLog(client, key);
  if (stored === undefined || stored instanceof ErrorReply) return stored ?? NO_SUCH_KEY;
  const hll = stored.hll;
  switch (subcommand.toLowerCase()) {
    case 'getreg': {
      const converted = toDense(client, key, stored, hll);
      if (converted instanceof ErrorReply) return converted;
      return Array.from(hll.registers() as Uint8Array);
    }
    case 'decode':
      return hll.encoding === 'sparse' ? hll.decodeSparse() : NOT_SPARSE;
    case 'encoding':
      return new StatusReply(hll.encoding);
    case 'todense': {
      const converted = toDense(client, key, stored, hll);
      return converted instanceof ErrorReply ? converted : converted ? 1 : 0;
    }
    default:
      return new ErrorReply(`ERR Unknown PFDEBUG subcommand '${printedArgument(subcommand)}'`);
  }
}

/** Turns a sparse HLL dense and logs it; whether it was sparse. */
function toDense(client: Client, key: string, old: Stored, hll: HyperLogLog): boolean | ErrorReply {
  if (hll.encoding === 'dense') return false;
  if (!hll.toDense()) return CORRUPT_HYPERLOGLOG;
  writeHyperLogLog(client, key, old, hll);
  return true;
}

const SELFTEST_CYCLES = 1000;
const SELFTEST_ELEMENTS = 10_000_000;

/**
 * PFSELFTEST, Redis's checks of its own HLL: every register keeps what is set in it without
 * touching its neighbours, and up to ten million distinct elements a dense and a sparse HLL agree
 * and stay within six standard errors (a sparse one staying sparse while small).
 */
export function pfselftest(client: Client): Reply {
  const registers = HyperLogLog.emptyDense();
  const expected = new Uint8Array(REGISTERS);
  for (let cycle = 0; cycle < SELFTEST_CYCLES; cycle++) {
    for (let i = 0; i < REGISTERS; i++) {
      expected[i] = Math.floor(Math.random() * 64);
      registers.setDenseRegister(i, expected[i]);
    }
    for (let i = 0; i < REGISTERS; i++) {
      const value = registers.denseRegister(i);
      if (value !== expected[i]) return new ErrorReply(`TESTFAILED Register ${i} should be ${expected[i]} but is ${value}`);
    }
  }
  const maxBytes = sparseMaxBytes(client);
  const dense = HyperLogLog.emptyDense();
  const sparse = HyperLogLog.empty();
  const relativeError = 1.04 / Math.sqrt(REGISTERS);
  // Each element is a distinct 64-bit integer's eight little-endian bytes: j xor a random seed.
  const seedHigh = randomUint32();
  const seedLow = randomUint32();
  let checkpoint = 1;
  for (let j = 1; j <= SELFTEST_ELEMENTS; j++) {
    const { index, count } = registerOf(uint64Bytes(seedHigh, (seedLow ^ j) >>> 0));
    dense.set(index, count, maxBytes);
    sparse.set(index, count, maxBytes);
    if (j !== checkpoint) continue;
    if (j < Math.floor(maxBytes / 2) && sparse.encoding !== 'sparse') return new ErrorReply('TESTFAILED sparse encoding not used');
    const estimate = Number(dense.cardinality());
    if (estimate !== Number(sparse.cardinality())) return new ErrorReply('TESTFAILED dense/sparse disagree');
    // At ten, a collision is likely enough now and then to make a bigger error than six deviations.
    const maxError = j === 10 ? 1 : Math.ceil(relativeError * 6 * checkpoint);
    const error = Math.abs(checkpoint - estimate);
    if (error > maxError) return new ErrorReply(`TESTFAILED Too big error. card:${checkpoint} abserr:${error}`);
    checkpoint *= 10;
  }
  return OK;
}

function randomUint32(): number {
  return Math.floor(Math.random() * 0x100000000);
}

function uint64Bytes(high: number, low: number): string {
  return String.fromCharCode(low & 0xff, (low >>> 8) & 0xff, (low >>> 16) & 0xff, low >>> 24, high & 0xff, (high >>> 8) & 0xff, (high >>> 16) & 0xff, high >>> 24);
}
