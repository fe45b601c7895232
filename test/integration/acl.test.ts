import { Redis } from 'ioredis';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureDebianPackages } from '../../tools/debian-packages.js';
import { EddyProcess } from '../support/eddy-process.js';
import { RedisServerProcess } from '../support/redis-server-process.js';
import { run, type Step } from '../support/same-replies.js';

/**
 * ACL against a real redis-server 7.0: the same ACL commands, rules and restricted users on both,
 * the same replies (NOPERM texts, ACL GETUSER and LIST, DRYRUN, errors), and what ACL LOG notes.
 */

let redis: RedisServerProcess;
let eddy: EddyProcess;
const aclFile = join(mkdtempSync(join(tmpdir(), 'eddy-acl-')), 'users.acl');
const clients: Redis[] = [];

beforeAll(() => ensureDebianPackages({ 'redis-server': 'redis-server' }), 300_000);
beforeAll(async () => {
  writeFileSync(aclFile, 'user default on nopass ~* &* +@all\n');
  [redis, eddy] = await Promise.all([RedisServerProcess.start(), EddyProcess.start(['--aclfile', aclFile])]);
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await Promise.all([redis?.stop(), eddy?.stop()]);
});
beforeEach(async () => {
  for (const port of [redis.port, eddy.port]) {
    const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, disableClientInfo: true });
    for (const user of (await client.call('ACL', 'USERS')) as string[]) if (user !== 'default') await client.call('ACL', 'DELUSER', user);
    await client.call('ACL', 'LOG', 'RESET');
    client.disconnect();
  }
});

/** The same steps on both servers; expects the same replies (`masked` blanks what differs by right). */
async function same(steps: readonly Step[]): Promise<string[]> {
  const [expected, actual] = await Promise.all([run(redis.port, steps), run(eddy.port, steps)]);
  const label = (i: number) => (Array.isArray(steps[i]) ? steps[i] : (steps[i] as { args: string[] }).args).join(' ');
  expect(actual.map((reply, i) => `${label(i)} -> ${JSON.stringify(reply)}`)).toEqual(expected.map((reply, i) => `${label(i)} -> ${JSON.stringify(reply)}`));
  return expected;
}

describe('ACL rules', () => {
  it('describes users as Redis does: passwords, key and channel patterns, categories by best fit, selectors', async () => {
    await same([
      // One single command beyond the categories: Redis lists several in its hash table's order.
      ['ACL', 'SETUSER', 'alice', 'on', '>secret', '~cache:*', '%R~ro:*', '%W~wo:*', '&news.*', '+@string', '-set'],
      ['ACL', 'GETUSER', 'alice'],
      ['ACL', 'SETUSER', 'bob', '+@all', '-@hash', '-@slow', '+hget'],
      ['ACL', 'GETUSER', 'bob'],
      ['ACL', 'SETUSER', 'carol', '-@all', '+@string', '+@hash', '-hget', '(~x*', '+set)', '(&y +get ~y)'],
      ['ACL', 'GETUSER', 'carol'],
      ['ACL', 'SETUSER', 'dave', '+select|0', 'nopass', 'allkeys', 'allchannels'],
      ['ACL', 'LIST'],
      ['ACL', 'USERS'],
      ['ACL', 'SETUSER', 'alice', 'resetpass', '#' + 'a'.repeat(64), 'resetkeys', '~other'],
      ['ACL', 'GETUSER', 'alice'],
      ['ACL', 'SETUSER', 'alice', 'reset'],
      ['ACL', 'GETUSER', 'alice'],
      ['ACL', 'GETUSER', 'nobody'],
    ]);
  });

  it('refuses bad rules with Redis’s texts and changes nothing', async () => {
    await same([
      ['ACL', 'SETUSER', 'erin', 'on', '~a'],
      ['ACL', 'SETUSER', 'erin', '~b', 'bogus'],
      ['ACL', 'SETUSER', 'erin', '+@nosuch'],
      ['ACL', 'SETUSER', 'erin', '+nosuchcommand'],
      ['ACL', 'SETUSER', 'erin', '%X~k'],
      ['ACL', 'SETUSER', 'erin', '#short'],
      ['ACL', 'SETUSER', 'erin', '<not-a-password-of-hers'],
      ['ACL', 'SETUSER', 'erin', 'allkeys', '~more'],
      ['ACL', 'GETUSER', 'erin'],
      ['ACL', 'DELUSER', 'default'],
      ['ACL', 'DELUSER', 'erin', 'nobody'],
      ['ACL', 'CAT', 'nosuch'],
      ['ACL', 'GENPASS', '0'],
      ['ACL', 'GENPASS', '5000'],
      ['ACL', 'DRYRUN', 'nobody', 'get', 'x'],
      ['ACL', 'NOSUCH'],
    ]);
  });

  it('lists the categories and their commands as Redis does', async () => {
    await same([['ACL', 'CAT'], { args: ['ACL', 'CAT', 'hyperloglog'], sorted: true }, { args: ['ACL', 'CAT', 'geo'], sorted: true }]);
  });
});

