import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Config } from '../../src/config/config.js';
import { ACCEPTED_ONLY_NAMES } from '../../src/config/option-table.js';
import { ConfigError, keyspaceEventFlags, parseOutputLimits, parseSaveRules } from '../../src/config/option-values.js';
import { parseRetention } from '../../src/log/retention.js';
import { durationMs, memoryAmount, memoryBytes } from '../../src/formats/units.js';

describe('units', () => {
  it.each([
    ['100', 100],
    ['1k', 1000],
    ['1kb', 1024],
    ['2MB', 2 * 1024 ** 2],
    ['1g', 1e9],
    ['1gb', 1024 ** 3],
    ['1tb', undefined],
    ['-1', undefined],
    ['1.5mb', undefined],
    ['1B', 1],
    ['', undefined],
  ])('memory %s is %s bytes', (raw, bytes) => expect(memoryBytes(raw)).toBe(bytes));

  it.each([
    ['', 0n],
    ['kb', 0n],
    ['007', 7n],
    ['18446744073709551616', 2n ** 64n - 1n],
    ['18446744073709551615k', ((2n ** 64n - 1n) * 1000n) % 2n ** 64n],
    ['1'.repeat(128), undefined],
    ['+5', undefined],
    [' 5', undefined],
  ])("memory %j reads as Redis's memtoull reads it: %s", (raw, bytes) => expect(memoryAmount(raw)).toBe(bytes));

  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['15m', 900_000],
    ['24h', 86_400_000],
    ['7D', 604_800_000],
    ['30', undefined],
    ['1w', undefined],
  ])('duration %s is %s ms', (raw, ms) => expect(durationMs(raw)).toBe(ms));
});

describe('option values', () => {
  it('save rules are seconds and changes pairs; "" is none', () => {
    expect(parseSaveRules('3600 1 300 100')).toEqual([
      [3600, 1],
      [300, 100],
    ]);
    expect(parseSaveRules('')).toEqual([]);
    for (const bad of ['3600', '60 x', '0 1', '60 -1', '60  1']) expect(() => parseSaveRules(bad)).toThrow(new ConfigError('Invalid save parameters'));
  });

  it('log retention is a duration and/or a size, each with its unit', () => {
    expect(parseRetention('24h')).toEqual({ ms: 86_400_000, bytes: undefined });
    expect(parseRetention('7d 10gb')).toEqual({ ms: 604_800_000, bytes: 10 * 1024 ** 3 });
    expect(parseRetention('100')).toBeUndefined();
    expect(parseRetention('soon')).toBeUndefined();
  });

  it('keyspace event classes read as Redis normalises them', () => {
    expect(keyspaceEventFlags('KEA')).toBe('AKE');
    expect(keyspaceEventFlags('Kx')).toBe('xK');
    expect(keyspaceEventFlags('Kq')).toBeUndefined();
  });

  it('client-output-buffer-limit classes, refused in Redis words', () => {
    expect(parseOutputLimits('pubsub 32mb 8mb 60').get('pubsub')).toEqual({ hard: 32 * 1024 ** 2, soft: 8 * 1024 ** 2, softSeconds: 60 });
    expect(parseOutputLimits('slave 1 2 3').get('replica')).toEqual({ hard: 1, soft: 2, softSeconds: 3 });
    expect(() => parseOutputLimits('pubsub 1 2')).toThrow(new ConfigError('Wrong number of arguments in buffer limit configuration.'));
    expect(() => parseOutputLimits('master 1 2 3')).toThrow(new ConfigError('Invalid client class specified in buffer limit configuration.'));
    expect(() => parseOutputLimits('normal 1 2 -3')).toThrow(new ConfigError('Error in hard, soft or soft_seconds setting in buffer limit configuration.'));
  });
});

