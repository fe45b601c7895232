import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EddyProcess, SERVER_ENTRY } from '../support/eddy-process.js';
import { grpcStub } from '../support/protocol-clients.js';

/** A span as the OTLP/HTTP JSON body carries it, with its attributes as a plain object. */
interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  status: { code?: number; message?: string };
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  /** The resource's service.instance.id: which server sent it. */
  instance: string;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
}
type OtlpAttributes = { key: string; value: OtlpValue }[];
interface OtlpBody {
  resourceSpans: {
    resource: { attributes: OtlpAttributes };
    scopeSpans: { spans: (Omit<ReceivedSpan, 'attributes' | 'instance'> & { attributes: OtlpAttributes })[] }[];
  }[];
}

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CONSUMER = 5;
const STATUS_ERROR = 2;

function plainAttributes(attributes: OtlpAttributes): ReceivedSpan['attributes'] {
  const plain: ReceivedSpan['attributes'] = {};
  for (const { key, value } of attributes) {
    if (value.stringValue !== undefined) plain[key] = value.stringValue;
    else if (value.intValue !== undefined) plain[key] = Number(value.intValue);
    else if (value.boolValue !== undefined) plain[key] = value.boolValue;
    else if (value.doubleValue !== undefined) plain[key] = value.doubleValue;
  }
  return plain;
}

