import { describe, expect, it } from 'vitest';
import { compileGlob, globMatcher, globMatches } from '../../src/formats/glob.js';

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

describe('compileGlob', () => {
  it('answers as globMatches for literals, literal prefixes before `*`, and every other shape', () => {
    const patterns = ['key', 'key:*', 'key:**', 'k*y', 'key\\*', 'ke?:*', '[k]ey:*', '**', '*', '', ']x*', 'a-b^*'];
    const texts = ['', 'key', 'key:', 'key:1', 'key*', 'kxy', 'k', 'KEY:1', ']x', 'a-b^c', '*', 'other'];
    for (const pattern of patterns) for (const text of texts) expect(compileGlob(pattern)(text), `${pattern} on ${JSON.stringify(text)}`).toBe(globMatches(pattern, text));
  });
});
