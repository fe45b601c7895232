import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { ACL_CATEGORIES, aclDenial, type AclSelector, type AclUser } from '../security/acl-user.js';
import { AclSetUserError } from '../security/acl-users.js';
import { AclFileError, aclFileLines, joinSelectors, parseUserLines } from '../security/acl-file.js';
import { PendingReply } from '../replies/pending-reply.js';
import { DoubleReply, ErrorReply, helpReply, MapReply, OK, type Reply } from '../replies/reply.js';
import { aclRequestOf } from '../session/acl-check.js';
import type { Client } from '../session/client.js';
import { allCommands, findCommand } from '../session/command-registry.js';
import { arityAccepts, resolveSubcommand } from '../session/command-spec.js';
import { parseInteger } from './arguments.js';
import { wrongArity } from '../replies/errors.js';

const NO_ACL_FILE = new ErrorReply(
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.',
);
const BAD_GENPASS = new ErrorReply('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096');

/** Every command or subcommand of a category, as ACL CAT lists them. */
function commandsIn(category: string): string[] {
  const names: string[] = [];
  for (const spec of allCommands()) {
    if (spec.subcommands === undefined) {
      if (spec.categories.includes(`@${category}`)) names.push(spec.name);
    } else for (const sub of new Set(spec.subcommands.values())) if (sub.categories.includes(`@${category}`)) names.push(sub.name);
  }
  return names;
}

function selectorReply(selector: AclSelector): MapReply {
  return new MapReply([
    ['commands', selector.describeCommands()],
    ['keys', selector.describeKeys()],
    ['channels', selector.describeChannels()],
  ]);
}

function userReply(user: AclUser): MapReply {
  return new MapReply([
    ['flags', [user.enabled ? 'on' : 'off', ...(user.noPass ? ['nopass'] : []), ...(user.payloadFlag !== undefined ? [user.payloadFlag] : [])]],
    ['passwords', [...user.passwords]],
    ['commands', user.root.describeCommands()],
    ['keys', user.root.describeKeys()],
    ['channels', user.root.describeChannels()],
    ['selectors', user.selectors.map(selectorReply)],
  ]);
}

/** ACL DRYRUN user command [arg...]: OK, or why the user may not run it (a bulk string, as Redis). */
function dryRun(client: Client, args: string[]): Reply {
  const user = client.server.acl.get(args[2]);
  if (user === undefined) return new ErrorReply(`ERR User '${args[2]}' not found`);
  const spec = findCommand(args[3]);
  if (spec === undefined) return new ErrorReply(`ERR Command '${args[3]}' not found`);
  const command = args.slice(3);
  const row = spec.subcommands === undefined ? spec : resolveSubcommand(spec, command);
  if (row === undefined) return new ErrorReply(`ERR Command '${args[3]}' not found`);
  if (!arityAccepts(row.arity, command.length)) return wrongArity(row.name);
  const denial = aclDenial(user, aclRequestOf(row, command));
  if (denial === undefined) return OK;
  if (denial.reason === 'command') return `This user has no permissions to run the '${denial.object}' command`;
  return `This user has no permissions to access the '${denial.object}' ${denial.reason}`;
}

/** ACL LOG [count | RESET]: newest first. */
function logReply(client: Client, args: string[]): Reply {
  const acl = client.server.acl;
  if (args.length > 2 && args[2].toUpperCase() === 'RESET') {
    acl.log.length = 0;
    return OK;
  }
  const count = args.length > 2 ? parseInteger(args[2]) : 10;
  if (count === null) return new ErrorReply('ERR value is not an integer or out of range');
  const now = Date.now();
  return acl.log.slice(0, count < 0 ? acl.log.length : count).map(
    (entry) =>
      new MapReply([
        ['count', entry.count],
        ['reason', entry.reason],
        ['context', entry.context],
        ['object', entry.object],
        ['username', entry.username],
        ['age-seconds', new DoubleReply((now - entry.createdAt) / 1000, ((now - entry.createdAt) / 1000).toFixed(3))],
        ['client-info', entry.clientInfo],
      ]),
  );
}

/**
 * ACL LOAD: every line checked before any replaces the users. Redis 7.0 makes every user but
 * default anew, so their connections close, whatever their rules; default's stay, subscribed or not.
 */
async function load(client: Client, path: string): Promise<Reply> {
  const acl = client.server.acl;
  try {
    acl.replaceAll(parseUserLines(aclFileLines(await readFile(path, 'latin1'), path), acl));
  } catch (error) {
    if (error instanceof AclFileError) return new ErrorReply(`ERR ${error.message}`);
    throw error;
  }
  for (const other of [...client.server.clients.all()]) if (other.user !== acl.default) other.closeBy(client);
  return OK;
}

