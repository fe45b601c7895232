import autocannon from 'autocannon';
import { loadResult, type LoadResult } from './load-result.js';

/** One HTTP request, sent again and again: a GET, or a POST of a JSON body. */
export type HttpRequest = { method: 'GET'; path: string } | { method: 'POST'; path: string; body: object };

/** autocannon against 127.0.0.1:`port` with `connections` connections (one request in flight on each) for `seconds`. */
export async function httpLoad(port: number, request: HttpRequest, connections: number, seconds: number): Promise<LoadResult> {
  const run = autocannon({
    url: `http://127.0.0.1:${port}${request.path}`,
    method: request.method,
    connections,
    duration: seconds,
    ...(request.method === 'POST' && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(request.body) }),
  });
  // autocannon's own percentiles are whole milliseconds (its histogram keeps integers); these keep the fraction.
  const latenciesMs: number[] = [];
  run.on('response', (_client, _statusCode, _bytes, responseTimeMs) => latenciesMs.push(responseTimeMs));
  const result = await run;
  if (result.errors > 0 || result.non2xx > 0) throw new Error(`${request.method} ${request.path}: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
  return loadResult(latenciesMs, result.duration);
}
