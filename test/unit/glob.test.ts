import { describe, expect, it } from 'vitest';
import { globMatcher } from '../../src/formats/glob.js';

describe('globMatcher', () => {
  it.each([
    ['h?llo', 'hello', true],
    ['h*llo', 'hllo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[a-c]llo', 'hbllo', true],
    ['h\\*llo', 'h*llo', true],
    ['h\\*llo', 'hello', false],
    ['a.b', 'aXb', false],
    ['*', '', true],
  ])('%s matches %s: %s', (pattern, text, expected) => {
    expect(globMatcher(pattern)(text)).toBe(expected);
  });
});

describe("globMatcher, as Redis's stringmatchlen", () => {
  it.each([
    ['s[0-9', 's1', true],
    ['s[0-9', 's[', false],
    ['[]', '', false],
    ['a[b-]', 'a-', false],
    ['H?LLO', 'hello', false],
    ['', '', true],
    ['', 'x', false],
    ['*a*b', 'xaxb', true],
    ['[a-c]*', 'd', false],
  ])('%s matches %s: %s', (pattern, text, expected) => {
    expect(globMatcher(pattern)(text)).toBe(expected);
  });

  it('folds ASCII case when asked (COMMAND LIST FILTERBY PATTERN)', () => {
    expect(globMatcher('GET*', true)('getex')).toBe(true);
    expect(globMatcher('get*', false)('GETEX')).toBe(false);
  });
});
