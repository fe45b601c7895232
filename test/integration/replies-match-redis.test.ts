import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureDebianPackages } from '../../tools/debian-packages.js';
import { EddyProcess } from '../support/eddy-process.js';
import { RedisServerProcess } from '../support/redis-server-process.js';
import { expectSameRepliesOn, run, type Step } from '../support/same-replies.js';

/**
 * Eddy against a real redis-server 7.0 (the version Eddy claims): the same commands go to both over
 * raw RESP connections and the reply bytes must be the same. One test per behaviour that once
 * differed (issue 23, item 6), then seeded random command sequences.
 */

let redis: RedisServerProcess;
let eddy: EddyProcess;

beforeAll(() => ensureDebianPackages({ 'redis-server': 'redis-server' }), 300_000);
beforeAll(async () => {
  [redis, eddy] = await Promise.all([RedisServerProcess.start(), EddyProcess.start(['--shards', '2'])]);
});
afterAll(async () => {
  await Promise.all([redis?.stop(), eddy?.stop()]);
});

/** Runs the steps on both servers; expects the same replies, command by command; Redis's replies. */
const expectSameReplies = (steps: readonly Step[]): Promise<string[]> => expectSameRepliesOn(redis.port, eddy.port, steps);

const EXECABORT = '-EXECABORT Transaction discarded because of previous errors.\r\n';

