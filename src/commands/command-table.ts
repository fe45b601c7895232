import * as bitmaps from './bitmap-commands.js';
import { command } from './command-introspection.js';
import { debug } from './debug-command.js';
import * as dumps from './dump-commands.js';
import { migrate } from './migrate-command.js';
import { shutdown } from './shutdown-command.js';
import { flagBitsOf, type CommandSpec, type Handler, type SubcommandSpec } from '../session/command-spec.js';
import { categoriesOf } from './command-categories.js';
import * as conn from './connection-commands.js';
import { clientCommand, monitor } from './client-command.js';
import * as geo from './geo-commands.js';
import * as hashes from './hash-commands.js';
import * as hyperloglogs from './hyperloglog-commands.js';
import * as lists from './list-commands.js';
import * as pubsub from './pubsub-commands.js';
import * as sets from './set-commands.js';
import * as zsets from './zset-commands.js';
import * as keys from './key-commands.js';
import { memory } from './memory-commands.js';
import { asking, cluster, clusterClientFlag } from './cluster-command.js';
import { latency, slowlog } from './diagnostics-commands.js';
import { acl } from './acl-command.js';
import { COMMAND_EVENTS } from './keyspace-events.js';
import * as server from './server-commands.js';
import { sort, sortRo } from './sort-command.js';
import * as strings from './string-commands.js';
import * as streams from './stream-commands.js';
import * as streamGroups from './stream-group-commands.js';
import * as streamReads from './stream-read-commands.js';
import * as functions from './function-commands.js';
import * as replication from './replication-commands.js';
import * as scripts from './script-commands.js';
import * as tails from './tail-commands.js';
import * as transactions from './transaction-commands.js';

/**
 * The command table, as data: name, arity, flags, key positions (first, last, step), group, summary
 * and handler, in the shape of Redis's COMMAND INFO.
 */
type Row = [name: string, arity: number, flags: string, firstKey: number, lastKey: number, step: number, group: string, summary: string, handler: Handler];

