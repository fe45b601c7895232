import { describe, expect, test } from 'vitest';
import { healthPoint } from '../../console/src/health-sample.js';
import { parsePrometheusText, total } from '../../console/src/prometheus-text.js';

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
