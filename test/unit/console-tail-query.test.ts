import { describe, expect, test } from 'vitest';
import { compactedOldest, tailUrl } from '../../console/src/tail-query.js';

describe('tail requests', () => {
  test('the /tail URL carries the filter', () => {
    expect(tailUrl({ match: 'user:*', db: 2, withValues: true }, 7)).toBe('/tail?from=7&match=user%3A*&db=2&withvalues=true');
    expect(tailUrl({ match: '', db: undefined, withValues: false }, '$', ['a b'])).toBe('/tail?from=%24&keys=a+b');
  });

  test('a COMPACTED error names the oldest revision', () => {
    expect(compactedOldest('COMPACTED oldest available revision is 1200')).toBe(1200);
    expect(compactedOldest('NOAUTH Authentication required.')).toBeUndefined();
  });
});
