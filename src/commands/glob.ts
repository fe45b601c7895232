/**
 * Redis's glob patterns (KEYS, SCAN MATCH, CONFIG GET, COMMAND LIST): `*`, `?`, `[abc]`, `[^a]`,
 * `[a-z]` and `\` escapes, matched over the whole string. Matched without regular expressions: a
 * mismatch backtracks only to the last `*`, so no pattern can take more than O(pattern x text)
 * steps (a backtracking RegExp made `*a*a*a*...b` exponential, Redis's CVE-2022-36021 class).
 */
function lower(c: string, ignoreCase: boolean): string {
  return ignoreCase ? c.toLowerCase() : c;
}

/** Matches one text character against the pattern element at `p`; the next pattern index, or -1. */
function matchOne(pattern: string, p: number, ch: string, ignoreCase: boolean): number {
  const c = pattern[p];
  if (c === '?') return p + 1;
  if (c === '\\' && p + 1 < pattern.length) return lower(pattern[p + 1], ignoreCase) === lower(ch, ignoreCase) ? p + 2 : -1;
  if (c === '[') {
    const close = pattern.indexOf(']', p + 2);
    if (close !== -1) {
      let i = p + 1;
      const negate = pattern[i] === '^';
      if (negate) i++;
      let matched = false;
      const target = lower(ch, ignoreCase);
      while (i < close) {
        if (pattern[i] === '\\' && i + 1 < close) {
          if (lower(pattern[i + 1], ignoreCase) === target) matched = true;
          i += 2;
        } else if (pattern[i + 1] === '-' && i + 2 < close) {
          let from = lower(pattern[i], ignoreCase);
          let to = lower(pattern[i + 2], ignoreCase);
          if (from > to) [from, to] = [to, from];
          if (target >= from && target <= to) matched = true;
          i += 3;
        } else {
          if (lower(pattern[i], ignoreCase) === target) matched = true;
          i++;
        }
      }
      return matched !== negate ? close + 1 : -1;
    }
  }
  return lower(c, ignoreCase) === lower(ch, ignoreCase) ? p + 1 : -1;
}

export function globMatches(pattern: string, text: string, ignoreCase = false): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] === '*') {
      while (p < pattern.length && pattern[p] === '*') p++;
      if (p === pattern.length) return true;
      starP = p;
      starT = t;
      continue;
    }
    const next = p < pattern.length ? matchOne(pattern, p, text[t], ignoreCase) : -1;
    if (next !== -1) {
      p = next;
      t++;
    } else if (starP !== -1) {
      p = starP;
      t = ++starT;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

export function globMatcher(pattern: string, ignoreCase = false): (text: string) => boolean {
  if (pattern === '*') return () => true;
  return (text) => globMatches(pattern, text, ignoreCase);
}
