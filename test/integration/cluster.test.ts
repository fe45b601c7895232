import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureDebianPythonModules } from '../../tools/debian-packages.js';
import { EddyProcess } from '../support/eddy-process.js';
import { EtcdProcess } from '../support/etcd-process.js';
import { RedisServerProcess } from '../support/redis-server-process.js';
import { ClusterNodes, infoField, until } from '../support/cluster-nodes.js';
import { RespStream } from '../support/resp-stream.js';

/**
 * Three Eddy nodes sharing a cluster configuration in a real etcd: slots assigned with CLUSTER
 * ADDSLOTSRANGE, then Redis Cluster's protocol as clients see it (CLUSTER INFO/SLOTS/NODES/SHARDS,
 * -MOVED, -CROSSSLOT, -CLUSTERDOWN), ioredis' Cluster and redis-cli -c following the redirects.
 */

let etcd: EtcdProcess;
let redis: RedisServerProcess;
const started = new ClusterNodes();
const nodes = started.nodes;
const RANGES: [number, number][] = [
  [0, 5460],
  [5461, 10922],
  [10923, 16383],
];

const connect = (port: number) => started.connect(port);
const startNode = (prefix: string, timeoutMs = 2000) => started.start(etcd.endpoint, prefix, timeoutMs);

beforeAll(async () => {
  etcd = await EtcdProcess.start();
  redis = await RedisServerProcess.start();
}, 60_000);

afterAll(async () => {
  await started.stop();
  await redis?.stop();
  await etcd?.stop();
});