/**
 * ACL SETUSER took channels away from `user`: its connections subscribed to a channel it may no
 * longer use, or to a pattern no longer granted as written, close (Redis 7.0).
 */
function closeRevokedSubscribers(client: Client, user: AclUser, kept: AclSelector): void {
  for (const other of [...client.server.clients.all()]) {
    if (other.user !== user) continue;
    const channels = [...other.channels, ...other.shardChannels];
    if ([...other.patterns].some((pattern) => !kept.allowsChannel(pattern, true)) || channels.some((channel) => !kept.allowsChannel(channel, false))) other.closeBy(client);
  }
}

export function acl(client: Client, args: string[]): Reply | PendingReply {
  const server = client.server;
  const users = server.acl;
  const sub = args[1].toUpperCase();
  switch (sub) {
    case 'SETUSER': {
      const rules = joinSelectors(args.slice(3));
      if (rules === undefined) return new ErrorReply('ERR Unmatched parenthesis in acl selector starting at the rules given.');
      const before = users.get(args[2])?.copy();
      let user: AclUser;
      try {
        user = users.setUser(args[2], rules);
      } catch (error) {
        if (error instanceof AclSetUserError) return new ErrorReply(`ERR ${error.message}`);
        throw error;
      }
      const kept = before === undefined ? undefined : user.narrowedChannels(before);
      if (kept !== undefined) closeRevokedSubscribers(client, user, kept);
      return OK;
    }
    case 'GETUSER': {
      const user = users.get(args[2]);
      return user === undefined ? null : userReply(user);
    }
    case 'DELUSER': {
      if (args.slice(2).includes('default')) return new ErrorReply("ERR The 'default' user cannot be removed");
      let deleted = 0;
      for (const name of args.slice(2)) {
        const user = users.get(name);
        if (user === undefined || !users.delete(name)) continue;
        deleted++;
        // Its connections end, as in Redis.
        for (const other of [...server.clients.all()]) if (other.user === user) other.closeBy(client);
      }
      return deleted;
    }
    case 'USERS':
      return users.names();
    case 'LIST':
      return users.all().map((user) => user.describe());
    case 'WHOAMI':
      return client.user.name;
    case 'CAT':
      if (args.length === 2) return [...ACL_CATEGORIES];
      if (!ACL_CATEGORIES.includes(args[2].toLowerCase())) return new ErrorReply(`ERR Unknown category '${args[2]}'`);
      return commandsIn(args[2].toLowerCase());
    case 'GENPASS': {
      const bits = args.length > 2 ? parseInteger(args[2]) : 256;
      if (bits === null || bits <= 0 || bits > 4096) return BAD_GENPASS;
      return randomBytes(Math.ceil(bits / 8))
        .toString('hex')
        .slice(0, Math.ceil(bits / 4));
    }
    case 'DRYRUN':
      return dryRun(client, args);
    case 'LOG':
      return logReply(client, args);
    case 'SAVE': {
      const path = server.config.get('aclfile');
      if (path === '') return NO_ACL_FILE;
      const text = users
        .all()
        .map((user) => `${user.describe()}\n`)
        .join('');
      return PendingReply.from(writeFile(path, text).then(() => OK));
    }
    case 'LOAD': {
      const path = server.config.get('aclfile');
      if (path === '') return NO_ACL_FILE;
      return PendingReply.from(load(client, path).catch((error: Error) => new ErrorReply(`ERR Error loading ACLs, user file '${path}': ${error.message}`)));
    }
    default:
      return helpReply('ACL', [
        'CAT [<category>]',
        '    List all commands that belong to <category>, or all command categories',
        '    when no category is specified.',
        'DELUSER <username> [<username> ...]',
        '    Delete a list of users.',
        'DRYRUN <username> <command> [<arg> ...]',
        '    Returns whether the user can execute the given command without executing the command.',
        'GETUSER <username>',
        "    Get the user's details.",
        'GENPASS [<bits>]',
        '    Generate a secure 256-bit user password. The optional `bits` argument can',
        '    be used to specify a different size.',
        'LIST',
        '    Show users details in config file format.',
        'LOAD',
        '    Reload users from the ACL file.',
        'LOG [<count> | RESET]',
        '    Show the ACL log entries.',
        'SAVE',
        '    Save the current config to the ACL file.',
        'SETUSER <username> <attribute> [<attribute> ...]',
        '    Create or modify a user with the specified attributes.',
        'USERS',
        '    List all the registered usernames.',
        'WHOAMI',
        '    Return the current connection username.',
      ]);
  }
}