describe('Config', () => {
  it('holds every option in its normal form from the start (CONFIG GET shows what Redis shows)', () => {
    const config = new Config();
    expect(config.get('script-memory-limit')).toBe(String(128 * 1024 ** 2));
    expect(config.get('client-output-buffer-limit')).toBe('normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
    expect(config.int('maxclients')).toBe(10_000);
    expect(config.matching(['hash-max-*'])).toEqual([
      ['hash-max-listpack-entries', '512'],
      ['hash-max-ziplist-entries', '512'],
      ['hash-max-listpack-value', '64'],
      ['hash-max-ziplist-value', '64'],
    ]);
  });

  it.each([
    ['hz', '0', '1'],
    ['hz', '1000', '500'],
    ['repl-backlog-size', '1k', '16384'],
    ['maxmemory', '1gb', '1073741824'],
    ['maxmemory-clients', '10%', '10%'],
    ['maxmemory-clients', '18446744073709551615', '1%'],
    ['oom-score-adj', 'RELATIVE', 'yes'],
    ['shutdown-on-sigint', 'now save force', 'save now force'],
    ['shutdown-on-sigint', 'default now', 'now'],
    ['latency-tracking-info-percentiles', '33.3333333 0x10 -0', '33.333333 16 -0'],
    ['save', '0100 +10 20 4294967295', '100 10 20 -1'],
    ['list-max-ziplist-size', '-5', '-5'],
  ])('%s %j reads back as Redis shows it: %j', (name, raw, shown) => {
    const config = new Config();
    config.setAtRuntime([[name, raw]]);
    expect(config.matching([name])).toEqual([[name, shown]]);
  });

  it.each([
    ['hash-max-ziplist-entries', '-1', 'argument must be between 0 and 9223372036854775807 inclusive'],
    ['hash-max-listpack-value', '+5', 'argument must be a memory value'],
    ['maxmemory-clients', '101%', 'percentage argument must be less or equal to 100'],
    ['maxmemory-clients', '-5%', 'argument must be a memory or percent value'],
    ['list-max-listpack-size', '2147483648', 'argument must be between -2147483648 and 2147483647 inclusive'],
    ['timeout', '007', "argument couldn't be parsed into an integer"],
    ['activerehashing', 'maybe', "argument must be 'yes' or 'no'"],
    ['shutdown-on-sigterm', 'save nosave', "shutdown options SAVE and NOSAVE can't be used simultaneously"],
    ['oom-score-adj-values', '1 2', 'wrong number of arguments'],
    ['latency-tracking-info-percentiles', '101', 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]'],
    ['proc-title-template', '{title}', 'template format is invalid or contains unknown variables'],
    ['cluster-announce-hostname', 'a_b', 'Hostnames may only contain alphanumeric characters, hyphens or dots'],
    ['tls-port', '6380', "can't set immutable config"],
  ])('CONFIG SET %s %j is refused: %s', (name, raw, message) => {
    expect(() => new Config().setAtRuntime([[name, raw]])).toThrow(new ConfigError(message, name));
  });

  it('refuses unknown options and bad values with the texts CONFIG SET and the command line use', () => {
    const config = new Config();
    expect(() => config.set('no-such-option', '1')).toThrow(new ConfigError("unknown option 'no-such-option'", 'no-such-option', true));
    expect(() => config.set('port', 'http')).toThrow(new ConfigError("argument couldn't be parsed into an integer"));
    expect(() => config.set('maxclients', '0')).toThrow(new ConfigError('argument must be between 1 and 4294967295 inclusive'));
    expect(() => config.set('appendfsync', 'sometimes')).toThrow(new ConfigError('argument(s) must be one of the following: everysec, always, no'));
  });

  it('changes nothing at run time when any pair of a CONFIG SET is refused, and tells listeners of what it does change', () => {
    const config = new Config();
    const heard: string[] = [];
    config.onChange('loglevel', (value) => heard.push(value));
    expect(() =>
      config.setAtRuntime([
        ['loglevel', 'warning'],
        ['appendfsync', 'sometimes'],
      ]),
    ).toThrow(ConfigError);
    expect(config.get('loglevel')).toBe('notice');
    expect(() => config.setAtRuntime([['port', '1']])).toThrow(new ConfigError("can't set immutable config", 'port'));
    config.setAtRuntime([['loglevel', 'WARNING']]);
    expect([config.get('loglevel'), heard]).toEqual(['warning', ['warning']]);
  });

  it('checks every name of a CONFIG SET before any value, and names the first one refused as Redis does', () => {
    const config = new Config();
    expect(() =>
      config.setAtRuntime([
        ['nosuch', '1'],
        ['daemonize', 'yes'],
      ]),
    ).toThrow(new ConfigError("unknown option 'nosuch'", 'nosuch', true));
    expect(() =>
      config.setAtRuntime([
        ['maxmemory', 'x'],
        ['DAEMONIZE', 'yes'],
      ]),
    ).toThrow(new ConfigError("can't set immutable config", 'DAEMONIZE'));
    expect(() => config.setAtRuntime([['dir', '/tmp']])).toThrow(new ConfigError("can't set protected config", 'dir'));
    expect(() =>
      config.setAtRuntime([
        ['maxmemory', '1'],
        ['MAXMEMORY', '2'],
      ]),
    ).toThrow(new ConfigError('duplicate parameter', 'MAXMEMORY'));
    // A bad value is named by the option's own name in lower case, or by the alias given.
    expect(() => config.setAtRuntime([['HASH-MAX-ZIPLIST-VALUE', 'x']])).toThrow(new ConfigError('argument must be a memory value', 'hash-max-ziplist-value'));
    // An option and its alias are two names: both may be set at once, the later winning.
    config.setAtRuntime([
      ['hash-max-ziplist-value', '10'],
      ['hash-max-listpack-value', '20'],
    ]);
    expect(config.get('hash-max-listpack-value')).toBe('20');
  });

  it('finds options by glob, aliases included; hidden ones only by their exact name, in the case asked (CONFIG GET)', () => {
    const config = new Config();
    const names = (...patterns: string[]) => config.matching(patterns).map(([name]) => name);
    expect(names('slave*')).toContain('slaveof');
    expect(names('*load*').sort()).toEqual(['aof-load-truncated', 'load-rdb', 'repl-diskless-load', 'sanitize-dump-payload']);
    expect(names('Key-Load-Delay', 'key-*')).toEqual(['Key-Load-Delay']);
    // A name asked for comes first, once; a glob's finds follow (in no order Redis promises).
    const [first, ...globbed] = names('maxmemory', 'MAXMEMORY', 'max*');
    expect([first, globbed.sort()]).toEqual(['maxmemory', ['maxclients', 'maxmemory-clients', 'maxmemory-eviction-tenacity', 'maxmemory-policy', 'maxmemory-samples']]);
    expect(names('no-such-option')).toEqual([]);
  });

  it('at start-up: save lines add up as in redis.conf, and names Redis 7.0 ignores are ignored', () => {
    const config = new Config();
    config.set('save', '900 1');
    config.set('save', '300 10');
    config.set('list-max-ziplist-entries', '512');
    expect(config.get('save')).toBe('900 1 300 10');
    config.setAtRuntime([['save', '60 5']]);
    expect(config.get('save')).toBe('60 5');
    expect(() => config.setAtRuntime([['list-max-ziplist-entries', '512']])).toThrow(
      new ConfigError("unknown option 'list-max-ziplist-entries'", 'list-max-ziplist-entries', true),
    );
  });

  it('shows notify-keyspace-events as Redis does (no n after A) but keeps the n', () => {
    const config = new Config();
    config.setAtRuntime([['notify-keyspace-events', 'AnK']]);
    expect(config.matching(['notify-keyspace-events'])).toEqual([['notify-keyspace-events', 'AK']]);
    expect(config.get('notify-keyspace-events')).toBe('AnK');
  });
});

describe('README', () => {
  it('lists exactly the Redis parameters that change nothing in Eddy', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('<!-- accepted-only options -->'), readme.indexOf('<!-- /accepted-only options -->'));
    const listed = [...section.matchAll(/`([a-z0-9_-]+)`/g)].map((match) => match[1]);
    expect(listed).toEqual([...ACCEPTED_ONLY_NAMES].sort());
  });
});
