import { credentials, loadPackageDefinition, Metadata, type Client as GrpcClient, type GrpcObject, type ServiceClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { resolve } from 'node:path';
import { WebSocket } from 'ws';
import { RawConnection } from './raw-connection.js';

/**
 * One client per protocol, each giving a command's outcome in the same neutral shape, so that a
 * table of commands can be run over all four and compared: `{result}` with bulk strings as text
 * (or `{base64}`), integers and doubles as numbers, maps as objects, sets as arrays; or `{error}`.
 */
export type Outcome = { result: unknown } | { error: string };

export interface ProtocolClient {
  readonly name: string;
  run(args: string[]): Promise<Outcome>;
  close(): void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function bulkText(bytes: Buffer): unknown {
  try {
    return utf8.decode(bytes);
  } catch {
    return { base64: bytes.toString('base64') };
  }
}

/** RESP3 over a raw socket (HELLO 3), decoded here so that no client library reshapes replies. */
export class RespClient implements ProtocolClient {
  readonly name = 'resp';
  private constructor(private readonly connection: RawConnection) {}

  static async open(port: number, password?: string): Promise<RespClient> {
    const client = new RespClient(await RawConnection.open(port));
    const hello = await client.run(password === undefined ? ['HELLO', '3'] : ['HELLO', '3', 'AUTH', 'default', password]);
    if ('error' in hello) throw new Error(hello.error);
    return client;
  }

  async run(args: string[]): Promise<Outcome> {
    this.connection.clear();
    this.connection.write(Buffer.from(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`, 'utf8'));
    let parsed: { value: unknown; error?: string } | undefined;
    await this.connection.readUntilBytes((bytes) => (parsed = decodeResp3(bytes, 0)?.[0]) !== undefined);
    if (parsed === undefined) throw new Error('no reply');
    return parsed.error !== undefined ? { error: parsed.error } : { result: parsed.value };
  }

  close(): void {
    this.connection.close();
  }
}

export type Decoded = [{ value: unknown; error?: string }, number] | undefined;

/** Decodes one RESP3 (or RESP2) value at `at`, and where the next starts; undefined while it is incomplete. */
export function decodeResp3(bytes: Buffer, at: number): Decoded {
  const lineEnd = bytes.indexOf('\r\n', at);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(bytes[at]);
  const line = bytes.toString('utf8', at + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return [{ value: line }, next];
    case '-':
      return [{ value: null, error: line }, next];
    case ':':
      return [{ value: Number(line) }, next];
    case ',':
      return [{ value: /^-?inf|nan$/.test(line) ? line : Number(line) }, next];
    case '#':
      return [{ value: line === 't' }, next];
    case '_':
      return [{ value: null }, next];
    case '$':
    case '=': {
      const length = Number(line);
      if (length < 0) return [{ value: null }, next];
      if (bytes.length < next + length + 2) return undefined;
      const body = bytes.subarray(type === '=' ? next + 4 : next, next + length);
      return [{ value: bulkText(body) }, next + length + 2];
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      const count = Number(line) * (type === '%' ? 2 : 1);
      if (count < 0) return [{ value: null }, next];
      const items: unknown[] = [];
      let position = next;
      for (let i = 0; i < count; i++) {
        const item = decodeResp3(bytes, position);
        if (item === undefined) return undefined;
        items.push(item[0].error !== undefined ? { error: item[0].error } : item[0].value);
        position = item[1];
      }
      if (type !== '%') return [{ value: items }, position];
      const object: Record<string, unknown> = {};
      for (let i = 0; i < items.length; i += 2) object[String(items[i])] = items[i + 1];
      return [{ value: object }, position];
    }
    default:
      throw new Error(`unexpected RESP type ${type}`);
  }
}

/** HTTP: POST /command with a JSON array. */
export class HttpClient implements ProtocolClient {
  readonly name = 'http';
  constructor(
    private readonly port: number,
    private readonly password?: string,
  ) {}

  async run(args: string[]): Promise<Outcome> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.password !== undefined) headers.authorization = `Bearer ${this.password}`;
    const response = await fetch(`http://127.0.0.1:${this.port}/command`, { method: 'POST', headers, body: JSON.stringify(args) });
    return (await response.json()) as Outcome;
  }

  close(): void {}
}

/** WebSocket: JSON text frames `{id, cmd}`. */
export class WsClient implements ProtocolClient {
  readonly name = 'ws';
  private nextId = 1;
  private readonly waiting = new Map<number, (outcome: Outcome) => void>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer, binary) => {
      if (binary) return; // msgpack frames are the test's own business
      const { id, ...outcome } = JSON.parse(data.toString()) as { id: number } & Outcome;
      this.waiting.get(id)?.(outcome);
      this.waiting.delete(id);
    });
  }

  /** `ca`: the CA a wss:// server's certificate is checked against. */
  static async open(url: string, headers: Record<string, string> = {}, ca?: Buffer): Promise<WsClient> {
    const socket = new WebSocket(url, { headers, ca });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new WsClient(socket);
  }

  run(args: string[]): Promise<Outcome> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.socket.send(JSON.stringify({ id, cmd: args }));
    });
  }

  close(): void {
    this.socket.terminate();
  }
}

