import { createHash } from 'node:crypto';
import { pack } from 'msgpackr';
import { lruClock } from '../projections/key-access.js';
import { encodingOf, type Value } from '../projections/value.js';
import { snapshotOf } from '../projections/value-snapshot.js';
import type { ListValue } from '../projections/list-value.js';
import { datasetDigest } from '../replication/dataset-digest.js';
import { mallocStats } from './memory-commands.js';
import { globMatches } from '../formats/glob.js';
import { parseInteger } from './arguments.js';
import type { Client } from '../session/client.js';
import { BooleanReply, DoubleReply, ErrorReply, MapReply, OK, PushReply, SetReply, StatusReply, VerbatimReply, helpReply, type Reply } from '../replies/reply.js';

/**
 * DEBUG, as far as its subcommands mean something for Eddy. Behind `enable-debug-command`, as in
 * Redis 7: `no` (the default) refuses it, `local` lets loopback connections in, `yes` everyone.
 */

const NOT_ALLOWED = new ErrorReply(
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
);
const NO_SUCH_KEY = new ErrorReply('ERR no such key');
const NOT_POSITIVE = new ErrorReply('ERR value is out of range, must be positive');
const ZERO_DIGEST = '0'.repeat(40);
const PROTOCOL_TYPES = 'string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false';

const HELP = [
  'CHANGE-REPL-ID',
  '    Change the replication IDs of the instance.',
  '    Dangerous: should be used only for testing the replication subsystem.',
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'ERROR <string>',
  '    Return a Redis protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate Redis errors.',
  'JMAP',
  "    Eddy: the V8 heap's statistics and spaces, in bytes.",
  'LOG <message>',
  '    Write <message> to the server log.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'POPULATE <count> [<prefix>] [<size>]',
  '    Create <count> string keys named key:<num>. If <prefix> is specified then',
  "    it is used instead of the 'key' prefix. Eddy logs them as any write, so",
  '    replicas get them too.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    Accepted; Eddy keeps no packed list nodes.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'STRINGMATCH-LEN <pattern> <string>',
  '    Eddy: 1 when the glob <pattern> matches <string>, else 0.',
];

/** Whether a connection comes from this machine (Redis's islocalClient: loopback, or no address at all). */
function isLocal(client: Client): boolean {
  const address = client.transport.remoteAddress;
  return address === '' || /^(127\.|::1\b|::ffff:127\.|\[::1\])/.test(address);
}

function refusedByConfig(client: Client): boolean {
  const setting = client.server.config.get('enable-debug-command');
  return setting === 'no' || (setting === 'local' && !isLocal(client));
}

export function debug(client: Client, args: string[]): Reply {
  if (refusedByConfig(client)) return NOT_ALLOWED;
  const sub = args[1].toUpperCase();
  const argc = args.length;
  const unknown = new ErrorReply(`ERR unknown subcommand or wrong number of arguments for '${args[1]}'. Try DEBUG HELP.`);
  switch (sub) {
    case 'HELP':
      return argc === 2 ? helpReply('DEBUG', HELP) : unknown;
    case 'DIGEST':
      return argc === 2 ? new StatusReply(datasetDigest(client.server.store)) : unknown;
    case 'DIGEST-VALUE':
      return argc >= 2 ? args.slice(2).map((key) => new StatusReply(valueDigest(client, key))) : unknown;
    case 'OBJECT':
      return argc === 3 ? objectInfo(client, args[2]) : unknown;
    case 'SLEEP':
      return argc === 3 ? sleep(args[2]) : unknown;
    case 'SET-ACTIVE-EXPIRE':
      if (argc !== 3) return unknown;
      client.server.activeExpiry.enabled = atoi(args[2]) !== 0;
      return OK;
    case 'CHANGE-REPL-ID':
      if (argc !== 2) return unknown;
      client.server.replication.changeReplicationId();
      return OK;
    case 'ERROR':
      return argc === 3 ? new ErrorReply(args[2]) : unknown;
    case 'LOG':
      if (argc !== 3) return unknown;
      client.server.hooks.debugLog?.(args[2]);
      return OK;
    case 'POPULATE':
      return argc >= 3 && argc <= 5 ? populate(client, args) : unknown;
    case 'PROTOCOL':
      return argc === 3 ? protocolSample(args[2].toLowerCase()) : unknown;
    case 'QUICKLIST-PACKED-THRESHOLD':
      return argc === 3 ? OK : unknown;
    case 'STRINGMATCH-LEN':
      return argc === 4 ? (globMatches(args[2], args[3]) ? 1 : 0) : unknown;
    case 'JMAP':
      return argc === 2 ? mallocStats() : unknown;
    default:
      return unknown;
  }
}

