import type { Socket } from 'node:net';
import { Client, type ClientTransport } from '../../session/client.js';
import { dispatch } from '../../session/dispatcher.js';
import { PendingReply } from '../../replies/pending-reply.js';
import { OutputLimit } from '../../session/output-limit.js';
import { ErrorReply, NoReply, type PushReply, type Reply, type StatusReply } from '../../replies/reply.js';
import type { ServerContext } from '../../session/server-context.js';
import type { AckWaiter } from '../../log/log.js';
import { encodeReply } from './resp-encoder.js';
import { RespParser, type RespSink } from './resp-parser.js';

const OUTPUT_CHUNK = 64 * 1024 * 1024;
const NO_REPLY = new NoReply();

/**
 * One RESP client connection: bytes in, commands to the dispatcher, replies out. Replies of a read
 * event are gathered into one socket write, and held until the log has acknowledged every revision
 * they may depend on (the fsync policy decides when that is).
 */
export class RespConnection implements RespSink, ClientTransport, AckWaiter {
  readonly client: Client;
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly fd: number;
  /** Highest log revision the gathered replies may depend on. */
  ackRev = 0;
  private readonly parser = new RespParser(this);
  private out = '';
  private outChunks: string[] = [];
  private waitingForAck = false;
  /** A command waiting for a busy shard; later commands wait behind it to keep replies in order. */
  private pending: PendingReply | null = null;
  private backlog: string[][] = [];
  /** A protocol error that arrived behind a pending reply. */
  private protocolError: string | undefined;
  /** Reading is paused until the client drains its replies. */
  private backpressure = false;
  private closing = false;
  private pushFlushScheduled = false;
  private drainWaiters: (() => void)[] = [];
  private readonly outputLimit: OutputLimit;
  /** The client's own invalidations made by the command now running: sent after its reply. */
  private afterReply: PushReply[] | undefined;
  private executing = false;

  constructor(
    private readonly socket: Socket,
    private readonly server: ServerContext,
  ) {
    this.remoteAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    this.localAddress = `${socket.localAddress}:${socket.localPort}`;
    // Node keeps the descriptor on the socket's handle (not a public API): -1 where it is not there.
    this.fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    this.client = new Client(server, this);
    this.outputLimit = new OutputLimit(() => server.pubsubOutputLimits);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('drain', () => {
      this.backpressure = false;
      if (this.pending === null) socket.resume();
      this.wakeDrainWaiters();
    });
    socket.on('close', () => this.wakeDrainWaiters());
    socket.on('error', () => socket.destroy());
    // A client may send its commands and half-close at once (`nc`): answer them all, then close.
    // A client blocked on a key is simply dropped, as Redis frees a client that hung up.
    socket.on('end', () => this.finish());
    // Once our last reply is out, the socket closes both ways, as Redis closes a client's socket: an
    // idle client that never ends its side (allowHalfOpen) cannot hold a shutdown open.
    socket.once('finish', () => socket.destroy());
  }

  get authenticated(): boolean {
    return this.client.authenticated;
  }

  get maxBulkLength(): number {
    return this.server.maxBulkLength;
  }

  close(finalMessage?: PushReply): void {
    if (finalMessage === undefined) {
      this.closing = true;
      this.socket.destroy();
      return;
    }
    // The last word (where to resume) goes after everything already queued; then the socket ends.
    this.append(encodeReply(finalMessage, this.client.resp));
    this.finish();
  }

  /** The client is not reading what it was sent (the socket's buffer is full). */
  get congested(): boolean {
    return this.backpressure;
  }