/** A small OTLP/HTTP receiver: POST /v1/traces with a JSON body, every span kept. */
class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly paths: string[] = [];
  private readonly server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      this.paths.push(`${request.method} ${request.url} ${request.headers['content-type']}`);
      const decoded = JSON.parse(body) as OtlpBody;
      for (const resourceSpans of decoded.resourceSpans) {
        const instance = String(plainAttributes(resourceSpans.resource.attributes)['service.instance.id']);
        for (const scope of resourceSpans.scopeSpans)
          for (const span of scope.spans) this.spans.push({ ...span, parentSpanId: span.parentSpanId || undefined, attributes: plainAttributes(span.attributes), instance });
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The spans matching `where`, once there are at least `count` of them. */
  async find(where: (span: ReceivedSpan) => boolean, count = 1): Promise<ReceivedSpan[]> {
    await expect.poll(() => this.spans.filter(where).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(count);
    return this.spans.filter(where);
  }

  childrenOf(parent: ReceivedSpan): ReceivedSpan[] {
    return this.spans.filter((span) => span.parentSpanId === parent.spanId && span.traceId === parent.traceId);
  }
}

/** A connection and the port it talks from (its spans' network.peer.port). */
async function connect(port: number): Promise<{ redis: Redis; peerPort: number }> {
  const redis = new Redis({ port, protocol: 2 });
  const info = await redis.client('INFO');
  const peerPort = Number(/addr=[^ ]*:(\d+)/.exec(String(info))?.[1]);
  return { redis, peerPort };
}

const traceId = () => randomBytes(16).toString('hex');
const spanId = () => randomBytes(8).toString('hex');

describe('OpenTelemetry traces', () => {
  const receiver = new OtlpReceiver();
  let endpoint: string;
  let server: EddyProcess;
  let instance: string;
  const opened: Redis[] = [];

  const client = async () => {
    const connection = await connect(server.port);
    opened.push(connection.redis);
    return connection;
  };
  const fromPeer = (peerPort: number, name: string) => (span: ReceivedSpan) => span.attributes['network.peer.port'] === peerPort && span.name === name;

  const batchDelay = process.env.OTEL_BSP_SCHEDULE_DELAY;
  beforeAll(async () => {
    endpoint = await receiver.listen();
    // The SDK's batch delay (an OpenTelemetry variable the server inherits): spans arrive within a tenth of a second.
    process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
    server = await EddyProcess.start(['--otel-endpoint', endpoint, '--appendfsync', 'always', '--http-port', '0', '--grpc-port', '0']);
    const { redis } = await client();
    instance = String(await redis.info('server')).match(/run_id:(\w+)/)?.[1] ?? '';
  });
  afterAll(async () => {
    for (const redis of opened) redis.disconnect();
    await server.stop();
    await receiver.close();
    if (batchDelay === undefined) delete process.env.OTEL_BSP_SCHEDULE_DELAY;
    else process.env.OTEL_BSP_SCHEDULE_DELAY = batchDelay;
  });

  test('a command is a server span with the database conventions, sent as OTLP JSON to /v1/traces', async () => {
    const { redis, peerPort } = await client();
    expect(await redis.select(3)).toBe('OK');
    expect(await redis.get('missing')).toBe(null);
    const [get] = await receiver.find(fromPeer(peerPort, 'GET'));
    expect(get.kind).toBe(SPAN_KIND_SERVER);
    expect(get.parentSpanId).toBeUndefined();
    expect(get.instance).toBe(instance);
    expect(get.attributes).toMatchObject({
      'db.system': 'redis',
      'db.system.name': 'redis',
      'db.operation.name': 'GET',
      'db.namespace': '3',
      'server.address': '127.0.0.1',
      'server.port': server.port,
      'network.peer.address': '127.0.0.1',
      'network.peer.port': peerPort,
    });
    // SELECT ran in database 0 and chose 3 for what follows.
    const [select] = await receiver.find(fromPeer(peerPort, 'SELECT'));
    expect(select.attributes['db.namespace']).toBe('0');
    // A read writes nothing: it waits for no commit.
    expect(receiver.childrenOf(get)).toEqual([]);
    expect(receiver.paths).toContain('POST /v1/traces application/json');
  });

  test('a write waits for its log commit in a child span, and the fsync (appendfsync always) is under it', async () => {
    const { redis, peerPort } = await client();
    await redis.set('written', 'v');
    const [set] = await receiver.find(fromPeer(peerPort, 'SET'));
    const [commit] = await receiver.find((span) => span.parentSpanId === set.spanId && span.name === 'eddy.log.commit');
    expect(commit.traceId).toBe(set.traceId);
    expect(commit.attributes['eddy.log.appendfsync']).toBe('always');
    expect(commit.attributes['eddy.log.revision']).toBeGreaterThan(0);
    const [fsync] = receiver.childrenOf(commit);
    expect(fsync.name).toBe('eddy.log.fsync');
    expect(fsync.attributes['eddy.log.batch_records']).toBeGreaterThanOrEqual(1);
  });

  test('an error reply marks its span as failed with the Redis error code', async () => {
    const { redis, peerPort } = await client();
    await redis.rpush('list', 'a');
    await expect(redis.incr('list')).rejects.toThrow(/WRONGTYPE/);
    const [incr] = await receiver.find(fromPeer(peerPort, 'INCR'));
    expect(incr.status.code).toBe(STATUS_ERROR);
    expect(incr.status.message).toMatch(/^WRONGTYPE Operation against a key/);
    expect(incr.attributes['db.response.status_code']).toBe('WRONGTYPE');
    expect(incr.attributes['error.type']).toBe('WRONGTYPE');
  });

  test("EXEC's commands are its children, and EXEC waits for their commit", async () => {
    const { redis, peerPort } = await client();
    expect(await redis.multi().set('a', '1').incr('a').exec()).toEqual([
      [null, 'OK'],
      [null, 2],
    ]);
    const [exec] = await receiver.find(fromPeer(peerPort, 'EXEC'));
    await receiver.find((span) => span.parentSpanId === exec.spanId, 3);
    expect(
      receiver
        .childrenOf(exec)
        .map((span) => span.name)
        .sort(),
    ).toEqual(['INCR', 'SET', 'eddy.log.commit']);
    // Queued under MULTI, SET ran only once EXEC ran it: its one span is EXEC's child.
    expect(receiver.spans.filter(fromPeer(peerPort, 'SET')).map((span) => span.parentSpanId)).toEqual([exec.spanId]);
  });

  test('a script is a child of EVAL, and its redis.call commands are children of the script', async () => {
    const { redis, peerPort } = await client();
    const source = "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('GET', KEYS[1])";
    expect(await redis.eval(source, 1, 'scripted', 'x')).toBe('x');
    const [evalSpan] = await receiver.find(fromPeer(peerPort, 'EVAL'));
    const [script] = await receiver.find((span) => span.parentSpanId === evalSpan.spanId && span.name === 'eddy.script');
    expect(script.attributes['eddy.script.sha1']).toBe(createHash('sha1').update(source).digest('hex'));
    const calls = await receiver.find((span) => span.parentSpanId === script.spanId, 2);
    expect(calls.map((span) => span.name)).toEqual(['SET', 'GET']);
    expect(calls.every((span) => span.attributes['db.system'] === 'redis' && span.traceId === evalSpan.traceId)).toBe(true);
    // The script's writes are EVAL's to wait for.
    await receiver.find((span) => span.parentSpanId === evalSpan.spanId && span.name === 'eddy.log.commit');
  });

  test('a script that runs over several event-loop turns keeps its redis.call commands under it', async () => {
    const { redis, peerPort } = await client();
    // Far past the first slice (2 ms): the SET runs in a later turn, between other clients' commands.
    const source = "for i = 1, 20000000 do end; return redis.call('SET', KEYS[1], 'late')";
    const other = await client();
    const [reply] = await Promise.all([redis.eval(source, 1, 'slow-script'), other.redis.ping()]);
    expect(reply).toBe('OK');
    const [evalSpan] = await receiver.find(fromPeer(peerPort, 'EVAL'));
    const [script] = await receiver.find((span) => span.parentSpanId === evalSpan.spanId && span.name === 'eddy.script');
    const [set] = await receiver.find((span) => span.parentSpanId === script.spanId);
    expect([set.name, set.traceId]).toEqual(['SET', evalSpan.traceId]);
    // The other client's PING, run while the script was going, is a trace of its own.
    const [ping] = await receiver.find(fromPeer(other.peerPort, 'PING'));
    expect([ping.parentSpanId, ping.traceId === evalSpan.traceId]).toEqual([undefined, false]);
  });

  test("a blocked command's span lasts until it is served, and holds the commit of what it took", async () => {
    const blocked = await client();
    const pusher = await client();
    const popped = blocked.redis.blpop('queue', 0);
    await expect.poll(async () => String(await pusher.redis.info('clients')).match(/blocked_clients:(\d+)/)?.[1]).toBe('1');
    await pusher.redis.rpush('queue', 'job');
    expect(await popped).toEqual(['queue', 'job']);
    const [blpop] = await receiver.find(fromPeer(blocked.peerPort, 'BLPOP'));
    const [rpush] = await receiver.find(fromPeer(pusher.peerPort, 'RPUSH'));
    expect(blpop.parentSpanId).toBeUndefined();
    expect(BigInt(blpop.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(rpush.startTimeUnixNano));
    await receiver.find((span) => span.parentSpanId === blpop.spanId && span.name === 'eddy.log.commit');
  });

  test("an HTTP request's traceparent continues the application's trace; an unsampled one is not traced", async () => {
    const base = `http://127.0.0.1:${server.httpPort}`;
    const unsampled = traceId();
    const post = (body: unknown, traceparent: string) =>
      fetch(`${base}/command`, { method: 'POST', headers: { 'content-type': 'application/json', traceparent, tracestate: 'app=1' }, body: JSON.stringify(body) });
    expect(await (await post(['SET', 'from-http', 'v'], `00-${unsampled}-${spanId()}-00`)).json()).toEqual({ result: 'OK' });
    const application = { trace: traceId(), span: spanId() };
    expect(await (await post(['SET', 'from-http', 'w'], `00-${application.trace}-${application.span}-01`)).json()).toEqual({ result: 'OK' });
    const [set] = await receiver.find((span) => span.traceId === application.trace && span.name === 'SET');
    expect(set.parentSpanId).toBe(application.span);
    expect(set.attributes['network.peer.address']).toBe('127.0.0.1');
    await receiver.find((span) => span.parentSpanId === set.spanId && span.name === 'eddy.log.commit');
    // The unsampled request's command ended before the sampled one started, so it would be here by now.
    expect(receiver.spans.filter((span) => span.traceId === unsampled)).toEqual([]);
  });

  test("a gRPC call's traceparent metadata continues the application's trace", async () => {
    const stub = grpcStub(server.grpcPort);
    const application = { trace: traceId(), span: spanId() };
    const metadata = new Metadata();
    metadata.set('traceparent', `00-${application.trace}-${application.span}-01`);
    const outcome = await new Promise<{ error?: ServiceError; response?: object }>((resolve) =>
      stub.Get.call(stub, { key: Buffer.from('nothing-here') }, metadata, {}, (error, response) => resolve(error ? { error } : { response })),
    );
    stub.close();
    expect(outcome.error?.code).toBe(status.NOT_FOUND);
    const [get] = await receiver.find((span) => span.traceId === application.trace);
    expect([get.name, get.parentSpanId, get.attributes['db.operation.name'], get.attributes['server.address']]).toEqual(['GET', application.span, 'GET', '127.0.0.1']);
  });

  test('otel-sample-ratio 0 traces no command; its value is checked', async () => {
    const { redis, peerPort } = await client();
    await expect(redis.config('SET', 'otel-sample-ratio', '2')).rejects.toThrow(/argument must be a number from 0 to 1/);
    await expect(redis.config('SET', 'otel-endpoint', 'http://127.0.0.1:1')).rejects.toThrow(/can't set immutable config/);
    expect(await redis.config('SET', 'otel-sample-ratio', '0')).toBe('OK');
    expect(await redis.echo('not sampled')).toBe('not sampled');
    expect(await redis.config('SET', 'otel-sample-ratio', '1')).toBe('OK');
    expect(await redis.ping()).toBe('PONG');
    await receiver.find(fromPeer(peerPort, 'PING'));
    expect(receiver.spans.filter(fromPeer(peerPort, 'ECHO'))).toEqual([]);
    expect(await redis.config('GET', 'otel-*')).toEqual(['otel-endpoint', endpoint, 'otel-sample-ratio', '1']);
  });

  test("a follower's applying of its primary's batch is a span, with its commit as a child", async () => {
    const follower = await EddyProcess.start(['--otel-endpoint', endpoint, '--replicaof', '127.0.0.1', String(server.port)]);
    const replica = new Redis({ port: follower.port, protocol: 2 });
    try {
      const followerInstance = String(await replica.info('server')).match(/run_id:(\w+)/)?.[1] ?? '';
      const { redis } = await client();
      await expect.poll(async () => (await replica.info('replication')).includes('master_link_status:up')).toBe(true);
      await redis.set('replicated', 'v');
      await expect.poll(() => replica.get('replicated')).toBe('v');
      const applies = await receiver.find((span) => span.instance === followerInstance && span.name === 'eddy.replication.apply');
      const apply = applies.at(-1) as ReceivedSpan;
      expect(apply.kind).toBe(SPAN_KIND_CONSUMER);
      expect(apply.parentSpanId).toBeUndefined();
      expect(apply.attributes['eddy.replication.records']).toBeGreaterThanOrEqual(1);
      expect(apply.attributes['eddy.log.last_revision']).toBeGreaterThanOrEqual(apply.attributes['eddy.log.first_revision'] as number);
      expect([apply.attributes['server.address'], apply.attributes['server.port']]).toEqual(['127.0.0.1', server.port]);
      await receiver.find((span) => span.parentSpanId === apply.spanId && span.name === 'eddy.log.commit');
    } finally {
      replica.disconnect();
      await follower.stop();
    }
  });

  test('spans still held are exported when the server stops', async () => {
    // A batch delay far longer than the test: only the stop can send these.
    process.env.OTEL_BSP_SCHEDULE_DELAY = '600000';
    // Named in a config file this time, as redis.conf names options.
    const dir = mkdtempSync(join(tmpdir(), 'eddy-tracing-'));
    writeFileSync(join(dir, 'eddy.conf'), `otel-endpoint ${endpoint}\notel-sample-ratio 1\n`);
    const held = await EddyProcess.start([join(dir, 'eddy.conf')], join(dir, 'data'));
    try {
      const redis = new Redis({ port: held.port, protocol: 2 });
      const heldInstance = String(await redis.info('server')).match(/run_id:(\w+)/)?.[1] ?? '';
      await redis.set('before-stop', 'v');
      redis.disconnect();
      expect(receiver.spans.filter((span) => span.instance === heldInstance)).toEqual([]);
      expect(await held.kill('SIGTERM')).toBe(0);
      expect(receiver.spans.filter((span) => span.instance === heldInstance).map((span) => span.name)).toEqual(expect.arrayContaining(['INFO', 'SET', 'eddy.log.commit']));
    } finally {
      process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
      await held.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('OpenTelemetry options', () => {
  test.each([
    [['--otel-endpoint', 'ftp://127.0.0.1/traces'], "'otel-endpoint' argument must be an http:// or https:// URL"],
    [['--otel-endpoint', 'collector:4318'], "'otel-endpoint' argument must be an http:// or https:// URL"],
    [['--otel-sample-ratio', '1.5'], "'otel-sample-ratio' argument must be a number from 0 to 1"],
    [['--otel-sample-ratio', 'half'], "'otel-sample-ratio' argument must be a number from 0 to 1"],
  ])('%j is refused at start', (args, message) => {
    const result = spawnSync(process.execPath, [SERVER_ENTRY, ...args, '--port', '0'], { encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
  });
});
