import { parseInteger } from './arguments.js';
import type { Client } from '../session/client.js';
import { AUTH_NOT_CONFIGURED, NOPROTO, NOT_AN_INTEGER, SYNTAX_ERROR, WRONGPASS, wrongArity } from '../replies/errors.js';
import { REDIS_VERSION } from '../config/version.js';
import { unsubscribeAll } from './pubsub-commands.js';
import { untailAll } from './tail-commands.js';
import { peerOf } from './replication-commands.js';
import { ErrorReply, MapReply, OK, PONG, StatusReply, VerbatimReply, helpReply, type Reply } from '../replies/reply.js';

/** Connection commands (Redis's networking.c and acl.c for AUTH). */

export function ping(client: Client, args: string[]): Reply {
  if (args.length > 2) return wrongArity('ping');
  // A subscribed RESP2 connection gets PING's answer in the shape of a message, as in Redis.
  if (client.resp === 2 && client.subscribed) return ['pong', args.length === 2 ? args[1] : ''];
  return args.length === 2 ? args[1] : PONG;
}

export function echo(_client: Client, args: string[]): Reply {
  return args[1];
}

/** Checks a password against requirepass; only the `default` user exists. */
function authenticate(client: Client, user: string, password: string): Reply {
  const required = client.server.config.get('requirepass');
  // Without requirepass the default user is "nopass": any password is accepted, as in Redis.
  if (user !== 'default' || (required !== '' && password !== required)) return WRONGPASS;
  client.authenticated = true;
  return OK;
}

export function auth(client: Client, args: string[]): Reply {
  if (args.length > 3) return SYNTAX_ERROR;
  if (args.length === 2 && client.server.config.get('requirepass') === '') return AUTH_NOT_CONFIGURED;
  return args.length === 2 ? authenticate(client, 'default', args[1]) : authenticate(client, args[1], args[2]);
}

