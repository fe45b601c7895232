/** A page of keys found by SCAN, and the cursor for the next one ('0': the scan is complete). */
export interface KeyPage {
  keys: { name: string; type: string }[];
  cursor: string;
}

/** SCAN's reply over HTTP: [cursor, [key, ...]] (keys as text, or base64 when not UTF-8). */
export type ScanReply = [string, (string | { base64: string })[]];

/** A key's name as commands take it over HTTP: text, or `{"base64": ...}` when it is not UTF-8. */
export type KeyName = string | { base64: string };

export function keyLabel(key: KeyName): string {
  return typeof key === 'string' ? key : `base64:${key.base64}`;
}

/** SCAN's arguments for a filter (pattern, type), cursor and page size. */
export function scanArguments(cursor: string, pattern: string, type: string, count: number): string[] {
  const args = ['SCAN', cursor, 'MATCH', pattern === '' ? '*' : pattern, 'COUNT', String(count)];
  if (type !== '') args.push('TYPE', type);
  return args;
}
