import { parseInteger } from './arguments.js';
import type { Client } from '../session/client.js';
import { AUTH_NOT_CONFIGURED, NOPROTO, SYNTAX_ERROR, WRONGPASS, wrongArity } from '../replies/errors.js';
import { REDIS_VERSION } from '../config/version.js';
import { unsubscribeAll } from './pubsub-commands.js';
import { untailAll } from './tail-commands.js';
import { ErrorReply, MapReply, OK, PONG, StatusReply, type Reply } from '../replies/reply.js';
import { validName } from './client-command.js';

const INVALID_NAME = new ErrorReply('ERR Client names cannot contain spaces, newlines or special characters.');

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

/** AUTH and HELLO's AUTH: the user, if it is on and the password is one of its own (any, for nopass); a failure goes to ACL LOG. */
function authenticate(client: Client, name: string, password: string): Reply {
  const acl = client.server.acl;
  const user = acl.authenticate(name, password);
  if (user === undefined) {
    acl.note({ reason: 'auth', context: client.transaction !== null ? 'multi' : 'toplevel', object: 'AUTH', username: name, clientInfo: client.server.describeClient(client) });
    return WRONGPASS;
  }
  client.user = user;
  client.authenticated = true;
  return OK;
}

export function auth(client: Client, args: string[]): Reply {
  if (args.length > 3) return SYNTAX_ERROR;
  if (args.length === 2 && client.server.acl.default.noPass) return AUTH_NOT_CONFIGURED;
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
  // Redis's clearClientConnectionState: tracking, MONITOR, CLIENT REPLY, NO-EVICT and NO-TOUCH end too.
  client.server.tracking.disable(client);
  client.server.monitors.remove(client);
  client.replyMode = 'on';
  client.noEvict = false;
  client.noTouch = false;
  // Back to the default user: still authenticated only if it needs no password.
  client.user = client.server.acl.default;
  client.authenticated = client.user.checkPassword('');
  return new StatusReply('RESET');
}