describe('replies match redis-server 7.0', () => {
  test('MULTI refuses an unknown subcommand or a wrong subcommand arity when queuing, and EXEC discards the transaction', async () => {
    const replies = await expectSameReplies([
      ...[
        ['OBJECT', 'NOSUCH', 'x'],
        ['CLIENT', 'NOSUCH'],
        ['SCRIPT', 'NOSUCH'],
        ['OBJECT', 'ENCODING'],
        ['CONFIG', 'GET'],
        ['CLIENT', 'ID', 'extra'],
      ].flatMap((refused) => [['MULTI'], ['SET', 'x', '1'], refused, ['EXEC'], ['GET', 'x']]),
      ['MULTI'],
      ['OBJECT', 'ENCODING', 'x'],
      ['CONFIG', 'SET', 'a', 'b', 'c'],
      ['EXEC'],
    ]);
    expect(replies[3]).toBe(EXECABORT);
    expect(replies[4]).toBe('$-1\r\n');
  });

  test('subcommand arity and argument errors outside MULTI, and from scripts', async () => {
    await expectSameReplies([
      ['CLIENT', 'GETNAME', 'x'],
      ['CLIENT', 'INFO', 'x'],
      ['CLIENT'],
      ['COMMAND', 'COUNT', 'x'],
      ['COMMAND', 'GETKEYS', 'get'],
      ['COMMAND', 'GETKEYS', 'object', 'encoding', 'k'],
      ['CONFIG', 'RESETSTAT', 'x'],
      ['CONFIG', 'SET', 'a', 'b', 'c'],
      ['FUNCTION', 'DELETE'],
      ['FUNCTION', 'LOAD'],
      ['FUNCTION', 'LOAD', 'NOPE', 'code'],
      ['FUNCTION', 'FLUSH', 'a', 'b'],
      ['FUNCTION', 'FLUSH', 'a'],
      ['FUNCTION', 'LIST', 'WITHCODE', 'x'],
      ['FUNCTION', 'LIST', 'LIBRARYNAME'],
      ['FUNCTION', 'RESTORE', 'x', 'y', 'z'],
      ['FUNCTION', 'KILL', 'x'],
      ['OBJECT', 'ENCODING', 'a', 'b'],
      ['OBJECT', 'HELP'],
      ['OBJECT', 'FREQ', 'nokey'],
      ['PUBSUB', 'CHANNELS', 'a', 'b'],
      ['PUBSUB', 'NUMPAT', 'x'],
      ['SCRIPT', 'LOAD'],
      ['SCRIPT', 'EXISTS'],
      ['SCRIPT', 'FLUSH', 'a', 'b'],
      ['EVAL', "return redis.pcall('object', 'nosuch', 'x')", '0'],
      ['EVAL', "return redis.pcall('object', 'encoding')", '0'],
      ['EVAL', "return redis.pcall('client', 'id')", '0'],
      ['EVAL', "return redis.pcall('config', 'get', 'maxmemory')", '0'],
    ]);
  });

  test('WATCH of a key already expired: its deletion, FLUSHALL, SWAPDB or reaping is no change; writing it is', async () => {
    const watchThen = (...change: Step[]): Step[] => [['SET', 'k', 'v', 'PXAT', '1000'], ['WATCH', 'k'], ...change, ['MULTI'], ['PING'], ['EXEC']];
    const replies = await expectSameReplies([
      ...watchThen({ args: ['DEL', 'k'], on: 1 }),
      ...watchThen({ args: ['FLUSHALL'], on: 1 }),
      ...watchThen({ args: ['GET', 'x'], wait: 300 }),
      ...watchThen({ args: ['SET', 'k', '2'], on: 1 }),
      ...watchThen({ args: ['DEL', 'k'], on: 1 }, { args: ['SET', 'k', '2'], on: 1 }),
      ...watchThen({ args: ['SET', 'k', '2'], on: 1 }, { args: ['FLUSHALL'], on: 1 }),
      ['SET', 'k1', 'v', 'PXAT', '1000'],
      ['SET', 'k3', 'v', 'PXAT', '1000'],
      ['WATCH', 'k1', 'k3'],
      { args: ['DEL', 'k3'], on: 1 },
      ['MULTI'],
      ['PING'],
      ['EXEC'],
      // A missing key swapped for an expired one counts as already expired.
      { args: ['SELECT', '1'], on: 1 },
      { args: ['SET', 'm', 'v', 'PXAT', '1000'], on: 1 },
      ['WATCH', 'm'],
      { args: ['SWAPDB', '0', '1'], on: 1 },
      { args: ['FLUSHDB'], on: 1 },
      ['MULTI'],
      ['PING'],
      ['EXEC'],
      // A key with a TTL that expires after WATCH still aborts.
      ['SET', 't', 'v', 'PX', '50'],
      ['WATCH', 't'],
      { args: ['MULTI'], wait: 150 },
      ['PING'],
      ['EXEC'],
    ]);
    expect(replies[5]).toBe('*1\r\n+PONG\r\n');
  });

  test('glob patterns follow stringmatchlen: an unclosed [ runs to the end of the pattern', async () => {
    const keys = (pattern: string): Step => ({ args: ['KEYS', pattern], sorted: true });
    const replies = await expectSameReplies([
      ['MSET', 's1', 'a', 's2', 'b', 'sx', 'c', 's]', 'd', 's-', 'e', 's\\', 'f', 's^', 'g', 'S1', 'h', '', 'i'],
      keys('s[0-9'),
      keys('s[1'),
      keys('s[^1'),
      keys('s['),
      keys('s[^'),
      keys('s[]1]'),
      keys('s[a-]'),
      keys('s[\\]]'),
      keys('s\\'),
      keys('s[x-'),
      keys('*'),
      keys('**'),
      keys('?*'),
      { args: ['SCAN', '0', 'MATCH', 's[0-9'], scan: true },
      ['CONFIG', 'GET', 'MAXMEMORY-P[o'],
    ]);
    expect(replies[1]).toBe('*2\r\n$2\r\ns1\r\n$2\r\ns2\r\n');
  });

  test('numeric SORT reads elements as strtod does: "" is 0, leading spaces and hex are read', async () => {
    await expectSameReplies([
      ['RPUSH', 'l', '', '3', '1', ' 5', '\t7', '0x1p3', '-inf', 'inf', '2.5', '0x10', '0'],
      ['SORT', 'l'],
      ['SORT', 'l', 'DESC', 'LIMIT', '1', '4'],
      ['RPUSH', 'nul', '5\u0000abc', '3'],
      ['SORT', 'nul'],
      ['RPUSH', 'bad', '1', '5 '],
      ['SORT', 'bad'],
      ['RPUSH', 'nan', 'nan'],
      ['SORT', 'nan'],
    ]);
  });

  test('SMOVE, LINDEX, LSET and GETEX look the key up before they check their arguments', async () => {
    await expectSameReplies([
      ['SET', 'str', 'v'],
      ['SMOVE', 'nosrc', 'str', 'm'],
      ['SADD', 'src', 'a'],
      ['SMOVE', 'src', 'str', 'zzz'],
      ['SMOVE', 'str', 'src', 'a'],
      ['LINDEX', 'nolist', 'abc'],
      ['LINDEX', 'str', 'abc'],
      ['GETEX', 'nokey', 'EX', '-1'],
      ['GETEX', 'nokey', 'EX', 'abc'],
      ['GETEX', 'str', 'EX', '-1'],
      ['LSET', 'nol', 'abc', 'x'],
      ['RPUSH', 'list', 'a'],
      ['LSET', 'list', 'abc', 'x'],
    ]);
  });

  test('lex ranges refuse an invalid bound on either side', async () => {
    await expectSameReplies([
      ['ZADD', 'z', '0', 'a', '0', 'b', '0', 'c'],
      ['ZLEXCOUNT', 'z', '+', 'a'],
      ['ZLEXCOUNT', 'z', 'a', '+'],
      ['ZLEXCOUNT', 'nokey', '+', 'a'],
      ['ZRANGEBYLEX', 'z', '+', 'a'],
      ['ZREVRANGEBYLEX', 'z', 'a', '+'],
      ['ZREMRANGEBYLEX', 'z', '+', 'a'],
      ['ZRANGE', 'z', '+', 'a', 'BYLEX'],
      ['ZLEXCOUNT', 'z', '+', '-'],
      ['ZLEXCOUNT', 'z', '-', '-'],
      ['ZLEXCOUNT', 'z', '+', '+'],
      ['ZRANGEBYLEX', 'z', '-', '(b'],
      ['ZREMRANGEBYLEX', 'z', '+', '-'],
    ]);
  });

  test('ZRANGE by rank takes LIMIT with a count of -1; BYSCORE, BYLEX and REV may appear once', async () => {
    await expectSameReplies([
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
      ['ZRANGE', 'z', '0', '-1', 'LIMIT', '1', '-1'],
      ['ZRANGE', 'z', '0', '-1', 'LIMIT', '5', '-1', 'WITHSCORES'],
      ['ZRANGE', 'z', '0', '-1', 'LIMIT', '0', '-5'],
      ['ZRANGE', 'z', '0', '-1', 'REV', 'REV'],
      ['ZRANGE', 'z', '0', '5', 'BYSCORE', 'BYSCORE'],
      ['ZRANGE', 'z', '-', '+', 'BYSCORE', 'BYLEX'],
      ['ZRANGEBYSCORE', 'z', '0', '5', 'REV'],
      ['ZRANGE', 'z', '(1', '5', 'BYSCORE', 'LIMIT', '1', '1', 'LIMIT', '0', '5'],
    ]);
  });

  test('SET takes repeated options; conflicting ones and syntax errors beat a bad expire amount', async () => {
    await expectSameReplies([
      ['SET', 'k', 'v', 'NX', 'NX'],
      ['SET', 'k', 'w', 'GET', 'GET'],
      ['SET', 'k', 'x', 'XX', 'XX', 'GET'],
      ['SET', 'k', 'v', 'EX', '100', 'EX', '200'],
      ['SET', 'k', 'v', 'KEEPTTL', 'KEEPTTL'],
      ['SET', 'k', 'v', 'NX', 'XX'],
      ['SET', 'k', 'v', 'EX', '1', 'PX', '1'],
      ['SET', 'k', 'v', 'KEEPTTL', 'EX', '1'],
      ['SET', 'k', 'v', 'EX', 'x', 'NX', 'XX'],
      ['SET', 'k', 'v', 'EX', 'x', 'BOGUS'],
      ['SET', 'k', 'v', 'EX', '0'],
      ['SET', 'k', 'v', 'EX', 'x'],
      ['SET', 'k', 'v', 'EX'],
      ['GETEX', 'k', 'PERSIST', 'PERSIST'],
      ['GETEX', 'k', 'EX', '10', 'EX', '20'],
      ['GETEX', 'k', 'PERSIST', 'EX', '10'],
      ['GETEX', 'k', 'NX'],
      ['GET', 'k'],
    ]);
  });

  test('hex floats are read by ZADD, ZINCRBY, score ranges, WEIGHTS, INCRBYFLOAT and HINCRBYFLOAT', async () => {
    await expectSameReplies([
      ['ZADD', 'z', '0x10', 'a', '0x1.8p1', 'b', '0X1P-1', 'c', '0x.8', 'd', '-0x1p+2', 'e'],
      ['ZADD', 'z', '0x', 'f'],
      ['ZADD', 'z', '0x1p', 'f'],
      ['ZINCRBY', 'z', '0x10', 'a'],
      ['ZADD', 'z', 'INCR', '0x1p1', 'c'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZCOUNT', 'z', '0x1', '(0x20'],
      ['ZCOUNT', 'z', '', ' 3'],
      ['ZUNIONSTORE', 'u', '1', 'z', 'WEIGHTS', '0x2'],
      ['ZSCORE', 'u', 'a'],
      ['INCRBYFLOAT', 'f', '0x10'],
      ['SET', 'g', '0x10'],
      ['INCRBYFLOAT', 'g', '1'],
      ['HINCRBYFLOAT', 'h', 'f', '0x1.8p1'],
      ['HSET', 'h', 'g', '0x10'],
      ['HINCRBYFLOAT', 'h', 'g', '1'],
    ]);
  });

  test('INCRBYFLOAT and HINCRBYFLOAT compute in long double: its range, rounding and printed digits', async () => {
    const replies = await expectSameReplies([
      ['INCRBYFLOAT', 'big', '1e400'],
      ['INCRBYFLOAT', 'big', '0.1'],
      ['INCRBYFLOAT', 'huge', '1.1e4900'],
      ['INCRBYFLOAT', 'over', '1e4940'],
      ['INCRBYFLOAT', 'tiny', '1e-4950'],
      ['INCRBYFLOAT', 'zero', '1e-5000'],
      ['INCRBYFLOAT', 'sum', '0.1'],
      ['INCRBYFLOAT', 'sum', '0.2'],
      ['INCRBYFLOAT', 'wide', '1e20'],
      ['INCRBYFLOAT', 'wide', '0.1'],
      ['INCRBYFLOAT', 'tie', '0.000003814697265625'],
      ['INCRBYFLOAT', 'digits', '123456789.123456789'],
      ['INCRBYFLOAT', 'neg', '-5e-18'],
      ['INCRBYFLOAT', 'neg2', '-1.25'],
      ['INCRBYFLOAT', 'max', '1.7976931348623157e308'],
      ['INCRBYFLOAT', 'max', '1.7976931348623157e308'],
      ['INCRBYFLOAT', 'i64', '18446744073709551617'],
      ['INCRBYFLOAT', 'inf', 'inf'],
      ['INCRBYFLOAT', 'nan', 'nan'],
      ['INCRBYFLOAT', 'space', ' 1'],
      ['HINCRBYFLOAT', 'h', 'big', '1e400'],
      ['HINCRBYFLOAT', 'h', 'big', '0.1'],
      ['HINCRBYFLOAT', 'h', 'inf', 'inf'],
      ['HSET', 'h', 'text', 'abc'],
      ['HINCRBYFLOAT', 'h', 'text', '1'],
    ]);
    expect(replies[0]).toMatch(/^\$401\r\n100000000000000000002818806839/);
  });

  test('count arguments: SPOP and ZPOPMIN answer "must be positive" for a non-integer too', async () => {
    await expectSameReplies([
      ['SADD', 's', 'a'],
      ['SPOP', 's', 'x'],
      ['SPOP', 'nokey', 'x'],
      ['SPOP', 's', '-1'],
      ['ZADD', 'z', '1', 'a'],
      ['ZPOPMIN', 'z', 'abc'],
      ['ZPOPMAX', 'nokey', 'abc'],
      ['ZPOPMIN', 'z', '-1'],
      ['LPOP', 'nokey', 'x'],
    ]);
  });

  test('ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD check key types before their options', async () => {
    await expectSameReplies([
      ['SET', 'str', 'v'],
      ['ZADD', 'z', '1', 'a'],
      ['ZUNION', '2', 'str', 'nokey', 'WEIGHTS', 'x', '1'],
      ['ZUNION', '2', 'nokey', 'str', 'AGGREGATE', 'foo'],
      ['ZUNIONSTORE', 'd', '2', 'str', 'nokey', 'WEIGHTS', 'x', '1'],
      ['ZINTER', '2', 'str', 'nokey', 'BOGUS'],
      ['ZDIFF', '2', 'str', 'nokey', 'WITHSCORES', 'x'],
      ['ZUNION', '2', 'z', 'nokey', 'WEIGHTS', 'x', '1'],
      ['ZUNION', '1', 'z', 'WEIGHTS', '1', 'WEIGHTS', '2', 'WITHSCORES'],
      ['ZINTERCARD', '2', 'str', 'nokey', 'LIMIT', 'x'],
      ['ZINTERCARD', '0', 'z'],
      ['ZINTERCARD', '3', 'z'],
      ['ZINTERCARD', 'x', 'z'],
      ['ZINTERCARD', '1', 'z', 'LIMIT', '1', 'LIMIT', '2'],
      ['ZINTERCARD', '1', 'z', 'WEIGHTS', '1'],
    ]);
  });

  test('EXPIRE and its kin read their flags before the amount', async () => {
    await expectSameReplies([
      ['SET', 'k', 'v'],
      ['PEXPIRE', 'k', 'x', 'BOGUS'],
      ['EXPIRE', 'k', 'x', 'NX', 'XX'],
      ['EXPIRE', 'k', 'x', 'GT', 'LT'],
      ['EXPIREAT', 'k', 'x', 'NX'],
      ['PEXPIRE', 'k', '100', 'BOGUS'],
      ['EXPIRE', 'k', '100', 'NX', 'NX'],
    ]);
  });

  test('LCS checks both keys are strings before it reads its options', async () => {
    await expectSameReplies([
      ['RPUSH', 'list', 'a'],
      ['SET', 'a', 'ohmytext'],
      ['SET', 'b', 'mynewtext'],
      ['LCS', 'list', 'b', 'MINMATCHLEN', 'x'],
      ['LCS', 'a', 'list', 'BOGUS'],
      ['LCS', 'a', 'b', 'MINMATCHLEN', 'x'],
      ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'],
      ['LCS', 'a', 'b', 'LEN', 'IDX'],
    ]);
  });

  test('error texts cut an argument at a NUL byte, as printf does', async () => {
    await expectSameReplies([
      ['FOO\u0000BAR', 'a\u0000b', 'c'],
      ['OBJECT', 'NO\u0000SUCH', 'k'],
      ['SET', 'k', 'v'],
      ['EXPIRE', 'k', '10', 'BO\u0000GUS'],
    ]);
  });

  test('Eddy claims Redis 7.0.15: INFO and HELLO name it, doubles print as %.17g, OBJECT ENCODING uses 7.0 names', async () => {
    const [redisInfo, eddyInfo] = await Promise.all([run(redis.port, [['INFO', 'server']]), run(eddy.port, [['INFO', 'server']])]);
    const version = (info: string[]) => /redis_version:[^\r]*/.exec(info[0])?.[0];
    expect(version(eddyInfo)).toBe(version(redisInfo));
    // HELLO names the client's id, which differs: the rest must not.
    const hello = (protocol: string): Step => ({ args: ['HELLO', protocol], masked: /\$2\r\nid\r\n:\d+\r\n/ });
    await expectSameReplies([
      ['ZADD', 'z', '0.1', 'a', '1.5', 'b', '1e20', 'c', '-0', 'd', '1.00000762939453125', 'e', '123456789.123', 'f', '0.0001234', 'g', '1e-5', 'h', '99999999999999999', 'i'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZSCORE', 'z', 'a'],
      ['ZINCRBY', 'z', '0.2', 'a'],
      ['ZADD', 'z', 'INCR', '0.1', 'b'],
      ['ZSCAN', 'z', '0'],
      ['ZMSCORE', 'z', 'e', 'f', 'nope'],
      ['EVAL', "redis.call('set', 'lua', 0.1) return redis.call('get', 'lua')", '0'],
      ['EVAL', "redis.call('set', 'lua', 1/3) return redis.call('get', 'lua')", '0'],
      ['EVAL', "return redis.call('zscore', 'z', 'a')", '0'],
      hello('3'),
      ['ZSCORE', 'z', 'a'],
      ['ZRANGE', 'z', '0', '1', 'WITHSCORES'],
      ['ZPOPMIN', 'z'],
      hello('2'),
      ['RPUSH', 'list', 'a'],
      ['OBJECT', 'ENCODING', 'list'],
      ['SADD', 'ints', '1', '2', '3'],
      ['OBJECT', 'ENCODING', 'ints'],
      ['SADD', 'words', 'a', 'b'],
      ['OBJECT', 'ENCODING', 'words'],
      ['SADD', 'many', ...Array.from({ length: 513 }, (_, i) => String(i))],
      ['OBJECT', 'ENCODING', 'many'],
      ['HSET', 'h', 'f', 'v'],
      ['OBJECT', 'ENCODING', 'h'],
      ['HSET', 'h', 'long', 'x'.repeat(65)],
      ['OBJECT', 'ENCODING', 'h'],
      ['ZADD', 'small', '1', 'a'],
      ['OBJECT', 'ENCODING', 'small'],
      ['ZADD', 'large', ...Array.from({ length: 129 }, (_, i) => [String(i), `m${i}`]).flat()],
      ['OBJECT', 'ENCODING', 'large'],
      ['SET', 'n', '12345'],
      ['OBJECT', 'ENCODING', 'n'],
      ['SET', 's', 'short'],
      ['OBJECT', 'ENCODING', 's'],
      ['SET', 'r', 'r'.repeat(45)],
      ['OBJECT', 'ENCODING', 'r'],
    ]);
  });

  test('GETEX with an EXAT or PXAT in the past deletes the key at once', async () => {
    await expectSameReplies([
      ['SET', 'a', '1'],
      ['SET', 'b', '2'],
      ['SET', 'c', '3'],
      ['GETEX', 'a', 'PXAT', '1000'],
      ['GETEX', 'b', 'EXAT', '1'],
      ['DBSIZE'],
      ['EXISTS', 'a', 'b', 'c'],
    ]);
  });

  test('COMMAND GETKEYS finds the keys of commands whose keys move (numkeys, SORT ... STORE)', async () => {
    await expectSameReplies(
      [
        ['sort', 'abc', 'store', 'def'],
        ['sort', 'abc', 'store', 'invalid', 'store', 'stillbad', 'store', 'def'],
        ['sort', 'abc', 'limit', '0', '1', 'by', 'store', 'get', 'x'],
        ['sort_ro', 'abc'],
        ['eval', 'return 1', '2', 'a', 'b'],
        ['eval', 'return 1', '0'],
        ['eval', 'return 1', '-1'],
        ['evalsha_ro', 'x', '1', 'a'],
        ['fcall', 'f', '1', 'a', 'b'],
        ['zunionstore', 'd', '2', 'a', 'b'],
        ['zunionstore', 'd', '5', 'a', 'b'],
        ['zinter', '2', 'a', 'b', 'WEIGHTS', '1', '2'],
        ['lmpop', '2', 'a', 'b', 'left'],
        ['lmpop', '0', 'a', 'left'],
        ['bzmpop', '0', '1', 'z', 'min'],
        ['sintercard', '2', 'a', 'b'],
        ['get', 'a'],
        ['mset', 'a', '1', 'b', '2'],
      ].map((named) => ['COMMAND', 'GETKEYS', ...named]),
    );
  });

  test('LOLWUT, and DEBUG refused as redis-server refuses it by default', async () => {
    await expectSameReplies([
      ['LOLWUT'],
      ['LOLWUT', 'VERSION', 'x'],
      ['LOLWUT', '10', '20'],
      { args: ['HELLO', '3'], masked: /:\d+\r\n\$4\r\nmode/ },
      ['LOLWUT'],
      ['DEBUG', 'SLEEP', '0'],
      ['DEBUG', 'DIGEST'],
    ]);
  });

  test('expire times up to 2^63-1 ms as Redis reckons them in 64 bits, not 2^53', async () => {
    const keyThen = (...command: string[]) => [['SET', 'foo', 'bar'], command, ['PEXPIRETIME', 'foo'], ['EXISTS', 'foo']];
    await expectSameReplies([
      ...keyThen('PEXPIREAT', 'foo', '9223372036854770000'),
      ...keyThen('EXPIREAT', 'foo', '9223372036854775'),
      ...keyThen('EXPIREAT', 'foo', '9223372036854776'),
      ...keyThen('EXPIRE', 'foo', '10000000000000000'),
      ...keyThen('EXPIRE', 'foo', '-9999999999999999'),
      ...keyThen('PEXPIRE', 'foo', '9223372036854770000'),
      ...keyThen('PEXPIREAT', 'foo', '-9223372036854770000'),
      ...keyThen('SET', 'foo', 'bar', 'PXAT', '9223372036854770000'),
      ...keyThen('SET', 'foo', 'bar', 'EX', '9223372036854775'),
      ...keyThen('SET', 'foo', 'bar', 'EXAT', '9223372036854775'),
      ...keyThen('SET', 'foo', 'bar', 'EX', '9223372036854776'),
      ...keyThen('GETEX', 'foo', 'PXAT', '9223372036854770000'),
      ...keyThen('GETEX', 'foo', 'PX', '9223372036854770000'),
      ...keyThen('PEXPIREAT', 'foo', '9223372036854775808'),
    ]);
  });

  test('SORT BY a constant: a sorted set keeps its score order (DESC reversing it), a stored set is sorted anyway', async () => {
    await expectSameReplies([
      ['ZADD', 'z', '1', 'a', '5', 'b', '2', 'c', '10', 'd', '3', 'e'],
      ['SORT', 'z', 'BY', 'nosort'],
      ['SORT', 'z', 'BY', 'nosort', 'DESC'],
      ['SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', '0', '2'],
      ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '1', '2'],
      ['EVAL', "return redis.call('sort', KEYS[1], 'by', 'nosort', 'desc')", '1', 'z'],
      ['SADD', 's', 'b', 'aa', 'c', 'a', 'azz'],
      ['SORT', 's', 'ALPHA', 'BY', '_', 'STORE', 'l'],
      ['LRANGE', 'l', '0', '-1'],
      ['EVAL', "return redis.call('sort', KEYS[1], 'by', 'nosort')", '1', 's'],
      ['RPUSH', 'list', 'c', 'a', 'b'],
      ['SORT', 'list', 'BY', 'nosort', 'DESC'],
    ]);
  });
});

/** Random command sequences over a few keys of every type, with awkward arguments. */
describe('the command table matches redis-server 7.0', () => {
  /** Where Eddy's rows differ from Redis's on purpose, and why. */
  const DEVIATIONS: Readonly<Record<string, string>> = {
    ssubscribe: 'shard channels are not keys on one node: no key positions',
    sunsubscribe: 'shard channels are not keys on one node: no key positions',
    spublish: 'shard channels are not keys on one node: no key positions',
    object: "the container routes by its subcommands' key, the second argument",
    xgroup: "the container routes by its subcommands' key, the second argument",
    xinfo: "the container routes by its subcommands' key, the second argument",
    zrank: "Redis 7.2's WITHSCORE is kept",
    zrevrank: "Redis 7.2's WITHSCORE is kept",
  };

  /** COMMAND INFO's rows, subcommands included, by name. */
  async function rows(port: number): Promise<Map<string, unknown[]>> {
    const client = new Redis({ port });
    const all = (await client.command('INFO')) as unknown[][];
    client.disconnect();
    const byName = new Map<string, unknown[]>();
    for (const row of all) for (const each of [row, ...((row[9] as unknown[][]) ?? [])]) byName.set(each[0] as string, each);
    return byName;
  }

  test('every command and subcommand both have: the same arity, key positions and ACL categories', async () => {
    const [ours, theirs] = await Promise.all([rows(eddy.port), rows(redis.port)]);
    const compared: string[] = [];
    for (const [name, row] of ours) {
      const reference = theirs.get(name);
      if (reference === undefined) continue;
      compared.push(name);
      expect(row[6], `${name}: ACL categories`).toEqual(reference[6]);
      if (DEVIATIONS[name] === undefined)
        expect(row.slice(1, 2).concat(row.slice(3, 6)), `${name}: arity and key positions`).toEqual(reference.slice(1, 2).concat(reference.slice(3, 6)));
    }
    expect(compared.length).toBeGreaterThan(200);
  });
});

describe('seeded random command sequences get the same replies from Eddy and redis-server', () => {
  const key = fc.constantFrom('a', 'b', 'c');
  const value = fc.constantFrom('', '0', '1', '-1', '10', '3.5', '0x10', ' 5', 'x', 'y', 'abc', '1e3', 'inf', '-inf', 'nan', '9223372036854775807', '0.1', 'x y');
  const integer = fc.constantFrom('-2', '-1', '0', '1', '2', '3', '10', 'x', '1.5');
  const score = fc.constantFrom('0', '1', '-1', '1.5', '2', '0.1', 'inf', '-inf', '0x10', '1e3', 'nan', 'x', '');
  const bound = fc.constantFrom('-inf', '+inf', '0', '1', '(1', '2', '(0x2', '', ' 1', 'x', '(');
  const lex = fc.constantFrom('-', '+', '[a', '(b', '[', '(', 'a', '[x', '(1');
  const pattern = fc.constantFrom('*', 'a', '?', '[ab]', '[a-', '[^a]', 'a*', '\\a', '[]a]', '');
  const member = fc.constantFrom('x', 'y', 'z', '1', '2', '10', '');
  const options = <T extends string>(...choices: T[][]) => fc.constantFrom(...choices);
  const command = (name: string, ...parts: fc.Arbitrary<string | string[]>[]): fc.Arbitrary<Step> => fc.tuple(...parts).map((values) => [name, ...values.flat()]);
  const sorted = (step: fc.Arbitrary<Step>): fc.Arbitrary<Step> => step.map((args) => ({ args: args as string[], sorted: true }));
  const some = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { minLength: 1, maxLength: 3 });

  const strings = fc.oneof(
    command(
      'SET',
      key,
      value,
      options([], ['NX'], ['XX'], ['GET'], ['KEEPTTL'], ['PXAT', '1000'], ['EXAT', '4000000000', 'EXAT', '4100000000'], ['NX', 'GET'], ['EX', 'x'], ['PX', '0'], ['XX', 'NX']),
    ),
    command('GET', key),
    command('APPEND', key, value),
    command('INCR', key),
    command('INCRBY', key, integer),
    command('INCRBYFLOAT', key, fc.constantFrom('0.1', '1.5', '-2', '0x10', '1e20', 'x', 'inf', '3')),
    command('GETRANGE', key, integer, integer),
    command('SETRANGE', key, fc.constantFrom('0', '2', '-1', 'x'), value),
    command('STRLEN', key),
    command('GETDEL', key),
    command('GETSET', key, value),
    command('SETNX', key, value),
    command('MSET', key, value, key, value),
    command('MGET', key, key, key),
    command('GETEX', key, options([], ['PERSIST'], ['PXAT', '1000'], ['EXAT', '4000000000'], ['EX', '-1'], ['NX'], ['PERSIST', 'EX', '1'])),
    command('LCS', key, key, options([], ['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN', 'MINMATCHLEN', '1'], ['MINMATCHLEN', 'x'])),
  );
  const keyspace = fc.oneof(
    command('DEL', some(key)),
    command('EXISTS', some(key)),
    command('TYPE', key),
    command('RENAME', key, key),
    command('RENAMENX', key, key),
    command('COPY', key, key, options([], ['REPLACE'])),
    command('PERSIST', key),
    command('EXPIREAT', key, fc.constantFrom('4000000000', '5000000000', '1', 'x'), options([], ['NX'], ['XX'], ['GT'], ['LT'], ['NX', 'XX'], ['BOGUS'])),
    command('EXPIRETIME', key),
    sorted(command('KEYS', pattern)),
    command('DBSIZE'),
    command('SORT', key, options([], ['ALPHA'], ['DESC'], ['LIMIT', '1', '2'], ['ALPHA', 'DESC', 'LIMIT', '0', '1'], ['STORE', 'c'], ['ALPHA', 'STORE', 'a'])),
    // Not OBJECT ENCODING: Redis tells embstr from raw by how a string was written (APPEND makes raw).
    command('OBJECT', fc.constantFrom('NOSUCH', 'REFCOUNTS'), key),
  );
  const hashes = fc.oneof(
    command('HSET', key, member, value),
    command('HSETNX', key, member, value),
    command('HGET', key, member),
    command('HDEL', key, some(member)),
    command('HLEN', key),
    command('HEXISTS', key, member),
    command('HSTRLEN', key, member),
    command('HINCRBY', key, member, integer),
    command('HINCRBYFLOAT', key, member, fc.constantFrom('0.1', '-1.5', '0x10', 'inf', 'x', '1e30')),
    command('HGETALL', key),
    command('HKEYS', key),
    command('HVALS', key),
    command('HMGET', key, some(member)),
  );
  const lists = fc.oneof(
    command('RPUSH', key, some(value)),
    command('LPUSH', key, some(value)),
    command('LPUSHX', key, value),
    command('LPOP', key, options([], ['1'], ['3'], ['0'], ['-1'], ['x'])),
    command('RPOP', key, options([], ['2'])),
    command('LRANGE', key, integer, integer),
    command('LINDEX', key, integer),
    command('LSET', key, integer, value),
    command('LINSERT', key, fc.constantFrom('BEFORE', 'AFTER', 'x'), value, value),
    command('LREM', key, integer, value),
    command('LTRIM', key, integer, integer),
    command('LPOS', key, value, options([], ['RANK', '-1'], ['COUNT', '0'], ['RANK', '0'], ['MAXLEN', '2', 'COUNT', '2'])),
    command('LMOVE', key, key, fc.constantFrom('LEFT', 'RIGHT'), fc.constantFrom('LEFT', 'RIGHT', 'UP')),
    command('LLEN', key),
  );
  const sets = fc.oneof(
    command('SADD', key, some(member)),
    command('SREM', key, some(member)),
    sorted(command('SMEMBERS', key)),
    command('SISMEMBER', key, member),
    command('SMISMEMBER', key, some(member)),
    command('SCARD', key),
    command('SMOVE', key, key, member),
    sorted(command('SINTER', some(key))),
    sorted(command('SUNION', some(key))),
    sorted(command('SDIFF', some(key))),
    command('SINTERSTORE', key, some(key)),
    command('SUNIONSTORE', key, some(key)),
    command('SDIFFSTORE', key, some(key)),
    command('SINTERCARD', fc.constantFrom('1', '2', '0', 'x'), key, key, options([], ['LIMIT', '1'], ['LIMIT', '-1'])),
  );
  const zsets = fc.oneof(
    command('ZADD', key, options([], ['NX'], ['XX'], ['GT'], ['LT', 'CH'], ['INCR'], ['NX', 'XX'], ['GT', 'LT']), score, member),
    command('ZADD', key, score, member, score, member),
    command('ZINCRBY', key, score, member),
    command('ZREM', key, some(member)),
    command('ZSCORE', key, member),
    command('ZMSCORE', key, some(member)),
    command('ZCARD', key),
    command('ZRANK', key, member),
    command('ZREVRANK', key, member),
    command('ZCOUNT', key, bound, bound),
    command('ZLEXCOUNT', key, lex, lex),
    command('ZRANGE', key, integer, integer, options([], ['WITHSCORES'], ['REV'], ['LIMIT', '1', '-1'], ['REV', 'REV'])),
    command('ZRANGE', key, bound, bound, fc.constantFrom('BYSCORE'), options([], ['REV'], ['WITHSCORES'], ['LIMIT', '0', '2'], ['LIMIT', '1', '-1', 'WITHSCORES'])),
    command('ZRANGE', key, lex, lex, fc.constantFrom('BYLEX'), options([], ['REV'], ['LIMIT', '1', '1'], ['WITHSCORES'])),
    command('ZRANGEBYSCORE', key, bound, bound, options([], ['WITHSCORES'], ['LIMIT', '1', '2'])),
    command('ZREVRANGEBYSCORE', key, bound, bound),
    command('ZRANGEBYLEX', key, lex, lex),
    command('ZREVRANGE', key, integer, integer, options([], ['WITHSCORES'])),
    command('ZPOPMIN', key, options([], ['1'], ['2'], ['-1'], ['x'])),
    command('ZPOPMAX', key, options([], ['3'])),
    command('ZREMRANGEBYRANK', key, integer, integer),
    command('ZREMRANGEBYSCORE', key, bound, bound),
    command('ZREMRANGEBYLEX', key, lex, lex),
    command(
      'ZUNIONSTORE',
      key,
      fc.constantFrom('1', '2', '0', 'x'),
      key,
      key,
      options([], ['WEIGHTS', '2', '0x1'], ['AGGREGATE', 'MAX'], ['WEIGHTS', 'x', '1'], ['AGGREGATE', 'x']),
    ),
    command('ZINTERSTORE', key, fc.constantFrom('2'), key, key, options([], ['AGGREGATE', 'MIN'])),
    command('ZUNION', fc.constantFrom('2', '3'), key, key, options([], ['WITHSCORES'], ['WEIGHTS', '1', '-1', 'WITHSCORES'])),
    command('ZINTER', fc.constantFrom('2'), key, key, options([], ['WITHSCORES'])),
    command('ZDIFF', fc.constantFrom('2'), key, key, options([], ['WITHSCORES'])),
    command('ZINTERCARD', fc.constantFrom('2', '0'), key, key, options([], ['LIMIT', '1'], ['LIMIT', 'x'])),
    command('ZRANGESTORE', key, key, integer, integer),
  );
  const transactions = fc.oneof(command('MULTI'), command('EXEC'), command('DISCARD'), command('WATCH', key), command('UNWATCH'));
  const scripts = fc.oneof(
    command('EVAL', fc.constant('return redis.pcall(ARGV[1], KEYS[1], ARGV[2])'), fc.constant('1'), key, fc.constantFrom('incrbyfloat', 'zincrby', 'lindex', 'get', 'type'), value),
    command('EVAL', fc.constant("redis.call('set', KEYS[1], tonumber(ARGV[1]) / 3) return redis.call('get', KEYS[1])"), fc.constant('1'), key, fc.constantFrom('1', '0.1', '7')),
  );
  // Relative expiry times are left out (EXPIRETIME would see each server's clock), and so are values
  // past 64 bytes in hashes (Redis's hashtable order is its own).
  const step = fc.oneof(strings, keyspace, hashes, lists, sets, zsets, transactions, scripts);

  test('random sequences of string, key, hash, list, set, sorted-set, SORT, MULTI/WATCH and EVAL commands', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 10, maxLength: 60 }), async (steps) => {
        await expectSameReplies(steps);
      }),
      { seed: 23, numRuns: 200 },
    );
  }, 120_000);
});
