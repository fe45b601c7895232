import type { Client } from '../session/client.js';
import { subcommandSyntaxError } from '../replies/errors.js';
import { NO_REPLY, PushReply, helpReply, type Reply } from '../replies/reply.js';

/**
 * Redis pub/sub. (Un)subscribing answers with one push per channel ([kind, channel, count]), RESP3's
 * push type or a RESP2 array, as Redis does; the count is the client's subscriptions afterwards.
 */

function confirm(client: Client, kind: string, channel: string | null, count: number): void {
  client.transport.push(new PushReply([kind, channel, count]));
}

/** One namespace of subscriptions: the client's own set, the registry's, and the reply words. */
interface Namespace {
  words: [subscribe: string, unsubscribe: string];
  of(client: Client): Set<string>;
  add(client: Client, name: string): void;
  remove(client: Client, name: string): void;
  /** The count a confirmation carries: channels and patterns together; shard channels apart, as in Redis. */
  count(client: Client): number;
}

const plainCount = (client: Client): number => client.channels.size + client.patterns.size;

const CHANNELS: Namespace = {
  words: ['subscribe', 'unsubscribe'],
  of: (client) => client.channels,
  add: (client, name) => client.server.pubsub.channels.add(name, client),
  remove: (client, name) => client.server.pubsub.channels.remove(name, client),
  count: plainCount,
};

const PATTERNS: Namespace = {
  words: ['psubscribe', 'punsubscribe'],
  of: (client) => client.patterns,
  add: (client, name) => client.server.pubsub.subscribePattern(name, client),
  remove: (client, name) => client.server.pubsub.unsubscribePattern(name, client),
  count: plainCount,
};

const SHARD_CHANNELS: Namespace = {
  words: ['ssubscribe', 'sunsubscribe'],
  of: (client) => client.shardChannels,
  add: (client, name) => client.server.pubsub.shardChannels.add(name, client),
  remove: (client, name) => client.server.pubsub.shardChannels.remove(name, client),
  count: (client) => client.shardChannels.size,
};

function subscribeTo(namespace: Namespace, client: Client, names: string[]): Reply {
  const mine = namespace.of(client);
  for (const name of names) {
    if (!mine.has(name)) {
      mine.add(name);
      namespace.add(client, name);
    }
    confirm(client, namespace.words[0], name, namespace.count(client));
  }
  forgetOnDisconnect(client);
  return NO_REPLY;
}

/** Without names, from every one; with none to leave, one confirmation with a null name. */
function unsubscribeFrom(namespace: Namespace, client: Client, names: string[]): Reply {
  const mine = namespace.of(client);
  const leaving = names.length > 0 ? names : [...mine];
  if (leaving.length === 0) confirm(client, namespace.words[1], null, namespace.count(client));
  for (const name of leaving) {
    mine.delete(name);
    namespace.remove(client, name);
    confirm(client, namespace.words[1], name, namespace.count(client));
  }
  return NO_REPLY;
}

export const subscribe = (client: Client, args: string[]): Reply => subscribeTo(CHANNELS, client, args.slice(1));
export const unsubscribe = (client: Client, args: string[]): Reply => unsubscribeFrom(CHANNELS, client, args.slice(1));
export const psubscribe = (client: Client, args: string[]): Reply => subscribeTo(PATTERNS, client, args.slice(1));
export const punsubscribe = (client: Client, args: string[]): Reply => unsubscribeFrom(PATTERNS, client, args.slice(1));
export const ssubscribe = (client: Client, args: string[]): Reply => subscribeTo(SHARD_CHANNELS, client, args.slice(1));
export const sunsubscribe = (client: Client, args: string[]): Reply => unsubscribeFrom(SHARD_CHANNELS, client, args.slice(1));

/** Drops every subscription of the client (disconnect, RESET). */
export function unsubscribeAll(client: Client): void {
  for (const namespace of [CHANNELS, PATTERNS, SHARD_CHANNELS]) {
    for (const name of namespace.of(client)) namespace.remove(client, name);
    namespace.of(client).clear();
  }
}

const forgetting = new WeakSet<Client>();

function forgetOnDisconnect(client: Client): void {
  if (forgetting.has(client)) return;
  forgetting.add(client);
  client.onDisconnect(() => unsubscribeAll(client));
}

export function publish(client: Client, args: string[]): Reply {
  return client.server.pubsub.publish(args[1], args[2]);
}

export function spublish(client: Client, args: string[]): Reply {
  return client.server.pubsub.publishShard(args[1], args[2]);
}

export function pubsubCommand(client: Client, args: string[]): Reply {
  const pubsub = client.server.pubsub;
  const sub = args[1].toUpperCase();
  switch (sub) {
    case 'CHANNELS':
      return args.length > 3 ? subcommandSyntaxError('pubsub', args[1]) : pubsub.channels.names(args[2]);
    case 'SHARDCHANNELS':
      return args.length > 3 ? subcommandSyntaxError('pubsub', args[1]) : pubsub.shardChannels.names(args[2]);
    // Flat arrays in RESP3 too, as Redis answers them.
    case 'NUMSUB':
      return args.slice(2).flatMap((channel) => [channel, pubsub.channels.count(channel)]);
    case 'SHARDNUMSUB':
      return args.slice(2).flatMap((channel) => [channel, pubsub.shardChannels.count(channel)]);
    case 'NUMPAT':
      return pubsub.patternCount;
    default: // HELP: the command table refuses other subcommands
      return helpReply('PUBSUB', ['CHANNELS [<pattern>]', 'NUMPAT', 'NUMSUB [<channel> ...]', 'SHARDCHANNELS [<pattern>]', 'SHARDNUMSUB [<shardchannel> ...]']);
  }
}
