import { useEffect, useRef, useState } from 'preact/hooks';
import { formatBytes, formatSeconds } from './formatting.js';
import { healthPoint, type HealthPoint, type Scrape } from './health-sample.js';
import { LineChart } from './line-chart.js';
import { parsePrometheusText } from './prometheus-text.js';
import { metricsText } from './server-api.js';

/** Two minutes of points, one a second. */
const POINTS = 120;
const INTERVAL_MS = 1000;

const count = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

/** The server's health from /metrics, scraped once a second while the view is shown. */
export function HealthView({ active }: { active: boolean }) {
  const [points, setPoints] = useState<HealthPoint[]>([]);
  const [error, setError] = useState<string | undefined>();
  const last = useRef<Scrape | undefined>(undefined);

  useEffect(() => {
    if (!active) return;
    let stopped = false;
    const scrape = async () => {
      try {
        const now: Scrape = { time: Date.now() / 1000, samples: parsePrometheusText(await metricsText()) };
        const point = healthPoint(now, last.current);
        last.current = now;
        if (!stopped) setPoints((before) => [...before, point].slice(-POINTS));
        setError(undefined);
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e));
      }
    };
    void scrape();
    const timer = setInterval(() => void scrape(), INTERVAL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [active]);

  const times = points.map((point) => point.time);
  const series = (pick: (point: HealthPoint) => number | undefined) => points.map((point) => pick(point) ?? null);
  const followers = points.length === 0 ? {} : points[points.length - 1].followers;
  return (
    <div class="health">
      {error === undefined ? null : <p class="error">/metrics: {error}</p>}
      <div class="charts">
        <LineChart title="ops/s" times={times} values={series((p) => p.opsPerSecond)} format={count} />
        <LineChart title="memory" times={times} values={series((p) => p.memoryBytes)} format={formatBytes} />
        <LineChart title="clients" times={times} values={series((p) => p.clients)} format={count} />
        <LineChart title="log revision" times={times} values={series((p) => p.revision)} format={count} />
        <LineChart title="fsync latency" times={times} values={series((p) => p.fsyncSeconds)} format={formatSeconds} />
        <LineChart title="log write latency" times={times} values={series((p) => p.writeSeconds)} format={formatSeconds} />
        <LineChart title="tail subscribers" times={times} values={series((p) => p.tailSubscribers)} format={count} />
        <LineChart
          title="follower lag (revisions, most behind)"
          times={times}
          values={series((p) => {
            const lags = Object.values(p.followers);
            return lags.length === 0 ? undefined : Math.max(...lags);
          })}
          format={count}
        />
      </div>
      <h4>Followers</h4>
      {Object.keys(followers).length === 0 ? (
        <p class="muted">none connected</p>
      ) : (
        <table>
          <tbody>
            {Object.entries(followers).map(([name, lag]) => (
              <tr key={name} data-follower={name}>
                <td>{name}</td>
                <td>{lag} revisions behind</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