/** C's atoi: the leading integer, 0 when there is none. */
function atoi(text: string): number {
  return Number.parseInt(text, 10) || 0;
}

/** A key's value as a hash: equal values digest equal, whatever their encoding; forty zeros for a missing key. */
function valueDigest(client: Client, key: string): string {
  const value = client.server.store.lookup(client.db, key, client);
  if (value === undefined) return ZERO_DIGEST;
  const expireAt = client.server.store.keyspace(client.db, key).expireAt(key);
  return createHash('sha1')
    .update(pack([snapshotOf(value), expireAt]))
    .digest('hex');
}

/** A stable fake address per value: Eddy has no pointers to show, but tools compare them. */
const addresses = new WeakMap<object, string>();
let nextAddress = 0x7f0000000000;
function addressOf(value: Value): string {
  if (typeof value === 'string') return '0x0';
  let address = addresses.get(value);
  if (address === undefined) addresses.set(value, (address = `0x${(nextAddress += 64).toString(16)}`));
  return address;
}

function objectInfo(client: Client, key: string): Reply {
  const store = client.server.store;
  const value = store.lookup(client.db, key, { now: client.now, events: undefined, touches: false });
  if (value === undefined) return NO_SUCH_KEY;
  const idleMs = store.access.idleMs(store.keyspace(client.db, key), key, client.now);
  // serializedlength: the bytes the value takes in the log (Eddy's RDB is its log).
  const serialized = pack(snapshotOf(value)).length;
  let info = `Value at:${addressOf(value)} refcount:1 encoding:${encodingOf(value)} serializedlength:${serialized} lru:${lruClock(client.now - idleMs)} lru_seconds_idle:${Math.floor(idleMs / 1000)}`;
  if (typeof value !== 'string' && value.type === 'list') {
    const items = (value as ListValue).items.toArray();
    const bytes = items.reduce((sum, item) => sum + item.length + 2, 6);
    info += ` ql_nodes:1 ql_avg_node:${items.length.toFixed(2)} ql_listpack_max:${client.server.config.int('list-max-listpack-size')} ql_compressed:0 ql_uncompressed_size:${bytes}`;
  }
  return new StatusReply(info);
}

/** Stops the whole server, as Redis's DEBUG SLEEP does: nothing else runs meanwhile. */
function sleep(text: string): Reply {
  const seconds = Number.parseFloat(text) || 0;
  if (seconds > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
  return OK;
}

/** `count` string keys prefix:0..count-1 with values value:N (cut or padded with NULs to `size`); existing keys are left alone. */
function populate(client: Client, args: string[]): Reply {
  const count = parseInteger(args[2]);
  const size = args[4] === undefined ? 0 : parseInteger(args[4]);
  // Redis's getPositiveLongFromObjectOrReply: one error for a bad number and a negative one.
  if (count === null || size === null || count < 0 || size < 0) return NOT_POSITIVE;
  const prefix = args[3] ?? 'key';
  const store = client.server.store;
  store.transaction(() => {
    for (let i = 0; i < count; i++) {
      const key = `${prefix}:${i}`;
      if (store.lookup(client.db, key, client) !== undefined) continue;
      const value = `value:${i}`;
      store.put(client.db, key, size === 0 ? value : value.slice(0, size).padEnd(size, '\0'), 0, client);
    }
  });
  return OK;
}

/** A sample of each RESP type. RESP3's bignum and attributes have no reply type in Eddy: a bignum comes as its digits, an attribute is left out. */
function protocolSample(type: string): Reply {
  switch (type) {
    case 'string':
      return 'Hello World';
    case 'integer':
      return 12345;
    case 'double':
      return new DoubleReply(3.141);
    case 'bignum':
      return '1234567999999999999999999999999999999';
    case 'null':
      return null;
    case 'array':
      return [0, 1, 2];
    case 'set':
      return new SetReply([0, 1, 2]);
    case 'map':
      return new MapReply([
        [0, new BooleanReply(false)],
        [1, new BooleanReply(true)],
        [2, new BooleanReply(false)],
      ]);
    case 'attrib':
      return 'Some real reply following the attribute';
    case 'push':
      return new PushReply(['server-cpu-usage', 42]);
    case 'verbatim':
      return new VerbatimReply('This is a verbatim\nstring');
    case 'true':
      return new BooleanReply(true);
    case 'false':
      return new BooleanReply(false);
    default:
      return new ErrorReply(`ERR Wrong protocol type name. Please use one of the following: ${PROTOCOL_TYPES}`);
  }
}
