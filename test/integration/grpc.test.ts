import { Client as GrpcClient, credentials, loadPackageDefinition, Metadata, status, type GrpcObject, type ServiceClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { Redis } from 'ioredis';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';
import { grpcCall, grpcStub, neutralOfGrpcReply } from '../support/protocol-clients.js';

describe('gRPC', () => {
  let server: EddyProcess;
  let redis: Redis;
  let stub: ReturnType<typeof grpcStub>;

  beforeAll(async () => {
    server = await EddyProcess.start(['--grpc-port', '0', '--proto-max-bulk-len', '1mb']);
    redis = new Redis({ port: server.port, protocol: 2 });
    stub = grpcStub(server.grpcPort);
  });
  afterAll(async () => {
    stub.close();
    redis.disconnect();
    await server.stop();
  });
  beforeEach(async () => {
    await redis.flushall();
  });

  const command = async (...args: (string | Buffer)[]) => {
    const { response, error } = await grpcCall(stub.Command, stub, { args: args.map((arg) => Buffer.from(arg)) });
    return error ? { code: error.code, details: error.details } : neutralOfGrpcReply(response as Record<string, unknown>);
  };

  test('Set, Get and Del', async () => {
    const key = Buffer.from([0x00, 0xff]);
    const value = Buffer.from([0x80, 0x81, 0x00]);
    expect((await grpcCall(stub.Set, stub, { key, value, ex: 100 })).response).toEqual({ written: true });
    expect(await redis.getBuffer(key)).toEqual(value);
    expect(await redis.ttl(key)).toBe(100);
    expect((await grpcCall(stub.Set, stub, { key, value, nx: true })).response).toEqual({ written: false });
    expect((await grpcCall(stub.Get, stub, { key })).response).toEqual({ value });
    expect((await grpcCall(stub.Del, stub, { keys: [key, Buffer.from('other')] })).response).toEqual({ deleted: '1' });
    const missing = await grpcCall(stub.Get, stub, { key });
    expect([missing.error?.code, missing.error?.details]).toEqual([status.NOT_FOUND, 'ERR no such key']);
  });

  test('Command replies carry RESP3 types', async () => {
    expect(await command('HSET', 'h', 'f', 'v')).toBe(1);
    expect(await command('HGETALL', 'h')).toEqual({ f: 'v' });
    expect(await command('ZADD', 'z', '1.25', 'm')).toBe(1);
    expect(await command('ZSCORE', 'z', 'm')).toBe(1.25);
    expect(await command('SADD', 's', 'a')).toBe(1);
    expect(await command('SMEMBERS', 's')).toEqual(['a']);
    expect(await command('RPUSH', 'l', 'a', 'b')).toBe(2);
    expect(await command('LRANGE', 'l', '0', '-1')).toEqual(['a', 'b']);
    expect(await command('GET', 'nothing')).toBe(null);
    expect(await command('PING')).toBe('PONG');
    expect(await command('EXISTS', 'nothing')).toBe(0);
    const { response } = await grpcCall(stub.Command, stub, { args: [Buffer.from('HSET'), Buffer.from('h'), Buffer.from('g'), Buffer.from('w')] });
    expect(response).toEqual({ value: 'integer', integer: '1' });
  });

  test("errors map to status codes with Redis's text", async () => {
    await redis.rpush('list', 'x');
    expect(await command('GET', 'list')).toEqual({ code: status.FAILED_PRECONDITION, details: 'WRONGTYPE Operation against a key holding the wrong kind of value' });
    expect(await command('GET')).toEqual({ code: status.INVALID_ARGUMENT, details: "ERR wrong number of arguments for 'get' command" });
    expect(await command('SET', 'k', 'v', 'XX', 'NX')).toEqual({ code: status.INVALID_ARGUMENT, details: 'ERR syntax error' });
    expect(await command()).toEqual({ code: status.INVALID_ARGUMENT, details: 'ERR Protocol error: a command is a non-empty array of arguments' });
    const noKeys = await grpcCall(stub.Del, stub, {});
    expect(noKeys.error?.code).toBe(status.INVALID_ARGUMENT);
  });

  test('oversize values are refused and not written', async () => {
    const justOver = Buffer.alloc(1024 * 1024 + 1, 'x');
    const refused = await grpcCall(stub.Set, stub, { key: Buffer.from('big'), value: justOver });
    expect([refused.error?.code, refused.error?.details]).toEqual([status.RESOURCE_EXHAUSTED, 'ERR Protocol error: invalid bulk length']);
    const huge = await grpcCall(stub.Set, stub, { key: Buffer.from('big'), value: Buffer.alloc(3 * 1024 * 1024, 'x') });
    expect(huge.error?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(await redis.exists('big')).toBe(0);
  });

  test("a request that is not the method's message is refused, nothing written", async () => {
    // Raw bytes that are not a valid protobuf message for SetRequest (a truncated length-delimited field).
    const raw = new GrpcClient(`127.0.0.1:${server.grpcPort}`, credentials.createInsecure());
    const error = await new Promise<ServiceError | null>((resolve) =>
      raw.makeUnaryRequest(
        '/eddy.v1.Eddy/Set',
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => bytes,
        Buffer.from([0x0a, 0x7f, 0x61]),
        (failure) => resolve(failure),
      ),
    );
    raw.close();
    expect(error?.code).toBe(status.INTERNAL);
    expect(await redis.dbsize()).toBe(0);
  });

  test('deadlines: a blocked command past its deadline is dropped and takes nothing later', async () => {
    const { error } = await grpcCall(stub.Command, stub, { args: ['BLPOP', 'queue', '0'].map((arg) => Buffer.from(arg)) }, { deadline: Date.now() + 300 });
    expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
    await expect.poll(async () => (await redis.info('clients')).match(/blocked_clients:(\d+)/)?.[1]).toBe('0');
    await redis.rpush('queue', 'kept');
    expect(await redis.lrange('queue', 0, -1)).toEqual(['kept']);
  });

  test('server reflection lists the service', async () => {
    const reflectionProto = join(dirname(createRequire(import.meta.url).resolve('@grpc/reflection')), '../proto/grpc/reflection/v1/reflection.proto');
    const definition = loadSync(reflectionProto, { keepCase: true });
    const Reflection = (((loadPackageDefinition(definition).grpc as GrpcObject).reflection as GrpcObject).v1 as GrpcObject).ServerReflection as ServiceClientConstructor;
    const reflection: GrpcClient = new Reflection(`127.0.0.1:${server.grpcPort}`, credentials.createInsecure());
    const client = reflection as GrpcClient & {
      ServerReflectionInfo(): NodeJS.ReadWriteStream & { write(message: object): boolean; end(): void };
    };
    const stream = client.ServerReflectionInfo();
    stream.on('error', () => undefined);
    const answer = new Promise<{ list_services_response: { service: { name: string }[] } }>((resolve) => stream.once('data', resolve));
    stream.write({ list_services: '' });
    const services = (await answer).list_services_response.service.map((service) => service.name);
    stream.end();
    client.close();
    expect(services).toContain('eddy.v1.Eddy');
  });
});

describe('gRPC with requirepass', () => {
  let server: EddyProcess;
  let stub: ReturnType<typeof grpcStub>;

  beforeAll(async () => {
    server = await EddyProcess.start(['--grpc-port', '0', '--requirepass', 'sesame']);
    stub = grpcStub(server.grpcPort);
  });
  afterAll(async () => {
    stub.close();
    await server.stop();
  });

  test('no metadata: UNAUTHENTICATED; wrong password: PERMISSION_DENIED; bearer or x-eddy-password: served', async () => {
    const set = { key: Buffer.from('k'), value: Buffer.from('v') };
    expect((await grpcCall(stub.Set, stub, set)).error?.code).toBe(status.UNAUTHENTICATED);
    expect((await grpcCall(stub.Set, stub, set, { password: 'nope' })).error?.code).toBe(status.PERMISSION_DENIED);
    expect((await grpcCall(stub.Set, stub, set, { password: 'sesame' })).response).toEqual({ written: true });
    const metadata = new Metadata();
    metadata.set('x-eddy-password', 'sesame');
    const value = await new Promise((resolve) => stub.Get({ key: Buffer.from('k') }, metadata, {}, (_error, response) => resolve(response?.value)));
    expect(value).toEqual(Buffer.from('v'));
  });
});
