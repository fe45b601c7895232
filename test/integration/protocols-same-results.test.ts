import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';
import { GrpcCommandClient, HttpClient, RespClient, WsClient, type Outcome, type ProtocolClient } from '../support/protocol-clients.js';

/**
 * One table of commands, run over RESP (RESP3), HTTP, gRPC and WebSocket against the same server:
 * every protocol must give the same result and the same error for every row.
 */
const TABLE: [string[], Outcome][] = [
  [['SET', 'greeting', 'héllo'], { result: 'OK' }],
  [['GET', 'greeting'], { result: 'héllo' }],
  [['GET', 'missing'], { result: null }],
  [['SET', 'n', '41'], { result: 'OK' }],
  [['INCR', 'n'], { result: 42 }],
  [['INCRBYFLOAT', 'n', '0.5'], { result: '42.5' }],
  [['APPEND', 'greeting', '!'], { result: 7 }],
  [['EXISTS', 'greeting', 'n', 'missing'], { result: 2 }],
  [['HSET', 'h', 'f1', 'v1', 'f2', 'v2'], { result: 2 }],
  [['HGETALL', 'h'], { result: { f1: 'v1', f2: 'v2' } }],
  [['HGET', 'h', 'nope'], { result: null }],
  [['RPUSH', 'l', 'a', 'b', 'c'], { result: 3 }],
  [['LRANGE', 'l', '0', '-1'], { result: ['a', 'b', 'c'] }],
  [['LPOP', 'l'], { result: 'a' }],
  [['SADD', 's', 'x'], { result: 1 }],
  [['SMEMBERS', 's'], { result: ['x'] }],
  [['SISMEMBER', 's', 'x'], { result: 1 }],
  [['ZADD', 'z', '1.5', 'a', '2', 'b'], { result: 2 }],
  [['ZSCORE', 'z', 'a'], { result: 1.5 }],
  [
    ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
    {
      result: [
        ['a', 1.5],
        ['b', 2],
      ],
    },
  ],
  [['TYPE', 'z'], { result: 'zset' }],
  [['EXPIRE', 'h', '100'], { result: 1 }],
  [['TTL', 'h'], { result: 100 }],
  [['DEL', 'greeting', 'missing'], { result: 1 }],
  [['LPUSH', 'h', 'x'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
  [['GET'], { error: "ERR wrong number of arguments for 'get' command" }],
  [['NOSUCHCOMMAND', 'x'], { error: "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' " }],
  [['SET', 'k', 'v', 'BOGUS'], { error: 'ERR syntax error' }],
  [['INCR', 'l'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
  [['SET', 'n', 'abc'], { result: 'OK' }],
  [['INCR', 'n'], { error: 'ERR value is not an integer or out of range' }],
  [['HINCRBYFLOAT', 'h2', 'f', 'x'], { error: 'ERR value is not a valid float' }],
  [['DBSIZE'], { result: 5 }],
];

describe('the same command gives the same result over RESP, HTTP, gRPC and WebSocket', () => {
  let server: EddyProcess;
  const clients: ProtocolClient[] = [];

  beforeAll(async () => {
    server = await EddyProcess.start(['--http-port', '0', '--grpc-port', '0', '--ws-port', '0']);
    clients.push(
      await RespClient.open(server.port),
      new HttpClient(server.httpPort),
      new GrpcCommandClient(server.grpcPort),
      await WsClient.open(`ws://127.0.0.1:${server.wsPort}/`),
    );
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await server.stop();
  });

  for (const protocol of ['resp', 'http', 'grpc', 'ws'])
    test(`${protocol}: every row of the table`, async () => {
      const client = clients.find((candidate) => candidate.name === protocol) as ProtocolClient;
      expect(await client.run(['FLUSHALL'])).toEqual({ result: 'OK' });
      const outcomes: [string[], Outcome][] = [];
      for (const [args] of TABLE) outcomes.push([args, await client.run(args)]);
      expect(outcomes).toEqual(TABLE);
    });
});