  drained(): Promise<void> {
    if (!this.backpressure || this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private wakeDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Sends the replies still owed, then closes; a command still waiting (blocked) is dropped. */
  finish(): void {
    this.closing = true;
    if (this.pending !== null) this.socket.destroy();
    else this.flush();
  }

  onCommand(args: string[]): void {
    if (this.closing) return;
    if (this.pending !== null) this.backlog.push(args);
    else this.execute(args);
  }

  onProtocolError(message: string): void {
    // Behind a pending reply, the error waits its turn so that replies stay in order.
    if (this.pending !== null) this.protocolError = message;
    else this.failProtocol(message);
  }

  private failProtocol(message: string): void {
    this.out += `-ERR Protocol error: ${message}\r\n`;
    // Closed both ways once the error is out (the constructor's 'finish'): a client still sending
    // the rest of a broken request sees its writes fail instead of going into a void.
    this.closing = true;
  }

  acknowledged(): void {
    this.waitingForAck = false;
    this.flush();
  }

  private receive(chunk: Buffer): void {
    this.client.lastActiveAt = Date.now();
    this.parser.feed(chunk);
    this.flush();
  }

  private execute(args: string[]): void {
    let reply: Reply | PendingReply;
    const revBefore = this.server.store.log.lastRev;
    this.server.currentClient = this.client;
    this.executing = true;
    try {
      reply = dispatch(this.client, args);
    } catch (error) {
      // A bug outside a handler: this client gets an error, the server and other clients go on.
      this.server.hooks.internalError(error, args[0]);
      reply = new ErrorReply('ERR internal error');
    }
    this.executing = false;
    this.server.currentClient = undefined;
    if (reply instanceof PendingReply) {
      this.pending = reply;
      this.socket.pause();
      // Resume once the code that settled the reply (serving blocked clients) has finished.
      reply.onSettled((settled) => queueMicrotask(() => this.resumeAfter(settled)));
      return;
    }
    this.gather(reply, this.server.store.log.lastRev > revBefore);
    if (this.afterReply !== undefined) this.pushAfterReplies();
  }

  pushAfterReply(message: PushReply): void {
    if (this.executing) (this.afterReply ??= []).push(message);
    else this.push(message);
  }

  private pushAfterReplies(): void {
    const messages = this.afterReply as PushReply[];
    this.afterReply = undefined;
    for (const message of messages) this.push(message);
  }

  pushLine(line: StatusReply): boolean {
    return this.push(line);
  }

  get queryBufferLength(): number {
    return this.parser.bufferedLength;
  }

  get outputLength(): number {
    let length = this.out.length + this.socket.writableLength;
    for (const chunk of this.outChunks) length += chunk.length;
    return length;
  }

  private resumeAfter(reply: Reply): void {
    this.pending = null;
    this.gather(reply, true);
    if (this.afterReply !== undefined) this.pushAfterReplies();
    while (this.pending === null && this.backlog.length > 0 && !this.closing) this.execute(this.backlog.shift() as string[]);
    if (this.pending === null && this.protocolError !== undefined) this.failProtocol(this.protocolError);
    if (this.pending === null && !this.backpressure) this.socket.resume();
    this.flush();
  }

  /** `wrote`: the command appended to the log (unknown after a wait: assumed). */
  private gather(reply: Reply, wrote: boolean): void {
    // CLIENT REPLY OFF or SKIP: the command ran, its reply is dropped.
    if (this.client.replyMode !== 'on' && !this.client.replyWanted()) reply = NO_REPLY;
    let encoded: string;
    try {
      encoded = encodeReply(reply, this.client.resp);
    } catch (error) {
      // Past V8's longest string (about 512 MB) a reply cannot be built; Redis would stream it.
      if (!(error instanceof RangeError)) throw error;
      encoded = '-ERR reply too large to send\r\n';
    }
    this.append(encoded);
    const log = this.server.store.log;
    // While the log cannot be written, a read answers from memory instead of waiting for the disk
    // with the writes it may have seen (those stay held, and are written once space is back).
    if (wrote || log.lastWriteOk) this.ackRev = log.lastRev;
    if (this.client.closeAfterReply) this.closing = true;
  }

  /** Held output is kept in chunks so that no single string outgrows V8's limit. */
  private append(encoded: string): void {
    if (this.out.length + encoded.length > OUTPUT_CHUNK) {
      if (this.out.length > 0) this.outChunks.push(this.out);
      this.out = encoded;
    } else this.out += encoded;
  }

  /**
   * Pub/sub messages and tail events: sent behind the replies already gathered, without waiting for
   * the log (they are about committed or unlogged data). A subscriber that does not read them is
   * cut off at client-output-buffer-limit, so that it never holds up writers or other subscribers.
   */
  push(message: PushReply | StatusReply, ignoreLimit = false): boolean {
    if (this.closing) return true;
    if (!ignoreLimit && this.outputLimit.exceeded(this.socket.writableLength + this.out.length)) return false;
    this.append(encodeReply(message, this.client.resp));
    // Messages of one event-loop turn (a commit's events, a burst of publishes) go out in one write.
    if (!this.pushFlushScheduled) {
      this.pushFlushScheduled = true;
      setImmediate(this.flushPushes);
    }
    return true;
  }

  pushRaw(bytes: Buffer): void {
    if (this.closing) return;
    this.append(bytes.toString('latin1'));
    this.flush();
  }

  private readonly flushPushes = (): void => {
    this.pushFlushScheduled = false;
    if (!this.socket.destroyed) this.flush();
  };

  private flush(): void {
    if (this.out.length === 0 && this.outChunks.length === 0) {
      if (this.closing && !this.waitingForAck) this.socket.end();
      return;
    }
    const log = this.server.store.log;
    if (this.ackRev > log.ackedRev) {
      if (!this.waitingForAck) {
        this.waitingForAck = true;
        log.waitForAck(this);
      }
      return;
    }
    // Backpressure: a client that does not read its replies stops being read.
    for (const chunk of this.outChunks) this.socket.write(chunk, 'latin1');
    this.outChunks = [];
    if (!this.socket.write(this.out, 'latin1')) {
      this.backpressure = true;
      this.socket.pause();
    }
    this.out = '';
    if (this.closing) this.socket.end();
  }
}
