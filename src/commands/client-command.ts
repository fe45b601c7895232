import { parseInteger } from './arguments.js';
import type { Client } from '../session/client.js';
import type { PauseMode } from '../session/client-pause.js';
import { NOT_AN_INTEGER, SYNTAX_ERROR } from '../replies/errors.js';
import { peerOf } from './replication-commands.js';
import { describeClient, type ClientType } from './client-list.js';
import type { TrackingOptions } from '../subscriptions/client-tracking.js';
import { ErrorReply, MapReply, NO_REPLY, OK, SetReply, StatusReply, VerbatimReply, type Reply } from '../replies/reply.js';

/** CLIENT and its subcommands (Redis's clientCommand in networking.c); the command table has checked the arity. */

const INVALID_NAME = new ErrorReply('ERR Client names cannot contain spaces, newlines or special characters.');
const NO_SUCH_CLIENT = new ErrorReply('ERR No such client');

export function validName(name: string): boolean {
  return /^[!-~]*$/.test(name);
}

export function clientCommand(client: Client, args: string[]): Reply {
  switch (args[1].toLowerCase()) {
    case 'id':
      return client.id;
    case 'getname':
      return client.name === '' ? null : client.name;
    case 'setname':
      if (!validName(args[2])) return INVALID_NAME;
      client.name = args[2];
      return OK;
    case 'setinfo':
      return setInfo(client, args);
    case 'info':
      return text(client, `${describeClient(client, Date.now(), args)}\n`);
    case 'list':
      return listClients(client, args);
    case 'kill':
      return killClients(client, args);
    case 'pause':
      return pause(client, args);
    case 'unpause':
      client.server.pause.unpause();
      return OK;
    case 'reply':
      return reply(client, args[2]);
    case 'unblock':
      return unblock(client, args);
    case 'no-evict':
      return onOff(args[2], (on) => (client.noEvict = on));
    case 'no-touch':
      return onOff(args[2], (on) => (client.noTouch = on));
    case 'tracking':
      return tracking(client, args);
    case 'caching':
      return caching(client, args[2]);
    case 'getredir':
      return client.tracking === undefined ? -1 : client.tracking.redirect;
    case 'trackinginfo':
      return trackingInfo(client);
    default: // HELP: the command table refuses other subcommands
      return HELP;
  }
}

/** CLIENT SETINFO (Redis 7.2's, kept for the clients that send it). */
function setInfo(client: Client, args: string[]): Reply {
  const attribute = args[2].toUpperCase();
  if (attribute === 'LIB-NAME') client.libName = args[3];
  else if (attribute === 'LIB-VER') client.libVersion = args[3];
  else return new ErrorReply(`ERR Unrecognized option '${args[2]}'`);
  return OK;
}

function text(client: Client, lines: string): Reply {
  return client.resp === 3 ? new VerbatimReply(lines) : lines;
}

function onOff(value: string, set: (on: boolean) => void): Reply {
  const answer = value.toLowerCase();
  if (answer !== 'on' && answer !== 'off') return SYNTAX_ERROR;
  set(answer === 'on');
  return OK;
}

/** Redis's getClientType: a replica, a subscriber, or a normal client (a MONITOR is a normal one). */
function typeOf(client: Client): ClientType {
  if (client.server.replication.replicas.isReplica(peerOf(client))) return 'replica';
  return client.subscribed ? 'pubsub' : 'normal';
}

/** Redis's client type names, `slave` as `replica`; undefined for an unknown one. */
function clientType(name: string): ClientType | 'master' | undefined {
  const type = name.toLowerCase();
  if (type === 'slave') return 'replica';
  return type === 'normal' || type === 'master' || type === 'replica' || type === 'pubsub' ? type : undefined;
}

/** CLIENT LIST [TYPE type | ID id ...]. */
function listClients(client: Client, args: string[]): Reply {
  const registry = client.server.clients;
  const now = Date.now();
  let clients: Client[];
  if (args.length === 4 && args[2].toLowerCase() === 'type') {
    const type = clientType(args[3]);
    if (type === undefined) return new ErrorReply(`ERR Unknown client type '${args[3]}'`);
    clients = [...registry.all()].filter((other) => typeOf(other) === type);
  } else if (args.length > 3 && args[2].toLowerCase() === 'id') {
    clients = [];
    for (const id of args.slice(3)) {
      const number = parseInteger(id);
      if (number === null) return new ErrorReply('ERR Invalid client ID');
      const other = registry.byId(number);
      if (other !== undefined) clients.push(other);
    }
  } else if (args.length !== 2) return SYNTAX_ERROR;
  else clients = [...registry.all()];
  let lines = '';
  for (const other of clients) lines += `${describeClient(other, now, other === client ? args : undefined)}\n`;
  return text(client, lines);
}

