import { AclSetUserError, type AclUsers } from './acl-users.js';
import type { AclUser } from './acl-user.js';

/** A line of an ACL file or a `user` directive that does not parse: Redis's `file:line: reason`. */
export class AclFileError extends Error {}

/**
 * ACL SETUSER's rules from words: a selector in parentheses may span several words ("(~x*" "+get)"),
 * as Redis joins them. Undefined when a parenthesis is not closed.
 */
export function joinSelectors(words: readonly string[]): string[] | undefined {
  const rules: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (!words[i].startsWith('(') || words[i].endsWith(')')) {
      rules.push(words[i]);
      continue;
    }
    const end = words.findIndex((word, j) => j > i && word.endsWith(')'));
    if (end === -1) return undefined;
    rules.push(words.slice(i, end + 1).join(' '));
    i = end;
  }
  return rules;
}

/** `user <name> <rules...>` lines (an ACL file's, or the config file's) as users, every line checked before any is used. */
export function parseUserLines(lines: readonly { words: readonly string[]; where: string }[], users: AclUsers): AclUser[] {
  const parsed: AclUser[] = [];
  for (const { words, where } of lines) {
    if (words.length === 0 || words[0].startsWith('#')) continue;
    if (words[0].toLowerCase() !== 'user' || words.length < 2) throw new AclFileError(`${where}: should start with user keyword`);
    const rules = joinSelectors(words.slice(2));
    if (rules === undefined) throw new AclFileError(`${where}: Unmatched parenthesis in acl selector`);
    try {
      parsed.push(users.parse(words[1], rules));
    } catch (error) {
      if (error instanceof AclSetUserError) throw new AclFileError(`${where}: ${error.message}`);
      throw error;
    }
  }
  return parsed;
}

/** An ACL file's text as lines to parse (`path:N` names each). */
export function aclFileLines(text: string, path: string): { words: string[]; where: string }[] {
  return text.split('\n').map((line, index) => ({
    words: line
      .trim()
      .split(/\s+/)
      .filter((word) => word !== ''),
    where: `${path}:${index + 1}`,
  }));
}
