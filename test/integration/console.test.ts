import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureDebianPackages } from '../../tools/debian-packages.js';
import { EddyProcess } from '../support/eddy-process.js';

/**
 * The web console in a real browser (Debian's chromium, headless, driven by playwright-core)
 * against a real server: the live log, keys, history and health, and the login.
 */
const SCREENSHOTS = resolve(import.meta.dirname, '../../test-output/console');
const run = promisify(execFile);

/** The page's console errors and uncaught exceptions: a page that works logs none. */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return errors;
}

/** The keys of the live feed's rows, in the order shown. */
const feedKeys = (page: Page) => page.locator('[data-view="live"] tr.change').evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.key));
const feedRevs = (page: Page) => page.locator('[data-view="live"] tr.change').evaluateAll((rows) => rows.map((row) => Number((row as HTMLElement).dataset.rev)));

/** A condition the page reaches in its own time (the machine is shared: no time limit is asserted). */
const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000 });

let browser: Browser;

beforeAll(async () => {
  ensureDebianPackages({ chromium: 'chromium', 'redis-cli': 'redis-tools' });
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
}, 300_000);
afterAll(async () => {
  await browser?.close();
});

describe('console without a password', () => {
  let server: EddyProcess;
  let redis: Redis;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    server = await EddyProcess.start(['--http-port', '0']);
    redis = new Redis({ port: server.port });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    errors = collectErrors(page);
    await page.goto(`http://127.0.0.1:${server.httpPort}/`);
    await page.getByTestId('tail-state').filter({ hasText: 'following from revision' }).waitFor();
  });
  afterAll(async () => {
    await page?.close();
    redis?.disconnect();
    await server?.stop();
  });

  test('the page loads, with no console errors, and a SET made with redis-cli appears in the live feed', async () => {
    await run('redis-cli', ['-p', String(server.port), 'SET', 'greeting', 'hello']);
    await page.locator('[data-view="live"] tr.change[data-key="greeting"]').waitFor();
    const row = page.locator('[data-view="live"] tr.change[data-key="greeting"]');
    expect(await row.locator('td').nth(4).textContent()).toBe('set');
    // On demand, the effect (the value SET wrote) under the row.
    await row.click();
    await eventually(() => page.locator('[data-view="live"] tr.detail').textContent()).toContain('hello');
    expect(errors).toEqual([]);
  });

  test('the page and its hashed assets come from the build, gzipped when asked, own origin only', async () => {
    const base = `http://127.0.0.1:${server.httpPort}`;
    const index = await fetch(`${base}/`, { headers: { 'accept-encoding': 'gzip' } });
    expect(index.headers.get('content-encoding')).toBe('gzip');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await index.text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1] as string;
    expect(script).toBeDefined();
    const asset = await fetch(base + script, { headers: { 'accept-encoding': 'identity' } });
    expect(asset.headers.get('content-encoding')).toBeNull();
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await asset.text()).length).toBeGreaterThan(1000);
    const missing = await fetch(`${base}/console/assets/..%2Fpackage.json`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'ERR no console asset ../package.json' });
  });

  test('pause, three writes, resume: the three appear in order, exactly once', async () => {
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByTestId('tail-state').filter({ hasText: 'paused' }).waitFor();
    await redis.set('paused:1', 'a');
    // One record with two changes: a resume must not split it, lose it or show it twice.
    await redis.mset('paused:2', 'b', 'paused:3', 'c');
    await redis.set('paused:4', 'd');
    // Committed, and a tail that follows would already have them (a second page proves it).
    const other = await browser.newPage();
    await other.goto(`http://127.0.0.1:${server.httpPort}/`);
    await other.getByTestId('tail-state').filter({ hasText: 'following' }).waitFor();
    await other.close();
    expect((await feedKeys(page)).filter((key) => key?.startsWith('paused:'))).toEqual([]);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('[data-view="live"] tr.change[data-key="paused:4"]').waitFor();
    await redis.set('after', 'resume');
    await page.locator('[data-view="live"] tr.change[data-key="after"]').waitFor();
    const keys = await feedKeys(page);
    expect(keys.filter((key) => key !== 'greeting')).toEqual(['paused:1', 'paused:2', 'paused:3', 'paused:4', 'after']);
    const revs = await feedRevs(page);
    expect([...revs].sort((a, b) => a - b)).toEqual(revs);
    // On demand, the value a key had right after a change (not its value now).
    await redis.set('paused:2', 'changed since');
    await page.locator('[data-view="live"] tr.change[data-key="paused:2"]').first().click();
    await page.locator('[data-view="live"] tr.detail button[name="value-after"]').last().click();
    await eventually(() => page.locator('[data-view="live"] tr.detail').last().textContent()).toContain('value after: b');
    await page.locator('[data-view="live"] tr.change[data-key="paused:3"]').click();
    await page.screenshot({ path: `${SCREENSHOTS}/live-log.png` });
    expect(errors).toEqual([]);
  });

  test('a hash is browsed and edited; its history shows each value and the eddy-pitr command', async () => {
    await redis.hset('user:1', 'name', 'ada', 'lang', 'en');
    await redis.set('other', 'x');
    await page.getByRole('button', { name: 'Keys' }).click();
    await page.locator('input[name="pattern"]').fill('user:*');
    await page.getByRole('button', { name: 'Scan' }).click();
    await page.locator('button.key[data-key="user:1"]').click();
    const details = page.getByTestId('key-details');
    await details.locator('tr[data-field="name"]').waitFor();
    expect(await page.locator('button.key').evaluateAll((buttons) => buttons.map((b) => b.textContent))).toEqual(['user:1']);
    expect(await details.locator('.facts').textContent()).toMatch(/type hash · encoding listpack · TTL no expiry · memory \d+/);
    expect(await details.locator('tr[data-field="name"] td').nth(1).textContent()).toBe('ada');
    await details.locator('input[name="field"]').fill('name');
    await details.locator('input[name="field-value"]').fill('bob');
    await details.getByRole('button', { name: 'HSET' }).click();
    await eventually(() => details.locator('tr[data-field="name"] td').nth(1).textContent()).toBe('bob');
    expect(await redis.hget('user:1', 'name')).toBe('bob');
    await page.screenshot({ path: `${SCREENSHOTS}/keys.png` });
    // The edit was an ordinary HSET: it is in the log, and so in the live feed.
    expect(await page.locator('[data-view="live"] tr.change[data-key="user:1"]').evaluateAll((rows) => rows.map((row) => row.children[4].textContent))).toEqual(['hset', 'hset']);

    await details.getByRole('button', { name: 'History' }).click();
    const history = page.locator('[data-view="history"] .history-table tbody tr');
    await eventually(() => history.count()).toBe(2);
    const values = await history.evaluateAll((rows) => rows.map((row) => row.children[4].textContent));
    expect(values.map((value) => JSON.parse(value as string))).toEqual([
      { name: 'ada', lang: 'en' },
      { name: 'bob', lang: 'en' },
    ]);
    const firstRev = Number(await history.first().getAttribute('data-rev'));
    await history.first().getByRole('button').click();
    const asOf = page.getByTestId('as-of');
    expect(await asOf.locator('td.value-cell').textContent()).toBe('{"name":"ada","lang":"en"}');
    const restore = (await asOf.locator('pre.command').textContent()) as string;
    expect(restore).toBe(`npx eddy-pitr --from ${server.dir} --to ${server.dir}-rev${firstRev} --rev ${firstRev}`);
    await page.screenshot({ path: `${SCREENSHOTS}/history.png` });
    // The command shown restores that state.
    const [, , , from, , to, , rev] = restore.split(' ');
    const { stdout } = await run(process.execPath, [resolve(import.meta.dirname, '../../bin/eddy-pitr.js'), '--from', from, '--to', to, '--rev', rev]);
    expect(stdout).toContain(`restored revision ${firstRev}`);
    expect(errors).toEqual([]);
  });

  test('keys page by fifty; a string shows as text or hex, is edited, renamed, given a TTL and deleted', async () => {
    await redis.mset(Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`many:${String(i).padStart(3, '0')}`, String(i)])));
    await redis.set('bytes', Buffer.from([0xff, 0x00, 0x41]));
    await page.getByRole('button', { name: 'Keys' }).click();
    const keysView = page.locator('[data-view="keys"]');
    const listed = () => keysView.locator('button.key').evaluateAll((buttons) => buttons.map((b) => b.textContent as string));
    await keysView.locator('input[name="pattern"]').fill('many:*');
    await keysView.getByRole('button', { name: 'Scan' }).click();
    await eventually(async () => (await listed()).length).toBeGreaterThanOrEqual(50);
    const first = await listed();
    await keysView.getByRole('button', { name: 'Next' }).click();
    await eventually(async () => (await listed())[0] !== first[0]).toBe(true);
    const seen = new Set(first);
    for (;;) {
      const keys = await listed();
      expect(keys.some((key) => seen.has(key))).toBe(false);
      keys.forEach((key) => seen.add(key));
      if (await keysView.getByRole('button', { name: 'Next' }).isDisabled()) break;
      await keysView.getByRole('button', { name: 'Next' }).click();
      await eventually(async () => (await listed())[0] !== keys[0]).toBe(true);
    }
    // SCAN may return a key twice across pages in Redis; here every key shows once, and all of them do.
    expect(seen.size).toBe(120);
    await keysView.getByRole('button', { name: 'Previous' }).click();
    await eventually(async () => (await listed()).every((key) => key.startsWith('many:'))).toBe(true);

    await keysView.locator('input[name="pattern"]').fill('bytes');
    await keysView.getByRole('button', { name: 'Scan' }).click();
    await keysView.locator('button.key[data-key="bytes"]').click();
    const details = keysView.getByTestId('key-details');
    // Not UTF-8: a hex dump of the bytes.
    await eventually(() => details.locator('pre.hex').textContent()).toBe(`00000000  ff 00 41${' '.repeat(39)}  ..A`);

    await keysView.locator('input[name="pattern"]').fill('many:007');
    await keysView.getByRole('button', { name: 'Scan' }).click();
    await keysView.locator('button.key[data-key="many:007"]').click();
    await details.locator('textarea[name="string-value"]').fill('seven');
    await details.getByRole('button', { name: 'Save' }).click();
    await eventually(() => redis.get('many:007')).toBe('seven');
    await details.locator('input[name="hex"]').check();
    expect(await details.locator('pre.hex').textContent()).toContain('73 65 76 65 6e');
    await details.locator('input[name="rename"]').fill('seven');
    await details.getByRole('button', { name: 'Rename' }).click();
    await eventually(() => details.locator('h3').textContent()).toBe('seven');
    expect(await redis.exists('many:007')).toBe(0);
    await details.locator('input[name="ttl"]').fill('300');
    await details.getByRole('button', { name: 'Expire' }).click();
    await eventually(() => details.locator('.facts').textContent()).toMatch(/TTL (4 min \d+ s|5 min 0 s)/);
    expect(await redis.ttl('seven')).toBeGreaterThan(0);
    await details.getByRole('button', { name: 'Delete' }).click();
    await eventually(() => redis.exists('seven')).toBe(0);
    await eventually(() => details.count()).toBe(0);

    // A set's and a sorted set's members: removed and added with SREM/SADD, ZREM/ZADD.
    await redis.sadd('tags', 'a', 'b');
    await redis.zadd('scores', 1, 'ada', 2, 'bob');
    await keysView.locator('input[name="pattern"]').fill('tags');
    await keysView.getByRole('button', { name: 'Scan' }).click();
    await keysView.locator('button.key[data-key="tags"]').click();
    await details.locator('tr[data-member="a"]').getByRole('button', { name: 'remove' }).click();
    await eventually(() => redis.smembers('tags')).toEqual(['b']);
    await details.locator('input[name="member"]').fill('c');
    await details.getByRole('button', { name: 'SADD' }).click();
    await eventually(async () => (await redis.smembers('tags')).sort()).toEqual(['b', 'c']);
    await eventually(() => details.locator('tr[data-member]').count()).toBe(2);
    await keysView.locator('input[name="pattern"]').fill('scores');
    await keysView.getByRole('button', { name: 'Scan' }).click();
    await keysView.locator('button.key[data-key="scores"]').click();
    await eventually(() => details.locator('tr[data-member="bob"] td').nth(2).textContent()).toBe('2');
    await details.locator('tr[data-member="ada"]').getByRole('button', { name: 'remove' }).click();
    await details.locator('input[name="member"]').fill('cy');
    await details.locator('input[name="score"]').fill('0.5');
    await details.getByRole('button', { name: 'ZADD' }).click();
    await eventually(() => redis.zrange('scores', 0, '-1')).toEqual(['cy', 'bob']);
    expect(Number(await redis.zscore('scores', 'cy'))).toBe(0.5);
    expect(errors).toEqual([]);
  });

  test('health charts ops/s, memory, clients, revision and tail subscribers from /metrics', async () => {
    await page.getByRole('button', { name: 'Health' }).click();
    const latest = (title: string) => page.locator(`figure[data-chart="${title}"] [data-testid="latest"]`).textContent();
    await eventually(() => latest('ops/s')).not.toBe('–');
    const [next] = (await redis.call('LOGREAD', 'FROM', '$', 'COUNT', '1')) as [number, unknown[]];
    await eventually(() => latest('log revision')).toBe(String(next - 1));
    expect(Number(await latest('clients'))).toBeGreaterThanOrEqual(1);
    // This page's own live log is a tail.
    expect(Number(await latest('tail subscribers'))).toBeGreaterThanOrEqual(1);
    expect(await latest('memory')).toMatch(/B$/);
    // A follower shows with its lag; once it has caught up, none.
    const follower = await EddyProcess.start(['--replicaof', '127.0.0.1', String(server.port)]);
    try {
      await redis.set('for:follower', 'x');
      const row = page.locator(`[data-view="health"] tr[data-follower="127.0.0.1:${follower.port}"]`);
      await eventually(() => row.textContent()).toMatch(new RegExp(`^127\\.0\\.0\\.1:${follower.port}0 revisions behind$`));
      await eventually(() => latest('follower lag (revisions, most behind)')).toBe('0');
      await page.screenshot({ path: `${SCREENSHOTS}/health.png` });
    } finally {
      await follower.stop();
    }
    expect(errors).toEqual([]);
  });
  test('the feed starts at a time (found by binary search over the log) or a revision, with the values after each change', async () => {
    await redis.set('clock:before', '1');
    const [next] = (await redis.call('LOGREAD', 'FROM', '$', 'COUNT', '1')) as [number, unknown[]];
    const [, [before]] = (await redis.call('LOGREAD', 'FROM', String(next - 1), 'COUNT', '1')) as [number, [string, number, number][]];
    // The next write is stamped at least a millisecond after the one before it.
    while (Date.now() <= before[2]) await new Promise((resolve) => setTimeout(resolve, 1));
    await redis.rpush('clock:after', 'x', 'y');
    await page.getByRole('button', { name: 'Live log' }).click();
    const live = page.locator('[data-view="live"]');
    await live.locator('select[name="start"]').selectOption('time');
    await live.locator('input[name="start-value"]').fill(new Date(before[2] + 1).toISOString());
    await live.locator('input[name="match"]').fill('clock:*');
    await live.locator('input[name="values"]').check();
    await live.getByRole('button', { name: 'Follow' }).click();
    await live.locator('tr.change[data-key="clock:after"]').waitFor();
    expect(await feedKeys(page)).toEqual(['clock:after']);
    await live.locator('tr.change[data-key="clock:after"]').click();
    await eventually(() => live.locator('tr.detail').textContent()).toContain('value after: ["x","y"]');

    await live.locator('select[name="start"]').selectOption('revision');
    await live.locator('input[name="start-value"]').fill(String(before[1]));
    await live.getByRole('button', { name: 'Follow' }).click();
    await live.locator('tr.change[data-key="clock:after"]').waitFor();
    expect(await feedKeys(page)).toEqual(['clock:before', 'clock:after']);
    expect(errors).toEqual([]);
  });
});

