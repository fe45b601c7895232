import type { Client } from './client.js';
import { unknownSubcommand, wrongArity } from './errors.js';
import { NO_REPLY, PushReply, type Reply } from './reply.js';

/**
 * Redis pub/sub. (Un)subscribing answers with one push per channel ([kind, channel, count]), RESP3's
 * push type or a RESP2 array, as Redis does; the count is the client's subscriptions afterwards.
 */

function confirm(client: Client, kind: string, channel: string | null, count: number): void {
  client.transport.push(new PushReply([kind, channel, count]));
}

/** Channels and patterns count together; shard channels count on their own, as in Redis. */
function plainCount(client: Client): number {
  return client.channels.size + client.patterns.size;
}

export function subscribe(client: Client, args: string[]): Reply {
  for (const channel of args.slice(1)) {
    if (!client.channels.has(channel)) {
      client.channels.add(channel);
      client.server.pubsub.channels.add(channel, client);
    }
    confirm(client, 'subscribe', channel, plainCount(client));
  }
  forgetOnDisconnect(client);
  return NO_REPLY;
}

export function unsubscribe(client: Client, args: string[]): Reply {
  const channels = args.length > 1 ? args.slice(1) : [...client.channels];
  if (channels.length === 0) confirm(client, 'unsubscribe', null, plainCount(client));
  for (const channel of channels) {
    client.channels.delete(channel);
    client.server.pubsub.channels.remove(channel, client);
    confirm(client, 'unsubscribe', channel, plainCount(client));
  }
  return NO_REPLY;
}

export function psubscribe(client: Client, args: string[]): Reply {
  for (const pattern of args.slice(1)) {
    if (!client.patterns.has(pattern)) {
      client.patterns.add(pattern);
      client.server.pubsub.subscribePattern(pattern, client);
    }
    confirm(client, 'psubscribe', pattern, plainCount(client));
  }
  forgetOnDisconnect(client);
  return NO_REPLY;
}

export function punsubscribe(client: Client, args: string[]): Reply {
  const patterns = args.length > 1 ? args.slice(1) : [...client.patterns];
  if (patterns.length === 0) confirm(client, 'punsubscribe', null, plainCount(client));
  for (const pattern of patterns) {
    client.patterns.delete(pattern);
    client.server.pubsub.unsubscribePattern(pattern, client);
    confirm(client, 'punsubscribe', pattern, plainCount(client));
  }
  return NO_REPLY;
}

export function ssubscribe(client: Client, args: string[]): Reply {
  for (const channel of args.slice(1)) {
    if (!client.shardChannels.has(channel)) {
      client.shardChannels.add(channel);
      client.server.pubsub.shardChannels.add(channel, client);
    }
    confirm(client, 'ssubscribe', channel, client.shardChannels.size);
  }
  forgetOnDisconnect(client);
  return NO_REPLY;
}

export function sunsubscribe(client: Client, args: string[]): Reply {
  const channels = args.length > 1 ? args.slice(1) : [...client.shardChannels];
  if (channels.length === 0) confirm(client, 'sunsubscribe', null, client.shardChannels.size);
  for (const channel of channels) {
    client.shardChannels.delete(channel);
    client.server.pubsub.shardChannels.remove(channel, client);
    confirm(client, 'sunsubscribe', channel, client.shardChannels.size);
  }
  return NO_REPLY;
}

/** Drops every subscription of the client (disconnect, RESET). */
export function unsubscribeAll(client: Client): void {
  const pubsub = client.server.pubsub;
  for (const channel of client.channels) pubsub.channels.remove(channel, client);
  for (const pattern of client.patterns) pubsub.unsubscribePattern(pattern, client);
  for (const channel of client.shardChannels) pubsub.shardChannels.remove(channel, client);
  client.channels.clear();
  client.patterns.clear();
  client.shardChannels.clear();
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
      return args.length > 3 ? wrongArity('pubsub|channels') : pubsub.channels.names(args[2]);
    case 'SHARDCHANNELS':
      return args.length > 3 ? wrongArity('pubsub|shardchannels') : pubsub.shardChannels.names(args[2]);
    // Flat arrays in RESP3 too, as Redis answers them.
    case 'NUMSUB':
      return args.slice(2).flatMap((channel) => [channel, pubsub.channels.count(channel)]);
    case 'SHARDNUMSUB':
      return args.slice(2).flatMap((channel) => [channel, pubsub.shardChannels.count(channel)]);
    case 'NUMPAT':
      return args.length !== 2 ? wrongArity('pubsub|numpat') : pubsub.patternCount;
    case 'HELP':
      return [
        'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
        'CHANNELS [<pattern>]',
        'NUMPAT',
        'NUMSUB [<channel> ...]',
        'SHARDCHANNELS [<pattern>]',
        'SHARDNUMSUB [<shardchannel> ...]',
        'HELP',
      ];
  }
  return unknownSubcommand('PUBSUB', args[1]);
}
