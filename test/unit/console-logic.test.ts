import { describe, expect, test } from 'vitest';
import type { ChangeEvent } from '../../console/src/change-event.js';
import { bytesOf, formatBytes, formatSeconds, formatTtl, hexDump } from '../../console/src/formatting.js';
import { healthPoint } from '../../console/src/health-sample.js';
import { isPattern, stateAsOf } from '../../console/src/history-state.js';
import { pitrCommand, shellWord } from '../../console/src/pitr-command.js';
import { parsePrometheusText, total } from '../../console/src/prometheus-text.js';
import { ResumePoint } from '../../console/src/resume-point.js';
import { revisionAtTime } from '../../console/src/revision-at-time.js';
import { SseParser } from '../../console/src/sse-parser.js';
import { compactedOldest, tailUrl } from '../../console/src/tail-query.js';

const change = (rev: number, key: string | null = `k${rev}`, value?: unknown): ChangeEvent => ({ rev, ts: 1000 + rev, db: 0, key, event: 'set', effect: [], value });

describe('SSE parsing (the console reads /tail with fetch, so it parses the stream itself)', () => {
  test('events split anywhere across chunks, with ids, names, comments and multi-line data', () => {
    const stream = ': hello\nevent: tail\ndata: ["tail",5]\n\nid: 5\ndata: {"a":\ndata: 1}\n\r\nid: 6\r\ndata: x\r\r\n';
    for (let cut = 0; cut <= stream.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.push(stream.slice(0, cut)), ...parser.push(stream.slice(cut))];
      expect(events, `cut at ${cut}`).toEqual([
        { event: 'tail', data: '["tail",5]' },
        { event: 'message', data: '{"a":\n1}', id: '5' },
        { event: 'message', data: 'x', id: '6' },
      ]);
    }
  });

  test('a block without data dispatches nothing; a field without a colon is an empty value', () => {
    const parser = new SseParser();
    expect(parser.push('id: 3\n\ndata\n\n')).toEqual([{ event: 'message', data: '' }]);
  });
});

describe('resume bookkeeping: nothing lost, nothing doubled', () => {
  test('a resume starts at the last revision seen and skips the changes of it already shown', () => {
    const point = new ResumePoint('$');
    expect(point.restarting()).toEqual({ rev: '$', skip: 0 });
    point.started(10);
    // Revision 11 is one record with three changes (an MSET); the stream is cut after two of them.
    expect([change(10), change(11, 'a'), change(11, 'b')].map((c) => point.accept(c))).toEqual([true, true, true]);
    expect(point.restarting()).toEqual({ rev: 11, skip: 2 });
    const replay = [change(11, 'a'), change(11, 'b'), change(11, 'c'), change(12)];
    expect(replay.map((c) => point.accept(c))).toEqual([false, false, true, true]);
    expect(point.resumeFrom()).toEqual({ rev: 12, skip: 1 });
  });

  test('paused before any change: the resume starts where the first stream did, not at a new "now"', () => {
    const point = new ResumePoint('$');
    point.restarting();
    point.started(42);
    expect(point.restarting()).toEqual({ rev: 42, skip: 0 });
    expect(point.accept(change(42))).toBe(true);
  });

  test('compaction moves the start to the oldest revision held', () => {
    const point = new ResumePoint(3);
    point.accept(change(3));
    point.compacted(50);
    expect(point.restarting()).toEqual({ rev: 50, skip: 0 });
    expect(point.accept(change(50))).toBe(true);
  });

  test('a change older than the last one seen is never shown again', () => {
    const point = new ResumePoint(1);
    point.accept(change(5));
    expect(point.accept(change(4))).toBe(false);
  });
});

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

describe('revision at a time', () => {
  test('binary search finds the first revision written at or after the time', async () => {
    // Revisions 1..100, revision r written at 10*r ms; revisions 40..49 hold no record.
    const probes: number[] = [];
    const firstFrom = async (rev: number) => {
      probes.push(rev);
      const first = rev >= 40 && rev < 50 ? 50 : rev;
      return first > 100 ? undefined : { rev: first, ts: 10 * first };
    };
    expect(await revisionAtTime(255, 1, 101, firstFrom)).toBe(26);
    expect(await revisionAtTime(420, 1, 101, firstFrom)).toBe(40);
    expect(await revisionAtTime(5, 1, 101, firstFrom)).toBe(1);
    expect(await revisionAtTime(99_999, 1, 101, firstFrom)).toBe(101);
    expect(probes.length).toBeLessThan(40);
  });
});

