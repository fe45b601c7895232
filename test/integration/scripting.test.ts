import { Redis } from 'ioredis';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createClient, defineScript } from 'redis';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { dumpDataset } from '../support/dataset-dump.js';
import { EddyProcess } from '../support/eddy-process.js';
import { keysOnDifferentShards } from '../support/keys-on-shards.js';
import { grpcCall, grpcStub } from '../support/protocol-clients.js';
import { RespStream } from '../support/resp-stream.js';
import { WebSocket } from 'ws';

/** Lua scripting: Redis's semantics, conversions and errors; the sandbox; long scripts; the log. */

const PITR = resolve(import.meta.dirname, '../../dist/tools/eddy-pitr.js');
const SHARDS = 4;

let server: EddyProcess;
let redis: Redis;
const streams: RespStream[] = [];

beforeAll(async () => {
  server = await EddyProcess.start(['--shards', String(SHARDS), '--http-port', '0', '--grpc-port', '0', '--ws-port', '0', '--script-memory-limit', '16mb']);
  redis = new Redis({ port: server.port });
  redis.on('error', () => undefined);
});
afterAll(async () => {
  for (const stream of streams) stream.close();
  redis.disconnect();
  await server.stop();
});
beforeEach(async () => {
  await redis.flushall();
  await redis.script('FLUSH');
  await redis.config('SET', 'busy-reply-threshold', '5000');
});

const evalScript = (script: string, keys: string[] = [], args: (string | number)[] = []) => redis.eval(script, keys.length, ...keys, ...args);
const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: Error) => error.message,
  );

describe('scripts through client libraries', () => {
  test('ioredis defineCommand: EVALSHA, with EVAL after NOSCRIPT', async () => {
    redis.defineCommand('swapValue', { numberOfKeys: 1, lua: "local old = redis.call('GET', KEYS[1]); redis.call('SET', KEYS[1], ARGV[1]); return old" });
    const client = redis as Redis & { swapValue(key: string, value: string): Promise<string | null> };
    expect(await client.swapValue('k', 'one')).toBeNull();
    expect(await client.swapValue('k', 'two')).toBe('one');
    expect(await redis.get('k')).toBe('two');
    const sha = (await redis.script('LOAD', "return 'x'")) as string;
    expect(await redis.script('EXISTS', sha, '0'.repeat(40))).toEqual([1, 0]);
  });

  test('node-redis scripts, RESP2 and RESP3', async () => {
    const counter = defineScript({
      NUMBER_OF_KEYS: 1,
      SCRIPT: "return redis.call('INCRBY', KEYS[1], ARGV[1])",
      parseCommand(parser: { pushKey(key: string): void; push(arg: string): void }, key: string, by: number) {
        parser.pushKey(key);
        parser.push(String(by));
      },
      transformReply: undefined as unknown as () => number,
    });
    for (const RESP of [2, 3] as const) {
      const client = createClient({ url: `redis://127.0.0.1:${server.port}`, RESP, scripts: { counter } });
      await client.connect();
      expect(await client.counter('n', 5)).toBe(RESP === 2 ? 5 : 10);
      await client.quit();
    }
  });
});

