import { ByteString } from './byte-string.js';
import { HashValue } from './hash-value.js';
import { ListValue } from './list-value.js';
import { SetValue } from './set-value.js';
import { StreamValue } from './stream-value.js';
import type { Value } from './value.js';
import { ZSetValue } from './zset-value.js';

/**
 * What a key and its value cost on V8's heap, estimated from a model of V8's objects (64-bit, no
 * pointer compression, as Node 20 is built): MEMORY USAGE, MEMORY STATS and the eviction's
 * bookkeeping read it. Redis's objectComputeSize counts its allocations the same way; like it, a
 * large collection is sampled (its first `samples` elements, averaged and scaled up).
 */

/** One tagged slot: a pointer or a small integer. */
const WORD = 8;
/** A sequential one-byte string: map, hash, length; then its bytes, rounded up to a word. */
const STRING_HEADER = 16;
/** A double that is not a small integer is boxed: map and value. */
const HEAP_NUMBER = 16;
/**
 * A Map entry in V8's OrderedHashMap: key, value and chain (three words) plus a half-word of
 * bucket; tables grow by doubling at a load of two per bucket, so about 1.5 slots per entry.
 */
export const MAP_ENTRY = Math.round((3 * WORD + WORD / 2) * 1.5);
/** A JSMap object and its smallest table. */
const MAP_OBJECT = 32 + 4 * 3 * WORD + 2 * WORD;
/**
 * A Buffer besides its bytes: the Uint8Array and its ArrayBuffer (about ten words each) and V8's
 * BackingStore record outside the heap.
 */
const BUFFER_HEADER = 20 * WORD + 10 * WORD;
/** A plain object: map, properties, elements. */
const OBJECT_HEADER = 3 * WORD;
/** A 128-bit BigInt (a stream ID): header and two 64-bit digits. */
const BIGINT = 2 * WORD + 2 * WORD;
/** A 64-bit BigInt (half of a stream ID). */
const SMALL_BIGINT = 2 * WORD + WORD;
/** A pending entry: its object (four fields), its ID, and an entry in the group's and the consumer's maps. */
const PENDING_ENTRY = OBJECT_HEADER + 4 * WORD + BIGINT + 2 * MAP_ENTRY;
/** A skiplist node (member, score, forward, span) with its two level arrays of 1.33 levels on average (p = 1/4). */
const SKIP_NODE = OBJECT_HEADER + 4 * WORD + 2 * (2 * WORD + 1.33 * WORD);

/** A 31-bit integer is a Smi, stored in its slot; any other number is a HeapNumber. */
function numberBytes(n: number): number {
  return Number.isInteger(n) && n >= -0x40000000 && n < 0x40000000 ? 0 : HEAP_NUMBER;
}

export function stringBytes(s: string): number {
  return STRING_HEADER + Math.ceil(s.length / WORD) * WORD;
}

/** The cost of a key in its keyspace besides its value: the key string, its entries in the data and access maps, and its expiry entry. */
export function keyEntryBytes(key: string, hasExpiry: boolean): number {
  return stringBytes(key) + 2 * MAP_ENTRY + (hasExpiry ? MAP_ENTRY + HEAP_NUMBER : 0);
}

/** MEMORY USAGE: the key and its value; `samples` elements of a collection are measured (0: all of them). */
export function estimateKeyBytes(key: string, value: Value, hasExpiry: boolean, samples: number): number {
  return keyEntryBytes(key, hasExpiry) + estimateValueBytes(value, samples);
}

export function estimateValueBytes(value: Value, samples: number): number {
  if (typeof value === 'string') return stringBytes(value);
  // All of its room counts, as Redis counts an sds's whole allocation.
  if (value instanceof ByteString) return OBJECT_HEADER + 2 * WORD + BUFFER_HEADER + value.capacity;
  const size = value.size;
  const wanted = samples <= 0 ? size : Math.min(samples, size);
  let sampled = 0;
  let seen = 0;
  let fixed: number;
  if (value instanceof HashValue) {
    fixed = OBJECT_HEADER + 3 * WORD + MAP_OBJECT;
    for (const [field, item] of value.fields) {
      if (seen++ >= wanted) break;
      sampled += MAP_ENTRY + stringBytes(field) + stringBytes(item);
    }
  } else if (value instanceof ListValue) {
    // A ring buffer (denque) of a power-of-two capacity.
    fixed = OBJECT_HEADER + 2 * WORD + OBJECT_HEADER + 5 * WORD + 2 * WORD + WORD * (2 ** Math.ceil(Math.log2(Math.max(4, size + 1))) - size);
    for (; seen < wanted; seen++) sampled += WORD + stringBytes(value.at(seen) as string);
  } else if (value instanceof SetValue) {
    // Members by slot (for random picks) beside a Map of member -> slot; the array grows by 1.5.
    fixed = OBJECT_HEADER + 3 * WORD + MAP_OBJECT + 2 * WORD;
    for (const member of value.keys()) {
      if (seen++ >= wanted) break;
      sampled += MAP_ENTRY + 1.5 * WORD + stringBytes(member);
    }
  } else if (value instanceof ZSetValue) {
    // Each member is in the score Map and in a skiplist node; both hold its score.
    fixed = OBJECT_HEADER + 3 * WORD + MAP_OBJECT + OBJECT_HEADER + 4 * WORD + SKIP_NODE;
    for (const [member, score] of value.scores) {
      if (seen++ >= wanted) break;
      sampled += MAP_ENTRY + SKIP_NODE + stringBytes(member) + 2 * numberBytes(score);
    }
  } else if (value instanceof StreamValue) {
    // Per node (stream-node.ts): its object, its first and last IDs and their halves, and its encoded string (the open one's Buffer too).
    fixed = OBJECT_HEADER + 5 * WORD + 2 * (OBJECT_HEADER + 2 * WORD) + MAP_OBJECT;
    for (const group of value.groups.values())
      fixed += OBJECT_HEADER + 4 * WORD + 2 * MAP_OBJECT + group.consumers.size * (OBJECT_HEADER + 3 * WORD + MAP_OBJECT) + group.pending.size * PENDING_ENTRY;
    for (const node of value.nodes) {
      if (seen++ >= wanted) break;
      sampled += OBJECT_HEADER + 10 * WORD + 2 * BIGINT + 2 * SMALL_BIGINT + STRING_HEADER + node.encodedBytes;
    }
    // Sampled by nodes: scaled up to all of them, not to the entries.
    const measured = Math.min(seen, wanted);
    return Math.round(fixed + (measured === 0 ? 0 : (sampled / measured) * value.nodes.length));
  } else return OBJECT_HEADER;
  const measured = Math.min(seen, wanted);
  return Math.round(fixed + (measured === 0 ? 0 : (sampled / measured) * size));
}