const ROWS: Row[] = [
  // connection
  ['ping', -1, 'fast stale', 0, 0, 0, 'connection', "Returns the server's liveliness response.", conn.ping],
  ['echo', 2, 'fast stale', 0, 0, 0, 'connection', 'Returns the given string.', conn.echo],
  ['hello', -1, 'noauth fast stale allow_busy', 0, 0, 0, 'connection', 'Handshakes with the server.', conn.hello],
  ['auth', -2, 'noauth fast stale allow_busy', 0, 0, 0, 'connection', 'Authenticates the connection.', conn.auth],
  ['quit', -1, 'noauth fast stale allow_busy', 0, 0, 0, 'connection', 'Closes the connection.', conn.quit],
  ['reset', 1, 'noauth fast stale allow_busy', 0, 0, 0, 'connection', 'Resets the connection.', conn.reset],
  ['select', 2, 'fast stale', 0, 0, 0, 'connection', 'Changes the selected database.', server.select],
  ['monitor', 1, 'admin noscript loading stale', 0, 0, 0, 'server', 'Listens for all requests received by the server in real-time.', monitor],
  ['client', -2, 'admin stale', 0, 0, 0, 'connection', 'A container for client connection commands.', clientCommand],
  // pub/sub
  ['subscribe', -2, 'no_multi pubsub noscript loading stale', 0, 0, 0, 'pubsub', 'Listens for messages published to channels.', pubsub.subscribe],
  ['unsubscribe', -1, 'no_multi pubsub noscript loading stale', 0, 0, 0, 'pubsub', 'Stops listening to messages posted to channels.', pubsub.unsubscribe],
  ['psubscribe', -2, 'no_multi pubsub noscript loading stale', 0, 0, 0, 'pubsub', 'Listens for messages published to channels that match one or more patterns.', pubsub.psubscribe],
  [
    'punsubscribe',
    -1,
    'no_multi pubsub noscript loading stale',
    0,
    0,
    0,
    'pubsub',
    'Stops listening to messages published to channels that match one or more patterns.',
    pubsub.punsubscribe,
  ],
  ['ssubscribe', -2, 'no_multi pubsub noscript loading stale', 0, 0, 0, 'pubsub', 'Listens for messages published to shard channels.', pubsub.ssubscribe],
  ['sunsubscribe', -1, 'no_multi pubsub noscript loading stale', 0, 0, 0, 'pubsub', 'Stops listening to messages posted to shard channels.', pubsub.sunsubscribe],
  ['publish', 3, 'pubsub loading stale fast', 0, 0, 0, 'pubsub', 'Posts a message to a channel.', pubsub.publish],
  ['spublish', 3, 'pubsub loading stale fast', 0, 0, 0, 'pubsub', 'Post a message to a shard channel', pubsub.spublish],
  ['pubsub', -2, 'pubsub loading stale', 0, 0, 0, 'pubsub', 'A container for Pub/Sub commands.', pubsub.pubsubCommand],
  // scripting (key positions come from numkeys: the handlers route themselves)
  ['eval', -3, 'noscript stale skip_monitor may_replicate no_mandatory_keys movablekeys', 0, 0, 0, 'scripting', 'Executes a server-side Lua script.', scripts.evalScript],
  ['eval_ro', -3, 'noscript stale skip_monitor no_mandatory_keys movablekeys readonly', 0, 0, 0, 'scripting', 'Executes a read-only server-side Lua script.', scripts.evalReadOnly],
  [
    'evalsha',
    -3,
    'noscript stale skip_monitor may_replicate no_mandatory_keys movablekeys',
    0,
    0,
    0,
    'scripting',
    'Executes a server-side Lua script by SHA1 digest.',
    scripts.evalSha,
  ],
  [
    'evalsha_ro',
    -3,
    'noscript stale skip_monitor no_mandatory_keys movablekeys readonly',
    0,
    0,
    0,
    'scripting',
    'Executes a read-only server-side Lua script by SHA1 digest.',
    scripts.evalShaReadOnly,
  ],
  ['fcall', -3, 'noscript stale skip_monitor may_replicate no_mandatory_keys movablekeys', 0, 0, 0, 'scripting', 'Invokes a function.', functions.fcall],
  ['fcall_ro', -3, 'noscript stale skip_monitor no_mandatory_keys movablekeys readonly', 0, 0, 0, 'scripting', 'Invokes a read-only function.', functions.fcallReadOnly],
  ['function', -2, 'noscript', 0, 0, 0, 'scripting', 'A container for function commands.', functions.functionCommand],
  ['script', -2, 'noscript', 0, 0, 0, 'scripting', 'A container for Lua scripts management commands.', scripts.script],
  // log tails
  ['tail', -1, 'no_multi pubsub noscript loading stale', 0, 0, 0, 'pubsub', 'Follows committed changes from a log revision, resumable after a disconnect.', tails.tail],
  ['untail', 1, 'no_multi pubsub noscript loading stale', 0, 0, 0, 'pubsub', 'Stops following the log.', tails.untail],
  ['logread', -3, 'no_multi readonly noscript loading stale', 0, 0, 0, 'pubsub', 'Reads committed changes from a log revision, a page at a time.', tails.logread],
  // transactions
  ['multi', 1, 'noscript loading stale fast allow_busy', 0, 0, 0, 'transactions', 'Starts a transaction.', transactions.multi],
  ['exec', 1, 'noscript loading stale skip_slowlog', 0, 0, 0, 'transactions', 'Executes all commands in a transaction.', transactions.exec],
  ['discard', 1, 'noscript loading stale fast allow_busy', 0, 0, 0, 'transactions', 'Discards a transaction.', transactions.discard],
  ['watch', -2, 'noscript loading stale fast allow_busy', 1, -1, 1, 'transactions', 'Monitors changes to keys to determine the execution of a transaction.', transactions.watch],
  ['unwatch', 1, 'noscript loading stale fast allow_busy', 0, 0, 0, 'transactions', 'Forgets about watched keys of a transaction.', transactions.unwatch],
  // server
  ['dbsize', 1, 'readonly fast', 0, 0, 0, 'server', 'Returns the number of keys in the database.', server.dbsize],
  ['flushdb', -1, 'write', 0, 0, 0, 'server', 'Removes all keys from the current database.', server.flushdb],
  ['flushall', -1, 'write', 0, 0, 0, 'server', 'Removes all keys from all databases.', server.flushall],
  ['swapdb', 3, 'write fast', 0, 0, 0, 'server', 'Swaps two Redis databases.', server.swapdb],
  ['time', 1, 'fast stale', 0, 0, 0, 'server', 'Returns the server time.', server.time],
  ['lolwut', -1, 'readonly fast', 0, 0, 0, 'server', 'Displays computer art and the Redis version', server.lolwut],
  ['info', -1, 'stale', 0, 0, 0, 'server', 'Returns information and statistics about the server.', server.info],
  ['config', -2, 'admin stale', 0, 0, 0, 'server', 'A container for server configuration commands.', server.config],
  ['save', 1, 'admin noscript no_async_loading no_multi', 0, 0, 0, 'server', 'Synchronously saves the database(s) to disk.', server.save],
  ['bgsave', -1, 'admin noscript no_async_loading', 0, 0, 0, 'server', 'Asynchronously saves the database(s) to disk.', server.bgsave],
  ['bgrewriteaof', 1, 'admin noscript no_async_loading', 0, 0, 0, 'server', 'Asynchronously rewrites the append-only file to disk.', server.bgrewriteaof],
  ['lastsave', 1, 'fast stale', 0, 0, 0, 'server', 'Returns the Unix timestamp of the last successful save to disk.', server.lastsave],
  // replication
  ['replicaof', 3, 'admin noscript stale no_async_loading', 0, 0, 0, 'server', 'Configures a server as replica of another, or promotes it to a master.', replication.replicaof],
  [
    'slaveof',
    3,
    'admin noscript stale no_async_loading',
    0,
    0,
    0,
    'server',
    'Sets a Redis server as a replica of another, or promotes it to being a master.',
    replication.replicaof,
  ],
  ['role', 1, 'noscript loading stale fast', 0, 0, 0, 'server', 'Returns the replication role.', replication.role],
  ['wait', 3, 'noscript', 0, 0, 0, 'generic', 'Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.', replication.wait],
  ['replconf', -1, 'admin noscript loading stale allow_busy', 0, 0, 0, 'server', 'An internal command for configuring the replication stream.', replication.replconf],
  ['sync', 1, 'admin noscript no_async_loading no_multi', 0, 0, 0, 'server', 'An internal command used in replication.', replication.sync],
  ['replsync', 4, 'admin noscript no_multi stale', 0, 0, 0, 'server', "An internal command: a follower resumes its primary's log from a revision.", replication.replsync],
  ['digest', 1, 'readonly stale', 0, 0, 0, 'server', 'Returns a hash of the whole dataset.', replication.digest],
  ['debug', -2, 'admin noscript loading stale', 0, 0, 0, 'server', 'A container for debugging commands.', debug],
  ['shutdown', -1, 'admin noscript loading stale no_multi allow_busy', 0, 0, 0, 'server', 'Synchronously saves the database(s) to disk and shuts down the server.', shutdown],
  ['command', -1, 'stale', 0, 0, 0, 'server', 'Returns detailed information about all commands.', command],
  ['memory', -2, '', 0, 0, 0, 'server', 'A container for memory diagnostics commands.', memory],
  ['acl', -2, '', 0, 0, 0, 'server', 'A container for Access List Control commands.', acl],
  ['slowlog', -2, '', 0, 0, 0, 'server', 'A container for slow log commands.', slowlog],
  ['latency', -2, '', 0, 0, 0, 'server', 'A container for latency diagnostics commands.', latency],
  // cluster
  ['cluster', -2, '', 0, 0, 0, 'cluster', 'A container for Redis Cluster commands.', cluster],
  ['asking', 1, 'fast', 0, 0, 0, 'connection', 'Signals that a cluster client is following an -ASK redirect.', asking],
  ['readonly', 1, 'fast loading stale', 0, 0, 0, 'connection', 'Enables read-only queries for a connection to a Redis Cluster replica node.', clusterClientFlag],
  ['readwrite', 1, 'fast loading stale', 0, 0, 0, 'connection', 'Enables read-write queries for a connection to a Redis Cluster replica node.', clusterClientFlag],
  // strings
  ['get', 2, 'readonly fast', 1, 1, 1, 'string', 'Returns the string value of a key.', strings.get],
  ['set', -3, 'write denyoom', 1, 1, 1, 'string', 'Sets the string value of a key, ignoring its type.', strings.set],
  ['setnx', 3, 'write denyoom fast', 1, 1, 1, 'string', "Set the string value of a key only when the key doesn't exist.", strings.setnx],
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
  // bitmaps
  ['setbit', 4, 'write denyoom', 1, 1, 1, 'bitmap', "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.", bitmaps.setbit],
  ['getbit', 3, 'readonly fast', 1, 1, 1, 'bitmap', 'Returns a bit value by offset.', bitmaps.getbit],
  ['bitcount', -2, 'readonly', 1, 1, 1, 'bitmap', 'Counts the number of set bits (population counting) in a string.', bitmaps.bitcount],
  ['bitpos', -3, 'readonly', 1, 1, 1, 'bitmap', 'Finds the first set (1) or clear (0) bit in a string.', bitmaps.bitpos],
  ['bitop', -4, 'write denyoom', 2, -1, 1, 'bitmap', 'Performs bitwise operations on multiple strings, and stores the result.', bitmaps.bitop],
  ['bitfield', -2, 'write denyoom', 1, 1, 1, 'bitmap', 'Performs arbitrary bitfield integer operations on strings.', bitmaps.bitfield],
  ['bitfield_ro', -2, 'readonly fast', 1, 1, 1, 'bitmap', 'Performs arbitrary read-only bitfield integer operations on strings.', bitmaps.bitfieldRo],
  // HyperLogLogs
  ['pfadd', -2, 'write denyoom fast', 1, 1, 1, 'hyperloglog', 'Adds the specified elements to the specified HyperLogLog.', hyperloglogs.pfadd],
  ['pfcount', -2, 'readonly', 1, -1, 1, 'hyperloglog', 'Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).', hyperloglogs.pfcount],
  ['pfmerge', -2, 'write denyoom', 1, -1, 1, 'hyperloglog', 'Merge N different HyperLogLogs into a single one.', hyperloglogs.pfmerge],
  ['pfdebug', 3, 'write denyoom admin', 2, 2, 1, 'hyperloglog', 'Internal commands for debugging HyperLogLog values', hyperloglogs.pfdebug],
  ['pfselftest', 1, 'admin', 0, 0, 0, 'hyperloglog', 'An internal command for testing HyperLogLog values', hyperloglogs.pfselftest],
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
  ['renamenx', 3, 'write fast', 1, 2, 1, 'keyspace', "Renames a key only when the target key name doesn't exist.", keys.renamenx],
  ['randomkey', 1, 'readonly', 0, 0, 0, 'keyspace', 'Returns a random key name from the database.', keys.randomkey],
  ['copy', -3, 'write denyoom', 1, 2, 1, 'keyspace', 'Copies the value of a key to a new key.', keys.copy],
  ['move', 3, 'write fast', 1, 1, 1, 'keyspace', 'Moves a key to another database.', keys.move],
  ['object', -2, 'readonly', 2, 2, 1, 'keyspace', 'A container for object introspection commands.', keys.object],
  ['dump', 2, 'readonly', 1, 1, 1, 'keyspace', 'Returns a serialized representation of the value stored at a key.', dumps.dump],
  ['migrate', -6, 'write movablekeys', 3, 3, 1, 'keyspace', 'Atomically transfers a key from one Redis instance to another.', migrate],
  ['restore', -4, 'write denyoom', 1, 1, 1, 'keyspace', 'Creates a key from the serialized representation of a value.', dumps.restore],
  ['restore-asking', -4, 'write denyoom asking', 1, 1, 1, 'keyspace', 'An internal command for migrating keys in a cluster.', dumps.restore],
  ['sort', -2, 'write denyoom movablekeys', 1, 1, 1, 'generic', 'Sorts the elements in a list, a set, or a sorted set, optionally storing the result.', sort],
  ['sort_ro', -2, 'readonly movablekeys', 1, 1, 1, 'generic', 'Returns the sorted elements of a list, a set, or a sorted set.', sortRo],
  // hashes
  ['hset', -4, 'write denyoom fast', 1, 1, 1, 'hash', 'Creates or modifies the value of a field in a hash.', hashes.hset],
  ['hsetnx', 4, 'write denyoom fast', 1, 1, 1, 'hash', "Sets the value of a field in a hash only when the field doesn't exist.", hashes.hsetnx],
  ['hget', 3, 'readonly fast', 1, 1, 1, 'hash', 'Returns the value of a field in a hash.', hashes.hget],
  ['hmget', -3, 'readonly fast', 1, 1, 1, 'hash', 'Returns the values of all fields in a hash.', hashes.hmget],
  ['hmset', -4, 'write denyoom fast', 1, 1, 1, 'hash', 'Sets the values of multiple fields.', hashes.hmset],
  ['hdel', -3, 'write fast', 1, 1, 1, 'hash', 'Deletes one or more fields and their values from a hash.', hashes.hdel],
  ['hlen', 2, 'readonly fast', 1, 1, 1, 'hash', 'Returns the number of fields in a hash.', hashes.hlen],
  ['hstrlen', 3, 'readonly fast', 1, 1, 1, 'hash', 'Returns the length of the value of a field.', hashes.hstrlen],
  ['hexists', 3, 'readonly fast', 1, 1, 1, 'hash', 'Determines whether a field exists in a hash.', hashes.hexists],
  ['hkeys', 2, 'readonly', 1, 1, 1, 'hash', 'Returns all fields in a hash.', hashes.hkeys],
  ['hvals', 2, 'readonly', 1, 1, 1, 'hash', 'Returns all values in a hash.', hashes.hvals],
  ['hgetall', 2, 'readonly', 1, 1, 1, 'hash', 'Returns all fields and values in a hash.', hashes.hgetall],
  ['hincrby', 4, 'write denyoom fast', 1, 1, 1, 'hash', 'Increments the integer value of a field in a hash by a number.', hashes.hincrby],
  ['hincrbyfloat', 4, 'write denyoom fast', 1, 1, 1, 'hash', 'Increments the floating point value of a field by a number.', hashes.hincrbyfloat],
  ['hrandfield', -2, 'readonly', 1, 1, 1, 'hash', 'Returns one or more random fields from a hash.', hashes.hrandfield],
  ['hscan', -3, 'readonly', 1, 1, 1, 'hash', 'Iterates over fields and values of a hash.', hashes.hscan],
  // lists
  ['lpush', -3, 'write denyoom fast', 1, 1, 1, 'list', 'Prepends one or more elements to a list.', lists.lpush],
  ['rpush', -3, 'write denyoom fast', 1, 1, 1, 'list', 'Appends one or more elements to a list.', lists.rpush],
  ['lpushx', -3, 'write denyoom fast', 1, 1, 1, 'list', 'Prepends one or more elements to a list only when the list exists.', lists.lpushx],
  ['rpushx', -3, 'write denyoom fast', 1, 1, 1, 'list', 'Appends an element to a list only when the list exists.', lists.rpushx],
  ['lpop', -2, 'write fast', 1, 1, 1, 'list', 'Returns the first elements in a list after removing it.', lists.lpop],
  ['rpop', -2, 'write fast', 1, 1, 1, 'list', 'Returns and removes the last elements of a list.', lists.rpop],
  ['llen', 2, 'readonly fast', 1, 1, 1, 'list', 'Returns the length of a list.', lists.llen],
  ['lrange', 4, 'readonly', 1, 1, 1, 'list', 'Returns a range of elements from a list.', lists.lrange],
  ['lindex', 3, 'readonly', 1, 1, 1, 'list', 'Returns an element from a list by its index.', lists.lindex],
  ['lset', 4, 'write denyoom', 1, 1, 1, 'list', 'Sets the value of an element in a list by its index.', lists.lset],
  ['linsert', 5, 'write denyoom', 1, 1, 1, 'list', 'Inserts an element before or after another element in a list.', lists.linsert],
  ['lrem', 4, 'write', 1, 1, 1, 'list', 'Removes elements from a list.', lists.lrem],
  ['ltrim', 4, 'write', 1, 1, 1, 'list', 'Removes elements from both ends a list.', lists.ltrim],
  ['lpos', -3, 'readonly', 1, 1, 1, 'list', 'Returns the index of matching elements in a list.', lists.lpos],
  ['lmove', 5, 'write denyoom', 1, 2, 1, 'list', 'Returns an element after popping it from one list and pushing it to another.', lists.lmove],
  ['rpoplpush', 3, 'write denyoom', 1, 2, 1, 'list', 'Returns the last element of a list after removing and pushing it to another list.', lists.rpoplpush],
  ['lmpop', -4, 'write movablekeys', 0, 0, 0, 'list', 'Returns multiple elements from a list after removing them.', lists.lmpop],
  ['blpop', -3, 'write blocking', 1, -2, 1, 'list', 'Removes and returns the first element in a list. Blocks until an element is available otherwise.', lists.blpop],
  ['brpop', -3, 'write blocking', 1, -2, 1, 'list', 'Removes and returns the last element in a list. Blocks until an element is available otherwise.', lists.brpop],
  [
    'blmove',
    6,
    'write denyoom blocking',
    1,
    2,
    1,
    'list',
    'Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise.',
    lists.blmove,
  ],
  [
    'brpoplpush',
    4,
    'write denyoom blocking',
    1,
    2,
    1,
    'list',
    'Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise.',
    lists.brpoplpush,
  ],
  ['blmpop', -5, 'write blocking movablekeys', 0, 0, 0, 'list', 'Pops the first element from one of multiple lists. Blocks until an element is available otherwise.', lists.blmpop],
  // sets
  ['sadd', -3, 'write denyoom fast', 1, 1, 1, 'set', 'Adds one or more members to a set.', sets.sadd],
  ['srem', -3, 'write fast', 1, 1, 1, 'set', 'Removes one or more members from a set.', sets.srem],
  ['scard', 2, 'readonly fast', 1, 1, 1, 'set', 'Returns the number of members in a set.', sets.scard],
  ['sismember', 3, 'readonly fast', 1, 1, 1, 'set', 'Determines whether a member belongs to a set.', sets.sismember],
  ['smismember', -3, 'readonly fast', 1, 1, 1, 'set', 'Determines whether multiple members belong to a set.', sets.smismember],
  ['smembers', 2, 'readonly', 1, 1, 1, 'set', 'Returns all members of a set.', sets.smembers],
  ['spop', -2, 'write fast', 1, 1, 1, 'set', 'Returns one or more random members from a set after removing them.', sets.spop],
  ['srandmember', -2, 'readonly', 1, 1, 1, 'set', 'Get one or multiple random members from a set.', sets.srandmember],
  ['smove', 4, 'write fast', 1, 2, 1, 'set', 'Moves a member from one set to another.', sets.smove],
  ['sinter', -2, 'readonly', 1, -1, 1, 'set', 'Returns the intersect of multiple sets.', sets.sinter],
  ['sintercard', -3, 'readonly movablekeys', 0, 0, 0, 'set', 'Returns the number of members of the intersect of multiple sets.', sets.sintercard],
  ['sunion', -2, 'readonly', 1, -1, 1, 'set', 'Returns the union of multiple sets.', sets.sunion],
  ['sdiff', -2, 'readonly', 1, -1, 1, 'set', 'Returns the difference of multiple sets.', sets.sdiff],
  ['sinterstore', -3, 'write denyoom', 1, -1, 1, 'set', 'Stores the intersect of multiple sets in a key.', sets.sinterstore],
  ['sunionstore', -3, 'write denyoom', 1, -1, 1, 'set', 'Stores the union of multiple sets in a key.', sets.sunionstore],
  ['sdiffstore', -3, 'write denyoom', 1, -1, 1, 'set', 'Stores the difference of multiple sets in a key.', sets.sdiffstore],
  ['sscan', -3, 'readonly', 1, 1, 1, 'set', 'Iterates over members of a set.', sets.sscan],
  // sorted sets
  ['zadd', -4, 'write denyoom fast', 1, 1, 1, 'sortedset', 'Adds one or more members to a sorted set, or updates their scores.', zsets.zadd],
  ['zincrby', 4, 'write denyoom fast', 1, 1, 1, 'sortedset', 'Increments the score of a member in a sorted set.', zsets.zincrby],
  ['zrem', -3, 'write fast', 1, 1, 1, 'sortedset', 'Removes one or more members from a sorted set.', zsets.zrem],
  ['zcard', 2, 'readonly fast', 1, 1, 1, 'sortedset', 'Returns the number of members in a sorted set.', zsets.zcard],
  ['zscore', 3, 'readonly fast', 1, 1, 1, 'sortedset', 'Returns the score of a member in a sorted set.', zsets.zscore],
  ['zmscore', -3, 'readonly fast', 1, 1, 1, 'sortedset', 'Returns the score of one or more members in a sorted set.', zsets.zmscore],
  ['zrank', -3, 'readonly fast', 1, 1, 1, 'sortedset', 'Returns the index of a member in a sorted set ordered by ascending scores.', zsets.zrank],
  ['zrevrank', -3, 'readonly fast', 1, 1, 1, 'sortedset', 'Returns the index of a member in a sorted set ordered by descending scores.', zsets.zrevrank],
  ['zcount', 4, 'readonly fast', 1, 1, 1, 'sortedset', 'Returns the count of members in a sorted set that have scores within a range.', zsets.zcount],
  ['zlexcount', 4, 'readonly fast', 1, 1, 1, 'sortedset', 'Returns the number of members in a sorted set within a lexicographical range.', zsets.zlexcount],
  ['zrange', -4, 'readonly', 1, 1, 1, 'sortedset', 'Returns members in a sorted set within a range of indexes.', zsets.zrange],
  ['zrangestore', -5, 'write denyoom', 1, 2, 1, 'sortedset', 'Stores a range of members from sorted set in a key.', zsets.zrangestore],
  ['zrangebyscore', -4, 'readonly', 1, 1, 1, 'sortedset', 'Returns members in a sorted set within a range of scores.', zsets.zrangebyscore],
  ['zrevrangebyscore', -4, 'readonly', 1, 1, 1, 'sortedset', 'Returns members in a sorted set within a range of scores in reverse order.', zsets.zrevrangebyscore],
  ['zrangebylex', -4, 'readonly', 1, 1, 1, 'sortedset', 'Returns members in a sorted set within a lexicographical range.', zsets.zrangebylex],
  ['zrevrangebylex', -4, 'readonly', 1, 1, 1, 'sortedset', 'Returns members in a sorted set within a lexicographical range in reverse order.', zsets.zrevrangebylex],
  ['zrevrange', -4, 'readonly', 1, 1, 1, 'sortedset', 'Returns members in a sorted set within a range of indexes in reverse order.', zsets.zrevrange],
  ['zremrangebyrank', 4, 'write', 1, 1, 1, 'sortedset', 'Removes members in a sorted set within a range of indexes.', zsets.zremrangebyrank],
  ['zremrangebyscore', 4, 'write', 1, 1, 1, 'sortedset', 'Removes members in a sorted set within a range of scores.', zsets.zremrangebyscore],
  ['zremrangebylex', 4, 'write', 1, 1, 1, 'sortedset', 'Removes members in a sorted set within a lexicographical range.', zsets.zremrangebylex],
  ['zpopmin', -2, 'write fast', 1, 1, 1, 'sortedset', 'Returns the lowest-scoring members from a sorted set after removing them.', zsets.zpopmin],
  ['zpopmax', -2, 'write fast', 1, 1, 1, 'sortedset', 'Returns the highest-scoring members from a sorted set after removing them.', zsets.zpopmax],
  [
    'bzpopmin',
    -3,
    'write fast blocking',
    1,
    -2,
    1,
    'sortedset',
    'Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise.',
    zsets.bzpopmin,
  ],
  [
    'bzpopmax',
    -3,
    'write fast blocking',
    1,
    -2,
    1,
    'sortedset',
    'Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.',
    zsets.bzpopmax,
  ],
  ['zmpop', -4, 'write movablekeys', 0, 0, 0, 'sortedset', 'Returns the highest- or lowest-scoring members from one or more sorted sets after removing them.', zsets.zmpop],
  [
    'bzmpop',
    -5,
    'write blocking movablekeys',
    0,
    0,
    0,
    'sortedset',
    'Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise.',
    zsets.bzmpop,
  ],
  ['zrandmember', -2, 'readonly', 1, 1, 1, 'sortedset', 'Returns one or more random members from a sorted set.', zsets.zrandmember],
  ['zunion', -3, 'readonly movablekeys', 0, 0, 0, 'sortedset', 'Returns the union of multiple sorted sets.', zsets.zunion],
  ['zinter', -3, 'readonly movablekeys', 0, 0, 0, 'sortedset', 'Returns the intersect of multiple sorted sets.', zsets.zinter],
  ['zdiff', -3, 'readonly movablekeys', 0, 0, 0, 'sortedset', 'Returns the difference between multiple sorted sets.', zsets.zdiff],
  ['zunionstore', -4, 'write denyoom movablekeys', 1, 1, 1, 'sortedset', 'Stores the union of multiple sorted sets in a key.', zsets.zunionstore],
  ['zinterstore', -4, 'write denyoom movablekeys', 1, 1, 1, 'sortedset', 'Stores the intersect of multiple sorted sets in a key.', zsets.zinterstore],
  ['zdiffstore', -4, 'write denyoom movablekeys', 1, 1, 1, 'sortedset', 'Stores the difference of multiple sorted sets in a key.', zsets.zdiffstore],
  ['zintercard', -3, 'readonly movablekeys', 0, 0, 0, 'sortedset', 'Returns the number of members of the intersect of multiple sorted sets.', zsets.zintercard],
  ['zscan', -3, 'readonly', 1, 1, 1, 'sortedset', 'Iterates over members and scores of a sorted set.', zsets.zscan],
  // streams (XREAD and XREADGROUP find their keys after STREAMS: src/shards/movable-keys.ts)
  ['xadd', -5, 'write denyoom fast', 1, 1, 1, 'stream', "Appends a new message to a stream. Creates the key if it doesn't exist.", streams.xadd],
  ['xtrim', -4, 'write', 1, 1, 1, 'stream', 'Deletes messages from the beginning of a stream.', streams.xtrim],
  ['xdel', -3, 'write fast', 1, 1, 1, 'stream', 'Returns the number of messages after removing them from a stream.', streams.xdel],
  ['xlen', 2, 'readonly fast', 1, 1, 1, 'stream', 'Return the number of messages in a stream.', streams.xlen],
  ['xrange', -4, 'readonly', 1, 1, 1, 'stream', 'Returns the messages from a stream within a range of IDs.', streams.xrange],
  ['xrevrange', -4, 'readonly', 1, 1, 1, 'stream', 'Returns the messages from a stream within a range of IDs in reverse order.', streams.xrevrange],
  ['xsetid', -3, 'write denyoom fast', 1, 1, 1, 'stream', 'An internal command for replicating stream values.', streams.xsetid],
  [
    'xread',
    -4,
    'readonly blocking movablekeys',
    0,
    0,
    0,
    'stream',
    'Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.',
    streamReads.xread,
  ],
  [
    'xreadgroup',
    -7,
    'write blocking movablekeys',
    0,
    0,
    0,
    'stream',
    'Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise.',
    streamReads.xreadgroup,
  ],
  ['xgroup', -2, '', 2, 2, 1, 'stream', 'A container for consumer groups commands.', streamGroups.xgroup],
  ['xack', -4, 'write fast', 1, 1, 1, 'stream', 'Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.', streamGroups.xack],
  ['xpending', -3, 'readonly', 1, 1, 1, 'stream', "Returns the information and entries from a stream consumer group's pending entries list.", streamGroups.xpending],
  [
    'xclaim',
    -6,
    'write fast',
    1,
    1,
    1,
    'stream',
    'Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.',
    streamGroups.xclaim,
  ],
  [
    'xautoclaim',
    -6,
    'write fast',
    1,
    1,
    1,
    'stream',
    'Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.',
    streamGroups.xautoclaim,
  ],
  ['xinfo', -2, '', 2, 2, 1, 'stream', 'A container for stream introspection commands.', streams.xinfo],
  // geo (sorted sets scored by geohash; STORE's key is found by src/shards/movable-keys.ts)
  ['geoadd', -5, 'write denyoom', 1, 1, 1, 'geo', "Adds one or more members to a geospatial index. The key is created if it doesn't exist.", geo.geoadd],
  ['geodist', -4, 'readonly', 1, 1, 1, 'geo', 'Returns the distance between two members of a geospatial index.', geo.geodist],
  ['geohash', -2, 'readonly', 1, 1, 1, 'geo', 'Returns members from a geospatial index as geohash strings.', geo.geohash],
  ['geopos', -2, 'readonly', 1, 1, 1, 'geo', 'Returns the longitude and latitude of members from a geospatial index.', geo.geopos],
  [
    'georadius',
    -6,
    'write denyoom movablekeys',
    1,
    1,
    1,
    'geo',
    'Queries a geospatial index for members within a distance from a coordinate, optionally stores the result.',
    geo.georadius,
  ],
  ['georadius_ro', -6, 'readonly', 1, 1, 1, 'geo', 'Returns members from a geospatial index that are within a distance from a coordinate.', geo.georadiusReadOnly],
  [
    'georadiusbymember',
    -5,
    'write denyoom movablekeys',
    1,
    1,
    1,
    'geo',
    'Queries a geospatial index for members within a distance from a member, optionally stores the result.',
    geo.georadiusbymember,
  ],
  ['georadiusbymember_ro', -5, 'readonly', 1, 1, 1, 'geo', 'Returns members from a geospatial index that are within a distance from a member.', geo.georadiusbymemberReadOnly],
  ['geosearch', -7, 'readonly', 1, 1, 1, 'geo', 'Queries a geospatial index for members inside an area of a box or a circle.', geo.geosearch],
  [
    'geosearchstore',
    -8,
    'write denyoom',
    1,
    2,
    1,
    'geo',
    'Queries a geospatial index for members inside an area of a box or a circle, optionally stores the result.',
    geo.geosearchstore,
  ],
];

