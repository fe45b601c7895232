import { connect, type Socket } from 'node:net';

/** A raw TCP client for protocol edge cases: write bytes, read what the server answers. */
export class RawConnection {
  private received = Buffer.alloc(0);
  closed = false;
  private waiters: (() => void)[] = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Waits until the received text satisfies `done` (or the connection closes, or 5 s pass). */
  async readUntil(done: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
    await this.readUntilBytes(() => done(this.text), timeoutMs);
    return this.text;
  }

  /** Waits until the received bytes satisfy `done` (or the connection closes, or the time is up). */
  async readUntilBytes(done: (bytes: Buffer) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.received) && !this.closed && Date.now() < deadline)
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
  }

  /** Waits for `count` complete lines (CRLF-terminated). */
  readLines(count: number): Promise<string> {
    return this.readUntil((text) => text.split('\r\n').length > count);
  }

  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    await this.readUntil(() => false, timeoutMs);
    return this.closed;
  }

  get text(): string {
    return this.received.toString('latin1');
  }

  clear(): void {
    this.received = Buffer.alloc(0);
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
