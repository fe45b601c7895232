import { connect, type Socket } from 'node:net';
import { RespReplyReader, type RespValue } from './resp-reply-reader.js';
import { encodeCommand } from './resp-command.js';

/** Redis's MIGRATE_SOCKET_CACHE_ITEMS and MIGRATE_SOCKET_CACHE_TTL. */
const MAX_CACHED = 64;
const IDLE_CLOSE_MS = 10_000;

/** Why a call to another server failed: Redis's IOERR tells connecting, writing and reading apart. */
export class TargetIoError extends Error {
  constructor(
    readonly stage: 'connecting' | 'writing' | 'reading',
    /** A timeout is not retried, as in Redis. */
    readonly timedOut: boolean,
  ) {
    super(`error or timeout ${stage}`);
  }
}

/** One connection to another server (Eddy or redis-server) that Eddy sends commands to. */
export class TargetConnection {
  /** The database the last successful MIGRATE selected there (-1: unknown, SELECT again). */
  lastDb = -1;
  lastUsedAt = Date.now();
  /** Replies that came before anyone asked for them (several in one packet). */
  private readonly received: RespValue[] = [];
  private waiting: ((value: RespValue) => void) | undefined;
  private failed: ((error: TargetIoError) => void) | undefined;
  private readonly reader = new RespReplyReader((value) => {
    if (this.waiting === undefined) this.received.push(value);
    else this.waiting(value);
  });

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      try {
        this.reader.feed(chunk);
      } catch {
        socket.destroy();
      }
    });
    socket.on('error', () => this.failed?.(new TargetIoError('reading', false)));
    socket.on('close', () => this.failed?.(new TargetIoError('reading', false)));
  }

  static open(host: string, port: number, timeoutMs: number): Promise<TargetConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TargetIoError('connecting', true));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new TargetConnection(socket));
      });
      socket.once('error', () => {
        clearTimeout(timer);
        reject(new TargetIoError('connecting', false));
      });
    });
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  /**
   * Sends the commands in one write and waits for their replies, each within `timeoutMs` of the
   * previous one (Redis's syncReadLine timeout). A failure after some replies gives those with it.
   */
  async call(commands: readonly (readonly (string | Buffer)[])[], timeoutMs: number): Promise<RespValue[]> {
    this.lastUsedAt = Date.now();
    if (this.socket.destroyed) throw new TargetIoError('writing', false);
    const replies: RespValue[] = [];
    const written = this.socket.write(Buffer.concat(commands.map(encodeCommand)));
    if (!written) await new Promise<void>((resolve) => this.socket.once('drain', resolve));
    for (let i = 0; i < commands.length; i++) {
      try {
        replies.push(await this.nextReply(timeoutMs));
      } catch (error) {
        throw Object.assign(error as TargetIoError, { replies });
      }
    }
    this.lastUsedAt = Date.now();
    return replies;
  }

  private nextReply(timeoutMs: number): Promise<RespValue> {
    if (this.received.length > 0) return Promise.resolve(this.received.shift() as RespValue);
    if (this.socket.destroyed) return Promise.reject(new TargetIoError('reading', false));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.close();
        reject(new TargetIoError('reading', true));
      }, timeoutMs);
      this.failed = (error) => {
        clearTimeout(timer);
        this.waiting = undefined;
        reject(error);
      };
      this.waiting = (value) => {
        clearTimeout(timer);
        this.waiting = undefined;
        this.failed = undefined;
        resolve(value);
      };
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** MIGRATE's cached connections by host:port: at most 64, each closed after 10 s unused, as Redis keeps them. */
export class TargetConnections {
  private readonly byAddress = new Map<string, TargetConnection>();
  private sweeper: NodeJS.Timeout | undefined;

  get size(): number {
    return this.byAddress.size;
  }

  async get(host: string, port: number, timeoutMs: number): Promise<TargetConnection> {
    const address = `${host}:${port}`;
    const cached = this.byAddress.get(address);
    if (cached !== undefined && !cached.closed) return cached;
    this.byAddress.delete(address);
    if (this.byAddress.size >= MAX_CACHED) {
      // Redis drops a random one; the first is as good.
      const [oldest] = this.byAddress;
      oldest[1].close();
      this.byAddress.delete(oldest[0]);
    }
    const connection = await TargetConnection.open(host, port, timeoutMs);
    this.byAddress.set(address, connection);
    this.sweeper ??= setInterval(() => this.closeIdle(Date.now()), 1000).unref();
    return connection;
  }

  /** Forgets and closes the connection to host:port (after an error: the next MIGRATE reconnects and SELECTs). */
  drop(host: string, port: number): void {
    const address = `${host}:${port}`;
    this.byAddress.get(address)?.close();
    this.byAddress.delete(address);
  }

  closeIdle(now: number): void {
    for (const [address, connection] of this.byAddress)
      if (connection.closed || now - connection.lastUsedAt > IDLE_CLOSE_MS) {
        connection.close();
        this.byAddress.delete(address);
      }
    if (this.byAddress.size === 0 && this.sweeper !== undefined) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  closeAll(): void {
    for (const connection of this.byAddress.values()) connection.close();
    this.byAddress.clear();
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
