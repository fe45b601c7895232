import { command } from './command-introspection.js';
import { registerCommands } from './command-registry.js';
import type { CommandSpec, Handler } from './command-spec.js';
import * as conn from './connection-commands.js';
import * as keys from './key-commands.js';
import * as server from './server-commands.js';
import * as strings from './string-commands.js';

/**
 * The command table, as data: name, arity, flags, key positions (first, last, step), group, summary
 * and handler, in the shape of Redis's COMMAND INFO.
 */
type Row = [name: string, arity: number, flags: string, firstKey: number, lastKey: number, step: number, group: string, summary: string, handler: Handler];

const ROWS: Row[] = [
  // connection
  ['ping', -1, 'fast stale', 0, 0, 0, 'connection', 'Returns the server\'s liveliness response.', conn.ping],
  ['echo', 2, 'fast stale', 0, 0, 0, 'connection', 'Returns the given string.', conn.echo],
  ['hello', -1, 'noauth fast stale', 0, 0, 0, 'connection', 'Handshakes with the server.', conn.hello],
  ['auth', -2, 'noauth fast stale', 0, 0, 0, 'connection', 'Authenticates the connection.', conn.auth],
  ['quit', -1, 'noauth fast stale', 0, 0, 0, 'connection', 'Closes the connection.', conn.quit],
  ['reset', 1, 'noauth fast stale', 0, 0, 0, 'connection', 'Resets the connection.', conn.reset],
  ['select', 2, 'fast stale', 0, 0, 0, 'connection', 'Changes the selected database.', server.select],
  ['client', -2, 'admin stale', 0, 0, 0, 'connection', 'A container for client connection commands.', conn.clientCommand],
  // server
  ['dbsize', 1, 'readonly fast', 0, 0, 0, 'server', 'Returns the number of keys in the database.', server.dbsize],
  ['flushdb', -1, 'write', 0, 0, 0, 'server', 'Removes all keys from the current database.', server.flushdb],
  ['flushall', -1, 'write', 0, 0, 0, 'server', 'Removes all keys from all databases.', server.flushall],
  ['swapdb', 3, 'write fast', 0, 0, 0, 'server', 'Swaps two Redis databases.', server.swapdb],
  ['time', 1, 'fast stale', 0, 0, 0, 'server', 'Returns the server time.', server.time],
  ['info', -1, 'stale', 0, 0, 0, 'server', 'Returns information and statistics about the server.', server.info],
  ['config', -2, 'admin stale', 0, 0, 0, 'server', 'A container for server configuration commands.', server.config],
  ['lastsave', 1, 'fast stale', 0, 0, 0, 'server', 'Returns the Unix timestamp of the last successful save to disk.', server.lastsave],
  ['shutdown', -1, 'admin noscript stale', 0, 0, 0, 'server', 'Synchronously saves the database(s) to disk and shuts down the server.', server.shutdown],
  ['command', -1, 'stale', 0, 0, 0, 'server', 'Returns detailed information about all commands.', command],
  // strings
  ['get', 2, 'readonly fast', 1, 1, 1, 'string', 'Returns the string value of a key.', strings.get],
  ['set', -3, 'write denyoom', 1, 1, 1, 'string', 'Sets the string value of a key, ignoring its type.', strings.set],
  ['setnx', 3, 'write denyoom fast', 1, 1, 1, 'string', 'Set the string value of a key only when the key doesn\'t exist.', strings.setnx],
  ['setex', 4, 'write denyoom', 1, 1, 1, 'string', 'Sets the string value and expiration time of a key.', strings.setex],
  ['psetex', 4, 'write denyoom', 1, 1, 1, 'string', 'Sets both string value and expiration time in milliseconds of a key.', strings.psetex],
  ['mget', -2, 'readonly fast', 1, -1, 1, 'string', 'Atomically returns the string values of one or more keys.', strings.mget],
  ['mset', -3, 'write denyoom', 1, -1, 2, 'string', 'Atomically creates or modifies the string values of one or more keys.', strings.mset],
  ['msetnx', -3, 'write denyoom', 1, -1, 2, 'string', 'Atomically sets keys only when none of them exist.', strings.msetnx],
  ['getset', 3, 'write denyoom fast', 1, 1, 1, 'string', 'Returns the previous string value of a key after setting it to a new value.', strings.getset],
  ['getdel', 2, 'write fast', 1, 1, 1, 'string', 'Returns the string value of a key after deleting the key.', strings.getdel],
  ['getex', -2, 'write fast', 1, 1, 1, 'string', 'Returns the string value of a key after setting its expiration time.', strings.getex],
  ['append', 3, 'write denyoom fast', 1, 1, 1, 'string', 'Appends a string to the value of a key.', strings.append],
  ['strlen', 2, 'readonly fast', 1, 1, 1, 'string', 'Returns the length of a string value.', strings.strlen],
  ['incr', 2, 'write denyoom fast', 1, 1, 1, 'string', 'Increments the integer value of a key by one.', strings.incr],
  ['decr', 2, 'write denyoom fast', 1, 1, 1, 'string', 'Decrements the integer value of a key by one.', strings.decr],
  ['incrby', 3, 'write denyoom fast', 1, 1, 1, 'string', 'Increments the integer value of a key by a number.', strings.incrby],
  ['decrby', 3, 'write denyoom fast', 1, 1, 1, 'string', 'Decrements a number from the integer value of a key.', strings.decrby],
  ['incrbyfloat', 3, 'write denyoom fast', 1, 1, 1, 'string', 'Increment the floating point value of a key by a number.', strings.incrbyfloat],
  ['getrange', 4, 'readonly', 1, 1, 1, 'string', 'Returns a substring of the string stored at a key.', strings.getrange],
  ['substr', 4, 'readonly', 1, 1, 1, 'string', 'Returns a substring from a string value.', strings.getrange],
  ['setrange', 4, 'write denyoom', 1, 1, 1, 'string', 'Overwrites a part of a string value with another by an offset.', strings.setrange],
  ['lcs', -3, 'readonly', 1, 2, 1, 'string', 'Finds the longest common substring.', strings.lcs],
  // keys
  ['del', -2, 'write', 1, -1, 1, 'keyspace', 'Deletes one or more keys.', keys.del],
  ['unlink', -2, 'write fast', 1, -1, 1, 'keyspace', 'Asynchronously deletes one or more keys.', keys.del],
  ['exists', -2, 'readonly fast', 1, -1, 1, 'keyspace', 'Determines whether one or more keys exist.', keys.exists],
  ['touch', -2, 'readonly fast', 1, -1, 1, 'keyspace', 'Returns the number of existing keys out of those specified.', keys.exists],
  ['type', 2, 'readonly fast', 1, 1, 1, 'keyspace', 'Determines the type of value stored at a key.', keys.type],
  ['expire', -3, 'write fast', 1, 1, 1, 'keyspace', 'Sets the expiration time of a key in seconds.', keys.expire],
  ['pexpire', -3, 'write fast', 1, 1, 1, 'keyspace', 'Sets the expiration time of a key in milliseconds.', keys.pexpire],
  ['expireat', -3, 'write fast', 1, 1, 1, 'keyspace', 'Sets the expiration time of a key to a Unix timestamp.', keys.expireat],
  ['pexpireat', -3, 'write fast', 1, 1, 1, 'keyspace', 'Sets the expiration time of a key to a Unix milliseconds timestamp.', keys.pexpireat],
  ['ttl', 2, 'readonly fast', 1, 1, 1, 'keyspace', 'Returns the expiration time in seconds of a key.', keys.ttl],
  ['pttl', 2, 'readonly fast', 1, 1, 1, 'keyspace', 'Returns the expiration time in milliseconds of a key.', keys.pttl],
  ['expiretime', 2, 'readonly fast', 1, 1, 1, 'keyspace', 'Returns the expiration time of a key as a Unix timestamp.', keys.expiretime],
  ['pexpiretime', 2, 'readonly fast', 1, 1, 1, 'keyspace', 'Returns the expiration time of a key as a Unix milliseconds timestamp.', keys.pexpiretime],
  ['persist', 2, 'write fast', 1, 1, 1, 'keyspace', 'Removes the expiration time of a key.', keys.persist],
  ['keys', 2, 'readonly', 0, 0, 0, 'keyspace', 'Returns all key names that match a pattern.', keys.keys],
  ['scan', -2, 'readonly', 0, 0, 0, 'keyspace', 'Iterates over the key names in the database.', keys.scan],
  ['rename', 3, 'write', 1, 2, 1, 'keyspace', 'Renames a key and overwrites the destination.', keys.rename],
  ['renamenx', 3, 'write fast', 1, 2, 1, 'keyspace', 'Renames a key only when the target key name doesn\'t exist.', keys.renamenx],
  ['randomkey', 1, 'readonly', 0, 0, 0, 'keyspace', 'Returns a random key name from the database.', keys.randomkey],
  ['copy', -3, 'write denyoom', 1, 2, 1, 'keyspace', 'Copies the value of a key to a new key.', keys.copy],
  ['move', 3, 'write fast', 1, 1, 1, 'keyspace', 'Moves a key to another database.', keys.move],
  ['object', -2, 'readonly', 2, 2, 1, 'keyspace', 'A container for object introspection commands.', keys.object],
];

export const COMMAND_TABLE: readonly CommandSpec[] = ROWS.map(([name, arity, flags, firstKey, lastKey, step, group, summary, handler]) => ({
  name,
  arity,
  flags: flags.split(' '),
  firstKey,
  lastKey,
  step,
  group,
  summary,
  handler,
}));

registerCommands(COMMAND_TABLE);
