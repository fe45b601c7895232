import { describe, expect, it } from 'vitest';
import { AclUser } from '../../src/security/acl-user.js';
import { globMatches } from '../../src/formats/glob.js';

/** Key patterns are looked up by their first character: the answers must be those of matching every pattern. */

const NO_COMMANDS = { find: () => undefined, all: () => [] };

function userWith(...rules: string[]): AclUser {
  const made = new AclUser('u', NO_COMMANDS);
  for (const rule of rules) made.apply(rule);
  return made;
}

const PATTERNS = ['p*', 'key:*', '*x', '?ey', '[kl]ey', '\\*star', 'k', ''];
const KEYS = ['p', 'pq', 'key:1', 'key', 'ley', 'xey', 'box', 'x', '*star', 'star', 'k', '', 'K', 'kex'];

describe('AclSelector.allowsKey', () => {
  it('allows a key exactly when one of the patterns matches it, whatever the pattern starts with', () => {
    const user = userWith(...PATTERNS.map((pattern) => `~${pattern}`));
    for (const key of KEYS) expect(user.root.allowsKey(key, true, true), key).toBe(PATTERNS.some((pattern) => globMatches(pattern, key)));
  });

  it('keeps read and write patterns apart, and forgets the old patterns after resetkeys', () => {
    const user = userWith('%R~read:*', '%W~write:*', '~both:*');
    expect(user.root.allowsKey('read:1', true, false)).toBe(true);
    expect(user.root.allowsKey('read:1', false, true)).toBe(false);
    expect(user.root.allowsKey('write:1', false, true)).toBe(true);
    expect(user.root.allowsKey('write:1', true, false)).toBe(false);
    expect(user.root.allowsKey('both:1', true, true)).toBe(true);
    user.apply('resetkeys');
    user.apply('~other:*');
    expect(user.root.allowsKey('both:1', true, true)).toBe(false);
    expect(user.root.allowsKey('other:1', true, true)).toBe(true);
  });
});
