import { Redis } from 'ioredis';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDebianPackages } from '../../tools/debian-packages.js';
import { EddyProcess } from '../support/eddy-process.js';
import { RedisServerProcess } from '../support/redis-server-process.js';

/**
 * Pub/sub channel permissions against a real redis-server 7.0: who may subscribe to what (patterns
 * as written), which subscribers are disconnected when ACL SETUSER, DELUSER or LOAD takes a channel
 * away, and keyspace notifications, which are pub/sub messages like any other.
 */

let redis: RedisServerProcess;
let eddy: EddyProcess;
const dir = mkdtempSync(join(tmpdir(), 'eddy-acl-pubsub-'));
const aclFile = { redis: join(dir, 'redis.acl'), eddy: join(dir, 'eddy.acl') };
const DEFAULT_USER = 'user default on nopass ~* &* +@all';

beforeAll(() => ensureDebianPackages({ 'redis-server': 'redis-server' }), 300_000);
beforeAll(async () => {
  for (const file of Object.values(aclFile)) writeFileSync(file, `${DEFAULT_USER}\n`);
  [redis, eddy] = await Promise.all([RedisServerProcess.start(['--aclfile', aclFile.redis]), EddyProcess.start(['--aclfile', aclFile.eddy])]);
});
afterAll(async () => {
  await Promise.all([redis?.stop(), eddy?.stop()]);
});

type Kind = 'subscribe' | 'psubscribe' | 'ssubscribe';

/** Connections to one server, each named, never reconnecting (a closed one stays closed), and what each received. */
class Scene {
  readonly admin: Redis;
  private readonly clients = new Map<string, Redis>();
  readonly received = new Map<string, string[]>();

  constructor(readonly port: number) {
    this.admin = this.connection();
  }

  private connection(username?: string): Redis {
    const client = new Redis({
      port: this.port,
      host: '127.0.0.1',
      username,
      // A nopass user takes any password.
      password: username === undefined ? undefined : 'any',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      autoResubscribe: false,
      enableOfflineQueue: false,
    });
    client.on('error', () => undefined);
    return client;
  }

  /** A connection of `user` named `name`, subscribed with `kind` to `channels`: what the subscription answered. */
  async subscriber(name: string, user: string, kind?: Kind, ...channels: string[]): Promise<string> {
    const client = this.connection(user);
    const log: string[] = [];
    client.on('message', (channel: string, message: string) => log.push(`message ${channel} ${message}`));
    client.on('pmessage', (pattern: string, channel: string, message: string) => log.push(`pmessage ${pattern} ${channel} ${message}`));
    client.on('smessage', (channel: string, message: string) => log.push(`smessage ${channel} ${message}`));
    this.clients.set(name, client);
    this.received.set(name, log);
    await client.connect();
    if (kind === undefined) return `${name}: connected`;
    return client[kind](...channels).then(
      () => `${name}: ${kind} ${channels.join(' ')}`,
      (error: Error) => `${name}: ${kind} ${channels.join(' ')} -> ${error.message}`,
    );
  }

  /** Which named connections are still open: a PING (allowed while subscribed) on each. */
  async open(): Promise<string> {
    const states = await Promise.all(
      [...this.clients].map(([name, client]) =>
        client.ping().then(
          () => `${name} open`,
          () => `${name} closed`,
        ),
      ),
    );
    return states.join(', ');
  }

  /** Runs an admin command; its reply (or error) as text. */
  async command(...args: string[]): Promise<string> {
    return this.admin.call(args[0], ...args.slice(1)).then(
      (reply) => `${args.join(' ')} -> ${JSON.stringify(reply)}`,
      (error: Error) => `${args.join(' ')} -> ${error.message}`,
    );
  }

  async start(): Promise<void> {
    await this.admin.connect();
  }

  close(): void {
    for (const client of [this.admin, ...this.clients.values()]) client.disconnect();
  }
}

/** The same play on both servers, each on a fresh scene; expects the same observations, and gives Redis's. */
async function same(play: (scene: Scene, server: 'redis' | 'eddy') => Promise<string[]>): Promise<string[]> {
  const scenes = { redis: new Scene(redis.port), eddy: new Scene(eddy.port) };
  try {
    await Promise.all(Object.values(scenes).map((scene) => scene.start()));
    const [expected, actual] = await Promise.all([play(scenes.redis, 'redis'), play(scenes.eddy, 'eddy')]);
    expect(actual).toEqual(expected);
    return expected;
  } finally {
    for (const scene of Object.values(scenes)) scene.close();
  }
}

