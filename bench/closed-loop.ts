import { loadResult, type LoadResult } from './load-result.js';

/**
 * A closed-loop load generator: `concurrency` requests are outstanding at all times, each sent as
 * soon as the one before it on its lane is answered, until `seconds` have passed. Every answered
 * request's latency is kept. A failed request fails the run: a benchmark of errors measures nothing.
 */
export async function closedLoop(concurrency: number, seconds: number, request: () => Promise<unknown>): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const lane = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      await request();
      latenciesMs.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return loadResult(latenciesMs, (performance.now() - started) / 1000);
}
