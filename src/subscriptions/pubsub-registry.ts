import { globMatcher } from '../formats/glob.js';
import { PushReply } from '../replies/reply.js';

/** Whoever receives pub/sub messages: a client session, from any protocol. */
export interface Subscriber {
  /** Delivers [kind, (pattern,) channel, message]; a slow subscriber may be cut off here. */
  deliver(message: PushReply): void;
}

/** One namespace of channels: plain (SUBSCRIBE) or shard (SSUBSCRIBE) channels. */
class Channels {
  readonly byName = new Map<string, Set<Subscriber>>();

  add(name: string, subscriber: Subscriber): void {
    const set = this.byName.get(name);
    if (set === undefined) this.byName.set(name, new Set([subscriber]));
    else set.add(subscriber);
  }

  remove(name: string, subscriber: Subscriber): void {
    const set = this.byName.get(name);
    if (set === undefined) return;
    set.delete(subscriber);
    if (set.size === 0) this.byName.delete(name);
  }

  /** Active channels, those matching `pattern` when given (PUBSUB CHANNELS). */
  names(pattern: string | undefined): string[] {
    const matches = pattern === undefined ? undefined : globMatcher(pattern);
    return [...this.byName.keys()].filter((name) => matches === undefined || matches(name));
  }

  count(name: string): number {
    return this.byName.get(name)?.size ?? 0;
  }
}

/**
 * Redis pub/sub: channels, patterns and shard channels, and who listens to each. Messages are
 * fire-and-forget, as in Redis; the log-tail subscriptions are the durable alternative.
 */
export class PubSubRegistry {
  readonly channels = new Channels();
  readonly shardChannels = new Channels();
  private readonly patterns = new Map<string, { matches: (channel: string) => boolean; subscribers: Set<Subscriber> }>();

  subscribePattern(pattern: string, subscriber: Subscriber): void {
    const entry = this.patterns.get(pattern);
    if (entry === undefined) this.patterns.set(pattern, { matches: globMatcher(pattern), subscribers: new Set([subscriber]) });
    else entry.subscribers.add(subscriber);
  }

  unsubscribePattern(pattern: string, subscriber: Subscriber): void {
    const entry = this.patterns.get(pattern);
    if (entry === undefined) return;
    entry.subscribers.delete(subscriber);
    if (entry.subscribers.size === 0) this.patterns.delete(pattern);
  }

  /** Number of distinct patterns subscribed to (PUBSUB NUMPAT). */
  get patternCount(): number {
    return this.patterns.size;
  }

  /** PUBLISH: delivers to the channel's subscribers and to every matching pattern; the receiver count. */
  publish(channel: string, message: string): number {
    let receivers = 0;
    const subscribers = this.channels.byName.get(channel);
    // One message object for all its receivers: each protocol encodes it once, not once per receiver.
    if (subscribers !== undefined) {
      const push = new PushReply(['message', channel, message]);
      for (const subscriber of subscribers) subscriber.deliver(push);
      receivers += subscribers.size;
    }
    for (const [pattern, entry] of this.patterns) {
      if (!entry.matches(channel)) continue;
      const push = new PushReply(['pmessage', pattern, channel, message]);
      for (const subscriber of entry.subscribers) subscriber.deliver(push);
      receivers += entry.subscribers.size;
    }
    return receivers;
  }

  /** SPUBLISH: shard channels have no patterns. */
  publishShard(channel: string, message: string): number {
    const subscribers = this.shardChannels.byName.get(channel);
    if (subscribers === undefined) return 0;
    const push = new PushReply(['smessage', channel, message]);
    for (const subscriber of subscribers) subscriber.deliver(push);
    return subscribers.size;
  }
}
