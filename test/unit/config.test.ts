import { describe, expect, it } from 'vitest';
import { Config, ConfigError, keyspaceEventFlags, parseOutputLimits, parseSaveRules } from '../../src/config/config.js';
import { parseRetention } from '../../src/log/retention.js';
import { durationMs, memoryBytes } from '../../src/formats/units.js';

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
  ])('memory %s is %s bytes', (raw, bytes) => expect(memoryBytes(raw)).toBe(bytes));

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
    expect(parseSaveRules('3600')).toBeUndefined();
    expect(parseSaveRules('60 x')).toBeUndefined();
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

  it('client-output-buffer-limit classes', () => {
    expect(parseOutputLimits('pubsub 32mb 8mb 60')?.get('pubsub')).toEqual({ hard: 32 * 1024 ** 2, soft: 8 * 1024 ** 2, softSeconds: 60 });
    expect(parseOutputLimits('slave 1 2 3')?.get('replica')).toEqual({ hard: 1, soft: 2, softSeconds: 3 });
    expect(parseOutputLimits('pubsub 1 2')).toBeUndefined();
    expect(parseOutputLimits('nobody 1 2 3')).toBeUndefined();
  });
});

describe('Config', () => {
  it('holds every option in its normal form from the start (CONFIG GET shows what Redis shows)', () => {
    const config = new Config();
    expect(config.get('script-memory-limit')).toBe(String(128 * 1024 ** 2));
    expect(config.get('client-output-buffer-limit')).toBe('normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
    expect(config.int('maxclients')).toBe(10_000);
  });

  it('refuses unknown options and bad values with the texts CONFIG SET and the command line use', () => {
    const config = new Config();
    expect(() => config.set('no-such-option', '1')).toThrow(new ConfigError("unknown option 'no-such-option'"));
    expect(() => config.set('port', 'http')).toThrow(new ConfigError("argument couldn't be parsed into an integer"));
    expect(() => config.set('maxclients', '0')).toThrow(new ConfigError('argument must be between 1 and 1000000 inclusive'));
    expect(() => config.set('appendfsync', 'sometimes')).toThrow(new ConfigError('argument(s) must be one of the following: always, everysec, no'));
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

  it('finds options by glob, aliases included (CONFIG GET)', () => {
    const names = new Config().matching((name) => name.startsWith('slave')).map(([name]) => name);
    expect(names).toContain('slaveof');
  });
});
