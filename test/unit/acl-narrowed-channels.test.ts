import { describe, expect, it } from 'vitest';
import { AclUser } from '../../src/security/acl-user.js';

/** Which channel rule changes take something away from a user's subscribers (Redis 7.0's ACLKillPubsubClientsIfNeeded). */

const NO_COMMANDS = { find: () => undefined, all: () => [] };

function user(...rules: string[]): AclUser {
  const made = new AclUser('u', NO_COMMANDS);
  made.apply('resetchannels');
  for (const rule of rules) made.apply(rule);
  return made;
}

describe('AclUser.narrowedChannels', () => {
  it('takes nothing away when every old pattern stays, in any selector, or when all channels are allowed', () => {
    expect(user('&a', '&b', '&c').narrowedChannels(user('&a', '&b'))).toBeUndefined();
    expect(user('&a', '(&b)').narrowedChannels(user('&a', '&b'))).toBeUndefined();
    expect(user('allchannels').narrowedChannels(user('&a'))).toBeUndefined();
    expect(user('(&*)').narrowedChannels(user('allchannels'))).toBeUndefined();
  });

  it('gives the channels kept when a pattern or all channels went, matching channels by glob and patterns as written', () => {
    const kept = user('&news*', '(&orders.*)').narrowedChannels(user('&news.*', '&orders.*'));
    expect(kept?.channels).toEqual(['news*', 'orders.*']);
    expect(kept?.allowsChannel('news.sports', false)).toBe(true);
    expect(kept?.allowsChannel('news.*', true)).toBe(false);
    expect(kept?.allowsChannel('orders.*', true)).toBe(true);
    expect(user('&a').narrowedChannels(user('allchannels'))?.channels).toEqual(['a']);
    expect(user().narrowedChannels(user('&a'))?.channels).toEqual([]);
  });
});
