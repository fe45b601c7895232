/** Sizes and durations as redis.conf and Eddy's options write them. */

const MEMORY_UNITS = new Map<string, bigint>([
  ['', 1n],
  ['b', 1n],
  ['k', 1000n],
  ['kb', 1024n],
  ['m', 1000n ** 2n],
  ['mb', 1024n ** 2n],
  ['g', 1000n ** 3n],
  ['gb', 1024n ** 3n],
]);
const UINT64 = 2n ** 64n;

/**
 * A memory amount as Redis's memtoull reads it (`512mb`, `1gb`, `100`; "" is 0): digits past
 * 2^64 - 1 saturate and the product wraps around, as C's unsigned long long does. Undefined when
 * malformed.
 */
export function memoryAmount(raw: string): bigint | undefined {
  const match = /^(\d{0,127})([a-z]*)$/i.exec(raw);
  const unit = match === null ? undefined : MEMORY_UNITS.get(match[2].toLowerCase());
  if (match === null || unit === undefined) return undefined;
  const digits = match[1] === '' ? 0n : BigInt(match[1]);
  return ((digits < UINT64 ? digits : UINT64 - 1n) * unit) % UINT64;
}

/** A memory amount (`512mb`, `1gb`, `100`) in bytes; undefined when malformed or empty. */
export function memoryBytes(raw: string): number | undefined {
  const bytes = raw === '' ? undefined : memoryAmount(raw);
  return bytes === undefined ? undefined : Number(bytes);
}

const TIME_UNITS = new Map<string, number>([
  ['ms', 1],
  ['s', 1000],
  ['m', 60_000],
  ['h', 3_600_000],
  ['d', 86_400_000],
]);

/** A duration with its unit (`250ms`, `30s`, `15m`, `24h`, `7d`), in ms; undefined when malformed. */
export function durationMs(raw: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h|d)$/i.exec(raw);
  return match === null ? undefined : Number(match[1]) * (TIME_UNITS.get(match[2].toLowerCase()) as number);
}