describe('a subscriber losing its channel permission', () => {
  it('is disconnected by ACL SETUSER when a channel or pattern it uses is no longer granted (patterns as written), as in Redis 7.0', async () => {
    const seen = await same(async (scene) => {
      const out: string[] = [];
      out.push(await scene.command('ACL', 'SETUSER', 'listener', 'reset', 'on', 'nopass', '+@all', '~*', '&news.*', '&alerts', '&orders.*'));
      out.push(await scene.subscriber('s1', 'listener', 'subscribe', 'news.sports'));
      out.push(await scene.subscriber('s2', 'listener', 'psubscribe', 'news.*'));
      out.push(await scene.subscriber('s3', 'listener', 'subscribe', 'alerts'));
      out.push(await scene.subscriber('s4', 'listener', 'ssubscribe', 'orders.1'));
      // A narrower pattern than the one granted is refused: PSUBSCRIBE's patterns are checked as written.
      out.push(await scene.subscriber('s5', 'listener', 'psubscribe', 'news.s*'));
      out.push(await scene.subscriber('plain', 'listener'));
      out.push(await scene.subscriber('other-user', 'default', 'subscribe', 'alerts'));
      out.push(await scene.open());
      // More channels take nothing away: nobody goes.
      out.push(await scene.command('ACL', 'SETUSER', 'listener', '&extra'));
      out.push(await scene.open());
      // alerts goes: its subscriber goes, the other user's stays.
      out.push(await scene.command('ACL', 'SETUSER', 'listener', 'resetchannels', '&news.*', '&orders.*', '&extra'));
      out.push(await scene.open());
      // news* still grants news.sports, but not the pattern news.* as written.
      out.push(await scene.command('ACL', 'SETUSER', 'listener', 'resetchannels', '&news*', '&orders.*', '&extra'));
      out.push(await scene.open());
      // A pattern moved into a selector is still granted.
      out.push(await scene.command('ACL', 'SETUSER', 'listener', 'resetchannels', '&news*', '(&orders.* +@all ~*)'));
      out.push(await scene.open());
      // Every channel taken away: every subscriber goes, the connection without subscriptions stays.
      out.push(await scene.command('ACL', 'SETUSER', 'listener', 'resetchannels', 'clearselectors'));
      out.push(await scene.open());
      out.push(await scene.command('ACL', 'DELUSER', 'listener'));
      out.push(await scene.open());
      return out;
    });
    // What Redis did, spelled out where it matters.
    expect(seen).toContain('s5: psubscribe news.s* -> NOPERM this user has no permissions to access one of the channels used as arguments');
    expect(seen.at(-1)).toBe('s1 closed, s2 closed, s3 closed, s4 closed, s5 closed, plain closed, other-user open');
  });

  it('on ACL LOAD: every connection of a user other than default closes, as Redis 7.0 makes those users anew', async () => {
    for (const file of Object.values(aclFile)) writeFileSync(file, `${DEFAULT_USER}\nuser loaded on nopass ~* &news.* +@all\n`);
    const seen = await same(async (scene, server) => {
      const out: string[] = [];
      out.push(await scene.command('ACL', 'LOAD'));
      out.push(await scene.subscriber('kept-channel', 'loaded', 'subscribe', 'news.1'));
      out.push(await scene.subscriber('lost-channel', 'loaded', 'subscribe', 'news.2'));
      out.push(await scene.subscriber('plain', 'loaded'));
      out.push(await scene.subscriber('default-subscriber', 'default', 'subscribe', 'alerts'));
      writeFileSync(aclFile[server], 'user default on nopass ~* &* +@all\nuser loaded on nopass ~* &news.1 +@all\n');
      out.push(await scene.command('ACL', 'LOAD'));
      out.push(await scene.open());
      return out;
    });
    expect(seen.at(-1)).toBe('kept-channel closed, lost-channel closed, plain closed, default-subscriber open');
  });
});

describe('keyspace notifications', () => {
  it('reach only subscribers allowed their channels, and follow the disconnect rule, as in Redis', async () => {
    const seen = await same(async (scene) => {
      const out: string[] = [];
      out.push(await scene.command('CONFIG', 'SET', 'notify-keyspace-events', 'KEA'));
      out.push(await scene.command('ACL', 'SETUSER', 'watcher', 'reset', 'on', 'nopass', '+@all', '~*', '&__keyspace@0__:app:*', '&__keyevent@0__:set', '&done'));
      out.push(await scene.subscriber('app-key', 'watcher', 'subscribe', '__keyspace@0__:app:1', 'done'));
      out.push(await scene.subscriber('app-pattern', 'watcher', 'psubscribe', '__keyspace@0__:app:*'));
      out.push(await scene.subscriber('set-events', 'watcher', 'subscribe', '__keyevent@0__:set', 'done'));
      // Refused: a key outside the granted ones, a wider pattern than granted, an event not granted.
      out.push(await scene.subscriber('other-key', 'watcher', 'subscribe', '__keyspace@0__:secret', 'done'));
      out.push(await scene.subscriber('all-keys', 'watcher', 'psubscribe', '__keyspace@0__:*'));
      out.push(await scene.subscriber('del-events', 'watcher', 'subscribe', '__keyevent@0__:del', 'done'));
      out.push(await scene.subscriber('done-only', 'watcher', 'subscribe', 'done'));
      for (const args of [
        ['SET', 'app:1', 'v'],
        ['SET', 'secret', 'v'],
        ['DEL', 'app:1'],
        ['DEL', 'secret'],
        ['SET', 'app:2', 'v'],
      ])
        out.push(await scene.command(...args));
      // The last message every subscriber of `done` gets: all notifications before it are in.
      out.push(await scene.command('PUBLISH', 'done', 'end'));
      for (const name of ['app-key', 'set-events', 'done-only']) await expect.poll(() => scene.received.get(name)?.at(-1), { timeout: 10_000 }).toBe('message done end');
      await expect.poll(() => scene.received.get('app-pattern')?.at(-1), { timeout: 10_000 }).toBe('pmessage __keyspace@0__:app:* __keyspace@0__:app:2 set');
      for (const [name, messages] of scene.received) out.push(`${name} received: ${messages.join('; ')}`);
      // The keyspace channels go: their subscribers are disconnected; the keyevent one stays.
      out.push(await scene.command('ACL', 'SETUSER', 'watcher', 'resetchannels', '&__keyevent@0__:set', '&done'));
      out.push(await scene.open());
      out.push(await scene.command('CONFIG', 'SET', 'notify-keyspace-events', ''));
      out.push(await scene.command('ACL', 'DELUSER', 'watcher'));
      return out;
    });
    expect(seen).toContain('app-key received: message __keyspace@0__:app:1 set; message __keyspace@0__:app:1 del; message done end');
    expect(seen).toContain('set-events received: message __keyevent@0__:set app:1; message __keyevent@0__:set secret; message __keyevent@0__:set app:2; message done end');
  });
});
