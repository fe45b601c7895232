import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDebianPackages } from '../../tools/debian-packages.js';
import { EddyProcess } from '../support/eddy-process.js';

// This file's ports: 22300-22399.
const PROMETHEUS_PORT = 22390;
const METRICS_PORT = 22391;

async function scrape(port: number, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { headers });
  return { status: response.status, text: await response.text() };
}

/** The value of one sample line of the exposition text (`name{labels} value`). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics', () => {
  let server: EddyProcess;
  let redis: Redis;

  beforeAll(async () => {
    server = await EddyProcess.start(['--http-port', '0']);
    redis = new Redis(server.port, '127.0.0.1');
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('exports redis_exporter names with their labels and Eddy histograms', async () => {
    for (let i = 0; i < 5; i++) await redis.set(`key:${i}`, 'v');
    await redis.expire('key:0', 100);
    await redis.get('missing');
    await redis.call('no-such-command').catch(() => undefined);
    const { status, text } = await scrape(server.httpPort);
    expect(status).toBe(200);
    expect(sample(text, 'redis_up')).toBe(1);
    expect(sample(text, 'redis_commands_total{cmd="set"}')).toBe(5);
    expect(sample(text, 'redis_db_keys{db="db0"}')).toBe(5);
    expect(sample(text, 'redis_db_keys_expiring{db="db0"}')).toBe(1);
    expect(sample(text, 'redis_keyspace_misses_total')).toBe(1);
    expect(sample(text, 'redis_errors_total{err="ERR"}')).toBe(1);
    expect(sample(text, 'eddy_command_duration_seconds_count{cmd="set"}')).toBe(5);
    expect(sample(text, 'eddy_command_duration_seconds_bucket{cmd="set",le="+Inf"}')).toBe(5);
    expect(text).toContain('eddy_command_duration_seconds_bucket{cmd="set",le="0.000001024"}');
    expect(sample(text, 'eddy_log_records_appended_total')).toBeGreaterThanOrEqual(6);
    expect(sample(text, 'eddy_log_commit_records_count')).toBeGreaterThan(0);
    expect(text).toMatch(/^# TYPE eddy_nodejs_gc_duration_seconds histogram$/m);
    expect(sample(text, 'eddy_tail_subscribers{protocol="resp"}')).toBe(0);
  });

  it('counts a TAIL subscriber and its lag', async () => {
    const tailer = new Redis(server.port, '127.0.0.1');
    await tailer.call('TAIL', 'FROM', '1');
    const { text } = await scrape(server.httpPort);
    expect(sample(text, 'eddy_tail_subscribers{protocol="resp"}')).toBe(1);
    tailer.disconnect();
  });

  it('CONFIG RESETSTAT resets the command counters', async () => {
    await redis.config('RESETSTAT');
    const { text } = await scrape(server.httpPort);
    expect(sample(text, 'redis_commands_total{cmd="set"}')).toBeUndefined();
  });
});

describe('metrics auth and --metrics-port', () => {
  it('asks for the password unless metrics-auth is no; --metrics-port serves without the HTTP API', async () => {
    const server = await EddyProcess.start(['--requirepass', 'secret', '--metrics-port', String(METRICS_PORT)]);
    try {
      expect(server.httpPort).toBe(0);
      expect((await scrape(METRICS_PORT)).status).toBe(401);
      expect((await scrape(METRICS_PORT, { authorization: 'Bearer wrong' })).status).toBe(401);
      const allowed = await scrape(METRICS_PORT, { authorization: 'Bearer secret' });
      expect(allowed.status).toBe(200);
      expect(sample(allowed.text, 'redis_up')).toBe(1);
      const redis = new Redis(server.port, '127.0.0.1', { password: 'secret' });
      await redis.config('SET', 'metrics-auth', 'no');
      redis.disconnect();
      expect((await scrape(METRICS_PORT)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${METRICS_PORT}/other`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});

describe('a real Prometheus', () => {
  let server: EddyProcess;
  let prometheus: ChildProcess;
  let dir: string;

  beforeAll(async () => {
    ensureDebianPackages({ prometheus: 'prometheus' });
    server = await EddyProcess.start(['--http-port', '0']);
    dir = mkdtempSync(join(tmpdir(), 'eddy-prometheus-'));
    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: eddy\n    static_configs:\n      - targets: ['127.0.0.1:${server.httpPort}']\n`);
    prometheus = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`], {
      stdio: 'ignore',
    });
  }, 300_000);
  afterAll(async () => {
    prometheus?.kill();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Asks Prometheus until the query has a result (it scrapes every second). */
  async function query(promql: string): Promise<number> {
    for (;;) {
      try {
        const response = await fetch(`http://127.0.0.1:${PROMETHEUS_PORT}/api/v1/query?query=${encodeURIComponent(promql)}`);
        const body = (await response.json()) as { data?: { result: { value: [number, string] }[] } };
        const result = body.data?.result ?? [];
        if (result.length > 0) return Number(result[0].value[1]);
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  it('scrapes redis_commands_total and an eddy_ histogram', async () => {
    const redis = new Redis(server.port, '127.0.0.1');
    for (let i = 0; i < 7; i++) await redis.set(`k${i}`, 'v');
    redis.disconnect();
    expect(await query('redis_commands_total{cmd="set"} >= 7')).toBe(7);
    expect(await query('eddy_command_duration_seconds_bucket{cmd="set",le="+Inf"} >= 7')).toBe(7);
    expect(await query('sum(eddy_log_commit_records_count) > 0')).toBeGreaterThan(0);
  }, 60_000);
});