describe('a restricted user', () => {
  it('gets NOPERM for commands, keys and channels outside its rules, on both servers alike', async () => {
    const replies = await same([
      ['ACL', 'SETUSER', 'app', 'on', '>pw', '~app:*', '%R~shared:*', '&events', '+@read', '+@write', '-flushall', '+publish', '+client|id', '-@dangerous'],
      { args: ['AUTH', 'app', 'pw'], on: 1 },
      { args: ['SET', 'app:1', 'v'], on: 1 },
      { args: ['GET', 'app:1'], on: 1 },
      { args: ['GET', 'other'], on: 1 },
      { args: ['GET', 'shared:x'], on: 1 },
      { args: ['SET', 'shared:x', 'v'], on: 1 },
      { args: ['MSET', 'app:2', 'v', 'other', 'v'], on: 1 },
      { args: ['FLUSHALL'], on: 1 },
      { args: ['PUBLISH', 'events', 'm'], on: 1 },
      { args: ['PUBLISH', 'private', 'm'], on: 1 },
      { args: ['CLIENT', 'ID'], on: 1, masked: /\d+/ },
      { args: ['CLIENT', 'LIST'], on: 1 },
      { args: ['ACL', 'WHOAMI'], on: 1 },
      { args: ['AUTH', 'app', 'wrong'], on: 1 },
      { args: ['MULTI'], on: 1 },
      { args: ['GET', 'other'], on: 1 },
      { args: ['EXEC'], on: 1 },
      ['ACL', 'DRYRUN', 'app', 'get', 'app:1'],
      ['ACL', 'DRYRUN', 'app', 'get', 'other'],
      ['ACL', 'DRYRUN', 'app', 'flushall'],
    ]);
    expect(replies[4]).toBe('-NOPERM this user has no permissions to access one of the keys used as arguments\r\n');
  });

  it("is held to its rules inside scripts: redis.call and redis.pcall get Redis's script errors", async () => {
    await same([
      ['ACL', 'SETUSER', 'scripter', 'on', '>pw', '~s:*', '+eval', '+get', '+publish', '&ok'],
      { args: ['AUTH', 'scripter', 'pw'], on: 1 },
      { args: ['EVAL', "return redis.call('set', 's:1', 'v')", '0'], on: 1 },
      { args: ['EVAL', "return redis.pcall('set', 's:1', 'v')", '0'], on: 1 },
      { args: ['EVAL', "return redis.pcall('get', 'other')", '0'], on: 1 },
      { args: ['EVAL', "return redis.pcall('publish', 'nope', 'm')", '0'], on: 1 },
      { args: ['EVAL', "return redis.call('get', 's:1')", '0'], on: 1 },
    ]);
  });

  it('shows its denials in ACL LOG with Redis’s fields, one entry per kind counted', async () => {
    const logOf = async (port: number) => {
      const admin = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, disableClientInfo: true });
      const user = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, disableClientInfo: true });
      clients.push(admin, user);
      await admin.call('ACL', 'SETUSER', 'logged', 'on', '>pw', '~k', '+get');
      await user.call('AUTH', 'logged', 'pw');
      for (const key of ['x', 'x', 'y']) await user.get(key).catch(() => undefined);
      await user.set('k', 'v').catch(() => undefined);
      await user.call('AUTH', 'logged', 'nope').catch(() => undefined);
      const entries = (await admin.call('ACL', 'LOG')) as unknown[][];
      return entries.map((entry) => {
        const fields = Object.fromEntries(Array.from({ length: entry.length / 2 }, (_, i) => [entry[2 * i], entry[2 * i + 1]]));
        expect(Number(fields['age-seconds'])).toBeGreaterThanOrEqual(0);
        expect(fields['client-info']).toMatch(/^id=\d+ addr=127\.0\.0\.1:\d+ /);
        return [Object.keys(fields), fields.count, fields.reason, fields.context, fields.object, fields.username];
      });
    };
    expect(await logOf(eddy.port)).toEqual(await logOf(redis.port));
  });
});

