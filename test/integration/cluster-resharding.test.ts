import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureDebianPackages, ensureDebianPythonModules } from '../../tools/debian-packages.js';
import { ClusterNodes, infoField, until } from '../support/cluster-nodes.js';
import { SERVER_ENTRY } from '../support/eddy-process.js';
import { EtcdProcess } from '../support/etcd-process.js';
import { freePort } from '../support/redis-server-process.js';
import { RespStream } from '../support/resp-stream.js';

/**
 * Slots and nodes moving: CLUSTER MIGRATESLOTS moves slots by the log under a write load, with
 * every acknowledged write there afterwards and none twice, and a log tail that follows its keys
 * from the old owner to the new one without a gap or a duplicate; redis-cli's add-node, rebalance
 * and del-node grow and shrink a cluster (CLUSTER FORGET, RESET).
 */

let etcd: EtcdProcess;
const started = new ClusterNodes();

beforeAll(async () => {
  ensureDebianPackages({ 'redis-cli': 'redis-tools' });
  etcd = await EtcdProcess.start();
}, 300_000);

afterAll(async () => {
  await started.stop();
  await etcd?.stop();
});

type ChangeEvent = [kind: 'change', rev: number, ts: number, db: number, key: string | null, event: string, effect: unknown[]];
type Migration = Record<string, string | number | null>;

/** RESP3 maps (GETSLOTMIGRATIONS' entries) come as arrays of alternate names and values from ioredis. */
function migrationsOf(reply: unknown): Migration[] {
  return (reply as unknown[][]).map((flat) => {
    const entry: Migration = {};
    for (let i = 0; i < flat.length; i += 2) entry[String(flat[i])] = flat[i + 1] as string | number | null;
    return entry;
  });
}

