/**
 * The CRC-64 Redis puts at the end of DUMP payloads and RDB files (its crc64.c): the Jones
 * polynomial 0xad93d23594c935a9, reflected, initial value 0, no final xor. Kept as two 32-bit
 * halves so that each byte costs a table lookup and a few shifts, not a BigInt operation.
 */
const REFLECTED_POLYNOMIAL = 0x95ac9329ac4bc9b5n;

const TABLE_LOW = new Uint32Array(256);
const TABLE_HIGH = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let crc = BigInt(i);
  for (let bit = 0; bit < 8; bit++) crc = (crc & 1n) === 1n ? (crc >> 1n) ^ REFLECTED_POLYNOMIAL : crc >> 1n;
  TABLE_LOW[i] = Number(crc & 0xffffffffn);
  TABLE_HIGH[i] = Number(crc >> 32n);
}

/** The CRC-64 of `bytes[start, end)`; `previous`, the CRC-64 of what came before, continues a running one. */
export function crc64(bytes: Uint8Array, start = 0, end = bytes.length, previous = 0n): bigint {
  let low = Number(previous & 0xffffffffn);
  let high = Number(previous >> 32n);
  for (let i = start; i < end; i++) {
    const index = (low ^ bytes[i]) & 0xff;
    low = (((low >>> 8) | (high << 24)) ^ TABLE_LOW[index]) >>> 0;
    high = ((high >>> 8) ^ TABLE_HIGH[index]) >>> 0;
  }
  return (BigInt(high) << 32n) | BigInt(low);
}
