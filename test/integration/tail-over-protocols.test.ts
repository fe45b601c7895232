import { status, type ClientReadableStream } from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';
import { grpcStub } from '../support/protocol-clients.js';
import { WebSocket } from 'ws';
import { SseParser } from '../../console/src/sse-parser.js';

/** Reads Server-Sent Events from a fetch response body (with the console's parser). */
async function* serverSentEvents(response: Response): AsyncGenerator<{ id?: string; event?: string; data: unknown }> {
  const decoder = new TextDecoder();
  const parser = new SseParser();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>)
    for (const { id, event, data } of parser.push(decoder.decode(chunk, { stream: true }))) yield { id, event: event === 'message' ? undefined : event, data: JSON.parse(data) };
}

describe('log tails over HTTP (Server-Sent Events), WebSocket and gRPC', () => {
  let server: EddyProcess;
  let redis: Redis;

  beforeAll(async () => {
    server = await EddyProcess.start(['--http-port', '0', '--grpc-port', '0', '--ws-port', '0']);
    redis = new Redis({ port: server.port, protocol: 2 });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  const nextRev = async () => ((await redis.call('LOGREAD', 'FROM', '$')) as [number, unknown[]])[0];

  test("SSE: each event's id is its revision; reconnecting with Last-Event-ID resumes right after it", async () => {
    const from = await nextRev();
    for (let i = 0; i < 3; i++) await redis.set(`sse:${i}`, String(i));
    const abort = new AbortController();
    const response = await fetch(`http://127.0.0.1:${server.httpPort}/tail?from=${from}&match=sse:*&withvalues=true`, { signal: abort.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = serverSentEvents(response);
    expect((await events.next()).value).toEqual({ event: 'tail', data: ['tail', from] });
    const first = (await events.next()).value as { id: string; data: Record<string, unknown> };
    expect(first.id).toBe(String(from));
    expect(first.data).toMatchObject({ rev: from, db: 0, key: 'sse:0', event: 'set', effect: ['put', 'sse:0', '0', 0], value: '0' });
    abort.abort();

    const stop = new AbortController();
    const resumed = await fetch(`http://127.0.0.1:${server.httpPort}/tail?match=sse:*`, { headers: { 'last-event-id': first.id }, signal: stop.signal });
    const again = serverSentEvents(resumed);
    expect((await again.next()).value).toEqual({ event: 'tail', data: ['tail', from + 1] });
    expect(((await again.next()).value as { data: { key: string } }).data.key).toBe('sse:1');
    expect(((await again.next()).value as { data: { key: string } }).data.key).toBe('sse:2');
    await redis.set('sse:live', 'now');
    expect(((await again.next()).value as { data: { key: string } }).data.key).toBe('sse:live');
    stop.abort();

    const bad = await fetch(`http://127.0.0.1:${server.httpPort}/tail?from=soon`);
    expect(bad.status).toBe(400);
  });

  test('WebSocket: {op: "tail"} streams pushes, {op: "untail"} stops them', async () => {
    const from = await nextRev();
    await redis.set('ws:a', '1');
    const socket = new WebSocket(`ws://127.0.0.1:${server.wsPort}/`);
    await new Promise((resolve) => socket.once('open', resolve));
    const frames: Record<string, unknown>[] = [];
    socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString())));
    socket.send(JSON.stringify({ id: 1, op: 'tail', from, match: ['ws:*'] }));
    await expect.poll(() => frames.length).toBe(2);
    expect(frames[0]).toEqual({ id: 1, result: ['tail', from] });
    expect(frames[1]).toMatchObject({ push: ['change', from, expect.any(Number), 0, 'ws:a', 'set', ['put', 'ws:a', '1', 0]] });
    await redis.hset('ws:h', 'f', 'v');
    await expect.poll(() => frames.length).toBe(3);
    expect((frames[2].push as unknown[]).slice(4, 6)).toEqual(['ws:h', 'hset']);
    socket.send(JSON.stringify({ id: 2, op: 'untail' }));
    await expect.poll(() => frames.length).toBe(4);
    expect(frames[3]).toEqual({ id: 2, result: ['untail', (frames[2].push as number[])[1] + 1] });
    socket.send(JSON.stringify({ id: 3, op: 'tail', from: 'yesterday' }));
    await expect.poll(() => frames.length).toBe(5);
    expect(frames[4]).toEqual({ id: 3, error: "ERR Protocol error: 'from' must be a revision or '$'" });
    socket.close();
  });

  test('SSE and gRPC tails are connected clients: eddy_tail_subscribers counts them while they last', async () => {
    const tails = async (protocol: string) => {
      const text = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
      return Number(new RegExp(`^eddy_tail_subscribers\\{protocol="${protocol}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    };
    const abort = new AbortController();
    const events = serverSentEvents(await fetch(`http://127.0.0.1:${server.httpPort}/tail?match=counted:*`, { signal: abort.signal }));
    await events.next();
    const stub = grpcStub(server.grpcPort) as ReturnType<typeof grpcStub> & { Tail(request: object): ClientReadableStream<Record<string, unknown>> };
    const stream = stub.Tail({ match: ['counted:*'] });
    stream.on('error', () => undefined);
    await expect.poll(() => tails('grpc')).toBe(1);
    expect(await tails('http')).toBe(1);
    abort.abort();
    stream.cancel();
    await expect.poll(() => tails('http')).toBe(0);
    await expect.poll(() => tails('grpc')).toBe(0);
    stub.close();
  });

  test('gRPC: Tail streams Event messages with revisions; a cancelled stream stops', async () => {
    const stub = grpcStub(server.grpcPort) as ReturnType<typeof grpcStub> & { Tail(request: object): ClientReadableStream<Record<string, unknown>> };
    const from = await nextRev();
    await redis.set('grpc:a', 'v');
    const stream = stub.Tail({ from, match: ['grpc:*'], with_values: true });
    const received: Record<string, unknown>[] = [];
    stream.on('data', (event: Record<string, unknown>) => received.push(event));
    const ended = new Promise<number>((resolve) => stream.on('error', (error: { code: number }) => resolve(error.code)));
    await expect.poll(() => received.length).toBe(1);
    expect(received[0]).toMatchObject({ rev: String(from), db: 0, key: Buffer.from('grpc:a'), event: 'set', value: { value: 'bulk', bulk: Buffer.from('v') } });
    await redis.del('grpc:a');
    await expect.poll(() => received.length).toBe(2);
    expect(received[1]).toMatchObject({ event: 'del', value: { value: 'null' } });
    stream.cancel();
    expect(await ended).toBe(status.CANCELLED);
    stub.close();
  });
});
