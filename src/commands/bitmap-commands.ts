import { clampStringRange, parseInteger } from './arguments.js';
import { readStringValue } from './string-commands.js';
import { parseInt64 } from '../formats/number-parsing.js';
import { bitInByte, combineBitmaps, firstBit, withBit, type BitOperation } from '../projections/bitmap.js';
import { byteAt, bytesIn, countOnes, type StringValue } from '../projections/string-value.js';
import { fitField, readField, writeField, type FieldType, type Overflow } from '../projections/bitfield.js';
import type { Client } from '../session/client.js';
import {
  BITFIELD_RO_WRITE,
  BITOP_NOT_ARITY,
  BIT_ARGUMENT,
  BIT_OFFSET_OUT_OF_RANGE,
  BIT_OUT_OF_RANGE,
  INVALID_BITFIELD_TYPE,
  INVALID_OVERFLOW_TYPE,
  NOT_AN_INTEGER,
  SYNTAX_ERROR,
} from '../replies/errors.js';
import { ErrorReply, type Reply } from '../replies/reply.js';

/**
 * Bitmap commands (Redis's bitops.c): bits and bit-fields of string values. A change is logged as
 * a `setrange` of the bytes it changed (Redis notifies `setbit`), BITOP's result as a `put`.
 * Reads take the bytes they need (string-value.ts), never the whole value as a string.
 */

/**
 * A bit offset as Redis's getBitOffsetFromArgument reads it: `#N` (BITFIELD only) counts fields of
 * `fieldBits`; the byte it falls in must be below proto-max-bulk-len.
 */
function parseBitOffset(client: Client, text: string, fieldBits = 0): number | ErrorReply {
  const inFields = fieldBits > 0 && text.startsWith('#');
  const n = parseInteger(inFields ? text.slice(1) : text);
  if (n === null) return BIT_OFFSET_OUT_OF_RANGE;
  const offset = inFields ? n * fieldBits : n;
  return offset < 0 || Math.floor(offset / 8) >= client.server.maxBulkLength ? BIT_OFFSET_OUT_OF_RANGE : offset;
}

/** Logs bytes of `key` from `offset` on (a missing key, or one too short, is zero-padded first). */
function patch(client: Client, key: string, offset: number, bytes: string): void {
  const store = client.server.store;
  store.write(store.shardOf(key), client.db, ['setrange', key, offset, bytes], client);
}

export function setbit(client: Client, args: string[]): Reply {
  const offset = parseBitOffset(client, args[2]);
  if (offset instanceof ErrorReply) return offset;
  const bit = parseInteger(args[3]);
  if (bit !== 0 && bit !== 1) return BIT_OUT_OF_RANGE;
  const value = readStringValue(client, args[1]);
  if (value instanceof ErrorReply) return value;
  const byte = Math.floor(offset / 8);
  const current = value === undefined ? 0 : byteAt(value, byte);
  const previous = bitInByte(current, offset);
  // Redis writes (and notifies) when the bit changes or the string grows, even by zeros.
  if (previous !== bit || byte >= (value?.length ?? 0)) patch(client, args[1], byte, String.fromCharCode(withBit(current, offset, bit)));
  return previous;
}

export function getbit(client: Client, args: string[]): Reply {
  const offset = parseBitOffset(client, args[2]);
  if (offset instanceof ErrorReply) return offset;
  const value = readStringValue(client, args[1]);
  if (value instanceof ErrorReply) return value;
  return value === undefined ? 0 : bitInByte(byteAt(value, Math.floor(offset / 8)), offset);
}

/** BITCOUNT's and BITPOS's unit: the range counts bytes unless BIT is given. */
function parseUnit(text: string | undefined): 'byte' | 'bit' | ErrorReply {
  const unit = text?.toLowerCase() ?? 'byte';
  return unit === 'byte' || unit === 'bit' ? unit : SYNTAX_ERROR;
}

/** A start and end in `unit`s resolved against the string as bit offsets, or null when empty. */
function bitRange(start: number, end: number, unit: 'byte' | 'bit', length: number): [number, number] | null {
  const range = clampStringRange(start, end, unit === 'bit' ? length * 8 : length);
  if (range === null || unit === 'bit') return range;
  return [range[0] * 8, range[1] * 8 + 7];
}

/** The bytes a bit range spans, and the bit offset of the first of them. */
function bytesOfRange(value: StringValue, [first, last]: [number, number]): { bytes: Uint8Array; base: number } {
  const from = Math.floor(first / 8);
  return { bytes: bytesIn(value, from, Math.floor(last / 8) + 1), base: from * 8 };
}