describe("Redis's conversions", () => {
  test.each([
    ['return 7', 7],
    ['return 3.99', 3],
    ['return -3.99', -3],
    ["return 'text'", 'text'],
    ['return true', 1],
    ['return false', null],
    ['return nil', null],
    ["return {1, 2, 3.5, 'x', nil, 'after nil'}", [1, 2, 3, 'x']],
    ['return {1, false, 3}', [1, null, 3]],
    ["return {1, {2, {'three'}}}", [1, [2, ['three']]]],
    ["return redis.status_reply('FINE')", 'FINE'],
    ["return {ok = 'ALSO FINE'}", 'ALSO FINE'],
    ["return redis.call('HGETALL', 'missing')", []],
    ["redis.call('HSET', 'h', 'f', 'v'); return redis.call('HGETALL', 'h')", ['f', 'v']],
    ["redis.call('ZADD', 'z', 1.5, 'm'); return redis.call('ZSCORE', 'z', 'm')", '1.5'],
    ["return redis.call('GET', 'missing') == false", 1],
    ["return type(redis.call('SET', 'k', 'v'))", 'table'],
    ["return redis.call('SET', 'k', 'v').ok", 'OK'],
    ['return unpack({1, 2})', 1],
    ['return cjson.encode({a = {1, 2}})', '{"a":[1,2]}'],
    ['return cjson.decode(\'[1,"two",{"x":3}]\')[3].x', 3],
    ['return cmsgpack.unpack(cmsgpack.pack({1, 2, 3}))[3]', 3],
    ["return redis.sha1hex('')", 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
    ["kv.set('kv', 'short'); return kv.get('kv')", 'short'],
    ['return math.random(1000000) == math.random(1000000)', null],
  ])('%s', async (script, expected) => {
    expect(await evalScript(script)).toEqual(expected);
  });

  test('math.random gives the same sequence in every run', async () => {
    const script = 'return {math.random(1000000), math.random(1000000)}';
    expect(await evalScript(script)).toEqual(await evalScript(script));
  });

  test('values are bytes, in and out', async () => {
    const bytes = Buffer.from([0xff, 0x00, 0xe9, 0x41]);
    const length = await redis.eval("redis.call('SET', KEYS[1], ARGV[1]); return #ARGV[1]", 1, 'bin', bytes);
    expect(length).toBe(4);
    expect(await redis.getBuffer('bin')).toEqual(bytes);
    expect(await redis.callBuffer('eval', "return redis.call('GET', KEYS[1])", 1, 'bin')).toEqual(bytes);
  });

  test('RESP3 under redis.setresp(3): maps, sets, doubles, booleans, nil', async () => {
    const stream = await RespStream.open(server.port, 3);
    streams.push(stream);
    await redis.hset('h', 'f', 'v');
    await redis.sadd('s', 'm');
    const run = async (script: string) => {
      stream.send('EVAL', script, '0');
      return stream.next();
    };
    expect(await run("redis.setresp(3); return redis.call('HGETALL', 'h')")).toEqual({ f: 'v' });
    expect(await run("redis.setresp(3); return redis.call('HGETALL', 'h').map.f")).toBe('v');
    expect(await run("redis.setresp(3); return redis.call('SMEMBERS', 's').set.m")).toBe(true);
    expect(await run('return {double = 1.5}')).toEqual([]);
    expect(await run('redis.setresp(3); return {double = 1.5}')).toBe(1.5);
    expect(await run('redis.setresp(3); return true')).toBe(true);
    expect(await run('redis.setresp(3); return false')).toBe(false);
    expect(await run("redis.setresp(3); return redis.call('GET', 'missing') == nil")).toBe(true);
  });
});

describe('numbers and nesting at the edges', () => {
  test.each([
    ['return 9007199254740993', '9007199254740993'],
    ["return redis.call('INCRBY', 'big', '9007199254740993')", '9007199254740993'],
    // A float becomes an integer as Redis's C cast makes it: out of range (or NaN) is INT64_MIN.
    ['return 2^63', '-9223372036854775808'],
    ['return 1e300', '-9223372036854775808'],
    ['return 0/0', '-9223372036854775808'],
    ['return -2.5', '-2'],
    // Numbers as command arguments are Redis 7.0's %.17g text.
    ["redis.call('SET', 'n', 1e20) return redis.call('GET', 'n')", '1e+20'],
    ["redis.call('SET', 'n', 1/3) return redis.call('GET', 'n')", '0.33333333333333331'],
    ["redis.call('SET', 'n', 0.1) return redis.call('GET', 'n')", '0.10000000000000001'],
    ["redis.call('SET', 'n', 2^53) return redis.call('GET', 'n')", '9007199254740992'],
  ])('%s', async (script, expected) => {
    const exact = new Redis({ port: server.port, stringNumbers: true });
    try {
      expect(await exact.eval(script, 0)).toBe(expected);
    } finally {
      exact.disconnect();
    }
  });

  test('deep tables: 60 levels come back whole; deeper ones, cycles and deep JSON are errors, and the server goes on', async () => {
    const nest = (depth: number) => `local t = {} local c = t for i = 1, ${depth} do c[1] = {} c = c[1] end return t`;
    let expected: unknown = [];
    for (let i = 0; i < 60; i++) expected = [expected];
    expect(await evalScript(nest(60))).toEqual(expected);
    expect(await errorOf(evalScript(nest(500)))).toMatch(/reached lua stack limit/);
    expect(await errorOf(evalScript('local t = {} t[1] = t return cjson.encode(t)'))).toMatch(/excessive nesting/);
    expect(await errorOf(evalScript(`return cjson.decode('${'['.repeat(5000)}${']'.repeat(5000)}')`))).toMatch(/excessive nesting/);
    expect(await errorOf(evalScript(`redis.setresp(3) ${nest(500).replace('return t', 'return {map = {x = t}}')}`))).toMatch(/reached lua stack limit/);
    expect(await evalScript("return {1, 'two'}")).toEqual([1, 'two']);
    expect(await redis.ping()).toBe('PONG');
  });

  test('an ARGV past the memory limit is an out-of-memory error, and the next script runs', async () => {
    const huge = 'x'.repeat(20 * 1024 * 1024);
    expect(await errorOf(evalScript('return #ARGV[1]', [], [huge]))).toMatch(/^ERR Out of memory/);
    expect(await evalScript('return #ARGV[1]', [], ['small'])).toBe(5);
  });
});

describe("Redis's errors", () => {
  test.each([
    ["return redis.error_reply('My Error')", 'My Error'],
    ["return {err = 'MYERR boom'}", 'MYERR boom'],
    ["error('oops')", /^ERR user_script:1: oops script: [0-9a-f]{40}, on @user_script:1\.$/],
    ["error({err = 'X y'})", /^X y script: [0-9a-f]{40}, on @user_script:1\.$/],
    ["redis.call('SET', 's', 'v')\nreturn redis.call('INCR', 's')", /^ERR value is not an integer or out of range script: [0-9a-f]{40}, on @user_script:2\.$/],
    ["return redis.call('nosuch')", /^ERR Unknown Redis command called from script script: /],
    ['return redis.call()', /^ERR Please specify at least one argument for this redis lib call script: /],
    ["return redis.call('GET', {})", /^ERR Lua redis lib command arguments must be strings or integers script: /],
    ["return redis.call('GET', 'k', 'x')", /^ERR Wrong number of args calling Redis command from script script: /],
    ["return redis.call('SUBSCRIBE', 'c')", /^ERR This Redis command is not allowed from script script: /],
    ["return redis.call('EVAL', 'return 1', '0')", /^ERR This Redis command is not allowed from script script: /],
    ['return 1 +', /^ERR Error compiling script \(new function\): user_script:1: unexpected symbol near/],
    ['x = 1', /^ERR user_script:1: Attempt to modify a readonly table script: /],
    ['return undefined_name', /^ERR user_script:1: Script attempted to access nonexistent global variable 'undefined_name' script: /],
  ])('%s', async (script, expected) => {
    const message = await errorOf(evalScript(script));
    if (typeof expected === 'string') expect(message).toBe(expected);
    else expect(message).toMatch(expected);
  });

  test('redis.pcall returns the error as a table', async () => {
    await redis.set('s', 'v');
    expect(await evalScript("local e = redis.pcall('INCR', 's'); return e.err")).toBe('ERR value is not an integer or out of range');
  });

  test('argument errors of EVAL, EVALSHA, EVAL_RO and SCRIPT', async () => {
    expect(await errorOf(redis.call('EVAL', 'return 1', '-1'))).toBe("ERR Number of keys can't be negative");
    expect(await errorOf(redis.call('EVAL', 'return 1', '3', 'a'))).toBe("ERR Number of keys can't be greater than number of args");
    expect(await errorOf(redis.call('EVAL', 'return 1', 'x'))).toBe('ERR value is not an integer or out of range');
    expect(await errorOf(redis.call('EVALSHA', '0'.repeat(40), '0'))).toBe('NOSCRIPT No matching script. Please use EVAL.');
    expect(await errorOf(redis.call('EVAL_RO', "return redis.call('SET', KEYS[1], 'v')", '1', 'k'))).toMatch(
      /^ERR Write commands are not allowed from read-only scripts\. script: /,
    );
    expect(await redis.call('EVAL_RO', "return redis.call('GET', KEYS[1])", '1', 'k')).toBeNull();
    expect(await errorOf(redis.call('SCRIPT', 'LOAD', 'return +'))).toMatch(/^ERR Error compiling script/);
    expect(await errorOf(redis.call('SCRIPT', 'NOPE'))).toBe("ERR unknown subcommand 'NOPE'. Try SCRIPT HELP.");
    expect(await errorOf(redis.call('SCRIPT', 'KILL'))).toBe('NOTBUSY No scripts in execution right now.');
  });

  test('a key on a shard the declared keys do not cover is refused with a clear message', async () => {
    const [declared, other] = keysOnDifferentShards(2, SHARDS);
    expect(await errorOf(evalScript("return redis.call('SET', ARGV[1], 'v')", [declared], [other]))).toMatch(
      new RegExp(`^ERR Script attempted to access key '${other}' on a shard its declared keys do not cover`),
    );
    expect(await redis.exists(other)).toBe(0);
    // Without declared keys a script holds every shard and may touch any key.
    expect(await evalScript("return redis.call('SET', ARGV[1], 'v')", [], [other])).toBe('OK');
  });

  test('a script that fails after writing keeps its writes, as in Redis', async () => {
    expect(await errorOf(evalScript("redis.call('SET', KEYS[1], 'written'); error('later')", ['kept']))).toMatch(/later/);
    expect(await redis.get('kept')).toBe('written');
  });
});

describe('the sandbox', () => {
  test.each([
    "return os.execute('true')",
    "return io.open('/etc/passwd')",
    "return require('os')",
    "return loadfile('/etc/passwd')",
    "return dofile('/etc/passwd')",
    "return load('return 1')",
    "return loadstring('return 1')",
    'return debug.getinfo(1)',
    "return print('x')",
    "rawset(_G, 'leak', 1)",
    'setmetatable(_G, nil)',
    'redis.call = nil',
    'string.leak = 1',
    "getmetatable('').__index.upper = nil",
    'local t = {} for i = 1, 1e9 do t[i] = i end',
    'setmetatable({}, { __gc = function() end })',
  ])('%s fails, and the next script sees nothing of it', async (script) => {
    expect(await errorOf(evalScript(script))).toMatch(/^ERR /);
    expect(await evalScript("return {type(rawget(_G, 'leak')), string.upper('ok'), type(redis.call), type(string.leak)}")).toEqual(['nil', 'OK', 'function', 'nil']);
  });

  test('os.clock is there', async () => {
    expect(await evalScript('return type(os.clock())')).toBe('number');
  });
});

describe('long scripts', () => {
  test('an endless loop: the server answers others, BUSY past the threshold, SCRIPT KILL from a second client', async () => {
    await redis.config('SET', 'busy-reply-threshold', '300');
    const looping = new Redis({ port: server.port });
    const outcome = errorOf(looping.eval('while true do end', 0));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await redis.ping()).toBe('PONG');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await errorOf(redis.get('k'))).toBe('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.');
    expect(await redis.script('KILL')).toBe('OK');
    expect(await outcome).toMatch(/^ERR Script killed by user with SCRIPT KILL/);
    expect(await redis.get('k')).toBeNull();
    looping.disconnect();
  });

  test('a MULTI meeting a script past the threshold: a command refused with BUSY aborts it, an EXEC refused says why', async () => {
    await redis.config('SET', 'busy-reply-threshold', '100');
    await redis.set('xx', '1');
    const transaction = new Redis({ port: server.port });
    const looping = new Redis({ port: server.port });
    const killedLater = async () => {
      expect(await redis.script('KILL')).toBe('OK');
      await outcome;
    };
    // Queued before the script, then EXEC while it is busy.
    expect(await transaction.multi({ pipeline: false })).toBe('OK');
    expect(await transaction.incr('xx')).toBe('QUEUED');
    let outcome = errorOf(looping.eval('while true do end', 0));
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await errorOf(transaction.incr('xx'))).toMatch(/^BUSY /);
    expect(await errorOf(transaction.exec())).toMatch(/^EXECABORT Transaction discarded because of: BUSY Redis is busy running a script/);
    await killedLater();
    // MULTI itself is let through; the refused command aborts the EXEC after the script is gone.
    outcome = errorOf(looping.eval('while true do end', 0));
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await transaction.multi({ pipeline: false })).toBe('OK');
    expect(await errorOf(transaction.incr('xx'))).toMatch(/^BUSY /);
    await killedLater();
    expect(await transaction.incr('xx')).toBe('QUEUED');
    expect(await errorOf(transaction.exec())).toBe('EXECABORT Transaction discarded because of previous errors.');
    expect(await redis.get('xx')).toBe('1');
    expect(await transaction.ping('asdf')).toBe('asdf');
    transaction.disconnect();
    looping.disconnect();
  });

  test('pcall cannot catch SCRIPT KILL', async () => {
    const looping = new Redis({ port: server.port });
    const outcome = errorOf(looping.eval('while true do pcall(function() while true do end end) end', 0));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await redis.script('KILL')).toBe('OK');
    expect(await outcome).toMatch(/^ERR Script killed by user with SCRIPT KILL/);
    expect(await evalScript('return 1')).toBe(1);
    looping.disconnect();
  });

  test('a script that wrote is UNKILLABLE; commands on other shards go on meanwhile', async () => {
    await redis.config('SET', 'busy-reply-threshold', '200');
    const [held, free] = keysOnDifferentShards(2, SHARDS);
    const looping = new Redis({ port: server.port });
    const outcome = errorOf(looping.eval("redis.call('SET', KEYS[1], 'x') local t = os.clock() while os.clock() - t < 1 do end return 1", 1, held));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await errorOf(redis.script('KILL'))).toMatch(/^UNKILLABLE /);
    expect(await redis.set(free, 'meanwhile')).toBe('OK');
    expect(await errorOf(redis.get(held))).toMatch(/^BUSY /);
    expect(await outcome).toBeUndefined();
    expect(await redis.get(held)).toBe('x');
    looping.disconnect();
  });
});

