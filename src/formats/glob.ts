/**
 * Redis's glob patterns (KEYS, SCAN MATCH, CONFIG GET, COMMAND LIST): `*`, `?`, `[abc]`, `[^a]`,
 * `[a-z]` and `\` escapes, matched over the whole string with the rules of Redis's stringmatchlen.
 * Matched without regular expressions: a mismatch backtracks only to the last `*`, so no pattern
 * can take more than O(pattern x text) steps (a backtracking RegExp made `*a*a*a*...b` exponential,
 * Redis's CVE-2022-36021 class).
 */

const BACKSLASH = 0x5c;
const CLOSE = 0x5d; // ]

/** C's tolower in the C locale: ASCII letters only (strings are latin1, one char per byte). */
function lower(code: number, ignoreCase: boolean): number {
  return ignoreCase && code >= 0x41 && code <= 0x5a ? code + 0x20 : code;
}

/**
 * Matches `ch` against the class opening at `p` (`[`); the pattern index after it, or -1. As in
 * Redis, `]` right after `[` closes an empty class, an escape inside a class ignores case, `a-]`
 * is a range ending at `]`, and a class left unclosed runs to the end of the pattern.
 */
function matchClass(pattern: string, p: number, ch: number, ignoreCase: boolean): number {
  const end = pattern.length;
  let i = p + 1;
  const negate = pattern.charCodeAt(i) === 0x5e; // ^
  if (negate) i++;
  let matched = false;
  const target = lower(ch, ignoreCase);
  for (; ; i++) {
    const c = pattern.charCodeAt(i);
    if (c === BACKSLASH && end - i >= 2) {
      i++;
      if (pattern.charCodeAt(i) === ch) matched = true;
    } else if (c === CLOSE) break;
    else if (i >= end) {
      i = end - 1;
      break;
    } else if (end - i >= 3 && pattern.charCodeAt(i + 1) === 0x2d) {
      // -
      let from = lower(c, ignoreCase);
      let to = lower(pattern.charCodeAt(i + 2), ignoreCase);
      if (from > to) [from, to] = [to, from];
      if (target >= from && target <= to) matched = true;
      i += 2;
    } else if (lower(c, ignoreCase) === target) matched = true;
  }
  return matched !== negate ? i + 1 : -1;
}

/** Matches one text character against the pattern element at `p` (not `*`); the next pattern index, or -1. */
function matchOne(pattern: string, p: number, ch: number, ignoreCase: boolean): number {
  const c = pattern.charCodeAt(p);
  if (c === 0x3f) return p + 1; // ?
  if (c === 0x5b) return matchClass(pattern, p, ch, ignoreCase); // [
  if (c === BACKSLASH && p + 1 < pattern.length) p++;
  return lower(pattern.charCodeAt(p), ignoreCase) === lower(ch, ignoreCase) ? p + 1 : -1;
}

export function globMatches(pattern: string, text: string, ignoreCase = false): boolean {
  // Redis's loop runs only while there is text: an empty string matches only an empty pattern.
  if (text.length === 0) return pattern.length === 0;
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern.charCodeAt(p) === 0x2a) {
      // *
      while (p < pattern.length && pattern.charCodeAt(p) === 0x2a) p++;
      if (p === pattern.length) return true;
      starP = p;
      starT = t;
      continue;
    }
    const next = p < pattern.length ? matchOne(pattern, p, text.charCodeAt(t), ignoreCase) : -1;
    if (next !== -1) {
      p = next;
      t++;
    } else if (starP !== -1) {
      p = starP;
      t = ++starT;
    } else return false;
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 0x2a) p++;
  return p === pattern.length;
}

const SPECIAL = /[*?[\\]/;

/**
 * globMatches with the pattern fixed, the common shapes made cheap (a literal: equality; a literal
 * then `*`: a prefix), with the same answers (an ACL checks every key of every command this way).
 */
export function compileGlob(pattern: string, ignoreCase = false): (text: string) => boolean {
  if (!ignoreCase) {
    if (!SPECIAL.test(pattern)) return (text) => text === pattern;
    const prefix = pattern.replace(/\*+$/, '');
    // A non-empty prefix: the empty text, which `*` does not match in Redis, fails as it should.
    if (prefix !== '' && !SPECIAL.test(prefix)) return (text) => text.startsWith(prefix);
  }
  return (text) => globMatches(pattern, text, ignoreCase);
}

export function globMatcher(pattern: string, ignoreCase = false): (text: string) => boolean {
  // KEYS * and SCAN MATCH * skip matching in Redis too (an empty key matches there).
  if (pattern === '*') return () => true;
  return compileGlob(pattern, ignoreCase);
}
