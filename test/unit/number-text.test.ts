import { describe, expect, it } from 'vitest';
import { readDouble } from '../../src/commands/arguments.js';
import { parseDouble } from '../../src/formats/number-parsing.js';
import { globMatches } from '../../src/formats/glob.js';
import { addLongDoubles, formatLongDouble, parseLongDouble, type LongDouble } from '../../src/formats/long-double.js';
import { formatDouble } from '../../src/formats/double-text.js';

/** Expected texts are redis-server 7.0.15's answers (see replies-match-redis.test.ts for the live comparison). */

describe('formatDouble is C\'s "%.17g"', () => {
  it.each([
    [0.1, '0.10000000000000001'],
    [1.5, '1.5'],
    [3, '3'],
    [-0, '-0'],
    [1e17, '1e+17'],
    [1e16, '10000000000000000'],
    [2 ** 56, '72057594037927936'],
    [1.5e-7, '1.4999999999999999e-07'],
    [0.0001, '0.0001'],
    [1e-5, '1.0000000000000001e-05'],
    [1 + 2 ** -17, '1.0000076293945312'], // an exact tie at the 18th digit: glibc rounds to even
    [0.103504180908203125, '0.10350418090820312'], // the same below 1, where the exponent is negative
    [-0.103504180908203125, '-0.10350418090820312'],
    [5e-324, '4.9406564584124654e-324'],
    [Number.MAX_VALUE, '1.7976931348623157e+308'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
  ])('%s -> %s', (value, text) => {
    expect(formatDouble(value)).toBe(text);
  });
});

describe('doubles read as strtod reads them', () => {
  it('string2d: the whole text, hex and inf, no overflow or underflow to zero', () => {
    expect(parseDouble('0x1.8p1')).toBe(3);
    expect(parseDouble('0x1.00000000000008')).toBe(1);
    expect(parseDouble('0x1.000000000000080000000001')).toBe(1 + 2 ** -52);
    expect(parseDouble('-INFINITY')).toBe(-Infinity);
    expect(parseDouble('1e-320')).toBe(1e-320);
    expect(parseDouble('0e-999999')).toBe(0);
    for (const refused of ['', ' 1', '1 ', '0x', '0x1p', 'nan', '1e400', '1e-400', '0x1p-1075', '1.7976931348623159e308']) expect(parseDouble(refused)).toBeNull();
  });

  it('a bare strtod (SORT, score ranges): "" is 0, leading spaces, NUL ends the text, ERANGE reported', () => {
    expect(readDouble('')).toEqual({ value: 0, outOfRange: false });
    expect(readDouble(' \t5')).toEqual({ value: 5, outOfRange: false });
    expect(readDouble('5\u0000abc')).toEqual({ value: 5, outOfRange: false });
    expect(readDouble('5 ')).toBeNull();
    expect(readDouble('   ')).toBeNull();
    expect(readDouble('1e-310')?.outOfRange).toBe(true);
    expect(readDouble('0x1p-1070')).toEqual({ value: 2 ** -1070, outOfRange: false });
    expect(readDouble('1e400')).toEqual({ value: Infinity, outOfRange: true });
  });
});

describe('long double arithmetic (INCRBYFLOAT)', () => {
  const sum = (...texts: string[]) => formatLongDouble(texts.map((text) => parseLongDouble(text) as LongDouble).reduce(addLongDoubles));

  it.each([
    [['0.1', '0.2'], '0.3'],
    [['1e20', '0.1'], '100000000000000000000'],
    [['0.000003814697265625'], '0.00000381469726562'],
    [['123456789.123456789'], '123456789.12345678899873747'],
    [['-5e-18'], '0'],
    [['-1.25'], '-1.25'],
    [['18446744073709551617'], '18446744073709551616'],
    [['0x1.8p-1'], '0.75'],
    [['1e-4950'], '0'],
  ])('%j -> %s', (texts, text) => {
    expect(sum(...texts)).toBe(text);
  });

  it('keeps long double range: 1e400 is a 401-digit integer; past 1.19e4932, or below the subnormals, is refused', () => {
    expect(sum('1e400')).toMatch(/^10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616/);
    expect(sum('1e400')).toHaveLength(401);
    expect(parseLongDouble('1e4940')).toBeNull();
    expect(parseLongDouble('1e-5000')).toBeNull();
    expect(parseLongDouble(' 1')).toBeNull();
    expect(parseLongDouble('x'.repeat(6000))).toBeNull();
    expect(addLongDoubles(parseLongDouble('0x1.fffffffffffffffep16383') as LongDouble, parseLongDouble('0x1p16383') as LongDouble).infinite).toBe(true);
  });
});

describe("glob matching as Redis's stringmatchlen", () => {
  it.each([
    ['s[0-9', 's1', true],
    ['s[0-9', 's', false],
    ['s[', 's[', false],
    ['s[^', 'sx', true],
    ['s[]1]', 's1', false],
    ['s[]1]', 's]1]', false],
    ['[a-]', ']', true],
    ['[a-]', '-', false],
    ['s\\', 's\\', true],
    ['*', '', false],
    ['', '', true],
    ['a*', 'a', true],
    ['*a*a*a*a*a*a*a*a*b', 'a'.repeat(60), false],
  ])('%s ~ %s: %s', (pattern, text, matched) => {
    expect(globMatches(pattern, text)).toBe(matched);
  });

  it('ignores case for ASCII letters only', () => {
    expect(globMatches('MAXMEMORY-*', 'maxmemory-policy', true)).toBe(true);
    expect(globMatches('\u00c0', '\u00e0', true)).toBe(false);
  });
});