/** Redis 7.0 looks the key up first: a missing key is 0 whatever the range arguments. */
export function bitcount(client: Client, args: string[]): Reply {
  const value = readStringValue(client, args[1]);
  if (value === undefined || value instanceof ErrorReply) return value ?? 0;
  if (args.length === 2) return countOnes(value, 0, value.length * 8 - 1);
  if (args.length === 3 || args.length > 5) return SYNTAX_ERROR;
  const start = parseInteger(args[2]);
  const end = parseInteger(args[3]);
  if (start === null || end === null) return NOT_AN_INTEGER;
  // Redis 7.0 answers such a range before it reads BYTE or BIT.
  if (start < 0 && end < 0 && start > end) return 0;
  const unit = parseUnit(args[4]);
  if (unit instanceof ErrorReply) return unit;
  const range = bitRange(start, end, unit, value.length);
  if (range === null) return 0;
  return countOnes(value, range[0], range[1]);
}

/**
 * A missing key is all zeros. Without an end the string counts as followed by zeros, so a search
 * for 0 in all ones finds the first bit past it; with an end given, -1.
 */
export function bitpos(client: Client, args: string[]): Reply {
  const bit = parseInteger(args[2]);
  if (bit === null) return NOT_AN_INTEGER;
  if (bit !== 0 && bit !== 1) return BIT_ARGUMENT;
  const value = readStringValue(client, args[1]);
  if (value === undefined || value instanceof ErrorReply) return value ?? (bit === 1 ? -1 : 0);
  if (args.length > 6) return SYNTAX_ERROR;
  const start = args.length > 3 ? parseInteger(args[3]) : 0;
  if (start === null) return NOT_AN_INTEGER;
  const unit = parseUnit(args[5]);
  if (unit instanceof ErrorReply) return unit;
  const end = args.length > 4 ? parseInteger(args[4]) : -1;
  if (end === null) return NOT_AN_INTEGER;
  const range = bitRange(start, end, unit, value.length);
  if (range === null) return -1;
  const { bytes, base } = bytesOfRange(value, range);
  const inRange = firstBit(bytes, bit, range[0] - base, range[1] - base);
  const found = inRange === -1 ? -1 : base + inRange;
  return found === -1 && bit === 0 && args.length <= 4 ? range[1] + 1 : found;
}

const BIT_OPERATIONS: readonly string[] = ['and', 'or', 'xor', 'not'] satisfies BitOperation[];

/** The result replaces the destination (and its TTL); an empty result deletes it. */
export function bitop(client: Client, args: string[]): Reply {
  const operation = args[1].toLowerCase() as BitOperation;
  if (!BIT_OPERATIONS.includes(operation)) return SYNTAX_ERROR;
  if (operation === 'not' && args.length !== 4) return BITOP_NOT_ARITY;
  const sources: Uint8Array[] = [];
  for (let i = 3; i < args.length; i++) {
    const value = readStringValue(client, args[i]);
    if (value instanceof ErrorReply) return value;
    sources.push(value === undefined ? new Uint8Array(0) : bytesIn(value, 0, value.length));
  }
  const result = combineBitmaps(operation, sources);
  const store = client.server.store;
  const destination = args[2];
  if (result.length > 0) store.put(client.db, destination, result, 0, client);
  else if (store.lookup(client.db, destination, client) !== undefined) store.delete(client.db, destination, client);
  return result.length;
}

interface FieldOperation {
  readonly kind: 'get' | 'set' | 'incrby';
  readonly type: FieldType;
  readonly offset: number;
  /** SET's value or INCRBY's increment. */
  readonly value: bigint;
  /** The OVERFLOW in force where the operation stands. */
  readonly overflow: Overflow;
}

/** `i1`..`i64` or `u1`..`u63` (an unsigned 64-bit value would not fit Redis's integer reply). */
function parseFieldType(text: string): FieldType | ErrorReply {
  const signed = text.startsWith('i');
  const bits = signed || text.startsWith('u') ? parseInteger(text.slice(1)) : null;
  if (bits === null || bits < 1 || bits > (signed ? 64 : 63)) return INVALID_BITFIELD_TYPE;
  return { signed, bits };
}

const OVERFLOWS: readonly string[] = ['wrap', 'sat', 'fail'] satisfies Overflow[];