describe('cluster: nodes sharing a configuration in etcd', () => {
  test('standalone, CLUSTER answers as a redis-server without cluster support', async () => {
    const node = await EddyProcess.start();
    nodes.push(node);
    const standalone = connect(node.port);
    const real = connect(redis.port);
    for (const args of [['INFO'], ['SLOTS'], ['KEYSLOT', 'foo']]) {
      const [mine, theirs] = [await standalone.call('CLUSTER', ...args).catch(String), await real.call('CLUSTER', ...args).catch(String)];
      expect(mine, args.join(' ')).toBe(theirs);
    }
    expect(infoField(await standalone.info('cluster'), 'cluster_enabled')).toBe('0');
  });

  test('three nodes: slots assigned through etcd, then MOVED, CROSSSLOT and clients that follow them (ioredis, node-redis, redis-py, redis-cli -c)', async () => {
    const prefix = `/eddy-test-${randomBytes(4).toString('hex')}/`;
    const cluster = [await startNode(prefix), await startNode(prefix), await startNode(prefix)];
    const [a, b, c] = cluster.map((node) => connect(node.port));
    const ids = await Promise.all([a, b, c].map((client) => client.call('CLUSTER', 'MYID') as Promise<string>));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{40}$/);
    expect(infoField(await a.info('cluster'), 'cluster_enabled')).toBe('1');

    // No slot has an owner yet: the cluster is down, and a key's slot is not served.
    expect(infoField(String(await a.call('CLUSTER', 'INFO')), 'cluster_state')).toBe('fail');
    await expect(a.set('foo', 'bar')).rejects.toThrow('CLUSTERDOWN Hash slot not served');
    // Keyless commands still run.
    expect(await a.ping()).toBe('PONG');

    await Promise.all([a, b, c].map((client, i) => client.call('CLUSTER', 'ADDSLOTSRANGE', String(RANGES[i][0]), String(RANGES[i][1]))));
    await until('every node sees the whole layout', async () => {
      const infos = await Promise.all([a, b, c].map((client) => client.call('CLUSTER', 'INFO') as Promise<string>));
      return infos.every((info) => infoField(info, 'cluster_state') === 'ok' && infoField(info, 'cluster_known_nodes') === '3');
    });
    const info = String(await b.call('CLUSTER', 'INFO'));
    expect(infoField(info, 'cluster_slots_assigned')).toBe('16384');
    expect(infoField(info, 'cluster_slots_ok')).toBe('16384');
    expect(infoField(info, 'cluster_size')).toBe('3');

    // redis-cli's own check of a cluster finds it whole and agreed.
    const check = execFileSync('redis-cli', ['--cluster', 'check', `127.0.0.1:${cluster[1].port}`], { encoding: 'utf8' });
    expect(check).toContain('[OK] All nodes agree about slots configuration.');
    expect(check).toContain('[OK] All 16384 slots covered.');

    // Redis's errors for the slots given.
    await expect(b.call('CLUSTER', 'ADDSLOTS', '0')).rejects.toThrow('ERR Slot 0 is already busy');
    await expect(b.call('CLUSTER', 'ADDSLOTS', '16384')).rejects.toThrow('ERR Invalid or out of range slot');
    await expect(b.call('CLUSTER', 'ADDSLOTSRANGE', '10', '5')).rejects.toThrow('ERR start slot number 10 is greater than end slot number 5');
    await expect(b.call('CLUSTER', 'ADDSLOTSRANGE', '1', '2', '3')).rejects.toThrow("ERR wrong number of arguments for 'cluster|addslotsrange' command");
    await expect(b.call('CLUSTER', 'NOPE')).rejects.toThrow(/unknown subcommand/);

    // CLUSTER SLOTS: each range with its owner's address and id, as Redis 7.0 answers.
    const slots = (await a.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string, unknown[]]][];
    expect(slots.map(([start, end, [host, port, id]]) => [start, end, host, port, id])).toEqual(
      RANGES.map(([start, end], i) => [start, end, '127.0.0.1', cluster[i].port, ids[i]]),
    );
    // CLUSTER NODES: a line per node, this one flagged myself, its slots at the end.
    const lines = String(await a.call('CLUSTER', 'NODES'))
      .trim()
      .split('\n');
    expect(lines).toHaveLength(3);
    const mine = lines.find((line) => line.startsWith(ids[0])) as string;
    expect(mine.split(' ').slice(1)).toEqual([
      `127.0.0.1:${cluster[0].port}@${cluster[0].port + 10000}`,
      'myself,master',
      '-',
      '0',
      '0',
      expect.stringMatching(/^\d+$/),
      'connected',
      '0-5460',
    ]);
    const shards = (await c.call('CLUSTER', 'SHARDS')) as unknown[][];
    expect(shards).toHaveLength(3);
    expect(shards.map((shard) => shard[1])).toEqual(expect.arrayContaining(RANGES.map((range) => range)));

    // Slots as Redis computes them, hash tags included.
    expect(await a.call('CLUSTER', 'KEYSLOT', 'foo')).toBe(12182);
    expect(await a.call('CLUSTER', 'KEYSLOT', 'somekey{hash_tag}')).toBe(await a.call('CLUSTER', 'KEYSLOT', 'hash_tag'));

    // A key of another node's slot: -MOVED to its owner; keys of several slots: -CROSSSLOT.
    await expect(a.set('foo', 'bar')).rejects.toThrow(`MOVED 12182 127.0.0.1:${cluster[2].port}`);
    expect(await c.set('foo', 'bar')).toBe('OK');
    await expect(c.mset('foo', '1', 'bar', '2')).rejects.toThrow("CROSSSLOT Keys in request don't hash to the same slot");
    expect(await c.mset('{foo}1', 'x', '{foo}2', 'y')).toBe('OK');
    // A transaction with a redirected command is flagged, as Redis's processCommand does.
    await c.multi({ pipeline: false });
    await expect(c.set('{foo}3', 'z')).resolves.toBe('QUEUED');
    await expect(c.get('a-key-elsewhere')).rejects.toThrow(/MOVED/);
    await expect(c.exec()).rejects.toThrow(/EXECABORT/);

    // A script runs where its declared keys are; a key of another node's slot is refused inside it, as in Redis.
    expect(await c.eval("return redis.call('GET', KEYS[1])", 1, 'foo')).toBe('bar');
    await expect(c.eval("return redis.call('GET', 'a-key-elsewhere')", 1, 'foo')).rejects.toThrow('ERR Script attempted to access a non local key in a cluster node');
    await expect(a.eval("return redis.call('GET', KEYS[1])", 1, 'foo')).rejects.toThrow(`MOVED 12182`);

    // ioredis' Cluster learns the layout from CLUSTER SLOTS and sends each key to its owner.
    const client = new Cluster([{ host: '127.0.0.1', port: cluster[0].port }], { redisOptions: { maxRetriesPerRequest: 2 } });
    try {
      for (let i = 0; i < 300; i++) await client.set(`key:${i}`, String(i));
      for (let i = 0; i < 300; i += 7) expect(await client.get(`key:${i}`)).toBe(String(i));
    } finally {
      client.disconnect();
    }
    // Every key is on the node that serves its slot.
    let held = 0;
    for (const [i, node] of [a, b, c].entries()) {
      const keys = (await node.keys('key:*')) as string[];
      for (const key of keys) {
        const slot = Number(await node.call('CLUSTER', 'KEYSLOT', key));
        expect(slot >= RANGES[i][0] && slot <= RANGES[i][1], key).toBe(true);
      }
      held += keys.length;
    }
    expect(held).toBe(300);
    const slotOfKey1 = Number(await a.call('CLUSTER', 'KEYSLOT', 'key:1'));
    const owner = [a, b, c][RANGES.findIndex(([start, end]) => slotOfKey1 >= start && slotOfKey1 <= end)];
    expect(await owner.call('CLUSTER', 'COUNTKEYSINSLOT', String(slotOfKey1))).toBeGreaterThanOrEqual(1);
    expect(await owner.call('CLUSTER', 'GETKEYSINSLOT', String(slotOfKey1), '10')).toContain('key:1');

    // redis-cli -c follows -MOVED too.
    const redisCli = (...args: string[]) => execFileSync('redis-cli', ['-c', '-p', String(cluster[0].port), ...args], { encoding: 'utf8' }).trim();
    expect(redisCli('SET', 'cli-key', 'v')).toBe('OK');
    expect(redisCli('GET', 'cli-key')).toBe('v');

    // node-redis' createCluster and redis-py's RedisCluster: a mixed workload across every node.
    const nodeRedis = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${cluster[1].port}` }] });
    await nodeRedis.connect();
    try {
      for (let i = 0; i < 100; i++) {
        await nodeRedis.set(`nr:${i}`, String(i));
        await nodeRedis.hSet(`nr:h:${i}`, 'field', String(i));
        await nodeRedis.incr(`nr:c:${i % 10}`);
      }
      expect(await nodeRedis.get('nr:42')).toBe('42');
      expect(await nodeRedis.hGet('nr:h:7', 'field')).toBe('7');
      expect(await nodeRedis.get('nr:c:3')).toBe('10');
    } finally {
      await nodeRedis.quit();
    }
    ensureDebianPythonModules({ redis: 'python3-redis' });
    const python = [
      'import sys',
      'from redis.cluster import RedisCluster',
      `r = RedisCluster(host="127.0.0.1", port=${cluster[2].port})`,
      'for i in range(100): r.set(f"py:{i}", i); r.rpush(f"py:l:{i % 7}", i); r.incr("py:count")',
      'assert r.get("py:5") == b"5" and r.llen("py:l:3") == 14 and r.get("nr:42") == b"42"',
      'print(r.get("py:count").decode())',
    ].join('\n');
    expect(execFileSync('/usr/bin/python3', ['-c', python], { encoding: 'utf8' }).trim()).toBe('100');
    // Every node holds some of these keys: the workload went everywhere.
    for (const node of [a, b, c]) expect(((await node.keys('py:*')) as string[]).length).toBeGreaterThan(0);

    // A node that goes: its lease expires, and the others see the cluster down.
    await cluster[1].stop();
    await until('the others see the node gone', async () => infoField(String(await a.call('CLUSTER', 'INFO')), 'cluster_state') === 'fail');
    await expect(c.get('foo')).rejects.toThrow('CLUSTERDOWN The cluster is down');
    expect(String(await a.call('CLUSTER', 'NODES'))).toMatch(new RegExp(`${ids[1]} \\S+ master,fail `));
  }, 120_000);

  test('redis-cli --cluster create builds the cluster; --cluster reshard moves slots under load: every acknowledged INCR is there, none twice', async () => {
    const prefix = `/eddy-test-${randomBytes(4).toString('hex')}/`;
    const cluster = [await startNode(prefix), await startNode(prefix), await startNode(prefix)];
    const admins = cluster.map((node) => connect(node.port));
    const ids = await Promise.all(admins.map((client) => client.call('CLUSTER', 'MYID') as Promise<string>));
    // Registered in etcd but not met yet: each knows only itself, as a fresh Redis node does.
    for (const admin of admins) expect(infoField(String(await admin.call('CLUSTER', 'INFO')), 'cluster_known_nodes')).toBe('1');
    expect(
      String(await admins[0].call('CLUSTER', 'NODES'))
        .trim()
        .split('\n'),
    ).toHaveLength(1);
    const created = execFileSync('redis-cli', ['--cluster', 'create', ...cluster.map((node) => `127.0.0.1:${node.port}`), '--cluster-yes'], { encoding: 'utf8' });
    expect(created).toContain('[OK] All 16384 slots covered.');
    expect(created).toContain('[OK] All nodes agree about slots configuration.');
    await until('the cluster is up', async () => infoField(String(await admins[0].call('CLUSTER', 'INFO')), 'cluster_state') === 'ok');
    // redis-cli gives the nodes the same ranges as ADDSLOTSRANGE above.
    for (const admin of admins) expect(String(await admin.call('CLUSTER', 'NODES'))).toContain('myself,master - 0 0 ');
    const layout = (await admins[1].call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
    expect(layout.map(([start, end, [, , id]]) => [start, end, id])).toEqual(RANGES.map(([start, end], i) => [start, end, ids[i]]));

    // Counters across every node, incremented by a few loops until the reshard is over.
    const client = new Cluster([{ host: '127.0.0.1', port: cluster[0].port }], { redisOptions: { maxRetriesPerRequest: 2 } });
    const KEYS = 200;
    const acknowledged = new Array<number>(KEYS).fill(0);
    const failed = new Array<number>(KEYS).fill(0);
    let running = true;
    const loops = Array.from({ length: 4 }, async (_, loop) => {
      for (let i = loop; running; i = (i + 4) % KEYS)
        await client.incr(`counter:${i}`).then(
          () => acknowledged[i]++,
          () => failed[i]++,
        );
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const reshard = await promisify(execFile)(
        'redis-cli',
        ['--cluster', 'reshard', `127.0.0.1:${cluster[0].port}`, '--cluster-from', ids[0], '--cluster-to', ids[1], '--cluster-slots', '300', '--cluster-yes'],
        { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 },
      );
      expect(reshard.stdout).toContain('Moving slot 299 from');
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      running = false;
      await Promise.all(loops);
    }
    try {
      const check = execFileSync('redis-cli', ['--cluster', 'check', `127.0.0.1:${cluster[2].port}`], { encoding: 'utf8' });
      expect(check).toContain('[OK] All nodes agree about slots configuration.');
      expect(check).not.toContain('[WARNING]');
      const slots = (await admins[2].call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
      expect(slots.filter(([, , [, , id]]) => id === ids[1]).map(([start, end]) => [start, end])).toEqual([
        [0, 299],
        [5461, 10922],
      ]);
      // Writes went on during the move, and none was lost or applied twice.
      expect(acknowledged.reduce((sum, count) => sum + count, 0)).toBeGreaterThan(KEYS);
      for (let i = 0; i < KEYS; i++) {
        const value = Number(await client.get(`counter:${i}`));
        expect(value, `counter:${i}`).toBeGreaterThanOrEqual(acknowledged[i]);
        expect(value, `counter:${i}`).toBeLessThanOrEqual(acknowledged[i] + failed[i]);
      }
      // Each counter is held once, by the node that owns its slot now.
      const held = await Promise.all(admins.map((admin) => admin.dbsize()));
      expect(held.reduce((sum, count) => sum + count, 0)).toBe(KEYS);
    } finally {
      client.disconnect();
    }
  }, 180_000);

  test('3 primaries + 3 replicas from redis-cli --cluster create; kill -9 of a primary under load, CLUSTER FAILOVER, SIGSTOP/SIGCONT: its replica takes over, nothing acknowledged is lost, no two writable primaries', async () => {
    const prefix = `/eddy-test-${randomBytes(4).toString('hex')}/`;
    const cluster: EddyProcess[] = [];
    for (let i = 0; i < 6; i++) cluster.push(await startNode(prefix));
    const admins = cluster.map((node) => connect(node.port));
    const ids = await Promise.all(admins.map((client) => client.call('CLUSTER', 'MYID') as Promise<string>));
    const created = execFileSync('redis-cli', ['--cluster', 'create', ...cluster.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', '1', '--cluster-yes'], {
      encoding: 'utf8',
    });
    expect(created).toContain('[OK] All 16384 slots covered.');
    // redis-cli makes the first three the primaries; each replica follows one of them through Eddy's log replication.
    const replicaOf = new Map<number, number>();
    await until('every replica streams from its primary', async () => {
      for (let i = 3; i < 6; i++) {
        const info = await admins[i].info('replication');
        const port = Number(infoField(info, 'master_port'));
        if (infoField(info, 'master_link_status') !== 'up') return false;
        replicaOf.set(
          i,
          cluster.findIndex((node) => node.port === port),
        );
      }
      return true;
    });
    expect([...replicaOf.values()].sort()).toEqual([0, 1, 2]);
    const nodesLines = String(await admins[0].call('CLUSTER', 'NODES'));
    for (const [replica, primary] of replicaOf)
      expect(nodesLines).toContain(`${ids[replica]} 127.0.0.1:${cluster[replica].port}@${cluster[replica].port + 10000} slave ${ids[primary]} `);
    const check = execFileSync('redis-cli', ['--cluster', 'check', `127.0.0.1:${cluster[1].port}`], { encoding: 'utf8' });
    expect(check).toContain('[OK] All nodes agree about slots configuration.');

    // Counters, each INCR followed by WAIT 1 in one pipeline (ioredis sends it to the key's node).
    const client = new Cluster([{ host: '127.0.0.1', port: cluster[1].port }], { redisOptions: { maxRetriesPerRequest: 1 }, retryDelayOnFailover: 200 });
    const KEYS = 60;
    const waited = new Array<number>(KEYS).fill(0);
    const tried = new Array<number>(KEYS).fill(0);
    let okAfterKill = 0;
    let killed = false;
    let running = true;
    const loops = Array.from({ length: 3 }, async (_, loop) => {
      for (let i = loop; running; i = (i + 3) % KEYS) {
        tried[i]++;
        const replies = await client
          .pipeline()
          .incr(`counter:${i}`)
          .call('WAIT', '1', '1000')
          .exec()
          .catch(() => null);
        if (replies?.every(([error]) => error === null) && Number(replies[1][1]) >= 1) {
          waited[i]++;
          if (killed) okAfterKill++;
        } else await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
    const primary = cluster[0];
    const heir = [...replicaOf].find(([, of]) => of === 0)?.[0] as number;
    try {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await primary.kill('SIGKILL');
      killed = true;
      // The lease (cluster-node-timeout, 2 s) expires, the replica is elected and promoted.
      await until(
        'the replica has taken the slots',
        async () => (await admins[heir].call('CLUSTER', 'MYID')) === ids[heir] && (await admins[heir].info('replication')).includes('role:master'),
      );
      await until('writes go on on every slot', async () => okAfterKill > 20 && infoField(String(await admins[1].call('CLUSTER', 'INFO')), 'cluster_state') === 'ok');
    } finally {
      running = false;
      await Promise.all(loops);
    }
    try {
      const slots = (await admins[1].call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
      expect(slots.find(([start]) => start === 0)?.[2][2]).toBe(ids[heir]);
      // Every INCR that a replica had written (WAIT 1) survived the primary's death; none was applied twice.
      for (let i = 0; i < KEYS; i++) {
        const value = Number(await client.get(`counter:${i}`));
        expect(value, `counter:${i}`).toBeGreaterThanOrEqual(waited[i]);
        expect(value, `counter:${i}`).toBeLessThanOrEqual(tried[i]);
      }
      // The old primary comes back as a replica of the node that took its place.
      await primary.launch();
      await until('the old primary follows its successor', async () => {
        const info = await connect(primary.port).info('replication');
        return infoField(info, 'role') === 'slave' && Number(infoField(info, 'master_port')) === cluster[heir].port && infoField(info, 'master_link_status') === 'up';
      }).catch((error: Error) => {
        throw new Error(`${error.message}; its log:\n${primary.output.slice(-15).join('\n')}`);
      });
      await expect(connect(primary.port).set('{counter:0}x', '1')).rejects.toThrow(`MOVED`);

      // CLUSTER FAILOVER on it, under plain INCRs (no WAIT): it takes its slots back and loses nothing.
      await expect(admins[heir].call('CLUSTER', 'FAILOVER')).rejects.toThrow('ERR You should send CLUSTER FAILOVER to a replica');
      // A tail of these counters on the primary: cut at the failover, resumed on its successor from
      // the same revision (a revision means the same change on every node of the shard).
      const tail = await RespStream.open(cluster[heir].port, 3);
      tail.send('TAIL', 'FROM', '$', 'MATCH', 'manual:*');
      expect(((await tail.next()) as unknown[])[0]).toBe('tail');
      const acknowledged = new Array<number>(KEYS).fill(0);
      const attempted = new Array<number>(KEYS).fill(0);
      let writing = true;
      const writers = Array.from({ length: 3 }, async (_, loop) => {
        for (let i = loop; writing; i = (i + 3) % KEYS) {
          attempted[i]++;
          await client.incr(`manual:${i}`).then(
            () => acknowledged[i]++,
            () => new Promise((resolve) => setTimeout(resolve, 50)),
          );
        }
      });
      try {
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(await connect(primary.port).call('CLUSTER', 'FAILOVER')).toBe('OK');
        await until('the old primary has its slots back', async () => (await connect(primary.port).info('replication')).includes('role:master'));
        tail.close();
        await new Promise((resolve) => setTimeout(resolve, 500));
      } finally {
        writing = false;
        await Promise.all(writers);
      }
      type TailEvent = [kind: string, rev: number, ts: number, db: number, key: string, event: string, effect: string[]];
      const beforeCut = tail.drain() as TailEvent[];
      const values = new Map<string, number[]>();
      const record = (event: TailEvent) => values.set(event[4], [...(values.get(event[4]) ?? []), Number(event[6][2])]);
      for (const event of beforeCut) record(event);
      expect(beforeCut.length).toBeGreaterThan(0);
      const resumed = await RespStream.open(primary.port, 3);
      resumed.send('TAIL', 'FROM', String((beforeCut.at(-1) as TailEvent)[1] + 1), 'MATCH', 'manual:*');
      expect(((await resumed.next()) as unknown[])[0]).toBe('tail');
      const finals = new Map(await Promise.all([...values.keys()].map(async (key) => [key, Number(await client.get(key))] as const)));
      while ([...values].some(([key, seen]) => seen.at(-1) !== finals.get(key))) record((await resumed.next(10_000)) as TailEvent);
      resumed.close();
      // Each counter's every value once, in order, across the two nodes.
      for (const [key, seen] of values) expect(seen, key).toEqual(Array.from({ length: finals.get(key) as number }, (_, i) => i + 1));
      const back = (await admins[1].call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
      expect(back.find(([start]) => start === 0)?.[2][2]).toBe(ids[0]);
      for (let i = 0; i < KEYS; i++) {
        const value = Number(await client.get(`manual:${i}`));
        expect(value, `manual:${i}`).toBeGreaterThanOrEqual(acknowledged[i]);
        expect(value, `manual:${i}`).toBeLessThanOrEqual(attempted[i]);
      }
      expect(acknowledged.reduce((sum, count) => sum + count, 0)).toBeGreaterThan(KEYS);

      // SIGSTOP of that primary (a partition): its replica takes over once the lease expires. On
      // SIGCONT the stopped node takes no write for its old slots: it is fenced (no lease renewed),
      // then a replica of the new owner. Never two writable primaries for a slot: every write says
      // which node took it at which epoch (CLUSTER MYID and INFO in its MULTI), and in the order
      // they were acknowledged the epochs never go back, and each epoch has one node.
      let tag = 0;
      while (Number(await admins[1].call('CLUSTER', 'KEYSLOT', `{stamp:${tag}}`)) > RANGES[0][1]) tag++;
      const stamped: { node: string; epoch: number }[] = [];
      let stamping = true;
      const stampers = Array.from({ length: 2 }, async (_, loop) => {
        while (stamping) {
          const result = await client
            .multi()
            .call('CLUSTER', 'MYID')
            .call('CLUSTER', 'INFO')
            .incr(`{stamp:${tag}}:${loop}`)
            .exec()
            .catch(() => null);
          if (result === null || result.some(([error]) => error !== null)) await new Promise((resolve) => setTimeout(resolve, 20));
          else stamped.push({ node: String(result[0][1]), epoch: Number(infoField(String(result[1][1]), 'cluster_my_epoch')) });
        }
      });
      const paused = connect(primary.port);
      try {
        await new Promise((resolve) => setTimeout(resolve, 300));
        primary.signal('SIGSTOP');
        // Sent while it is stopped: read by it on SIGCONT, when it must refuse it.
        const duringStop = paused.set(`{stamp:${tag}}:split-brain`, 'old owner').then(
          () => 'written',
          (error: Error) => error.message,
        );
        try {
          await until('the replica has taken over from the stopped primary', async () => {
            const slotsNow = (await admins[1].call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
            return slotsNow.find(([start]) => start === 0)?.[2][2] === ids[heir];
          });
          expect(await client.set('{counter:0}after-stop', 'new owner')).toBe('OK');
        } finally {
          primary.signal('SIGCONT');
        }
        expect(await duringStop).toMatch(/CLUSTERDOWN|MOVED/);
        await expect(paused.set('{counter:0}split-brain', 'old owner')).rejects.toThrow(/CLUSTERDOWN|MOVED/);
        await until('the stopped primary follows the new owner', async () => {
          const info = await paused.info('replication');
          return infoField(info, 'role') === 'slave' && Number(infoField(info, 'master_port')) === cluster[heir].port;
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
      } finally {
        stamping = false;
        await Promise.all(stampers);
      }
      const nodesOfEpoch = new Map<number, Set<string>>();
      for (const { node, epoch } of stamped) nodesOfEpoch.set(epoch, (nodesOfEpoch.get(epoch) ?? new Set()).add(node));
      for (const [epoch, nodesSeen] of nodesOfEpoch) expect([...nodesSeen], `writers at epoch ${epoch}`).toHaveLength(1);
      const epochs = stamped.map(({ epoch }) => epoch);
      expect(epochs).toEqual([...epochs].sort((a, b) => a - b));
      // Both primaries took some of them: the old one before the stop, its successor after.
      expect(new Set(stamped.map(({ node }) => node))).toEqual(new Set([ids[0], ids[heir]]));
      expect(await client.get(`{stamp:${tag}}:split-brain`)).toBeNull();
      expect(await client.get('{counter:0}split-brain')).toBeNull();
    } finally {
      client.disconnect();
    }
  }, 180_000);

  test('etcd unreachable: nodes serve reads with their last layout, refuse writes once their lease is overdue, and take writes again when etcd is back', async () => {
    const { nodes: cluster, admins } = await started.created(etcd.endpoint);
    // 'foo' is in slot 12182, the third node's: writes go on while its lease holds, then stop.
    const owner = admins[2];
    etcd.signal('SIGSTOP');
    try {
      let acknowledged = 0;
      await until('writes are refused', () =>
        owner.incr('foo').then(
          () => (acknowledged++, false),
          (error: Error) => error.message.startsWith('CLUSTERDOWN'),
        ),
      );
      // Reads go on, with every write that was acknowledged.
      expect(Number(await owner.get('foo'))).toBe(acknowledged);
      expect(acknowledged).toBeGreaterThan(0);
      expect(await admins[0].get('foo').catch((error: Error) => error.message)).toBe(`MOVED 12182 127.0.0.1:${cluster[2].port}`);
    } finally {
      etcd.signal('SIGCONT');
    }
    await until('writes are taken again', () =>
      owner.set('foo', 'new').then(
        () => true,
        () => false,
      ),
    );
    expect(await owner.get('foo')).toBe('new');
    await until('the cluster is whole again', async () => infoField(String(await admins[0].call('CLUSTER', 'INFO')), 'cluster_state') === 'ok');
  }, 120_000);

  test('failover election: a replica with replica-priority 0 never takes over, its sibling does', async () => {
    const { prefix, nodes: cluster, admins, ids } = await started.created(etcd.endpoint);
    // Two replicas of the first primary, added as redis-cli adds them.
    const replicas = [await startNode(prefix), await startNode(prefix)];
    for (const replica of replicas)
      execFileSync('redis-cli', ['--cluster', 'add-node', `127.0.0.1:${replica.port}`, `127.0.0.1:${cluster[0].port}`, '--cluster-slave', '--cluster-master-id', ids[0]], {
        encoding: 'utf8',
      });
    const replicaAdmins = replicas.map((replica) => connect(replica.port));
    await until('both replicas stream from the primary', async () => {
      for (const admin of replicaAdmins) if (infoField(await admin.info('replication'), 'master_link_status') !== 'up') return false;
      return true;
    });
    let tag = 0;
    while (Number(await admins[0].call('CLUSTER', 'KEYSLOT', `{p:${tag}}`)) > RANGES[0][1]) tag++;
    expect(await admins[0].set(`{p:${tag}}`, 'v')).toBe('OK');
    // Caught up alike, the lower id would win the tie: that one may never stand.
    const replicaIds = await Promise.all(replicaAdmins.map((admin) => admin.call('CLUSTER', 'MYID') as Promise<string>));
    const never = replicaIds[0] < replicaIds[1] ? 0 : 1;
    expect(await replicaAdmins[never].config('SET', 'replica-priority', '0')).toBe('OK');
    await until('both replicas hold the write', async () => (await Promise.all(replicaAdmins.map((admin) => admin.dbsize()))).every((size) => size === 1));
    await cluster[0].kill('SIGKILL');
    await until('a replica has taken the slots', async () => {
      const slots = (await admins[1].call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
      return slots.find(([start]) => start === 0)?.[2][2] !== ids[0];
    });
    const slots = (await admins[1].call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
    expect(slots.find(([start]) => start === 0)?.[2][2]).toBe(replicaIds[1 - never]);
  }, 120_000);
});
