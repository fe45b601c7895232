/** What the live log follows: GET /tail's query (README "Watch keys from your app"). */
export interface TailFilter {
  /** A glob pattern (MATCH); empty: every key. */
  match: string;
  /** A database number; undefined: all. */
  db: number | undefined;
  withValues: boolean;
}

/** The /tail URL for a filter, from a revision (or '$': from now). */
export function tailUrl(filter: TailFilter, from: number | '$', keys: readonly string[] = []): string {
  const query = new URLSearchParams({ from: String(from) });
  if (filter.match !== '') query.append('match', filter.match);
  for (const key of keys) query.append('keys', key);
  if (filter.db !== undefined) query.set('db', String(filter.db));
  if (filter.withValues) query.set('withvalues', 'true');
  return `/tail?${query.toString()}`;
}

const COMPACTED = /^COMPACTED oldest available revision is (\d+)/;

/** The oldest revision a COMPACTED error names, undefined for another error. */
export function compactedOldest(message: string): number | undefined {
  const match = COMPACTED.exec(message);
  return match === null ? undefined : Number(match[1]);
}