/** CLIENT KILL: the old `addr` form (+OK or an error), or filters ANDed together (how many were killed). */
function killClients(client: Client, args: string[]): Reply {
  const registry = client.server.clients;
  if (args.length === 3) {
    for (const other of registry.all())
      if (other.transport.remoteAddress === args[2]) {
        other.closeBy(client);
        return OK;
      }
    return NO_SUCH_CLIENT;
  }
  let id: number | undefined;
  let type: ClientType | 'master' | undefined;
  let addr: string | undefined;
  let laddr: string | undefined;
  let user: string | undefined;
  let skipMe = true;
  // Each filter names one value; a filter given twice keeps its last, as in Redis.
  for (let i = 2; i < args.length; i += 2) {
    const filter = args[i].toLowerCase();
    const value = args[i + 1];
    if (value === undefined) return SYNTAX_ERROR;
    if (filter === 'id') {
      const number = parseInteger(value);
      if (number === null || number <= 0) return new ErrorReply('ERR client-id should be greater than 0');
      id = number;
    } else if (filter === 'type') {
      type = clientType(value);
      if (type === undefined) return new ErrorReply(`ERR Unknown client type '${value}'`);
    } else if (filter === 'addr') addr = value;
    else if (filter === 'laddr') laddr = value;
    else if (filter === 'user') {
      if (client.server.acl.get(value) === undefined) return new ErrorReply(`ERR No such user '${value}'`);
      user = value;
    } else if (filter === 'skipme') {
      const answer = value.toLowerCase();
      if (answer !== 'yes' && answer !== 'no') return SYNTAX_ERROR;
      skipMe = answer === 'yes';
    } else return SYNTAX_ERROR;
  }
  let killed = 0;
  for (const other of [...registry.all()]) {
    if (id !== undefined && other.id !== id) continue;
    if (type !== undefined && typeOf(other) !== type) continue;
    if (addr !== undefined && other.transport.remoteAddress !== addr) continue;
    if (laddr !== undefined && other.transport.localAddress !== laddr) continue;
    if (user !== undefined && other.user.name !== user) continue;
    if (skipMe && other === client) continue;
    other.closeBy(client);
    killed++;
  }
  return killed;
}

/** CLIENT PAUSE timeout [WRITE|ALL] (the mode is checked first, as in Redis). */
function pause(client: Client, args: string[]): Reply {
  if (args.length > 4) return new ErrorReply("ERR unknown subcommand or wrong number of arguments for 'pause'. Try CLIENT HELP.");
  let mode: PauseMode = 'all';
  if (args.length === 4) {
    const given = args[3].toLowerCase();
    if (given !== 'write' && given !== 'all') return new ErrorReply('ERR CLIENT PAUSE mode must be WRITE or ALL');
    mode = given;
  }
  const timeout = parseInteger(args[2]);
  if (timeout === null) return new ErrorReply('ERR timeout is not an integer or out of range');
  if (timeout < 0) return new ErrorReply('ERR timeout is negative');
  client.server.pause.pause(timeout, mode);
  return OK;
}

/** CLIENT REPLY ON|OFF|SKIP: OFF and SKIP get no reply themselves; SKIP does nothing while OFF. */
function reply(client: Client, mode: string): Reply {
  switch (mode.toLowerCase()) {
    case 'on':
      client.replyMode = 'on';
      return OK;
    case 'off':
      client.replyMode = 'off';
      return NO_REPLY;
    case 'skip':
      if (client.replyMode !== 'off') client.replyMode = 'skip-next';
      return NO_REPLY;
    default:
      return SYNTAX_ERROR;
  }
}

const UNBLOCKED = new ErrorReply('UNBLOCKED client unblocked via CLIENT UNBLOCK');

