/** A change as GET /tail sends it (the `data` of a plain event; see README "Watch keys from your app"). */
export interface ChangeEvent {
  rev: number;
  ts: number;
  db: number;
  /** null for a whole-database change (FLUSHDB, FLUSHALL). */
  key: string | null;
  event: string;
  effect: unknown;
  /** The key's value after the change (withvalues=true); null once it is gone. */
  value?: unknown;
}

/** The `data` of a change event, or an error naming what is wrong with it. */
export function parseChange(data: string): ChangeEvent {
  const parsed = JSON.parse(data) as Partial<ChangeEvent>;
  if (typeof parsed.rev !== 'number' || typeof parsed.ts !== 'number' || typeof parsed.event !== 'string') throw new Error(`not a change event: ${data.slice(0, 80)}`);
  return parsed as ChangeEvent;
}
