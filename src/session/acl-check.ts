import { aclDenial, type AclDenial, type AclRequest, type AclSelector } from '../security/acl-user.js';
import { ErrorReply } from '../replies/reply.js';
import { everyKey } from '../shards/router.js';
import { commandKeyPositions, hasKeyFinder } from '../shards/movable-keys.js';
import type { Client } from './client.js';
import { Flag, type CommandRow } from './command-spec.js';

const KEY_DENIED = new ErrorReply('NOPERM this user has no permissions to access one of the keys used as arguments');
const CHANNEL_DENIED = new ErrorReply('NOPERM this user has no permissions to access one of the channels used as arguments');

/** Most commands name no channel: one shared empty list, not a new one per command. */
const NO_CHANNELS: AclRequest['channels'] = [];

/** The channels a pub/sub command names (PSUBSCRIBE's are patterns). */
function channelsOf(name: string, args: readonly string[]): AclRequest['channels'] {
  if (name === 'publish' || name === 'spublish') return [{ name: args[1], isPattern: false }];
  if (name === 'subscribe' || name === 'ssubscribe') return args.slice(1).map((channel) => ({ name: channel, isPattern: false }));
  if (name === 'psubscribe') return args.slice(1).map((pattern) => ({ name: pattern, isPattern: true }));
  return NO_CHANNELS;
}

/** What `row` run with `args` touches: its keys (read for read-only commands, written by writes) and channels. */
export function aclRequestOf(row: CommandRow, args: readonly string[]): AclRequest {
  const write = (row.flagBits & Flag.write) !== 0;
  const positions = commandKeyPositions(row, args);
  return {
    command: row.name,
    firstArg: args.length > 1 ? args[1] : undefined,
    keys: positions.map((position) => ({ key: args[position], read: !write, write })),
    channels: channelsOf(row.name, args),
  };
}

/**
 * Whether `selector` allows `row` with `args` outright, checked without building an AclRequest:
 * the common case (a command with fixed key positions and no channel, allowed by the user's root
 * selector) then allocates nothing. False means "look closer", not "denied".
 */
function allowsOutright(selector: AclSelector, row: CommandRow, args: readonly string[]): boolean {
  if (hasKeyFinder(row.name) || channelsOf(row.name, args) !== NO_CHANNELS) return false;
  return selector.allowsCommand(row.name, args.length > 1 ? args[1] : undefined) && allowsKeysOf(selector, row, args);
}

function allowsKeysOf(selector: AclSelector, row: CommandRow, args: readonly string[]): boolean {
  const write = (row.flagBits & Flag.write) !== 0;
  // One key, as most commands have (keysFree's shortcut too): no walk and no closure, fewer calls deep.
  if (row.firstKey !== 0 && row.firstKey === row.lastKey) return args.length <= row.firstKey || selector.allowsKey(args[row.firstKey], !write, write);
  return everyKey(row, args, (key) => selector.allowsKey(key, !write, write));
}

/** Why the client's user may not run `row` with `args`, noted in ACL LOG; undefined when it may. */
export function notedAclDenial(client: Client, row: CommandRow, args: readonly string[], context: 'toplevel' | 'multi' | 'lua'): AclDenial | undefined {
  const user = client.user;
  if (user.unrestricted || allowsOutright(user.root, row, args)) return undefined;
  const denial = aclDenial(user, aclRequestOf(row, args));
  if (denial === undefined) return undefined;
  const server = client.server;
  server.acl.note({ reason: denial.reason, context, object: denial.object, username: user.name, clientInfo: server.describeClient(client) });
  return denial;
}

/**
 * The NOPERM a client's user gets for running `row` with `args` (noted in ACL LOG with `context`:
 * toplevel, multi or lua), or undefined when one of its selectors allows it all.
 */
export function aclRefusal(client: Client, row: CommandRow, args: readonly string[], context: 'toplevel' | 'multi' | 'lua'): ErrorReply | undefined {
  const denial = notedAclDenial(client, row, args, context);
  if (denial === undefined) return undefined;
  if (denial.reason === 'key') return KEY_DENIED;
  if (denial.reason === 'channel') return CHANNEL_DENIED;
  return new ErrorReply(`NOPERM this user has no permissions to run the '${denial.object}' command`);
}
