import { connect, type Socket } from 'node:net';
import { decodeResp3 } from './protocol-clients.js';

/**
 * A raw RESP connection that decodes everything the server sends, replies and pushes alike, into
 * one queue: for subscriptions, where messages arrive unasked. Errors come as `{error}`.
 */
export class RespStream {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly values: unknown[] = [];
  private waiter: (() => void) | undefined;
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      let at = 0;
      for (;;) {
        const decoded = decodeResp3(this.buffer, at);
        if (decoded === undefined) break;
        this.values.push(decoded[0].error !== undefined ? { error: decoded[0].error } : decoded[0].value);
        at = decoded[1];
      }
      this.buffer = this.buffer.subarray(at);
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', () => undefined);
  }

  static async open(port: number, resp: 2 | 3 = 2): Promise<RespStream> {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const stream = new RespStream(socket);
    if (resp === 3) {
      stream.send('HELLO', '3');
      await stream.next();
    }
    return stream;
  }

  send(...args: (string | number)[]): void {
    const parts = args.map(String);
    this.socket.write(`*${parts.length}\r\n${parts.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`);
  }

  /** The next value the server sent; rejects after `timeoutMs` or when the connection closed. */
  async next(timeoutMs = 5000): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    while (this.values.length === 0) {
      if (this.closed) throw new Error('connection closed');
      if (Date.now() > deadline) throw new Error('nothing arrived in time');
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.values.shift();
  }

  /** The next `count` values. */
  async take(count: number, timeoutMs = 5000): Promise<unknown[]> {
    const taken = [];
    for (let i = 0; i < count; i++) taken.push(await this.next(timeoutMs));
    return taken;
  }

  /** Everything that has arrived so far. */
  drain(): unknown[] {
    return this.values.splice(0);
  }

  close(): void {
    this.socket.destroy();
  }
}