export function hello(client: Client, args: string[]): Reply {
  let version = client.resp as number;
  let i = 1;
  if (args.length > 1) {
    const requested = parseInteger(args[1]);
    if (requested === null) return new ErrorReply('ERR Protocol version is not an integer or out of range');
    if (requested !== 2 && requested !== 3) return NOPROTO;
    version = requested;
    i = 2;
  }
  let name: string | undefined;
  for (; i < args.length; i++) {
    const option = args[i].toUpperCase();
    const more = args.length - 1 - i;
    if (option === 'AUTH' && more >= 2) {
      const result = authenticate(client, args[i + 1], args[i + 2]);
      if (result instanceof ErrorReply) return result;
      i += 2;
    } else if (option === 'SETNAME' && more >= 1) {
      if (!validName(args[i + 1])) return INVALID_NAME;
      name = args[++i];
    } else return new ErrorReply(`ERR Syntax error in HELLO option '${args[i]}'`);
  }
  if (!client.authenticated)
    return new ErrorReply(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
  if (name !== undefined) client.name = name;
  client.resp = version as 2 | 3;
  return new MapReply([
    ['server', 'redis'],
    ['version', REDIS_VERSION],
    ['proto', version],
    ['id', client.id],
    ['mode', 'standalone'],
    ['role', 'master'],
    ['modules', []],
  ]);
}

export function quit(client: Client): Reply {
  client.closeAfterReply = true;
  return OK;
}

export function reset(client: Client): Reply {
  client.transaction = null;
  client.server.watches.unwatchAll(client);
  unsubscribeAll(client);
  untailAll(client);
  client.db = 0;
  client.resp = 2;
  client.name = '';
  client.authenticated = client.server.config.get('requirepass') === '';
  return new StatusReply('RESET');
}

const INVALID_NAME = new ErrorReply('ERR Client names cannot contain spaces, newlines or special characters.');

function validName(name: string): boolean {
  return /^[!-~]*$/.test(name);
}

/** One line of CLIENT LIST / CLIENT INFO, with Redis's fields. */
function describe(client: Client, now: number): string {
  const fields: [string, string | number][] = [
    ['id', client.id],
    ['addr', client.transport.remoteAddress],
    ['laddr', client.transport.localAddress],
    ['fd', -1],
    ['name', client.name],
    ['age', Math.floor((now - client.createdAt) / 1000)],
    ['idle', Math.floor((now - client.lastActiveAt) / 1000)],
    ['flags', 'N'],
    ['db', client.db],
    ['sub', 0],
    ['psub', 0],
    ['ssub', 0],
    ['multi', -1],
    ['qbuf', 0],
    ['qbuf-free', 0],
    ['argv-mem', 0],
    ['multi-mem', 0],
    ['obl', 0],
    ['oll', 0],
    ['omem', 0],
    ['tot-mem', 0],
    ['events', 'r'],
    ['cmd', client.lastCommand],
    ['user', 'default'],
    ['redir', -1],
    ['resp', client.resp],
    ['lib-name', client.libName],
    ['lib-ver', client.libVersion],
  ];
  return fields.map(([field, value]) => `${field}=${value}`).join(' ');
}

/** CLIENT KILL's filters (the old `addr` form and the new `FILTER value` pairs). */
function killClients(client: Client, args: string[]): Reply {
  const registry = client.server.clients;
  if (args.length === 3) {
    for (const other of registry.all())
      if (other.transport.remoteAddress === args[2]) {
        other.transport.close();
        return OK;
      }
    return new ErrorReply('ERR No such client');
  }
  if (args.length % 2 !== 0) return SYNTAX_ERROR;
  const filters: ((other: Client) => boolean)[] = [];
  let skipMe = true;
  for (let i = 2; i < args.length; i += 2) {
    const filter = args[i].toUpperCase();
    const value = args[i + 1];
    if (filter === 'ID') {
      const id = parseInteger(value);
      if (id === null || id <= 0) return new ErrorReply('ERR client-id should be greater than 0');
      filters.push((other) => other.id === id);
    } else if (filter === 'ADDR') filters.push((other) => other.transport.remoteAddress === value);
    else if (filter === 'LADDR') filters.push((other) => other.transport.localAddress === value);
    else if (filter === 'USER') filters.push(() => value === 'default');
    else if (filter === 'TYPE') {
      const type = value.toLowerCase();
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(type)) return new ErrorReply(`ERR Unknown client type '${value}'`);
      const replicas = client.server.replication.replicas;
      const typeOf = (other: Client): string => (replicas.isReplica(peerOf(other)) ? 'replica' : other.subscribed ? 'pubsub' : 'normal');
      filters.push((other) => typeOf(other) === (type === 'slave' ? 'replica' : type));
    } else if (filter === 'SKIPME') {
      const answer = value.toLowerCase();
      if (answer !== 'yes' && answer !== 'no') return SYNTAX_ERROR;
      skipMe = answer === 'yes';
    } else if (filter === 'MAXAGE') {
      const age = parseInteger(value);
      if (age === null) return NOT_AN_INTEGER;
      filters.push((other) => Date.now() - other.createdAt >= age * 1000);
    } else return SYNTAX_ERROR;
  }
  let killed = 0;
  for (const other of [...registry.all()]) {
    if (skipMe && other === client) continue;
    if (!filters.every((matches) => matches(other))) continue;
    other.transport.close();
    killed++;
  }
  return killed;
}

export function clientCommand(client: Client, args: string[]): Reply {
  const sub = args[1].toUpperCase();
  const now = Date.now();
  switch (sub) {
    case 'ID':
      return client.id;
    case 'GETNAME':
      return client.name === '' ? null : client.name;
    case 'SETNAME':
      if (!validName(args[2])) return INVALID_NAME;
      client.name = args[2];
      return OK;
    case 'SETINFO': {
      const attribute = args[2].toUpperCase();
      if (attribute === 'LIB-NAME') client.libName = args[3];
      else if (attribute === 'LIB-VER') client.libVersion = args[3];
      else return new ErrorReply(`ERR Unrecognized option '${args[2]}'`);
      return OK;
    }
    case 'INFO': {
      const text = `${describe(client, now)}\n`;
      return client.resp === 3 ? new VerbatimReply(text) : text;
    }
    case 'LIST': {
      let text = '';
      for (const other of client.server.clients.all()) text += `${describe(other, now)}\n`;
      return client.resp === 3 ? new VerbatimReply(text) : text;
    }
    case 'KILL':
      return killClients(client, args);
    default: // HELP: the command table refuses other subcommands
      return helpReply('CLIENT', ['ID', 'GETNAME', 'SETNAME <name>', 'SETINFO <attr> <value>', 'INFO', 'LIST', 'KILL <ip:port>|<filter> <value> ...']);
  }
}