describe('metrics', () => {
  const page = (commands: number, syncs: number, syncSeconds: number) =>
    [
      '# HELP redis_commands_processed_total commands',
      '# TYPE redis_commands_processed_total counter',
      `redis_commands_processed_total ${commands}`,
      'redis_memory_used_bytes 1048576',
      'redis_connected_clients 3',
      'eddy_log_revision 77',
      `eddy_log_fsync_duration_seconds_count ${syncs}`,
      `eddy_log_fsync_duration_seconds_sum ${syncSeconds}`,
      `eddy_log_write_duration_seconds_count{synced="true"} ${syncs}`,
      `eddy_log_write_duration_seconds_sum{synced="true"} ${syncSeconds / 2}`,
      'eddy_log_write_duration_seconds_count{synced="false"} 6',
      'eddy_log_write_duration_seconds_sum{synced="false"} 0.003',
      'eddy_tail_subscribers{protocol="http"} 2',
      'eddy_tail_subscribers{protocol="resp"} 1',
      'eddy_follower_lag_revisions{follower="127.0.0.1:6380"} 12',
      'eddy_log_fsync_duration_seconds_bucket{le="+Inf"} 4',
    ].join('\n');

  test('the text format parses into samples with labels (escapes included)', () => {
    const samples = parsePrometheusText('a{x="1",y="q\\"uote"} 2.5\n# comment\nb 1e3 1700000000\nbad line\n');
    expect(samples).toEqual([
      { name: 'a', labels: { x: '1', y: 'q"uote' }, value: 2.5 },
      { name: 'b', labels: {}, value: 1000 },
    ]);
    expect(total(parsePrometheusText(page(1, 1, 1)), 'eddy_tail_subscribers')).toBe(3);
  });

  test('two scrapes give rates and the mean fsync time between them', () => {
    const before = { time: 100, samples: parsePrometheusText(page(1000, 10, 0.05)) };
    const now = { time: 102, samples: parsePrometheusText(page(1600, 14, 0.07)) };
    expect(healthPoint(now, before)).toEqual({
      time: 102,
      opsPerSecond: 300,
      memoryBytes: 1048576,
      clients: 3,
      revision: 77,
      fsyncSeconds: expect.closeTo(0.005, 9),
      // Only the synced commits were written in between: 4 of them, 0.01 s in all.
      writeSeconds: expect.closeTo(0.0025, 9),
      tailSubscribers: 3,
      followers: { '127.0.0.1:6380': 12 },
    });
    // The first scrape has no rate; a counter reset (CONFIG RESETSTAT) gives none either.
    expect(healthPoint(before, undefined).opsPerSecond).toBeUndefined();
    expect(healthPoint(before, now).opsPerSecond).toBeUndefined();
  });
});

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

describe('formatting', () => {
  test('bytes, TTLs and durations read in their best unit', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(5 * 1024 * 1024 * 1024)]).toEqual(['512 B', '1.5 KiB', '5.0 GiB']);
    expect([formatBytes(40.4 * 1024 * 1024), formatBytes(300 * 1024)]).toEqual(['40.4 MiB', '300 KiB']);
    expect([formatTtl(-1), formatTtl(-2), formatTtl(1500), formatTtl(125_000), formatTtl(3 * 3600_000 + 60_000), formatTtl(50 * 3600_000)]).toEqual([
      'no expiry',
      'gone',
      '1.5 s',
      '2 min 5 s',
      '3 h 1 min',
      '2 d 2 h',
    ]);
    expect([formatSeconds(0.000_25), formatSeconds(0.0042), formatSeconds(0.25), formatSeconds(3)]).toEqual(['250 µs', '4.20 ms', '250.0 ms', '3.00 s']);
  });

  test('a value that is not UTF-8 (base64 over HTTP) shows as a hex dump of its bytes', () => {
    const bytes = bytesOf({ base64: Buffer.from([0xff, 0x00, 0x41, 0x42]).toString('base64') });
    expect(Array.from(bytes)).toEqual([0xff, 0x00, 0x41, 0x42]);
    expect(hexDump(bytes)).toBe(`00000000  ff 00 41 42${' '.repeat(36)}  ..AB`);
    expect(Array.from(bytesOf('é'))).toEqual([0xc3, 0xa9]);
  });
});
