import { Metadata } from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { RawRespClient } from '../support/raw-resp-client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';
import { grpcStub, neutralOfGrpcReply, WsClient } from '../support/protocol-clients.js';

/**
 * One ACL user, the same permissions on every protocol: RESP (AUTH), HTTP (Basic), gRPC (call
 * metadata) and WebSocket (the upgrade's headers). Each row: what the user runs, what it gets.
 */

let server: EddyProcess;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

beforeAll(async () => {
  server = await EddyProcess.start(['--http-port', '0', '--grpc-port', '0', '--ws-port', '0', '--requirepass', 'admin-pw']);
  const admin = new Redis({ port: server.port, host: '127.0.0.1', password: 'admin-pw', maxRetriesPerRequest: 0 });
  await admin.call('ACL', 'SETUSER', 'app', 'on', '>app-pw', '~app:*', '+get', '+set');
  await admin.set('other', 'secret');
  admin.disconnect();
});
afterAll(async () => {
  await server?.stop();
});

type Run = (args: string[], user: string, password: string) => Promise<string>;

/** Each protocol's way to run a command as a user: the result as text, or the error's message. */
const protocols: Record<string, Run> = {
  resp: async (args, user, password) => {
    const client = await RawRespClient.open(server.port);
    try {
      const auth = await client.call('AUTH', user, password);
      const reply = auth.startsWith('-') ? auth : await client.call(...args);
      // +OK, -ERR ..., $1 v: the text of the reply.
      return reply.startsWith('$') ? reply.split('\r\n')[1] : reply.slice(1).trimEnd();
    } finally {
      client.close();
    }
  },
  http: async (args, user, password) => {
    const response = await fetch(`http://127.0.0.1:${server.httpPort}/command`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic(user, password) },
      body: JSON.stringify(args),
    });
    const body = (await response.json()) as { result?: unknown; error?: string };
    return body.error ?? String(body.result);
  },
  grpc: async (args, user, password) => {
    const stub = grpcStub(server.grpcPort);
    const metadata = new Metadata();
    metadata.set('authorization', basic(user, password));
    try {
      return await new Promise<string>((resolve) =>
        stub.Command.call(stub, { args: args.map((arg) => Buffer.from(arg)) }, metadata, {}, (error, response) => {
          if (error) resolve(error.details);
          else {
            const value = neutralOfGrpcReply(response);
            resolve(typeof value === 'object' && value !== null && 'status' in value ? String(value.status) : String(value));
          }
        }),
      );
    } finally {
      stub.close();
    }
  },
  ws: async (args, user, password) => {
    let client: WsClient;
    try {
      client = await WsClient.open(`ws://127.0.0.1:${server.wsPort}/`, { authorization: basic(user, password) });
    } catch (error) {
      return (error as Error).message;
    }
    try {
      const outcome = await Promise.race([
        client.run(args),
        new Promise<{ error: string }>((resolve) => client.socket.once('close', (_code, reason) => resolve({ error: reason.toString() }))),
      ]);
      return 'error' in outcome ? outcome.error : String(outcome.result);
    } finally {
      client.close();
    }
  },
};

describe.each(Object.entries(protocols))('an ACL user over %s', (_name, run) => {
  it('may run what its rules allow, and gets the same NOPERM as on RESP for the rest', async () => {
    expect(await run(['SET', 'app:1', 'v'], 'app', 'app-pw')).toMatch(/^OK$|^true$/);
    expect(await run(['GET', 'app:1'], 'app', 'app-pw')).toBe('v');
    expect(await run(['GET', 'other'], 'app', 'app-pw')).toContain('NOPERM this user has no permissions to access one of the keys used as arguments');
    expect(await run(['DEL', 'app:1'], 'app', 'app-pw')).toContain("NOPERM this user has no permissions to run the 'del' command");
  });

  it('is refused with a wrong password before any work', async () => {
    expect(await run(['GET', 'app:1'], 'app', 'wrong')).toMatch(/WRONGPASS|authentication failed/);
  });
});