describe('ACL SAVE and LOAD', () => {
  it('writes the users to aclfile and reads them back; a bad file changes nothing and says which line', async () => {
    const admin = new Redis({ port: eddy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    clients.push(admin);
    await admin.call('ACL', 'SETUSER', 'saved', 'on', '>pw', '~s:*', '+get');
    expect(await admin.call('ACL', 'SAVE')).toBe('OK');
    expect(readFileSync(aclFile, 'utf8')).toContain('user saved on #');
    await admin.call('ACL', 'DELUSER', 'saved');
    expect(await admin.call('ACL', 'LOAD')).toBe('OK');
    expect(await admin.call('ACL', 'USERS')).toEqual(['default', 'saved']);
    writeFileSync(aclFile, 'user default on nopass ~* &* +@all\nuser broken on +nosuch\n');
    await expect(admin.call('ACL', 'LOAD')).rejects.toThrow(`${aclFile}:2: Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL`);
    expect(await admin.call('ACL', 'USERS')).toEqual(['default', 'saved']);
    // redis-server without an aclfile says so, and so does Eddy's answer in the same words.
    const plain = new Redis({ port: redis.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    clients.push(plain);
    await expect(plain.call('ACL', 'SAVE')).rejects.toThrow('This Redis instance is not configured to use an ACL file');
  });
});

describe('users at start', () => {
  it('takes `user` lines of the config file, and refuses a bad one naming its line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-acl-conf-'));
    const conf = join(dir, 'eddy.conf');
    writeFileSync(conf, 'user reader on >pw ~r:* +get\nuser default on nopass ~* &* +@all\n');
    const server = await EddyProcess.start([conf]);
    try {
      const reader = new Redis({ port: server.port, host: '127.0.0.1', username: 'reader', password: 'pw', maxRetriesPerRequest: 0 });
      clients.push(reader);
      await expect(reader.get('r:1')).resolves.toBeNull();
      await expect(reader.set('r:1', 'v')).rejects.toThrow("NOPERM this user has no permissions to run the 'set' command");
      reader.disconnect();
    } finally {
      await server.stop();
    }
    writeFileSync(conf, 'user reader on >pw +nosuch\n');
    await expect(EddyProcess.start([conf])).rejects.toThrow(`${conf} line 1: Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL`);
  });

  it('loads aclfile at start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-aclfile-'));
    const file = join(dir, 'users.acl');
    writeFileSync(file, 'user default on nopass ~* &* +@all\nuser writer on >pw ~w:* +set\n');
    const server = await EddyProcess.start(['--aclfile', file]);
    try {
      const admin = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
      clients.push(admin);
      expect(await admin.call('ACL', 'USERS')).toEqual(['default', 'writer']);
      admin.disconnect();
    } finally {
      await server.stop();
    }
  });
});

describe('the log, read by a restricted user', () => {
  it('never shows a change to a key outside its patterns, and resumes exactly from where it stopped', async () => {
    const admin = new Redis({ port: eddy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    const reader = new Redis({ port: eddy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    clients.push(admin, reader);
    await admin.call('ACL', 'SETUSER', 'tailer', 'on', '>pw', '%R~pub:*', '+logread', '+tail');
    const [start] = (await admin.call('LOGREAD', 'FROM', '$')) as [number];
    for (const key of ['pub:1', 'secret:1', 'pub:2', 'secret:2']) await admin.set(key, 'v');
    await reader.call('AUTH', 'tailer', 'pw');
    const keysOf = (events: unknown[][]) => events.map((event) => event[4]);
    const [next, events] = (await reader.call('LOGREAD', 'FROM', String(start), 'COUNT', '2')) as [number, unknown[][]];
    expect(keysOf(events)).toEqual(['pub:1', 'pub:2']);
    for (const key of ['secret:3', 'pub:3']) await admin.set(key, 'v');
    const [, later] = (await reader.call('LOGREAD', 'FROM', String(next), 'COUNT', '100')) as [number, unknown[][]];
    expect(keysOf(later)).toEqual(['pub:3']);
    // The same history as the default user sees it holds every key.
    const [, all] = (await admin.call('LOGREAD', 'FROM', String(start), 'COUNT', '100')) as [number, unknown[][]];
    expect(keysOf(all)).toEqual(['pub:1', 'secret:1', 'pub:2', 'secret:2', 'secret:3', 'pub:3']);
  });
});
