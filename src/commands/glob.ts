/**
 * Redis's glob patterns (KEYS, SCAN MATCH, CONFIG GET): `*`, `?`, `[abc]`, `[^a]`, `[a-z]` and `\`
 * escapes, matched over the whole string. Compiled to a RegExp once per pattern.
 */
const ESCAPE = /[.*+?^${}()|[\]\\/-]/g;

function escapeChar(c: string): string {
  return c.replace(ESCAPE, '\\$&');
}

export function globToRegExp(pattern: string, ignoreCase = false): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') source += '[\\s\\S]*';
    else if (c === '?') source += '[\\s\\S]';
    else if (c === '\\' && i + 1 < pattern.length) source += escapeChar(pattern[++i]);
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close === -1) {
        source += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      let set = '';
      for (let j = 0; j < body.length; j++) {
        if (body[j] === '\\' && j + 1 < body.length) set += escapeChar(body[++j]);
        else if (body[j + 1] === '-' && j + 2 < body.length) {
          const [from, to] = [body[j], body[j + 2]].sort();
          set += `${escapeChar(from)}-${escapeChar(to)}`;
          j += 2;
        } else set += escapeChar(body[j]);
      }
      source += negate ? `[^${set}]` : `[${set}]`;
      i = close;
    } else source += escapeChar(c);
  }
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '');
}

export function globMatcher(pattern: string, ignoreCase = false): (text: string) => boolean {
  if (pattern === '*') return () => true;
  const re = globToRegExp(pattern, ignoreCase);
  return (text) => re.test(text);
}