describe('long scripts that cannot simply yield', () => {
  test('an endless loop inside a coroutine: the server answers others and SCRIPT KILL stops it', async () => {
    await redis.config('SET', 'busy-reply-threshold', '300');
    const looping = new Redis({ port: server.port });
    const outcome = errorOf(looping.eval('coroutine.wrap(function() while true do end end)()', 0));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await redis.ping()).toBe('PONG');
    expect(await redis.script('KILL')).toBe('OK');
    expect(await outcome).toMatch(/^ERR Script killed by user with SCRIPT KILL/);
    looping.disconnect();
  });

  test('coroutines still yield and resume as Lua says, across time slices', async () => {
    expect(await evalScript('local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1) return b * 2 end) local x = co(1) return {x, co(5)}')).toEqual([2, 10]);
    const long =
      'local co = coroutine.create(function() local n = 0 for i = 1, 2e7 do n = n + 1 end coroutine.yield(n) return "done" end) local _, first = coroutine.resume(co) local _, second = coroutine.resume(co) return {first, second}';
    expect(await evalScript(long)).toEqual([20_000_000, 'done']);
  });

  test.each([
    ['a table.sort comparator', 'table.sort({3, 2, 1}, function(a, b) while true do end end)'],
    ['a gsub callback', "string.gsub('abc', '%w', function() while true do end end)"],
    ["an error's __tostring", 'error(setmetatable({}, { __tostring = function() while true do end end }))'],
  ])('an endless loop in %s is stopped after busy-reply-threshold', async (_where, script) => {
    await redis.config('SET', 'busy-reply-threshold', '300');
    expect(await errorOf(evalScript(script))).toMatch(/Script stopped: it ran past busy-reply-threshold where it cannot pause/);
    expect(await evalScript('return 1')).toBe(1);
  });

  test('a library whose loading never ends is stopped, and not kept', async () => {
    await redis.config('SET', 'busy-reply-threshold', '300');
    expect(await errorOf(redis.call('FUNCTION', 'LOAD', '#!lua name=spin\nwhile true do end'))).toMatch(/^ERR Error registering functions: .*cannot pause/);
    expect(await redis.call('FUNCTION', 'LIST')).toEqual([]);
  });

  test("another client's transaction waits for a paused script and never stops it", async () => {
    const [held, free] = keysOnDifferentShards(2, SHARDS);
    await redis.set(held, 'before');
    const looping = new Redis({ port: server.port });
    const outcome = looping.eval("local t = os.clock() while os.clock() - t < 0.5 do end return redis.call('GET', KEYS[1])", 1, held);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const replies = await redis.multi().eval("return redis.call('SET', KEYS[1], 'w')", 1, free).dbsize().exec();
    expect(replies).toEqual([
      [null, 'OK'],
      [null, 2],
    ]);
    expect(await outcome).toBe('before');
    looping.disconnect();
  });

  test('commands on whole databases wait for a paused script: they never see it half done', async () => {
    const [held] = keysOnDifferentShards(1, SHARDS);
    const looping = new Redis({ port: server.port });
    const outcome = looping.eval("redis.call('SET', KEYS[1], 'mid') local t = os.clock() while os.clock() - t < 0.4 do end redis.call('DEL', KEYS[1]) return 1", 1, held);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await redis.keys('*')).toEqual([]);
    expect(await redis.dbsize()).toBe(0);
    expect(await outcome).toBe(1);
    looping.disconnect();
  });

  test('a key expiring under a read-only script is not a write: SCRIPT KILL still stops it', async () => {
    const [held] = keysOnDifferentShards(1, SHARDS);
    await redis.set(held, 'v', 'PX', 50);
    const looping = new Redis({ port: server.port });
    const outcome = errorOf(looping.eval("local t = os.clock() while os.clock() - t < 0.2 do end redis.call('GET', KEYS[1]) while true do end", 1, held));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await redis.script('KILL')).toBe('OK');
    expect(await outcome).toMatch(/^ERR Script killed by user with SCRIPT KILL/);
    looping.disconnect();
  });
});

