/**
 * Splits an inline command line into arguments as Redis's sdssplitargs does: spaces separate,
 * "double quotes" take \n \r \t \b \a \\ \" and \xHH escapes, 'single quotes' take \'. Returns null
 * for unbalanced quotes (or a closing quote not followed by a space).
 */
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };

function isSpace(c: string): boolean {
  return c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\v' || c === '\f';
}

export function splitInlineArgs(line: string): string[] | null {
  const args: string[] = [];
  let i = 0;
  for (;;) {
    while (i < line.length && isSpace(line[i])) i++;
    if (i >= line.length) return args;
    let current = '';
    let inDouble = false;
    let inSingle = false;
    for (;;) {
      const c = line[i];
      if (inDouble) {
        if (i >= line.length) return null;
        if (c === '\\' && line[i + 1] === 'x' && /^[0-9a-f]{2}$/i.test(line.slice(i + 2, i + 4))) {
          current += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < line.length) {
          const next = line[++i];
          current += ESCAPES[next] ?? next;
        } else if (c === '"') {
          if (i + 1 < line.length && !isSpace(line[i + 1])) return null;
          inDouble = false;
          i++;
          break;
        } else current += c;
      } else if (inSingle) {
        if (i >= line.length) return null;
        if (c === '\\' && line[i + 1] === "'") {
          current += "'";
          i++;
        } else if (c === "'") {
          if (i + 1 < line.length && !isSpace(line[i + 1])) return null;
          inSingle = false;
          i++;
          break;
        } else current += c;
      } else {
        if (i >= line.length || isSpace(c)) break;
        if (c === '"') inDouble = true;
        else if (c === "'") inSingle = true;
        else current += c;
      }
      i++;
    }
    args.push(current);
  }
}
