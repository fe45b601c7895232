import { expectValid } from './corrupt-payload.js';

/**
 * Redis's intset (intset.c): the width of every member in bytes (2, 4 or 8), the count, then the
 * members in ascending order, little endian. Redis widens an intset and never narrows it back; a
 * set written here takes the narrowest width its members fit, as a set loaded fresh would.
 */

function widthOf(value: bigint): number {
  if (value >= -32768n && value <= 32767n) return 2;
  return value >= -2147483648n && value <= 2147483647n ? 4 : 8;
}

/** The intset of these integers (distinct, any order). */
export function encodeIntset(members: bigint[]): Buffer {
  const sorted = [...members].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let width = 2;
  for (const member of sorted) width = Math.max(width, widthOf(member));
  const blob = Buffer.alloc(8 + width * sorted.length);
  blob.writeUInt32LE(width, 0);
  blob.writeUInt32LE(sorted.length, 4);
  sorted.forEach((member, i) => {
    if (width === 8) blob.writeBigInt64LE(member, 8 + i * 8);
    else blob.writeIntLE(Number(member), 8 + i * width, width);
  });
  return blob;
}

/** The members of an intset, checked as Redis's deep sanitization checks them (sizes, strictly ascending, not empty). */
export function decodeIntset(bytes: Uint8Array): bigint[] {
  expectValid(bytes.length >= 8, 'intset too short');
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const width = view.readUInt32LE(0);
  expectValid(width === 2 || width === 4 || width === 8, 'intset width unknown');
  const count = view.readUInt32LE(4);
  expectValid(count > 0 && 8 + count * width === bytes.length, 'intset size mismatch');
  const members: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const member = width === 8 ? view.readBigInt64LE(8 + i * 8) : BigInt(view.readIntLE(8 + i * width, width));
    expectValid(i === 0 || member > members[i - 1], 'intset out of order');
    members.push(member);
  }
  return members;
}