/** BITFIELD's operations, all read before any runs, as Redis does: an error anywhere writes nothing. */
function parseFieldOperations(client: Client, args: string[]): FieldOperation[] | ErrorReply {
  const operations: FieldOperation[] = [];
  let overflow: Overflow = 'wrap';
  for (let i = 2; i < args.length;) {
    const kind = args[i].toLowerCase() as FieldOperation['kind'] | 'overflow';
    const remaining = args.length - i - 1;
    if (kind === 'overflow' && remaining >= 1) {
      const policy = args[i + 1].toLowerCase() as Overflow;
      if (!OVERFLOWS.includes(policy)) return INVALID_OVERFLOW_TYPE;
      overflow = policy;
      i += 2;
      continue;
    }
    if (!((kind === 'get' && remaining >= 2) || ((kind === 'set' || kind === 'incrby') && remaining >= 3))) return SYNTAX_ERROR;
    const type = parseFieldType(args[i + 1]);
    if (type instanceof ErrorReply) return type;
    const offset = parseBitOffset(client, args[i + 2], type.bits);
    if (offset instanceof ErrorReply) return offset;
    const value = kind === 'get' ? 0n : parseInt64(args[i + 3]);
    if (value === null) return NOT_AN_INTEGER;
    operations.push({ kind, type, offset, value, overflow });
    i += kind === 'get' ? 3 : 4;
  }
  return operations;
}

export function bitfield(client: Client, args: string[]): Reply {
  return runBitfield(client, args, false);
}

export function bitfieldRo(client: Client, args: string[]): Reply {
  return runBitfield(client, args, true);
}

function runBitfield(client: Client, args: string[], readOnly: boolean): Reply {
  const operations = parseFieldOperations(client, args);
  if (operations instanceof ErrorReply) return operations;
  const writes = operations.some((operation) => operation.kind !== 'get');
  if (writes && readOnly) return BITFIELD_RO_WRITE;
  const value = readStringValue(client, args[1]);
  if (value instanceof ErrorReply) return value;
  return writes ? writeFields(client, args[1], value, operations) : operations.map((operation) => getField(value, operation));
}

/** The byte a field ends in. */
function lastByteOf({ offset, type }: FieldOperation): number {
  return Math.floor((offset + type.bits - 1) / 8);
}

/** A GET of a string left as it is: only the (at most 9) bytes the field spans are read. */
function getField(value: StringValue | undefined, operation: FieldOperation): bigint {
  const first = Math.floor(operation.offset / 8);
  const bytes = value === undefined ? new Uint8Array(0) : bytesIn(value, first, lastByteOf(operation) + 1);
  return readField(bytes, operation.offset % 8, operation.type);
}

/**
 * Runs the operations in order on a copy of the bytes they span, as the string will be once grown
 * to the farthest field written (Redis grows it first, even when FAIL then refuses every write),
 * then logs the bytes that changed.
 */
function writeFields(client: Client, key: string, value: StringValue | undefined, operations: readonly FieldOperation[]): Reply {
  const oldLength = value?.length ?? 0;
  let length = oldLength;
  let windowFrom = Infinity;
  let windowTo = 0;
  for (const operation of operations) {
    const last = lastByteOf(operation);
    if (operation.kind !== 'get') length = Math.max(length, last + 1);
    windowFrom = Math.min(windowFrom, Math.floor(operation.offset / 8));
    windowTo = Math.max(windowTo, last + 1);
  }
  const window = Buffer.alloc(windowTo - windowFrom);
  if (value !== undefined) window.set(bytesIn(value, windowFrom, windowTo));
  const base = windowFrom * 8;
  let changedFrom = length;
  let changedTo = -1;
  const replies: Reply[] = operations.map((operation) => {
    const { kind, type, offset, value: operand, overflow } = operation;
    const current = readField(window, offset - base, type);
    if (kind === 'get') return current;
    const next = kind === 'incrby' ? fitField(current, operand, type, overflow) : fitField(type.signed ? operand : BigInt.asUintN(64, operand), 0n, type, overflow);
    if (next === null) return null;
    if (next !== current) {
      writeField(window, offset - base, type, next);
      changedFrom = Math.min(changedFrom, Math.floor(offset / 8));
      changedTo = Math.max(changedTo, lastByteOf(operation));
    }
    return kind === 'set' ? current : next;
  });
  // A grown string's patch runs to its new end (what lies between is zeros, as the patch pads).
  if (length > oldLength) changedTo = length - 1;
  const from = Math.min(changedFrom, changedTo);
  if (changedTo >= 0) patch(client, key, from, window.toString('latin1', from - windowFrom, changedTo + 1 - windowFrom));
  return replies;
}