/**
 * The subcommands of the container commands, with Redis 7.0's arity and flags (COMMAND INFO's
 * subcommand rows): an unknown subcommand or a wrong count is refused before the handler runs, so a
 * MULTI refuses to queue it and EXEC aborts, as in Redis. CLIENT SETINFO is Redis 7.2's, kept for
 * the clients that send it.
 */
type SubcommandRow = [name: string, arity: number, flags: string, summary: string, keys?: [firstKey: number, lastKey: number, step: number]];

const HELP: SubcommandRow = ['help', 2, 'loading stale', 'Returns helpful text about the different subcommands.'];
/** OBJECT's, MEMORY USAGE's, XGROUP's and XINFO's key comes second. */
const SECOND_ARGUMENT: [number, number, number] = [2, 2, 1];

const SUBCOMMANDS: Readonly<Record<string, SubcommandRow[]>> = {
  client: [
    ['id', 2, 'noscript loading stale', 'Returns the unique client ID of the connection.'],
    ['getname', 2, 'noscript loading stale', 'Returns the name of the connection.'],
    ['setname', 3, 'noscript loading stale', 'Sets the connection name.'],
    ['setinfo', 4, 'noscript loading stale', 'Sets information specific to the client or connection.'],
    ['info', 2, 'noscript loading stale', 'Returns information about the connection.'],
    ['list', -2, 'admin noscript loading stale', 'Lists open connections.'],
    ['kill', -3, 'admin noscript loading stale', 'Terminates open connections.'],
    ['pause', -3, 'admin noscript loading stale', 'Suspends commands processing.'],
    ['unpause', 2, 'admin noscript loading stale', 'Resumes processing of clients that were paused.'],
    ['reply', 3, 'noscript loading stale', 'Instructs the server whether to reply to commands.'],
    ['unblock', -3, 'admin noscript loading stale', 'Unblocks a client blocked by a blocking command from a different connection.'],
    ['no-evict', 3, 'admin noscript loading stale', 'Sets the client eviction mode of the connection.'],
    ['no-touch', 3, 'noscript loading stale', 'Controls whether commands sent by the client affect the LRU/LFU of accessed keys.'],
    ['tracking', -3, 'noscript loading stale', 'Controls server-assisted client-side caching for the connection.'],
    ['caching', 3, 'noscript loading stale', 'Instructs the server whether to track the keys in the next request.'],
    ['getredir', 2, 'noscript loading stale', "Returns the client ID to which the connection's tracking notifications are redirected."],
    ['trackinginfo', 2, 'noscript loading stale', 'Returns information about server-assisted client-side caching for the connection.'],
    HELP,
  ],
  command: [
    ['count', 2, 'loading stale', 'Returns a count of commands.'],
    ['info', -2, 'loading stale', 'Returns information about one, multiple or all commands.'],
    ['docs', -2, 'loading stale', 'Returns documentary information about one, multiple or all commands.'],
    ['list', -2, 'loading stale', 'Returns a list of command names.'],
    ['getkeys', -4, 'loading stale', 'Extracts the key names from an arbitrary command.'],
    HELP,
  ],
  config: [
    ['get', -3, 'admin noscript loading stale', 'Returns the effective values of configuration parameters.'],
    ['set', -4, 'admin noscript loading stale', 'Sets configuration parameters in-flight.'],
    ['resetstat', 2, 'admin noscript loading stale', "Resets the server's statistics."],
    ['rewrite', 2, 'admin noscript loading stale', 'Persists the effective configuration to file.'],
    HELP,
  ],
  function: [
    ['load', -3, 'write denyoom noscript', 'Creates a library.'],
    ['delete', 3, 'write noscript', 'Deletes a library and its functions.'],
    ['flush', -2, 'write noscript', 'Deletes all libraries and functions.'],
    ['list', -2, 'noscript', 'Returns information about all libraries.'],
    ['dump', 2, 'noscript', 'Dumps all libraries into a serialized binary payload.'],
    ['restore', -3, 'write denyoom noscript', 'Restores all libraries from a payload.'],
    ['kill', 2, 'noscript allow_busy', 'Terminates a function during execution.'],
    ['stats', 2, 'noscript allow_busy', 'Returns information about a function during execution.'],
    HELP,
  ],
  acl: [
    ['cat', -2, 'noscript loading stale', 'Lists the ACL categories, or the commands inside a category.'],
    ['deluser', -3, 'admin noscript loading stale', 'Deletes ACL users, and terminates their connections.'],
    ['dryrun', -4, 'admin noscript loading stale', 'Simulates the execution of a command by a user, without executing the command.'],
    ['genpass', -2, 'noscript loading stale', 'Generates a pseudorandom, secure password that can be used to identify ACL users.'],
    ['getuser', 3, 'admin noscript loading stale', 'Lists the ACL rules of a user.'],
    ['list', 2, 'admin noscript loading stale', 'Dumps the effective rules in ACL file format.'],
    ['load', 2, 'admin noscript loading stale', 'Reloads the rules from the configured ACL file.'],
    ['log', -2, 'admin noscript loading stale', 'Lists recent security events generated due to ACL rules.'],
    ['save', 2, 'admin noscript loading stale', 'Saves the effective ACL rules in the configured ACL file.'],
    ['setuser', -3, 'admin noscript loading stale', 'Creates and modifies an ACL user and its rules.'],
    ['users', 2, 'admin noscript loading stale', 'Lists all ACL users.'],
    ['whoami', 2, 'noscript loading stale', 'Returns the authenticated username of the current connection.'],
    HELP,
  ],
  slowlog: [
    ['get', -2, 'admin loading stale', "Returns the slow log's entries."],
    ['len', 2, 'admin loading stale', 'Returns the number of entries in the slow log.'],
    ['reset', 2, 'admin loading stale', 'Clears all entries from the slow log.'],
    HELP,
  ],
  latency: [
    ['latest', 2, 'admin noscript loading stale', 'Returns the latest latency samples for all events.'],
    ['history', 3, 'admin noscript loading stale', 'Returns timestamp-latency samples for an event.'],
    ['graph', 3, 'admin noscript loading stale', 'Returns a latency graph for an event.'],
    ['reset', -2, 'admin noscript loading stale', 'Resets the latency data for one or more events.'],
    ['doctor', 2, 'admin noscript loading stale', 'Returns a human-readable latency analysis report.'],
    ['histogram', -2, 'admin noscript loading stale', 'Returns the cumulative distribution of latencies of a subset or all commands.'],
    HELP,
  ],
  cluster: [
    ['addslots', -3, 'admin stale no_async_loading', 'Assigns new hash slots to a node.'],
    ['addslotsrange', -4, 'admin stale no_async_loading', 'Assigns new hash slot ranges to a node.'],
    ['countkeysinslot', 3, 'stale', 'Returns the number of keys in a hash slot.'],
    ['delslots', -3, 'admin stale no_async_loading', 'Sets hash slots as unbound for a node.'],
    ['delslotsrange', -4, 'admin stale no_async_loading', 'Sets hash slot ranges as unbound for a node.'],
    ['failover', -2, 'admin stale no_async_loading', 'Forces a replica to perform a manual failover of its master.'],
    ['getkeysinslot', 4, 'stale', 'Returns the key names in a hash slot.'],
    ['info', 2, 'stale', 'Returns information about the state of a node.'],
    ['keyslot', 3, 'stale', 'Returns the hash slot for a key.'],
    ['meet', -4, 'admin stale no_async_loading', 'Forces a node to handshake with another node.'],
    ['myid', 2, 'stale', 'Returns the ID of a node.'],
    ['nodes', 2, 'stale', 'Returns the cluster configuration for a node.'],
    ['replicas', 3, 'admin stale', 'Lists the replica nodes of a master node.'],
    ['replicate', 3, 'admin stale no_async_loading', 'Configure a node as replica of a master node.'],
    ['set-config-epoch', 3, 'admin stale no_async_loading', 'Sets the configuration epoch for a new node.'],
    ['setslot', -4, 'admin stale no_async_loading', 'Binds a hash slot to a node.'],
    ['shards', 2, 'stale', 'Returns the mapping of cluster slots to shards.'],
    ['slots', 2, 'stale', 'Returns the mapping of cluster slots to nodes.'],
    HELP,
  ],
  memory: [
    ['doctor', 2, '', 'Outputs a memory problems report.'],
    ['malloc-stats', 2, '', 'Returns the allocator statistics.'],
    ['purge', 2, '', 'Asks the allocator to release memory.'],
    ['stats', 2, '', 'Returns details about memory usage.'],
    ['usage', -3, 'readonly', 'Estimates the memory usage of a key.', SECOND_ARGUMENT],
    HELP,
  ],
  object: [
    ['encoding', 3, 'readonly', 'Returns the internal encoding of a Redis object.', SECOND_ARGUMENT],
    ['freq', 3, 'readonly', 'Returns the logarithmic access frequency counter of a Redis object.', SECOND_ARGUMENT],
    ['refcount', 3, 'readonly', 'Returns the reference count of a value of a key.', SECOND_ARGUMENT],
    ['idletime', 3, 'readonly', 'Returns the time since the last access to a Redis object.', SECOND_ARGUMENT],
    HELP,
  ],
  pubsub: [
    ['channels', -2, 'pubsub loading stale', 'Returns the active channels.'],
    ['numsub', -2, 'pubsub loading stale', 'Returns a count of subscribers to channels.'],
    ['numpat', 2, 'pubsub loading stale', 'Returns a count of unique pattern subscriptions.'],
    ['shardchannels', -2, 'pubsub loading stale', 'Returns the active shard channels.'],
    ['shardnumsub', -2, 'pubsub loading stale', 'Returns the count of subscribers of shard channels.'],
    HELP,
  ],
  script: [
    ['load', 3, 'noscript stale', 'Loads a server-side Lua script to the script cache.'],
    ['exists', -3, 'noscript', 'Determines whether server-side Lua scripts exist in the script cache.'],
    ['flush', -2, 'noscript', 'Removes all server-side Lua scripts from the script cache.'],
    ['kill', 2, 'noscript allow_busy', 'Terminates a server-side Lua script during execution.'],
    HELP,
  ],
  xgroup: [
    ['create', -5, 'write denyoom', 'Creates a consumer group.', SECOND_ARGUMENT],
    ['setid', -5, 'write', 'Sets the last-delivered ID of a consumer group.', SECOND_ARGUMENT],
    ['destroy', 4, 'write', 'Destroys a consumer group.', SECOND_ARGUMENT],
    ['createconsumer', 5, 'write denyoom', 'Creates a consumer in a consumer group.', SECOND_ARGUMENT],
    ['delconsumer', 5, 'write', 'Deletes a consumer from a consumer group.', SECOND_ARGUMENT],
    HELP,
  ],
  xinfo: [
    ['stream', -3, 'readonly', 'Returns information about a stream.', SECOND_ARGUMENT],
    ['groups', 3, 'readonly', 'Returns a list of the consumer groups of a stream.', SECOND_ARGUMENT],
    ['consumers', 4, 'readonly', 'Returns a list of the consumers in a consumer group.', SECOND_ARGUMENT],
    HELP,
  ],
};

