/**
 * A string in double quotes as Redis's sdscatrepr writes it (MONITOR, redis-cli): backslash and
 * quote escaped, \n \r \t \a \b by name, other bytes outside printable ASCII as \xHH. The text is
 * latin1, one char per byte.
 */
export function quotedText(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const char = text[i];
    if (char === '\\' || char === '"') out += `\\${char}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code === 7) out += '\\a';
    else if (code === 8) out += '\\b';
    else if (code >= 0x20 && code <= 0x7e) out += char;
    else out += `\\x${(code & 0xff).toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}
