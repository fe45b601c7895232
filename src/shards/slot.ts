/**
 * Redis Cluster's key slot: CRC16 (XMODEM) of the key, or of its hash tag `{...}` when the tag is
 * non-empty, mod 16384. Keys are latin1 strings (one char per byte), so the CRC runs over char codes;
 * the npm `cluster-key-slot` package encodes strings as UTF-8 and would disagree with Redis on
 * non-ASCII bytes, hence this small table-driven version.
 */
export const SLOTS = 16384;

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
  TABLE[i] = crc & 0xffff;
}

function crc16(key: string, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ key.charCodeAt(i)) & 0xff];
  return crc;
}

export function slotOf(key: string): number {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return crc16(key, open + 1, close) & (SLOTS - 1);
  }
  return crc16(key, 0, key.length) & (SLOTS - 1);
}

/** Slots are spread over shards in contiguous ranges, as a cluster spreads them over nodes. */
export function shardOfSlot(slot: number, shards: number): number {
  return Math.floor((slot * shards) / SLOTS);
}

/** Whether `slot` is in one of the inclusive ranges. */
export function inSlotRanges(slot: number, ranges: readonly (readonly [start: number, end: number])[]): boolean {
  return ranges.some(([start, end]) => slot >= start && slot <= end);
}
