import { connect, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { messageOf } from '../replies/errors.js';
import { encodeCommand, masterAuthCommand } from './resp-command.js';
import { errorOf, RespReplyReader, statusOf, type RespValue } from './resp-reply-reader.js';

/** What a follower's link asks of, and tells, the node it runs in. */
export interface LinkHandler {
  /** The history and revision to ask the primary to resume from, and the time of that revision's record (0: unknown). */
  resumePoint(): Promise<{ replid: string; rev: number; ts: number }>;
  /**
   * The primary's answer: it continues from `from` (and has `shards` shards), or sends a checkpoint
   * first (`checkpointRevs`, one per shard of its own).
   */
  started(replid: string, start: { from: number; shards: number } | { checkpointRevs: number[] }): Promise<void>;
  /** A stream message after the answer (log records, checkpoint rows, pings). */
  message(kind: string, parts: Buffer[]): void | Promise<void>;
  /** The primary refused to go on: this follower's history is not the primary's. */
  diverged(message: string): Promise<boolean>;
  /** Where the follower's log has been written up to, for REPLCONF ACK. */
  ackRev(): number;
  listeningPort(): number;
  /** The ACL user the follower authenticates as (empty: AUTH with the password alone, as the default user). */
  masteruser(): string;
  masterauth(): string;
  /** tls-replication: how to reach the primary over TLS (undefined: plain TCP). */
  tls(): ConnectionOptions | undefined;
  timeoutSeconds(): number;
  onError(message: string): void;
  /** The link's course, for the server's log: trying to connect, streaming, receiving a checkpoint, lost. */
  changed(change: LinkChange): void;
  /** The primary does not know REPLSYNC: it is no Eddy (a redis-server, whose protocol another link speaks). */
  notEddy(): void;
}

/** What the link tells of its course: `from` where the primary continues, `revisions` of the checkpoint it sends. */
export type LinkChange = { kind: 'connecting' } | { kind: 'connected'; from: number } | { kind: 'sync-start'; revisions: number[] } | { kind: 'down'; reason: string };

const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 2000;
const ACK_EVERY_MS = 1000;
/** Stream messages waiting to be applied before the socket stops being read. */
const QUEUE_HIGH = 256;

/**
 * A follower's connection to its primary: authenticates, says where it stands (REPLSYNC), then
 * applies what the primary streams, in order, acknowledging what it has written. A lost link is
 * retried with backoff, from wherever the follower got to.
 */
export class FollowerLink {
  /** Redis's ROLE states: connect (waiting to), connecting, sync (receiving a checkpoint), connected. */
  state: 'connect' | 'connecting' | 'sync' | 'connected' = 'connect';
  lastIoAt = 0;
  downSince = Date.now();
  lastError = '';
  /** Stopped by a divergence: no retries until told again. */
  halted = false;
  private socket: Socket | undefined;
  private stopped = false;
  private backoffMs = BACKOFF_FIRST_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private ackTimer: NodeJS.Timeout | undefined;
  private replies: ((value: RespValue) => void | Promise<void>)[] = [];
  private queue: RespValue[] = [];
  private draining = false;
  private acking = false;
  /** Whether `connecting` was told since the link was last up: retries while the primary is away stay quiet. */
  private toldConnecting = false;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly handler: LinkHandler,
  ) {}

  start(): void {
    this.connectNow();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.ackTimer);
    this.socket?.destroy();
    // Nothing queued from this link may be applied any more.
    this.socket = undefined;
    this.queue = [];
    this.replies = [];
  }

  get up(): boolean {
    return this.state === 'connected' || this.state === 'sync';
  }

  /** Sends the REPLCONF ACK for what the log has written (after a batch, and every second). */
  ack(): void {
    if (this.acking || this.socket === undefined || !this.up) return;
    this.acking = true;
    queueMicrotask(() => {
      this.acking = false;
      this.send(['REPLCONF', 'ACK', String(this.handler.ackRev())]);
    });
  }

  private connectNow(): void {
    if (this.stopped) return;
    this.state = 'connecting';
    if (!this.toldConnecting) this.handler.changed({ kind: 'connecting' });
    this.toldConnecting = true;
    this.replies = [];
    this.queue = [];
    const tls = this.handler.tls();
    const socket = tls === undefined ? connect({ host: this.host, port: this.port }) : connectTls({ ...tls, host: this.host, port: this.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(this.handler.timeoutSeconds() * 1000, () => {
      this.handler.onError(`no word from the primary for ${this.handler.timeoutSeconds()} s`);
      socket.destroy();
    });
    const reader = new RespReplyReader((value) => this.receive(value));
    socket.on('data', (chunk: Buffer) => {
      this.lastIoAt = Date.now();
      try {
        reader.feed(chunk);
      } catch (error) {
        this.handler.onError(messageOf(error));
        socket.destroy();
      }
    });
    socket.on('error', (error) => (this.lastError = error.message));
    socket.on('close', () => this.closed(socket));
    socket.on(tls === undefined ? 'connect' : 'secureConnect', () => this.handshake(socket).catch((error: unknown) => this.fail(`handshake: ${messageOf(error)}`)));
  }

  private async handshake(socket: Socket): Promise<void> {
    const password = this.handler.masterauth();
    if (password !== '') this.expect(masterAuthCommand(this.handler.masteruser(), password), (reply) => this.expectOk(reply, 'AUTH'));
    this.expect(['REPLCONF', 'listening-port', String(this.handler.listeningPort())], (reply) => this.expectOk(reply, 'REPLCONF'));
    const point = await this.handler.resumePoint();
    if (socket.destroyed) return;
    this.expect(['REPLSYNC', point.replid, String(point.rev), String(point.ts)], (reply) => this.answered(reply));
  }

  private expectOk(reply: RespValue, what: string): void {
    const error = errorOf(reply);
    if (error !== undefined) this.fail(`${what} refused: ${error}`);
  }

  private async answered(reply: RespValue): Promise<void> {
    const error = errorOf(reply);
    if (error !== undefined) {
      if (error.startsWith('DIVERGED')) {
        this.lastError = error;
        this.handler.onError(error);
        if (!(await this.handler.diverged(error))) {
          this.halted = true;
          this.stopped = true;
        }
        this.socket?.destroy();
        return;
      }
      if (error.startsWith('ERR unknown command')) {
        this.stop();
        return this.handler.notEddy();
      }
      return this.fail(error);
    }
    const words = statusOf(reply)?.split(' ') ?? [];
    if (words[0] === 'CONTINUE') {
      const shards = Number(words[3]);
      if (!Number.isInteger(shards) || shards < 1) return this.fail(`the primary did not say its shard count: ${JSON.stringify(statusOf(reply))}`);
      await this.handler.started(words[1], { from: Number(words[2]), shards });
      this.handler.changed({ kind: 'connected', from: Number(words[2]) });
    } else if (words[0] === 'FULLSYNC') {
      this.state = 'sync';
      const checkpointRevs = words[2].split(',').map(Number);
      this.handler.changed({ kind: 'sync-start', revisions: checkpointRevs });
      await this.handler.started(words[1], { checkpointRevs });
    } else return this.fail(`unexpected answer to REPLSYNC: ${JSON.stringify(reply)}`);
    if (words[0] === 'CONTINUE') this.state = 'connected';
    this.backoffMs = BACKOFF_FIRST_MS;
    this.lastError = '';
    clearInterval(this.ackTimer);
    this.ackTimer = setInterval(() => this.ack(), ACK_EVERY_MS);
    this.ackTimer.unref();
  }

  private fail(message: string): void {
    this.lastError = message;
    this.handler.onError(message);
    this.socket?.destroy();
  }

  /** Sends a command whose reply `handle` takes, in order. */
  private expect(args: string[], handle: (value: RespValue) => void | Promise<void>): void {
    this.replies.push(handle);
    this.send(args);
  }

  private send(args: string[]): void {
    const socket = this.socket;
    if (socket === undefined || socket.destroyed) return;
    socket.write(encodeCommand(args));
  }

  /** Replies and stream messages are handled strictly in order, some of them asynchronously. */
  private receive(value: RespValue): void {
    this.queue.push(value);
    if (this.queue.length > QUEUE_HIGH) this.socket?.pause();
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    const socket = this.socket;
    try {
      // A failed step ends the connection: the replies after it (NOAUTH after a refused AUTH) must not hide why.
      while (this.queue.length > 0 && socket === this.socket && socket?.destroyed !== true) {
        const value = this.queue.shift() as RespValue;
        const handle = this.replies.shift();
        const outcome = handle !== undefined ? handle(value) : this.streamMessage(value);
        if (outcome instanceof Promise) await outcome;
      }
    } catch (error) {
      this.fail(messageOf(error));
    } finally {
      this.draining = false;
      if (this.queue.length <= QUEUE_HIGH) socket?.resume();
    }
  }

  private streamMessage(value: RespValue): void | Promise<void> {
    if (!Array.isArray(value) || !Buffer.isBuffer(value[0])) throw new Error(`unexpected message from the primary: ${JSON.stringify(value)}`);
    const [kind, ...parts] = value as Buffer[];
    return this.handler.message(kind.toString('latin1'), parts);
  }

  private closed(socket: Socket): void {
    if (socket !== this.socket) return;
    clearInterval(this.ackTimer);
    if (this.up) {
      this.downSince = Date.now();
      this.toldConnecting = false;
      this.handler.changed({ kind: 'down', reason: this.lastError === '' ? 'the connection closed' : this.lastError });
    }
    this.state = 'connect';
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => this.connectNow(), this.backoffMs);
    this.retryTimer.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
  }
}
