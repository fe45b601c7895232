import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';
import { RawConnection } from '../support/raw-connection.js';

let server: EddyProcess;
let redis: Redis;

beforeAll(async () => {
  server = await EddyProcess.start();
  redis = new Redis({ port: server.port });
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

describe('connection commands', () => {
  it('PING, ECHO and TIME', async () => {
    expect(await redis.ping()).toBe('PONG');
    expect(await redis.ping('hi')).toBe('hi');
    expect(await redis.echo('hello')).toBe('hello');
    const [seconds, micros] = await redis.time();
    expect(Math.abs(Number(seconds) - Date.now() / 1000)).toBeLessThan(5);
    expect(Number(micros)).toBeLessThan(1_000_000);
  });

  it('unknown commands and wrong arity get Redis texts', async () => {
    await expect(redis.call('FOOBAR', 'a', 'b')).rejects.toThrow("ERR unknown command 'FOOBAR', with args beginning with: 'a' 'b' ");
    await expect(redis.call('ECHO')).rejects.toThrow("ERR wrong number of arguments for 'echo' command");
    await expect(redis.call('CONFIG', 'NOPE')).rejects.toThrow("ERR unknown subcommand 'NOPE'. Try CONFIG HELP.");
  });

  it('CLIENT ID, SETNAME, GETNAME, INFO, LIST and KILL', async () => {
    const other = new Redis({ port: server.port });
    const id = await redis.client('ID');
    expect(typeof id).toBe('number');
    expect(await redis.client('GETNAME')).toBeNull();
    expect(await redis.client('SETNAME', 'main-conn')).toBe('OK');
    expect(await redis.client('GETNAME')).toBe('main-conn');
    await expect(redis.client('SETNAME', 'bad name')).rejects.toThrow('ERR Client names cannot contain spaces, newlines or special characters.');
    const info = (await redis.client('INFO')) as string;
    expect(info).toContain(`id=${id} `);
    expect(info).toContain('name=main-conn');
    await other.client('SETNAME', 'victim');
    const list = (await redis.client('LIST')) as string;
    expect(list.trim().split('\n').length).toBeGreaterThanOrEqual(2);
    expect(list).toContain('name=victim');
    const otherId = await other.client('ID');
    other.options.retryStrategy = () => null;
    expect(await redis.client('KILL', 'ID', String(otherId))).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(other.status).not.toBe('ready');
    expect(await redis.client('KILL', 'ID', String(otherId))).toBe(0);
    await expect(redis.client('KILL', '1.2.3.4:5')).rejects.toThrow('ERR No such client');
  });

  it('HELLO 3 answers a map and switches to RESP3', async () => {
    const raw = await RawConnection.open(server.port);
    raw.write('HELLO 3 SETNAME raw\r\n');
    const hello = await raw.readUntil((text) => text.includes('modules'));
    expect(hello.startsWith('%7\r\n')).toBe(true);
    expect(hello).toContain('$5\r\nproto\r\n:3\r\n');
    raw.clear();
    raw.write('GET nothing-here\r\nCONFIG GET appendfsync\r\n');
    expect(await raw.readUntil((text) => text.includes('everysec'))).toBe('_\r\n%1\r\n$11\r\nappendfsync\r\n$8\r\neverysec\r\n');
    raw.clear();
    raw.write('HELLO 4\r\n');
    expect(await raw.readLines(1)).toBe('-NOPROTO unsupported protocol version\r\n');
    raw.close();
  });

  it('QUIT replies OK and closes', async () => {
    const raw = await RawConnection.open(server.port);
    raw.write('QUIT\r\n');
    expect(await raw.waitClosed()).toBe(true);
    expect(raw.text).toBe('+OK\r\n');
  });
});

describe('server commands', () => {
  it('INFO has Redis sections and fields', async () => {
    await redis.set('info-key', 'v');
    const info = await redis.info();
    for (const section of ['# Server', '# Clients', '# Memory', '# Persistence', '# Stats', '# Keyspace']) expect(info).toContain(section);
    expect(info).toMatch(/redis_version:7\.\d+\.\d+/);
    expect(info).toMatch(/connected_clients:\d+/);
    expect(info).toMatch(/used_memory:\d+/);
    expect(info).toMatch(/db0:keys=\d+,expires=\d+/);
    const persistence = await redis.info('persistence');
    expect(persistence).toContain('aof_enabled:1');
    expect(persistence).not.toContain('# Server');
  });

  it('CONFIG GET, SET and RESETSTAT', async () => {
    expect(await redis.config('GET', 'appendfsync')).toEqual(['appendfsync', 'everysec']);
    expect(await redis.config('SET', 'appendfsync', 'always')).toBe('OK');
    expect(await redis.config('GET', 'append*')).toEqual(['appendfsync', 'always', 'appendonly', 'yes', 'appenddirname', 'appendonlydir', 'appendfilename', 'appendonly.aof']);
    await redis.set('durable', 'yes');
    expect(await redis.get('durable')).toBe('yes');
    await redis.config('SET', 'appendfsync', 'everysec');
    await expect(redis.config('SET', 'appendfsync', 'sometimes')).rejects.toThrow(
      "ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must be one of the following: everysec, always, no",
    );
    await expect(redis.config('SET', 'port', '1234')).rejects.toThrow("can't set immutable config");
    await expect(redis.config('SET', 'no-such-option', '1')).rejects.toThrow("ERR Unknown option or number of arguments for CONFIG SET - 'no-such-option'");
    expect(await redis.config('RESETSTAT')).toBe('OK');
    expect(await redis.info('stats')).toMatch(/total_commands_processed:[0-2]\r\n/);
  });

  it('CONFIG GET client-output-buffer-limit shows every class, in bytes, as redis-server 7.0 does; SET of one class keeps the others', async () => {
    const limits = async () => ((await redis.config('GET', 'client-output-buffer-limit')) as string[])[1];
    expect(await limits()).toBe('normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
    await redis.config('SET', 'client-output-buffer-limit', 'pubsub 1mb 0 0');
    expect(await limits()).toBe('normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 0 0');
    await redis.config('SET', 'client-output-buffer-limit', 'replica 1mb 0 0');
    expect(await limits()).toBe('normal 0 0 0 slave 1048576 0 0 pubsub 1048576 0 0');
    await redis.config('SET', 'client-output-buffer-limit', 'slave 256mb 64mb 60 pubsub 32mb 8mb 60');
  });

  it('COMMAND COUNT, INFO, DOCS, LIST and GETKEYS', async () => {
    // ioredis types every COMMAND reply as an array; COUNT's is an integer.
    const count = (await redis.command('COUNT')) as unknown as number;
    expect(count).toBeGreaterThan(60);
    const [info] = (await redis.command('INFO', 'get')) as unknown[][];
    expect(info.slice(0, 6)).toEqual(['get', 2, ['readonly', 'fast'], 1, 1, 1]);
    const docs = (await redis.command('DOCS', 'set')) as unknown[];
    expect(docs[0]).toBe('set');
    expect((await redis.command('LIST')) as string[]).toContain('lcs');
    expect(await redis.command('GETKEYS', 'MSET', 'a', '1', 'b', '2')).toEqual(['a', 'b']);
  });

  it('DBSIZE and LASTSAVE', async () => {
    await redis.flushall();
    await redis.mset('a', '1', 'b', '2');
    expect(await redis.dbsize()).toBe(2);
    expect(Math.abs((await redis.lastsave()) - Date.now() / 1000)).toBeLessThan(3600);
  });
});

describe('authentication', () => {
  it('requirepass: NOAUTH until AUTH or HELLO AUTH', async () => {
    const guarded = await EddyProcess.start(['--requirepass', 's3cret']);
    try {
      // Clients refuse to connect without the password (as with Redis), so speak raw RESP here.
      const anonymous = await RawConnection.open(guarded.port);
      anonymous.write('GET k\r\nAUTH wrong\r\nAUTH s3cret\r\nSET k v\r\n');
      expect(await anonymous.readLines(4)).toBe('-NOAUTH Authentication required.\r\n-WRONGPASS invalid username-password pair or user is disabled.\r\n+OK\r\n+OK\r\n');
      anonymous.close();
      const authed = new Redis({ port: guarded.port, password: 's3cret' });
      expect(await authed.get('k')).toBe('v');
      authed.disconnect();
      const raw = await RawConnection.open(guarded.port);
      raw.write('HELLO 3 AUTH default s3cret\r\nGET k\r\n');
      expect(await raw.readUntil((text) => text.endsWith('$1\r\nv\r\n'))).toContain('%7\r\n');
      raw.close();
      // Before AUTH, Redis refuses large requests outright.
      const big = await RawConnection.open(guarded.port);
      big.write('*20\r\n');
      expect(await big.waitClosed()).toBe(true);
      expect(big.text).toBe('-ERR Protocol error: unauthenticated multibulk length\r\n');
    } finally {
      await guarded.stop();
    }
  });

  it('AUTH without a configured password is an error', async () => {
    await expect(redis.call('AUTH', 'x')).rejects.toThrow('ERR AUTH <password> called without any password configured for the default user');
  });
});

describe('AUTH and CONFIG SET edge cases', () => {
  it('AUTH default <anything> without requirepass is accepted', async () => {
    expect(await redis.call('AUTH', 'default', 'whatever')).toBe('OK');
  });

  it('CONFIG SET changes nothing when one pair is bad', async () => {
    await expect(redis.config('SET', 'appendfsync', 'always', 'maxclients', 'lots')).rejects.toThrow("argument 'maxclients'");
    expect(await redis.config('GET', 'appendfsync')).toEqual(['appendfsync', 'everysec']);
    await expect(redis.config('SET', 'proto-max-bulk-len', '1constructor')).rejects.toThrow('argument must be a memory value');
  });
});