describe('cluster: CLUSTER MIGRATESLOTS', () => {
  test('moves slots by the log under INCRs from ioredis, node-redis and redis-py: every acknowledged write there, none twice; a TAIL continues on the new owner without gap or duplicate', async () => {
    // Three primaries with a follower each: the followers follow the move through their primaries' logs.
    const { nodes: cluster, admins, ids } = await started.created(etcd.endpoint, 1);

    // Bad requests get clear errors and change nothing.
    await expect(admins[0].call('CLUSTER', 'MIGRATESLOTS', 'SLOTSRANGE', '0', '10')).rejects.toThrow(/wrong number of arguments/);
    await expect(admins[0].call('CLUSTER', 'MIGRATESLOTS', 'SLOTSRANGE', '0', '10', 'NODE', 'nope')).rejects.toThrow('ERR Unknown node nope');
    await expect(admins[0].call('CLUSTER', 'MIGRATESLOTS', 'SLOTSRANGE', '10', '0', 'NODE', ids[1])).rejects.toThrow('ERR start slot number 10 is greater than end slot number 0');
    await expect(admins[0].call('CLUSTER', 'MIGRATESLOTS', 'SLOTSRANGE', '6000', '6001', 'NODE', ids[1])).rejects.toThrow("ERR I'm not the owner of hash slot 6000");
    await expect(admins[0].call('CLUSTER', 'MIGRATESLOTS', 'SLOTSRANGE', '0', '1', 'NODE', ids[0])).rejects.toThrow('ERR Target node can not be this node');
    await expect(admins[0].call('CLUSTER', 'MIGRATESLOTS', 'RANGE', '0', '1', 'NODE', ids[1])).rejects.toThrow('ERR syntax error');

    const client = new Cluster([{ host: '127.0.0.1', port: cluster[0].port }], { redisOptions: { maxRetriesPerRequest: 2 } });
    const MOVED: [number, number] = [0, 2999];
    const inMove = async (key: string) => {
      const slot = Number(await admins[0].call('CLUSTER', 'KEYSLOT', key));
      return slot >= MOVED[0] && slot <= MOVED[1];
    };
    try {
      // Keys to copy: strings, hashes, lists, sets, sorted sets and streams, some with a time to live.
      for (let i = 0; i < 400; i++) {
        await client.set(`s:${i}`, `v${i}`);
        await client.hset(`h:${i % 50}`, `f${i}`, i);
        await client.rpush(`l:${i % 40}`, i);
        await client.zadd(`z:${i % 30}`, i, `m${i}`);
        if (i % 10 === 0) await client.xadd(`x:${(i / 10) % 20}`, '*', 'n', i);
        if (i % 4 === 0) await client.expire(`s:${i}`, 3600);
      }
      const COUNTERS = 200;
      const counters = Array.from({ length: COUNTERS }, (_, i) => `counter:${i}`);
      const followed: string[] = [];
      for (const key of counters) if ((await inMove(key)) && followed.length < 8) followed.push(key);
      expect(followed.length).toBeGreaterThan(2);

      // A tail of some counters that are in the slots to move, from the start of the old owner's log.
      const tail = await RespStream.open(cluster[0].port, 3);
      tail.send('TAIL', 'FROM', '0', 'KEYS', ...followed);
      expect(((await tail.next()) as unknown[])[0]).toBe('tail');

      // A client blocked on a key of the moving slots is sent on to the new owner, as Redis does.
      const queue = `{${followed[0]}}:queue`;
      const blocked = started
        .connect(cluster[0].port)
        .blpop(queue, 0)
        .then(
          () => 'served',
          (error: Error) => error.message,
        );
      const acknowledged = new Array<number>(COUNTERS).fill(0);
      const failed = new Array<number>(COUNTERS).fill(0);
      let running = true;
      const loops = Array.from({ length: 4 }, async (_, loop) => {
        for (let i = loop; running; i = (i + 4) % COUNTERS)
          await client.incr(counters[i]).then(
            () => acknowledged[i]++,
            () => failed[i]++,
          );
      });
      // node-redis and redis-py write beside it, each to counters of its own, counting what was acknowledged.
      const OTHERS = 50;
      const nodeRedis = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${cluster[2].port}` }] });
      await nodeRedis.connect();
      const nodeRedisCounts = { acknowledged: new Array<number>(OTHERS).fill(0), failed: new Array<number>(OTHERS).fill(0) };
      const nodeRedisLoop = (async () => {
        for (let i = 0; running; i = (i + 1) % OTHERS)
          await nodeRedis.incr(`nr:${i}`).then(
            () => nodeRedisCounts.acknowledged[i]++,
            () => nodeRedisCounts.failed[i]++,
          );
      })();
      ensureDebianPythonModules({ redis: 'python3-redis' });
      const stopFile = join(mkdtempSync(join(tmpdir(), 'eddy-py-')), 'stop');
      const python = promisify(execFile)(
        '/usr/bin/python3',
        [
          '-c',
          [
            'import json, os',
            'from redis.cluster import RedisCluster',
            `r = RedisCluster(host="127.0.0.1", port=${cluster[1].port})`,
            `acknowledged, failed, i = [0] * ${OTHERS}, [0] * ${OTHERS}, 0`,
            `while not os.path.exists(${JSON.stringify(stopFile)}):`,
            '    try:',
            '        r.incr(f"py:{i}"); acknowledged[i] += 1',
            '    except Exception:',
            '        failed[i] += 1',
            `    i = (i + 1) % ${OTHERS}`,
            'print(json.dumps({"acknowledged": acknowledged, "failed": failed}))',
          ].join('\n'),
        ],
        { encoding: 'utf8' },
      );
      let done: Migration | undefined;
      try {
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await admins[0].call('CLUSTER', 'MIGRATESLOTS', 'SLOTSRANGE', String(MOVED[0]), String(MOVED[1]), 'NODE', ids[1])).toBe('OK');
        // A second move while the first runs is refused: one at a time.
        await expect(admins[0].call('CLUSTER', 'MIGRATESLOTS', 'SLOTSRANGE', '0', '5', 'NODE', ids[2])).rejects.toThrow('ERR A slot migration from this node is running');
        await until('the migration is over', async () => {
          const migrations = migrationsOf(await admins[0].call('CLUSTER', 'GETSLOTMIGRATIONS'));
          expect(migrations).toHaveLength(1);
          const [migration] = migrations;
          if (migration.state === 'done' || migration.state === 'failed') done = migration;
          return done !== undefined;
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
      } finally {
        running = false;
        writeFileSync(stopFile, '');
        await Promise.all([...loops, nodeRedisLoop]);
        await nodeRedis.quit();
      }
      const pythonCounts = JSON.parse((await python).stdout) as typeof nodeRedisCounts;
      expect(done).toMatchObject({ operation: 'EXPORT', slot_ranges: '0-2999', source_node: ids[0], target_node: ids[1], state: 'done', error: null });
      expect(Number(done?.keys_copied)).toBeGreaterThan(0);
      expect(Number(done?.held_ms)).toBeGreaterThan(0);

      // The slots are the target's now, in every node's view and redis-cli's.
      const slots = (await admins[2].call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
      expect(slots.filter(([, , [, , id]]) => id === ids[1]).map(([start, end]) => [start, end])).toEqual([
        [0, 2999],
        [5461, 10922],
      ]);
      const check = execFileSync('redis-cli', ['--cluster', 'check', `127.0.0.1:${cluster[2].port}`], { encoding: 'utf8' });
      expect(check).toContain('[OK] All nodes agree about slots configuration.');
      expect(check).not.toContain('[WARNING]');
      expect(await admins[0].call('CLUSTER', 'COUNTKEYSINSLOT', '100')).toBe(0);
      const followedSlot = await admins[0].call('CLUSTER', 'KEYSLOT', followed[0]);
      expect(await blocked).toBe(`MOVED ${followedSlot} 127.0.0.1:${cluster[1].port}`);
      await expect(admins[0].get(followed[0])).rejects.toThrow(`MOVED ${followedSlot} 127.0.0.1:${cluster[1].port}`);

      // Writes went on during the move, and none was lost or applied twice.
      expect(acknowledged.reduce((sum, count) => sum + count, 0)).toBeGreaterThan(COUNTERS);
      for (let i = 0; i < COUNTERS; i++) {
        const value = Number(await client.get(counters[i]));
        expect(value, counters[i]).toBeGreaterThanOrEqual(acknowledged[i]);
        expect(value, counters[i]).toBeLessThanOrEqual(acknowledged[i] + failed[i]);
      }
      for (const [name, counts] of [
        ['nr', nodeRedisCounts],
        ['py', pythonCounts],
      ] as const) {
        expect(
          counts.acknowledged.reduce((sum, count) => sum + count, 0),
          name,
        ).toBeGreaterThan(OTHERS);
        for (let i = 0; i < OTHERS; i++) {
          const value = Number(await client.get(`${name}:${i}`));
          expect(value, `${name}:${i}`).toBeGreaterThanOrEqual(counts.acknowledged[i]);
          expect(value, `${name}:${i}`).toBeLessThanOrEqual(counts.acknowledged[i] + counts.failed[i]);
        }
      }
      // Every key is held once, by its slot's owner, with its value and time to live.
      const held = await Promise.all(admins.slice(0, 3).map((admin) => admin.dbsize()));
      expect(held.reduce((sum, count) => sum + count, 0)).toBe(400 + 50 + 40 + 30 + 20 + COUNTERS + 2 * OTHERS);
      // Each follower holds what its primary holds, the moved keys gone from the old owner's and come to the new owner's.
      await until("the followers hold their primaries' keys", async () => {
        for (const follower of admins.slice(3)) {
          const primaryPort = Number(infoField(await follower.info('replication'), 'master_port'));
          const primary = admins[cluster.findIndex((node) => node.port === primaryPort)];
          if ((await follower.dbsize()) !== (await primary.dbsize())) return false;
        }
        return true;
      });
      for (let i = 0; i < 400; i += 7) expect(await client.get(`s:${i}`)).toBe(`v${i}`);
      for (let i = 0; i < 400; i += 4) expect(await client.ttl(`s:${i}`)).toBeGreaterThan(3000);
      expect(await client.hlen('h:7')).toBe(8);
      expect(await client.llen('l:3')).toBe(10);
      expect(await client.zcard('z:5')).toBe(14);
      expect(await client.xlen('x:10')).toBe(2);
      expect(await client.xrange('x:3', '-', '+')).toEqual([
        [expect.any(String), ['n', '30']],
        [expect.any(String), ['n', '230']],
      ]);

      // The tail: the followed counters' values on the old owner, then the slots_moved record
      // naming the new owner and the revision to continue from, then the rest there.
      const values = new Map<string, number[]>(followed.map((key) => [key, []]));
      let moved: unknown[] | undefined;
      while (moved === undefined) {
        const event = (await tail.next(10_000)) as ChangeEvent;
        if (event[5] === 'slots_moved') moved = event[6];
        else values.get(event[4] as string)?.push(Number(event[6][2]));
      }
      expect(moved.slice(0, 5)).toEqual(['slots-moved', expect.any(Number), expect.any(Number), ids[1], `127.0.0.1:${cluster[1].port}`]);
      tail.close();
      const onTarget = await RespStream.open(cluster[1].port, 3);
      onTarget.send('TAIL', 'FROM', String(moved[5]), 'KEYS', ...followed);
      expect(((await onTarget.next()) as unknown[])[0]).toBe('tail');
      const finals = new Map(await Promise.all(followed.map(async (key) => [key, Number(await client.get(key))] as const)));
      const reached = () => followed.every((key) => (values.get(key) as number[]).at(-1) === finals.get(key));
      while (!reached()) {
        const event = (await onTarget.next(10_000)) as ChangeEvent;
        values.get(event[4] as string)?.push(Number(event[6][2]));
      }
      onTarget.close();
      for (const key of followed) expect(values.get(key), key).toEqual(Array.from({ length: finals.get(key) as number }, (_, i) => i + 1));
    } finally {
      client.disconnect();
    }
  }, 180_000);

  test('redis-cli --cluster add-node, reshard, info, rebalance, del-node and fix grow, shrink and mend the cluster; FORGET, RESET, BUMPEPOCH, LINKS answer as Redis', async () => {
    const { prefix, nodes: cluster, admins, ids } = await started.created(etcd.endpoint);
    const cli = (...args: string[]) => execFileSync('redis-cli', ['--cluster', ...args], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    const client = new Cluster([{ host: '127.0.0.1', port: cluster[0].port }], { redisOptions: { maxRetriesPerRequest: 2 } });
    try {
      for (let i = 0; i < 500; i++) await client.set(`k:${i}`, String(i));

      // A fourth node joins empty and takes some slots with their keys. (Each slot redis-cli moves
      // is three etcd writes: a whole rebalance onto it would be 4096 of them.)
      const added = await started.start(etcd.endpoint, prefix);
      const addedAdmin = started.connect(added.port);
      const addedId = String(await addedAdmin.call('CLUSTER', 'MYID'));
      expect(cli('add-node', `127.0.0.1:${added.port}`, `127.0.0.1:${cluster[0].port}`)).toContain('[OK] New node added correctly.');
      await until('every node knows the new one', async () => infoField(String(await admins[2].call('CLUSTER', 'INFO')), 'cluster_known_nodes') === '4');
      cli('reshard', `127.0.0.1:${cluster[0].port}`, '--cluster-from', 'all', '--cluster-to', addedId, '--cluster-slots', '120', '--cluster-yes');
      const info = cli('info', `127.0.0.1:${cluster[1].port}`);
      // redis-cli rounds the share of each source: about 120 slots.
      const line = new RegExp(`127\\.0\\.0\\.1:${added.port} \\(${addedId.slice(0, 8)}\\.\\.\\.\\) -> \\d+ keys \\| (\\d+) slots \\| 0 slaves\\.`).exec(info);
      expect(Number(line?.[1])).toBeGreaterThan(110);
      expect(info).toContain('[OK] 500 keys in 4 masters.');
      expect(await addedAdmin.dbsize()).toBeGreaterThan(0);
      for (let i = 0; i < 500; i += 9) expect(await client.get(`k:${i}`)).toBe(String(i));

      // It leaves again: its slots rebalanced away (weight 0), then del-node (FORGET on the others, RESET on it).
      cli('rebalance', `127.0.0.1:${cluster[0].port}`, '--cluster-weight', `${addedId}=0`);
      expect(await addedAdmin.dbsize()).toBe(0);
      expect(cli('del-node', `127.0.0.1:${cluster[0].port}`, addedId)).toContain('Sending CLUSTER RESET SOFT to the deleted node.');
      await until('the others forgot it', async () => infoField(String(await admins[2].call('CLUSTER', 'INFO')), 'cluster_known_nodes') === '3');
      const check = cli('check', `127.0.0.1:${cluster[0].port}`);
      expect(check).toContain('[OK] All 16384 slots covered.');
      expect(check).not.toContain(addedId);
      // The reset node knows only itself and serves nothing, as a fresh Redis node.
      const alone = String(await addedAdmin.call('CLUSTER', 'INFO'));
      expect([infoField(alone, 'cluster_state'), infoField(alone, 'cluster_slots_assigned'), infoField(alone, 'cluster_known_nodes')]).toEqual(['fail', '0', '1']);
      await expect(addedAdmin.get('k:1')).rejects.toThrow('CLUSTERDOWN Hash slot not served');
      for (let i = 0; i < 500; i += 7) expect(await client.get(`k:${i}`)).toBe(String(i));
      expect((await Promise.all(admins.map((admin) => admin.dbsize()))).reduce((sum, count) => sum + count, 0)).toBe(500);

      // redis-cli --cluster fix closes a slot left open and covers slots left without an owner.
      expect(await admins[0].call('CLUSTER', 'SETSLOT', '100', 'MIGRATING', ids[1])).toBe('OK');
      expect(await admins[0].call('CLUSTER', 'DELSLOTS', '200', '201')).toBe('OK');
      await until('the hole is seen', async () => infoField(String(await admins[2].call('CLUSTER', 'INFO')), 'cluster_slots_assigned') === '16382');
      const fixed = execFileSync('redis-cli', ['--cluster', 'fix', `127.0.0.1:${cluster[0].port}`], { encoding: 'utf8', input: 'yes\nyes\n' });
      expect(fixed).toContain('Closing slot 100');
      expect(fixed).toContain('Covering slot 200 with');
      // redis-cli check exits 1 while a node has not yet read the fix from etcd.
      await until('the cluster is whole again', async () => {
        const again = spawnSync('redis-cli', ['--cluster', 'check', `127.0.0.1:${cluster[0].port}`], { encoding: 'utf8' });
        return again.status === 0 && again.stdout.includes('[OK] All 16384 slots covered.') && !again.stdout.includes('[WARNING]');
      });

      // Redis's answers for the rest of the admin subcommands.
      await expect(admins[0].call('CLUSTER', 'FORGET', ids[0])).rejects.toThrow("ERR I tried hard but I can't forget myself...");
      await expect(admins[0].call('CLUSTER', 'FORGET', 'f'.repeat(40))).rejects.toThrow(`ERR Unknown node ${'f'.repeat(40)}`);
      await expect(admins[0].call('CLUSTER', 'FORGET', ids[1])).rejects.toThrow(/still serves slots/);
      await expect(admins[0].call('CLUSTER', 'RESET')).rejects.toThrow("ERR CLUSTER RESET can't be called with master nodes containing keys");
      await expect(admins[0].call('CLUSTER', 'RESET', 'NOW')).rejects.toThrow('ERR syntax error');
      const epoch = Number(infoField(String(await admins[0].call('CLUSTER', 'INFO')), 'cluster_current_epoch'));
      expect(await admins[0].call('CLUSTER', 'BUMPEPOCH')).toBe(`BUMPED ${epoch + 1}`);
      await until('the others see the new epoch', async () => Number(infoField(String(await admins[2].call('CLUSTER', 'INFO')), 'cluster_current_epoch')) === epoch + 1);
      expect(await admins[1].call('CLUSTER', 'MYSHARDID')).toBe(ids[1]);
      expect(await admins[1].call('CLUSTER', 'SAVECONFIG')).toBe('OK');
      expect(await admins[1].call('CLUSTER', 'COUNT-FAILURE-REPORTS', ids[0])).toBe(0);
      const links = (await admins[1].call('CLUSTER', 'LINKS')) as unknown[][];
      expect(links).toHaveLength(4);
      expect(links.map((link) => [link[1], link[3]]).sort()).toEqual(
        [
          ['from', ids[0]],
          ['to', ids[0]],
          ['from', ids[2]],
          ['to', ids[2]],
        ].sort(),
      );
    } finally {
      client.disconnect();
    }
  }, 180_000);

  test('a migration that fails leaves the slots where they were, and the target drops what it was sent', async () => {
    const { admins, ids } = await started.created(etcd.endpoint);
    // Keys of the first node's slots only (a hash tag per slot it owns), enough that the copy takes a while.
    const tags: string[] = [];
    for (let i = 0; tags.length < 200; i++) if (Number(await admins[0].call('CLUSTER', 'KEYSLOT', `t${i}`)) <= 5460) tags.push(`t${i}`);
    const pipeline = admins[0].pipeline();
    for (let i = 0; i < 40_000; i++) pipeline.set(`{${tags[i % tags.length]}}:${i}`, 'x'.repeat(100));
    await pipeline.exec();
    const targetKeys = await admins[1].dbsize();

    expect(await admins[0].call('CLUSTER', 'MIGRATESLOTS', 'SLOTSRANGE', '0', '5460', 'NODE', ids[1])).toBe('OK');
    // A whole database emptied under the copy cannot be sent key by key: the move fails.
    for (;;) {
      const [copying] = migrationsOf(await admins[0].call('CLUSTER', 'GETSLOTMIGRATIONS'));
      expect(copying.state).toBe('copying');
      if (Number(copying.keys_copied) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await admins[0].flushall();
    let migration: Migration | undefined;
    await until('the migration has failed', async () => {
      [migration] = migrationsOf(await admins[0].call('CLUSTER', 'GETSLOTMIGRATIONS'));
      return migration.state === 'failed';
    });
    expect(migration?.error).toBe('flushall during the migration: run it again');
    await until('the target dropped the keys it was sent', async () => (await admins[1].dbsize()) === targetKeys);
    const slots = (await admins[2].call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
    expect(slots.find(([start]) => start === 0)?.[2][2]).toBe(ids[0]);
    // The slots can move again.
    await admins[0].set(`{${tags[0]}}:again`, 'v');
    expect(await admins[0].call('CLUSTER', 'MIGRATESLOTS', 'SLOTSRANGE', '0', '5460', 'NODE', ids[1])).toBe('OK');
    await until('the second migration is over', async () => migrationsOf(await admins[0].call('CLUSTER', 'GETSLOTMIGRATIONS')).at(-1)?.state === 'done');
    expect(await admins[1].get(`{${tags[0]}}:again`)).toBe('v');
    expect(await admins[0].dbsize()).toBe(0);
  }, 120_000);

  test('a node whose data directory belongs to another cluster, or whose id another node holds, refuses to join', async () => {
    const { prefix, nodes, admins, ids } = await started.created(etcd.endpoint);
    const startIn = (dir: string, under: string, port: number) =>
      spawnSync(
        process.execPath,
        [SERVER_ENTRY, '--port', String(port), '--dir', dir, '--cluster-enabled', 'yes', '--cluster-etcd-endpoints', etcd.endpoint, '--cluster-etcd-prefix', under],
        {
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
    // The first node's data directory, under another prefix (another cluster): refused.
    expect(await nodes[0].kill('SIGTERM')).toBe(0);
    const elsewhere = startIn(nodes[0].dir, `/eddy-other-${randomBytes(4).toString('hex')}/`, await freePort());
    expect(elsewhere.status).not.toBe(0);
    expect(elsewhere.stderr + elsewhere.stdout).toMatch(/this node's data directory belongs to cluster [0-9a-f]{40}, but etcd holds cluster [0-9a-f]{40}/);
    // A copy of that data directory, started while the node is back: its id is in use, refused.
    const copy = mkdtempSync(join(tmpdir(), 'eddy-copy-'));
    cpSync(nodes[0].dir, copy, { recursive: true });
    await nodes[0].launch();
    expect(await started.connect(nodes[0].port).call('CLUSTER', 'MYID')).toBe(ids[0]);
    const twin = startIn(copy, prefix, await freePort());
    expect(twin.status).not.toBe(0);
    expect(twin.stderr + twin.stdout).toContain(`cluster node id ${ids[0]} is in use by 127.0.0.1:${nodes[0].port}`);
    rmSync(copy, { recursive: true, force: true });
    // The node that came back is where it was: same cluster, same id, its slots served.
    await until('the cluster is whole again', async () => infoField(String(await admins[1].call('CLUSTER', 'INFO')), 'cluster_state') === 'ok');
  }, 120_000);
});