const oldestHeld = (infoLog: string) => Number(/log_oldest_revision:(\d+)/.exec(infoLog)?.[1]);

describe('console on a log with compacted history', () => {
  let server: EddyProcess;
  let redis: Redis;

  beforeAll(async () => {
    server = await EddyProcess.start(['--http-port', '0', '--save', '', '--log-segment-revisions', '16', '--log-retention', '1s']);
    redis = new Redis({ port: server.port });
    for (let i = 0; i < 100; i++) await redis.set(`old:${i}`, String(i));
    await redis.save();
    // Retention keeps a second of history: let it pass, then have the log drop what a checkpoint covers.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await redis.set('late', 'x');
    await redis.bgrewriteaof();
    while (oldestHeld(await redis.info('log')) === 1) await new Promise((resolve) => setTimeout(resolve, 50));
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  test('a start before the oldest revision held shows a marker, then follows from there', async () => {
    // Retention may drop more while the test runs: the marker's revision is the oldest held when the console asked.
    const oldestBefore = oldestHeld(await redis.info('log'));
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.goto(`http://127.0.0.1:${server.httpPort}/`);
    const live = page.locator('[data-view="live"]');
    await page.getByTestId('tail-state').filter({ hasText: 'following' }).waitFor();
    await live.locator('select[name="start"]').selectOption('revision');
    await live.locator('input[name="start-value"]').fill('1');
    await live.getByRole('button', { name: 'Follow' }).click();
    await live.locator('tr.change[data-key="late"]').waitFor();
    const marker = String(await live.locator('tr.marker').first().textContent());
    const oldest = Number(/^history before revision (\d+)/.exec(marker)?.[1]);
    expect(marker).toBe(`history before revision ${oldest} was compacted away: following from ${oldest}`);
    expect(oldest).toBeGreaterThanOrEqual(oldestBefore);
    expect(oldest).toBeLessThanOrEqual(oldestHeld(await redis.info('log')));
    expect(Math.min(...(await feedRevs(page)))).toBe(oldest);
    // The refused start (COMPACTED) is the one failed request.
    expect(errors.filter((error) => !/status of 4\d\d/.test(error))).toEqual([]);
    await page.close();
  });
});

describe('console with requirepass and ACL users', () => {
  let server: EddyProcess;
  let redis: Redis;

  beforeAll(async () => {
    server = await EddyProcess.start(['--http-port', '0', '--requirepass', 'sesame']);
    redis = new Redis({ port: server.port, password: 'sesame' });
    await redis.call('ACL', 'SETUSER', 'alice', 'on', '>wonder', '~alice:*', '+@all');
    await redis.set('alice:1', 'hers');
    await redis.set('bob:1', 'not hers');
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  const logIn = async (page: Page, user: string, password: string) => {
    await page.locator('input[name="user"]').fill(user);
    await page.locator('input[name="password"]').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  test('login is required: nothing shows before it, a wrong password is refused, then every request carries it', async () => {
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.goto(`http://127.0.0.1:${server.httpPort}/`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.locator('[data-view]').count()).toBe(0);
    await page.screenshot({ path: `${SCREENSHOTS}/login.png` });
    await logIn(page, 'default', 'wrong');
    await eventually(() => page.locator('.login .error').textContent()).toContain('WRONGPASS');
    await logIn(page, 'default', 'sesame');
    await page.getByTestId('tail-state').filter({ hasText: 'following from revision' }).waitFor();
    // The live log's stream is authenticated too (fetch with the Authorization header).
    await redis.set('bob:2', 'live');
    await page.locator('[data-view="live"] tr.change[data-key="bob:2"]').waitFor();
    // The refused requests before the login (401 NOAUTH, 403 WRONGPASS) are the only errors a browser logs.
    expect(errors.filter((error) => !/status of 40[13]/.test(error))).toEqual([]);
    await page.close();
  });

  test('a restricted user sees only its keys, in the key list and in the live log', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.httpPort}/`);
    await logIn(page, 'alice', 'wonder');
    await page.getByTestId('tail-state').filter({ hasText: 'following from revision' }).waitFor();
    await redis.set('bob:3', 'hidden');
    await redis.set('alice:2', 'shown');
    await page.locator('[data-view="live"] tr.change[data-key="alice:2"]').waitFor();
    expect(await feedKeys(page)).toEqual(['alice:2']);
    await page.getByRole('button', { name: 'Keys' }).click();
    await page.getByRole('button', { name: 'Scan' }).click();
    await eventually(() => page.locator('button.key').evaluateAll((buttons) => buttons.map((b) => b.textContent).sort())).toEqual(['alice:1', 'alice:2']);
    await page.close();
  });
});
