import { connect, type Socket } from 'node:net';

/**
 * Where the RESP2/RESP3 reply starting at `at` ends in `text` (latin1, one char per byte), or -1
 * when it has not all arrived.
 */
export function replyEnd(text: string, at: number): number {
  const lineEnd = text.indexOf('\r\n', at);
  if (lineEnd === -1) return -1;
  const type = text[at];
  const n = Number(text.slice(at + 1, lineEnd));
  if ('$=!'.includes(type)) return n < 0 ? lineEnd + 2 : lineEnd + 2 + n + 2 <= text.length ? lineEnd + 2 + n + 2 : -1;
  if ('*~>%|'.includes(type)) {
    let next = lineEnd + 2;
    const items = n < 0 ? 0 : type === '%' || type === '|' ? 2 * n : n;
    for (let i = 0; i < items && next !== -1; i++) next = replyEnd(text, next);
    return next;
  }
  return lineEnd + 2;
}

/** The elements of an array reply, each as its own reply text. */
export function arrayElements(reply: string): string[] {
  const elements: string[] = [];
  let at = reply.indexOf('\r\n') + 2;
  while (at < reply.length) {
    const end = replyEnd(reply, at);
    elements.push(reply.slice(at, end));
    at = end;
  }
  return elements;
}

/** A raw RESP client: writes each command as a RESP array and reads exactly one reply, as bytes. */
export class RawRespClient {
  private received = '';
  private waiting: (() => void) | undefined;
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.toString('latin1');
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawRespClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => resolve(new RawRespClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends one command (arguments as latin1 text) and resolves with its reply's bytes, as latin1 text. */
  async call(...args: string[]): Promise<string> {
    this.socket.write(Buffer.from(`*${args.length}\r\n${args.map((arg) => `$${arg.length}\r\n${arg}\r\n`).join('')}`, 'latin1'));
    const deadline = Date.now() + 5000;
    for (;;) {
      const end = replyEnd(this.received, 0);
      if (end !== -1) {
        const reply = this.received.slice(0, end);
        this.received = this.received.slice(end);
        return reply;
      }
      if (this.closed) throw new Error(`connection closed before the reply to ${args[0]}`);
      if (Date.now() > deadline) throw new Error(`no reply to ${args[0]} in time`);
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 100);
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