export const PROTO_PATH = resolve(import.meta.dirname, '../../proto/eddy.proto');

type Unary = (request: object, metadata: Metadata, options: { deadline?: number }, callback: (error: ServiceError | null, response: Record<string, unknown>) => void) => void;

/** The generated gRPC client of proto/eddy.proto. */
export function grpcStub(port: number, channel = credentials.createInsecure()): GrpcClient & Record<'Get' | 'Set' | 'Del' | 'Command' | 'LoadScript', Unary> {
  const definition = loadSync(PROTO_PATH, { keepCase: true, longs: String, oneofs: true });
  const Eddy = ((loadPackageDefinition(definition).eddy as GrpcObject).v1 as GrpcObject).Eddy as ServiceClientConstructor;
  // A ServiceClient types its methods only as Function: narrow from the Client it is.
  const stub: GrpcClient = new Eddy(`127.0.0.1:${port}`, channel);
  return stub as GrpcClient & Record<'Get' | 'Set' | 'Del' | 'Command' | 'LoadScript', Unary>;
}

/** Calls a unary method; a failed call resolves with its error. */
export function grpcCall(
  method: Unary,
  stub: object,
  request: object,
  options: { password?: string; deadline?: number } = {},
): Promise<{ response?: Record<string, unknown>; error?: ServiceError }> {
  const metadata = new Metadata();
  if (options.password !== undefined) metadata.set('authorization', `Bearer ${options.password}`);
  return new Promise((resolve) => method.call(stub, request, metadata, { deadline: options.deadline }, (error, response) => resolve(error ? { error } : { response })));
}

/** The typed `Reply` message in the neutral shape. */
export function neutralOfGrpcReply(reply: Record<string, unknown>): unknown {
  const kind = reply.value as string;
  const value = reply[kind] as never;
  switch (kind) {
    case 'bulk':
      return bulkText(value);
    case 'integer':
      return Number(value);
    case 'null':
      return null;
    case 'error':
      return { error: value };
    case 'array':
    case 'set':
      return ((value as { items?: Record<string, unknown>[] }).items ?? []).map(neutralOfGrpcReply);
    case 'map': {
      const object: Record<string, unknown> = {};
      for (const entry of (value as { entries?: { key: Record<string, unknown>; value: Record<string, unknown> }[] }).entries ?? [])
        object[String(neutralOfGrpcReply(entry.key))] = neutralOfGrpcReply(entry.value);
      return object;
    }
    case 'verbatim':
      return bulkText((value as { text: Buffer }).text);
    default:
      return value; // simple, double, boolean, big_number
  }
}

export class GrpcCommandClient implements ProtocolClient {
  readonly name = 'grpc';
  private readonly stub: ReturnType<typeof grpcStub>;

  constructor(
    port: number,
    private readonly password?: string,
  ) {
    this.stub = grpcStub(port);
  }

  async run(args: string[]): Promise<Outcome> {
    const { response, error } = await grpcCall(this.stub.Command, this.stub, { args: args.map((arg) => Buffer.from(arg)) }, { password: this.password });
    if (error) return { error: error.details };
    return { result: neutralOfGrpcReply(response as Record<string, unknown>) };
  }

  close(): void {
    this.stub.close();
  }
}