/** CLIENT UNBLOCK id [TIMEOUT|ERROR]: a client blocked on keys answers as at its timeout, or with -UNBLOCKED. */
function unblock(client: Client, args: string[]): Reply {
  let withError = false;
  if (args.length > 4) return new ErrorReply("ERR unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.");
  if (args.length === 4) {
    const reason = args[3].toLowerCase();
    if (reason !== 'timeout' && reason !== 'error') return new ErrorReply('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
    withError = reason === 'error';
  }
  const id = parseInteger(args[2]);
  if (id === null) return NOT_AN_INTEGER;
  const target = client.server.clients.byId(id);
  return target !== undefined && client.server.blocking.unblock(target, withError ? UNBLOCKED : undefined) ? 1 : 0;
}

/** CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP], checked in Redis's order. */
function tracking(client: Client, args: string[]): Reply {
  const options: TrackingOptions = { redirect: 0, bcast: false, optin: false, optout: false, noloop: false, prefixes: [] };
  for (let i = 3; i < args.length; i++) {
    const option = args[i].toLowerCase();
    const more = i + 1 < args.length;
    if (option === 'redirect' && more) {
      if (options.redirect !== 0) return new ErrorReply('ERR A client can only redirect to a single other client');
      const id = parseInteger(args[++i]);
      if (id === null) return NOT_AN_INTEGER;
      if (client.server.clients.byId(id) === undefined) return new ErrorReply('ERR The client ID you want redirect to does not exist');
      options.redirect = id;
    } else if (option === 'bcast') options.bcast = true;
    else if (option === 'optin') options.optin = true;
    else if (option === 'optout') options.optout = true;
    else if (option === 'noloop') options.noloop = true;
    else if (option === 'prefix' && more) options.prefixes.push(args[++i]);
    else return SYNTAX_ERROR;
  }
  const onOrOff = args[2].toLowerCase();
  if (onOrOff === 'off') {
    client.server.tracking.disable(client);
    return OK;
  }
  if (onOrOff !== 'on') return SYNTAX_ERROR;
  const refusal = refuseTracking(client, options);
  if (refusal !== undefined) return refusal;
  client.server.tracking.enable(client, options);
  return OK;
}

function refuseTracking(client: Client, options: TrackingOptions): ErrorReply | undefined {
  const state = client.tracking;
  if (!options.bcast && options.prefixes.length > 0) return new ErrorReply('ERR PREFIX option requires BCAST mode to be enabled');
  if (state !== undefined && state.bcast !== options.bcast)
    return new ErrorReply("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
  if (options.bcast && (options.optin || options.optout)) return new ErrorReply('ERR OPTIN and OPTOUT are not compatible with BCAST');
  if (options.optin && options.optout) return new ErrorReply("ERR You can't specify both OPTIN mode and OPTOUT mode");
  if (state !== undefined && ((options.optin && state.optout) || (options.optout && state.optin)))
    return new ErrorReply("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
  if (!options.bcast) return undefined;
  // Two prefixes overlap when one starts the other: a key would be invalidated twice.
  const overlaps = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);
  const prefixes = options.prefixes;
  for (let i = 0; i < prefixes.length; i++) {
    const existing = state?.prefixes.find((prefix) => overlaps(prefix, prefixes[i]));
    if (existing !== undefined) return new ErrorReply(`ERR Prefix '${prefixes[i]}' overlaps with an existing prefix '${existing}'. Prefixes for a single client must not overlap.`);
    for (let j = i + 1; j < prefixes.length; j++)
      if (overlaps(prefixes[i], prefixes[j]))
        return new ErrorReply(`ERR Prefix '${prefixes[i]}' overlaps with another provided prefix '${prefixes[j]}'. Prefixes for a single client must not overlap.`);
  }
  return undefined;
}

/** CLIENT CACHING YES|NO: for the next command, in OPTIN and OPTOUT mode. */
function caching(client: Client, answer: string): Reply {
  const state = client.tracking;
  if (state === undefined) return new ErrorReply('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
  const yes = answer.toLowerCase();
  if (yes === 'yes') {
    if (!state.optin) return new ErrorReply('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
  } else if (yes === 'no') {
    if (!state.optout) return new ErrorReply('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
  } else return SYNTAX_ERROR;
  state.caching = true;
  return OK;
}

/** CLIENT TRACKINGINFO: flags, redirect and prefixes, as Redis lists them. */
function trackingInfo(client: Client): Reply {
  const state = client.tracking;
  const flags: string[] = [];
  if (state === undefined) flags.push('off');
  else {
    flags.push('on');
    if (state.bcast) flags.push('bcast');
    if (state.optin) flags.push('optin');
    if (state.optin && state.caching) flags.push('caching-yes');
    if (state.optout) flags.push('optout');
    if (state.optout && state.caching) flags.push('caching-no');
    if (state.noloop) flags.push('noloop');
    if (state.brokenRedirect) flags.push('broken_redirect');
  }
  return new MapReply([
    ['flags', new SetReply(flags)],
    ['redirect', state === undefined ? -1 : state.redirect],
    ['prefixes', state === undefined ? [] : [...state.prefixes].sort()],
  ]);
}

/** MONITOR: from now on, every command run is streamed to this connection (RESET and QUIT end it). */
export function monitor(client: Client): Reply {
  if (client.monitoring) return NO_REPLY;
  if (client.transport.pushLine === undefined) return new ErrorReply('ERR MONITOR needs a RESP connection');
  client.server.monitors.add(client);
  return OK;
}

const HELP_LINES = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  'HELP',
  '    Prints this help.',
];

/** CLIENT HELP, line for line as Redis 7.0's. */
const HELP = HELP_LINES.map((line) => new StatusReply(line));