describe('scripts and the log', () => {
  test('the log holds the effects, not the script; a restart and a point-in-time restore give the same state', async () => {
    const [a, b] = keysOnDifferentShards(2, SHARDS);
    const [from] = (await redis.call('LOGREAD', 'FROM', '$')) as [number];
    const script = "redis.call('SET', KEYS[1], ARGV[1]); redis.call('RPUSH', KEYS[2], math.random(100), 'x'); redis.call('INCRBYFLOAT', KEYS[1], '0.5'); return 1";
    expect(await evalScript(script, [a, b], ['1'])).toBe(1);
    const [, events] = (await redis.call('LOGREAD', 'FROM', String(from))) as [number, unknown[][]];
    expect(events.map((event) => (event[6] as string[])[0])).toEqual(['put', 'rpush', 'put']);
    const before = await dumpDataset(redis);
    const rev = Number(((await redis.call('LOGREAD', 'FROM', '$')) as [number])[0]) - 1;
    expect(await server.kill('SIGKILL')).toBeNull();
    await server.launch();
    expect(await dumpDataset(redis)).toEqual(before);
    const to = join(mkdtempSync(join(tmpdir(), 'eddy-script-pitr-')), 'restored');
    execFileSync(process.execPath, [PITR, '--from', server.dir, '--to', to, '--rev', String(rev)], { encoding: 'utf8' });
    const restored = await EddyProcess.start([], to);
    const restoredClient = new Redis({ port: restored.port });
    expect(await dumpDataset(restoredClient)).toEqual(before);
    restoredClient.disconnect();
    await restored.stop();
  });

  test('HTTP POST /scripts loads a script and answers its sha', async () => {
    const response = await fetch(`http://127.0.0.1:${server.httpPort}/scripts`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: "return 'over http'" });
    expect(response.status).toBe(200);
    const { result: sha } = (await response.json()) as { result: string };
    expect(await redis.evalsha(sha, 0)).toBe('over http');
    const bad = await fetch(`http://127.0.0.1:${server.httpPort}/scripts`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'return +' });
    expect(bad.status).toBe(400);
  });

  test('gRPC LoadScript and the WebSocket {op: "script"} frame are SCRIPT LOAD too', async () => {
    const stub = grpcStub(server.grpcPort);
    const { response } = await grpcCall(stub.LoadScript, stub, { source: Buffer.from("return 'over grpc'") });
    expect(await redis.evalsha(response?.sha as string, 0)).toBe('over grpc');
    const { error } = await grpcCall(stub.LoadScript, stub, { source: Buffer.from('return +') });
    expect(error?.details).toMatch(/^ERR Error compiling script/);
    stub.close();
    const socket = new WebSocket(`ws://127.0.0.1:${server.wsPort}/`);
    await new Promise((resolve) => socket.once('open', resolve));
    const answer = new Promise<{ id: number; result: string }>((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)))));
    socket.send(JSON.stringify({ id: 7, op: 'script', source: "return 'over ws'" }));
    const { id, result } = await answer;
    expect(id).toBe(7);
    expect(await redis.evalsha(result, 0)).toBe('over ws');
    socket.terminate();
  });

  test('SHUTDOWN NOSAVE ends a running script; what it wrote is kept', async () => {
    const looping = new Redis({ port: server.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
    looping.on('error', () => undefined);
    void looping.eval("redis.call('SET', KEYS[1], 'before the loop') while true do end", 1, 'looped').catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const admin = new Redis({ port: server.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
    admin.on('error', () => undefined);
    await admin.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    expect(await server.waitForExit()).toBe(0);
    admin.disconnect();
    looping.disconnect();
    await server.launch();
    expect(await redis.get('looped')).toBe('before the loop');
  });
});

describe('functions', () => {
  const LIBRARY = [
    '#!lua name=counters',
    "redis.register_function('bump', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)",
    "redis.register_function{function_name = 'peek', callback = function(keys) return redis.call('GET', keys[1]) end, flags = {'no-writes'}}",
    "redis.register_function{function_name = 'sneaky', callback = function(keys) return redis.call('SET', keys[1], 'x') end, flags = {'no-writes'}}",
  ].join('\n');

  beforeEach(async () => {
    await redis.call('FUNCTION', 'FLUSH');
  });

  test('FCALL and EVAL inside MULTI answer in EXEC; a function sees no KEYS or ARGV globals', async () => {
    await redis.call('FUNCTION', 'LOAD', LIBRARY);
    await redis.call('FUNCTION', 'LOAD', "#!lua name=globals\nredis.register_function('globals', function() return {type(rawget(_G, 'KEYS')), type(rawget(_G, 'ARGV'))} end)");
    expect(await evalScript('return KEYS[1]', ['left-over'])).toBe('left-over');
    expect(await redis.call('FCALL', 'globals', '0')).toEqual(['nil', 'nil']);
    const replies = await redis.multi().call('FCALL', 'bump', '1', 'm', '2').eval("return redis.call('INCR', KEYS[1])", 1, 'm').get('m').exec();
    expect(replies).toEqual([
      [null, 2],
      [null, 3],
      [null, '3'],
    ]);
  });

  test('FUNCTION LOAD, FCALL, FCALL_RO, and the flags', async () => {
    expect(await redis.call('FUNCTION', 'LOAD', LIBRARY)).toBe('counters');
    expect(await redis.call('FCALL', 'bump', '1', 'n', '5')).toBe(5);
    expect(await redis.call('FCALL_RO', 'peek', '1', 'n')).toBe('5');
    expect(await errorOf(redis.call('FCALL_RO', 'bump', '1', 'n', '1'))).toBe('ERR Can not execute a script with write flag using *_ro command.');
    expect(await errorOf(redis.call('FCALL', 'sneaky', '1', 'n'))).toMatch(/^ERR Write commands are not allowed from read-only scripts\. script: sneaky, on @user_function:4\.$/);
    expect(await errorOf(redis.call('FCALL', 'missing', '0'))).toBe('ERR Function not found');
    expect(await redis.get('n')).toBe('5');
  });

  test("FUNCTION LOAD's errors", async () => {
    expect(await errorOf(redis.call('FUNCTION', 'LOAD', 'return 1'))).toBe('ERR Missing library metadata');
    expect(await errorOf(redis.call('FUNCTION', 'LOAD', '#!js name=x\nreturn 1'))).toBe("ERR Engine 'js' not found");
    expect(await errorOf(redis.call('FUNCTION', 'LOAD', '#!lua name=empty\nlocal x = 1'))).toBe('ERR No functions registered');
    expect(await errorOf(redis.call('FUNCTION', 'LOAD', '#!lua name=bad\nredis.register_function(')).then(String)).toMatch(/^ERR Error compiling function: user_function:2:/);
    expect(await errorOf(redis.call('FUNCTION', 'LOAD', "#!lua name=calls\nredis.call('SET', 'k', 'v')"))).toMatch(
      /^ERR Error registering functions: ERR redis.call is not allowed while a library loads/,
    );
    await redis.call('FUNCTION', 'LOAD', LIBRARY);
    expect(await errorOf(redis.call('FUNCTION', 'LOAD', LIBRARY))).toBe("ERR Library 'counters' already exists");
    expect(await errorOf(redis.call('FUNCTION', 'LOAD', "#!lua name=other\nredis.register_function('bump', function() return 1 end)"))).toBe('ERR Function bump already exists');
    expect(await redis.call('FUNCTION', 'LOAD', 'REPLACE', "#!lua name=counters\nredis.register_function('bump', function() return 'replaced' end)")).toBe('counters');
    expect(await redis.call('FCALL', 'bump', '0')).toBe('replaced');
    expect(await errorOf(redis.call('FCALL', 'peek', '1', 'n'))).toBe('ERR Function not found');
    expect(await errorOf(redis.call('FUNCTION', 'DELETE', 'nope'))).toBe('ERR Library not found');
  });

  test('FUNCTION LIST, DELETE, DUMP and RESTORE; FLUSHALL leaves functions', async () => {
    await redis.call('FUNCTION', 'LOAD', LIBRARY);
    await redis.flushall();
    const [library] = (await redis.call('FUNCTION', 'LIST', 'WITHCODE')) as unknown[][];
    expect(library.slice(0, 4)).toEqual(['library_name', 'counters', 'engine', 'LUA']);
    expect((library[5] as unknown[][]).map((fn) => [fn[1], fn[5]])).toEqual([
      ['bump', []],
      ['peek', ['no-writes']],
      ['sneaky', ['no-writes']],
    ]);
    expect(library.slice(6)).toEqual(['library_code', LIBRARY]);
    expect(await redis.call('FUNCTION', 'LIST', 'LIBRARYNAME', 'nothing*')).toEqual([]);
    const dump = (await redis.callBuffer('FUNCTION', 'DUMP')) as Buffer;
    expect(await redis.call('FUNCTION', 'DELETE', 'counters')).toBe('OK');
    expect(await redis.call('FUNCTION', 'LIST')).toEqual([]);
    expect(await errorOf(redis.call('FUNCTION', 'RESTORE', 'garbage'))).toBe('ERR payload version or checksum are wrong');
    expect(await redis.call('FUNCTION', 'RESTORE', dump)).toBe('OK');
    expect(await errorOf(redis.call('FUNCTION', 'RESTORE', dump))).toBe('ERR Library counters already exists');
    expect(await redis.call('FUNCTION', 'RESTORE', dump, 'REPLACE')).toBe('OK');
    expect(await redis.call('FCALL', 'bump', '1', 'n', '2')).toBe(2);
  });

  test('functions are in the log: they survive a kill -9 and a restart', async () => {
    await redis.call('FUNCTION', 'LOAD', LIBRARY);
    expect(await server.kill('SIGKILL')).toBeNull();
    await server.launch();
    expect(await redis.call('FCALL', 'bump', '1', 'n', '3')).toBe(3);
    expect(((await redis.call('FUNCTION', 'LIST')) as unknown[][])[0][1]).toBe('counters');
  });
});

describe('time in a script', () => {
  // Redis 7 reads the time once for a whole script run: keys do not expire while it runs.
  const BUSY_150_MS = 'local t = os.clock() while os.clock() - t < 0.15 do end';

  test('a key the script set with PX 100 is still there 150 ms later in the run, and gone after it', async () => {
    expect(await evalScript(`redis.call('SET', KEYS[1], 'v', 'PX', 100) ${BUSY_150_MS} return redis.call('GET', KEYS[1])`, ['short'])).toBe('v');
    expect(await redis.get('short')).toBeNull();
  });

  test('a key that expires while a script runs is still there for the script', async () => {
    // One pipeline: the script starts right after the SET, well within the 100 ms.
    const replies = await redis
      .pipeline()
      .set('short', 'v', 'PX', 100)
      .eval(`${BUSY_150_MS} return {redis.call('GET', KEYS[1]), redis.call('EXISTS', KEYS[1])}`, 1, 'short')
      .exec();
    expect(replies?.map(([, value]) => value)).toEqual(['OK', ['v', 1]]);
    expect(await redis.get('short')).toBeNull();
  });
});
