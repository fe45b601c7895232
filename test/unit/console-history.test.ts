import { describe, expect, test } from 'vitest';
import { isPattern, stateAsOf } from '../../console/src/history-state.js';
import { pitrCommand, shellWord } from '../../console/src/pitr-command.js';
import { change } from '../support/change-events.js';

describe('history', () => {
  test('the state as of a revision is each key after its last change up to it; deleted keys are gone', () => {
    const changes = [change(1, 'a', 'x'), change(2, 'b', { f: 'v' }), change(3, 'a', null), change(4, 'a', 'y'), change(5, null, null), change(6, 'c', 'z')];
    expect(stateAsOf(changes, 2)).toEqual([
      { key: 'a', rev: 1, value: 'x' },
      { key: 'b', rev: 2, value: { f: 'v' } },
    ]);
    expect(stateAsOf(changes, 3)).toEqual([{ key: 'b', rev: 2, value: { f: 'v' } }]);
    expect(stateAsOf(changes, 4).map((s) => s.key)).toEqual(['a', 'b']);
    expect(stateAsOf(changes, 6)).toEqual([{ key: 'c', rev: 6, value: 'z' }]);
  });

  test('a glob names a pattern, a plain name one key', () => {
    expect(isPattern('user:*')).toBe(true);
    expect(isPattern('user:[12]')).toBe(true);
    expect(isPattern('user:1')).toBe(false);
  });

  test('the eddy-pitr command quotes what the shell would split', () => {
    expect(pitrCommand('/var/lib/eddy', { rev: 42 })).toBe('npx eddy-pitr --from /var/lib/eddy --to /var/lib/eddy-rev42 --rev 42');
    expect(pitrCommand("/tmp/it's here/", { time: Date.UTC(2026, 11, 3, 10, 0, 0) })).toBe(
      `npx eddy-pitr --from '/tmp/it'\\''s here/' --to '/tmp/it'\\''s here-at1796292000000' --time 2026-12-03T10:00:00.000Z`,
    );
    expect(shellWord('$HOME')).toBe("'$HOME'");
  });
});
