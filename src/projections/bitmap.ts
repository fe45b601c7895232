/**
 * Bit arithmetic on string values as Redis's bitmaps see them (one char per byte): bit 0 is the
 * most significant bit of byte 0, and bits past the end of the string read as 0. Ranges of bits
 * are inclusive at both ends.
 */

/** How many bits are set in each byte value. */
const ONES_IN_BYTE = Uint8Array.from({ length: 256 }, (_, byte) => {
  let ones = 0;
  for (let rest = byte; rest !== 0; rest >>= 1) ones += rest & 1;
  return ones;
});

/** The bit at `offset` (0 past the end). Offsets may pass 2^32, so no 32-bit shifts on them. */
export function bitAt(value: string, offset: number): 0 | 1 {
  const byte = Math.floor(offset / 8);
  if (byte >= value.length) return 0;
  return ((value.charCodeAt(byte) >> (7 - (offset % 8))) & 1) as 0 | 1;
}

/** `byte` with the bit that `offset` names within its byte set to `bit`. */
export function withBit(byte: number, offset: number, bit: 0 | 1): number {
  const mask = 1 << (7 - (offset % 8));
  return bit === 1 ? byte | mask : byte & ~mask;
}

/** How many bits are set from `first` to `last`: the ragged edges bit by bit, whole bytes by table. */
export function countBits(value: string, first: number, last: number): number {
  // Past the end there is nothing to count.
  const end = Math.min(last, value.length * 8 - 1);
  let count = 0;
  let offset = first;
  while (offset <= end && offset % 8 !== 0) count += bitAt(value, offset++);
  for (; offset + 7 <= end; offset += 8) count += ONES_IN_BYTE[value.charCodeAt(offset / 8)];
  while (offset <= end) count += bitAt(value, offset++);
  return count;
}

/** The offset of the first bit equal to `bit` from `first` to `last`, or -1; whole bytes without one are skipped at once. */
export function firstBit(value: string, bit: 0 | 1, first: number, last: number): number {
  const without = bit === 1 ? 0 : 0xff;
  let offset = first;
  while (offset <= last) {
    if (offset % 8 === 0 && offset + 7 <= last && value.charCodeAt(offset / 8) === without) offset += 8;
    else if (bitAt(value, offset) === bit) return offset;
    else offset++;
  }
  return -1;
}

export type BitOperation = 'and' | 'or' | 'xor' | 'not';

/**
 * BITOP's result: the sources combined byte by byte, as long as the longest, shorter ones padded
 * with zero bytes (so AND with a missing key is all zeros). NOT takes one source.
 */
export function combineBitmaps(operation: BitOperation, sources: readonly string[]): string {
  let length = 0;
  for (const source of sources) length = Math.max(length, source.length);
  const result = Buffer.alloc(length);
  result.write(sources[0], 'latin1');
  if (operation === 'not') for (let i = 0; i < length; i++) result[i] = ~result[i];
  for (let k = 1; k < sources.length; k++) {
    const source = sources[k];
    for (let i = 0; i < length; i++) {
      const byte = i < source.length ? source.charCodeAt(i) : 0;
      if (operation === 'and') result[i] &= byte;
      else if (operation === 'or') result[i] |= byte;
      else result[i] ^= byte;
    }
  }
  return result.toString('latin1');
}
