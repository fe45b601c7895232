import { WebSocket } from 'ws';

interface Waiter {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/**
 * A client of Eddy's WebSocket JSON frames: sends `{id, cmd}` and matches each `{id, result}` or
 * `{id, error}` to its command, so that many commands can be in flight on one connection.
 */
export class WebSocketCommandClient {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => this.receive(data.toString('utf8')));
    socket.on('close', () => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error('the WebSocket closed'));
      this.waiting.clear();
    });
  }

  static async connect(port: number): Promise<WebSocketCommandClient> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new WebSocketCommandClient(socket);
  }

  /** Sends one command; resolves to its result, rejects with its error. */
  send(cmd: readonly string[]): Promise<unknown> {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ id, cmd }));
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  close(): void {
    this.socket.close();
  }

  private receive(text: string): void {
    const frame = JSON.parse(text) as { id: number; result?: unknown; error?: string };
    const waiter = this.waiting.get(frame.id);
    if (waiter === undefined) throw new Error(`an answer to no command: ${text}`);
    this.waiting.delete(frame.id);
    if (frame.error !== undefined) waiter.reject(new Error(frame.error));
    else waiter.resolve(frame.result);
  }
}