/** A row's flags; MEMORY and its subcommands have none. */
function flagsOf(text: string): string[] {
  return text === '' ? [] : text.split(' ');
}

function subcommandsOf(container: string, group: string): ReadonlyMap<string, SubcommandSpec> | undefined {
  const rows = SUBCOMMANDS[container];
  if (rows === undefined) return undefined;
  const byName = new Map<string, SubcommandSpec>();
  for (const [sub, arity, flagText, summary, [firstKey, lastKey, step] = [0, 0, 0]] of rows) {
    const name = `${container}|${sub}`;
    const flags = flagsOf(flagText);
    const spec: SubcommandSpec = { name, arity, flags, flagBits: flagBitsOf(flags), firstKey, lastKey, step, categories: categoriesOf(name, group, flags), summary };
    byName.set(sub, spec);
    byName.set(sub.toUpperCase(), spec);
  }
  return byName;
}

export const COMMAND_TABLE: readonly CommandSpec[] = ROWS.map(([name, arity, flagText, firstKey, lastKey, step, group, summary, handler]) => {
  const flags = flagsOf(flagText);
  return {
    name,
    arity,
    flags,
    flagBits: flagBitsOf(flags),
    firstKey,
    lastKey,
    step,
    categories: categoriesOf(name, group, flags, SUBCOMMANDS[name] !== undefined),
    group,
    summary,
    handler,
    events: COMMAND_EVENTS[name],
    subcommands: subcommandsOf(name, group),
  };
});
