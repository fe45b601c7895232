/** Sizes and durations as redis.conf and Eddy's options write them. */

const MEMORY_UNITS = new Map<string, number>([
  ['', 1],
  ['k', 1000],
  ['kb', 1024],
  ['m', 1e6],
  ['mb', 1024 ** 2],
  ['g', 1e9],
  ['gb', 1024 ** 3],
]);

/** A memory amount (`512mb`, `1gb`, `100`); undefined when malformed. */
export function memoryBytes(raw: string): number | undefined {
  const match = /^(\d+)([a-z]*)$/i.exec(raw);
  const unit = match ? MEMORY_UNITS.get(match[2].toLowerCase()) : undefined;
  return match && unit !== undefined ? Number(match[1]) * unit : undefined;
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
