/**
 * BITFIELD's integers: signed or unsigned fields of 1 to 64 bits at any bit offset of a byte array,
 * most significant bit first (Redis's bitmaps' order); bytes past the array's end read as 0.
 */

export interface FieldType {
  readonly signed: boolean;
  readonly bits: number;
}

/** What an out-of-range result becomes: wrapped around, saturated at the type's limit, or refused. */
export type Overflow = 'wrap' | 'sat' | 'fail';

/** The bytes a field spans, as one unsigned integer, and how far the field sits from its low end. */
function span(bytes: Uint8Array, offset: number, bits: number): { first: number; last: number; whole: bigint; shift: bigint } {
  const first = Math.floor(offset / 8);
  const last = Math.floor((offset + bits - 1) / 8);
  let whole = 0n;
  for (let b = first; b <= last; b++) whole = (whole << 8n) | BigInt(bytes[b] ?? 0);
  return { first, last, whole, shift: BigInt((last - first + 1) * 8 - (offset % 8) - bits) };
}

export function readField(bytes: Uint8Array, offset: number, type: FieldType): bigint {
  const { whole, shift } = span(bytes, offset, type.bits);
  const raw = BigInt.asUintN(type.bits, whole >> shift);
  return type.signed ? BigInt.asIntN(type.bits, raw) : raw;
}

/** Stores `value` (in the type's range) at `offset`; the array must reach the field's last byte. */
export function writeField(bytes: Uint8Array, offset: number, type: FieldType, value: bigint): void {
  const { first, last, whole, shift } = span(bytes, offset, type.bits);
  const mask = ((1n << BigInt(type.bits)) - 1n) << shift;
  let updated = (whole & ~mask) | (BigInt.asUintN(type.bits, value) << shift);
  for (let b = last; b >= first; b--) {
    bytes[b] = Number(updated & 0xffn);
    updated >>= 8n;
  }
}

const INT64_MAX = 2n ** 63n - 1n;

/**
 * The value a field takes for `value + increment` (SET passes its value and 0, INCRBY the field's
 * value and its increment), or null when that does not fit and the overflow policy is FAIL. Redis
 * reads an unsigned SET's value as a 64-bit unsigned integer, so `SET u8 0 -1` overflows upwards
 * (SAT stores 255); callers pass it so converted.
 */
export function fitField(value: bigint, increment: bigint, type: FieldType, overflow: Overflow): bigint | null {
  const target = value + increment;
  const bits = BigInt(type.bits);
  const min = type.signed ? -(1n << (bits - 1n)) : 0n;
  const max = type.signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  if (target >= min && target <= max) return target;
  if (overflow === 'fail') return null;
  // Redis works out the room above `value` in 64 bits: within `max` of INT64_MIN it wraps, and a signed SET there saturates upwards.
  const upwards = target > max || (type.signed && type.bits < 64 && max - value > INT64_MAX);
  if (overflow === 'sat') return upwards ? max : min;
  return type.signed ? BigInt.asIntN(type.bits, target) : BigInt.asUintN(type.bits, target);
}
