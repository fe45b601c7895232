import { encodeCommand, masterAuthCommand } from './resp-command.js';
import { connect, type Socket } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import { messageOf } from '../replies/errors.js';
import { RespReplyReader, type RespValue } from './resp-reply-reader.js';

/** What a link to a redis-server primary asks of, and tells, the node it runs in. */
export interface RedisPrimaryHandler {
  /** A full resync: the primary's RDB replaces this node's dataset; rejects when it cannot be read. */
  load(rdb: Readable): Promise<void>;
  /** One command of the primary's stream, run as the primary's client (its reply is dropped). */
  apply(args: string[]): void | Promise<void>;
  /** A MULTI from the stream still waits for its EXEC (the offset waits with it, as in Redis). */
  inTransaction(): boolean;
  /** The link broke: a transaction the stream left open is dropped, and resent on resume. */
  dropTransaction(): void;
  /** Resolves once everything applied so far is written to the log, for REPLCONF ACK. */
  written(): Promise<void>;
  listeningPort(): number;
  masteruser(): string;
  masterauth(): string;
  timeoutSeconds(): number;
  onError(message: string): void;
  onInfo(message: string, fields: Record<string, unknown>): void;
}

const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 2000;
const ACK_EVERY_MS = 1000;
/** Commands waiting to be applied before the socket stops being read. */
const QUEUE_HIGH = 1024;
/** The EOF mark of a diskless transfer (`$EOF:<40 bytes>`) is this long. */
const EOF_MARK_LENGTH = 40;
/** An RDB transfer's header line is short; a longer one is not a header. */
const MAX_HEADER_LENGTH = 128;

/** Where the bytes read go: handshake replies, the RDB's header, the RDB itself, then the command stream. */
type Phase = 'handshake' | 'rdb-header' | 'rdb' | 'loading' | 'commands';

/** An RDB arriving: bytes still to come (or the EOF mark that ends them), and the last bytes held back. */
interface RdbTransfer {
  sink: PassThrough;
  left: number;
  mark: Buffer | undefined;
  tail: Buffer;
}

/**
 * A follower's connection to a redis-server primary, in Redis's replica protocol: PING, AUTH,
 * REPLCONF, PSYNC (partial from the last offset when the primary's backlog has it, full
 * otherwise), the RDB (`$<length>` or diskless `$EOF:<mark>`), then the command stream, each
 * command applied through this node's own commands. The offset counts the stream's bytes applied.
 */
export class RedisPrimaryLink {
  /** Redis's ROLE states, as FollowerLink's. */
  state: 'connect' | 'connecting' | 'sync' | 'connected' = 'connect';
  lastIoAt = 0;
  downSince = Date.now();
  lastError = '';
  /** Only an Eddy primary can find a follower diverged: this link never halts. */
  readonly halted = false;
  /** The primary's replication id and the stream's offset applied here ('?' and -1 before a full sync). */
  replid = '?';
  offset = -1;
  private socket: Socket | undefined;
  private stopped = false;
  /** Whether `link-connecting` was told since the link was last up. */
  private toldConnecting = false;
  private backoffMs = BACKOFF_FIRST_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private ackTimer: NodeJS.Timeout | undefined;
  private phase: Phase = 'handshake';
  private pending: Buffer = Buffer.alloc(0);
  /** The command stream's first bytes, arriving while the RDB still loads. */
  private early: Buffer[] = [];
  private replies: ((line: string) => void)[] = [];
  private rdb: RdbTransfer | undefined;
  /** The replication id and offset a full resync starts from, until its RDB has loaded. */
  private pendingSync: { replid: string; offset: number } | undefined;
  /** The last RDB load: the next one starts after it, so that two never interleave. */
  private lastLoad: Promise<void> = Promise.resolve();
  private loadingTimer: NodeJS.Timeout | undefined;
  private commands: RespReplyReader | undefined;
  private queue: { value: RespValue; bytes: number }[] = [];
  private draining = false;
  /** The loop applying the queue: settled once it has stopped. */
  private drained: Promise<void> = Promise.resolve();
  /** Bytes of a transaction from the stream applied while it is open: they count once EXEC ran. */
  private transactionBytes = 0;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly handler: RedisPrimaryHandler,
  ) {}

  start(): void {
    this.connectNow();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.ackTimer);
    clearInterval(this.loadingTimer);
    this.rdb?.sink.destroy(new Error('the link to the primary stopped'));
    this.socket?.destroy();
    this.socket = undefined;
    this.queue = [];
  }

  get up(): boolean {
    return this.state === 'connected' || this.state === 'sync';
  }

  /** REPLCONF ACK with the offset applied and written (every second, after a load and on GETACK). */
  ack(): void {
    const socket = this.socket;
    if (socket === undefined || this.state !== 'connected') return;
    const offset = this.offset;
    void this.handler.written().then(() => {
      if (socket === this.socket) this.send(['REPLCONF', 'ACK', String(offset)]);
    });
  }

  private connectNow(): void {
    if (this.stopped) return;
    this.state = 'connecting';
    // Once, not per retry while the primary is away (the same events as an Eddy primary's link).
    if (!this.toldConnecting) this.handler.onInfo('connecting to the redis-server primary', { event: 'link-connecting', host: this.host, port: this.port });
    this.toldConnecting = true;
    this.phase = 'handshake';
    this.pending = Buffer.alloc(0);
    this.early = [];
    this.replies = [];
    this.queue = [];
    this.commands = undefined;
    const socket = connect({ host: this.host, port: this.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(this.handler.timeoutSeconds() * 1000, () => this.fail(`no word from the primary for ${this.handler.timeoutSeconds()} s`));
    socket.on('data', (chunk: Buffer) => {
      this.lastIoAt = Date.now();
      try {
        this.received(chunk);
      } catch (error) {
        this.fail(messageOf(error));
      }
    });
    socket.on('error', (error) => (this.lastError = error.message));
    socket.on('close', () => this.closed(socket));
    socket.on('connect', () => void this.handshake(socket));
  }

  private async handshake(socket: Socket): Promise<void> {
    // A primary that wants AUTH answers PING with NOAUTH: that still says it is alive, as Redis takes it.
    this.expect(['PING'], (line) => {
      if (line.startsWith('-') && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(line)) this.fail(`PING: ${line.slice(1)}`);
    });
    const password = this.handler.masterauth();
    if (password !== '') this.expect(masterAuthCommand(this.handler.masteruser(), password), (line) => this.expectOk(line, 'AUTH'));
    this.expect(['REPLCONF', 'listening-port', String(this.handler.listeningPort())], (line) => this.expectOk(line, 'REPLCONF listening-port'));
    // Diskless transfers (EOF mark) and PSYNC's replication id change on CONTINUE.
    this.expect(['REPLCONF', 'capa', 'eof', 'capa', 'psync2'], (line) => this.expectOk(line, 'REPLCONF capa'));
    // What the last connection's stream applies first; a transaction it left open is resent.
    await this.drained;
    if (socket !== this.socket) return;
    if (this.handler.inTransaction()) this.handler.dropTransaction();
    this.transactionBytes = 0;
    const resume = this.offset >= 0 ? [this.replid, String(this.offset + 1)] : ['?', '-1'];
    this.expect(['PSYNC', ...resume], (line) => this.answered(line));
  }

  private expectOk(line: string, what: string): void {
    if (line.startsWith('-')) this.fail(`${what} refused: ${line.slice(1)}`);
  }

  /** PSYNC's answer: a full resync (an RDB follows), or the stream goes on from the offset asked. */
  private answered(line: string): void {
    const words = line.slice(1).split(' ');
    if (words[0] === 'FULLRESYNC') {
      const offset = Number(words[2]);
      if (!/^[0-9a-f]{40}$/.test(words[1] ?? '') || !Number.isSafeInteger(offset) || offset < 0) return this.fail(`unexpected answer to PSYNC: ${line}`);
      this.handler.onInfo('full resync from a redis-server primary', { event: 'sync-start', host: this.host, port: this.port, replid: words[1], offset });
      // Until the RDB has loaded, a reconnection must start over.
      this.replid = '?';
      this.offset = -1;
      this.state = 'sync';
      this.phase = 'rdb-header';
      this.pendingSync = { replid: words[1], offset };
    } else if (words[0] === 'CONTINUE') {
      if (words[1] !== undefined && words[1] !== '') this.replid = words[1];
      this.handler.onInfo('partial resync from a redis-server primary', { event: 'link-connected', host: this.host, port: this.port, replid: this.replid, offset: this.offset });
      this.streamCommands(Buffer.alloc(0));
    } else this.fail(`PSYNC refused: ${line.replace(/^-/, '')}`);
  }

  private received(chunk: Buffer): void {
    if (this.phase === 'rdb') return this.receiveRdb(chunk);
    if (this.phase === 'commands') return (this.commands as RespReplyReader).feed(chunk);
    if (this.phase === 'loading') return void this.early.push(chunk);
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.phase === 'handshake') {
      const end = this.pending.indexOf('\r\n');
      if (end === -1) {
        if (this.pending.length > MAX_HEADER_LENGTH * 8) throw new Error('the primary sent a reply line too long for a handshake');
        return;
      }
      const line = this.pending.toString('latin1', 0, end);
      this.pending = this.pending.subarray(end + 2);
      const handle = this.replies.shift();
      if (handle === undefined) throw new Error(`unexpected line from the primary: ${JSON.stringify(line.slice(0, 80))}`);
      if (!line.startsWith('+') && !line.startsWith('-')) throw new Error(`unexpected reply from the primary: ${JSON.stringify(line.slice(0, 80))}`);
      handle(line);
      if (this.socket === undefined || this.socket.destroyed) return;
    }
    if (this.phase === 'rdb-header') this.receiveRdbHeader();
    else if (this.phase === 'commands' && this.pending.length > 0) {
      // The stream right behind +CONTINUE, in the same read.
      const rest = this.pending;
      this.pending = Buffer.alloc(0);
      (this.commands as RespReplyReader).feed(rest);
    }
  }

  /** `$<length>\r\n` or `$EOF:<mark>\r\n`, after newlines the primary sends while it prepares the RDB. */
  private receiveRdbHeader(): void {
    let start = 0;
    while (start < this.pending.length && this.pending[start] === 0x0a) start++;
    const end = this.pending.indexOf('\r\n', start);
    if (end === -1) {
      this.pending = this.pending.subarray(start);
      if (this.pending.length > MAX_HEADER_LENGTH) throw new Error('the primary sent no RDB header');
      return;
    }
    const header = this.pending.toString('latin1', start, end);
    const rest = this.pending.subarray(end + 2);
    this.pending = Buffer.alloc(0);
    let left = Infinity;
    let mark: Buffer | undefined;
    if (header.startsWith('$EOF:') && header.length === 5 + EOF_MARK_LENGTH) mark = Buffer.from(header.slice(5), 'latin1');
    else if (/^\$\d{1,15}$/.test(header)) left = Number(header.slice(1));
    else throw new Error(`the primary sent no RDB header but ${JSON.stringify(header.slice(0, 80))}`);
    const sink = new PassThrough({ highWaterMark: 1 << 20 });
    sink.on('drain', () => this.socket?.resume());
    // The reader stops at the RDB's EOF and checksum: what comes after is no one's error.
    sink.on('error', () => undefined);
    this.rdb = { sink, left, mark, tail: Buffer.alloc(0) };
    this.phase = 'rdb';
    const socket = this.socket;
    this.lastLoad = this.lastLoad
      .then(() => this.handler.load(sink))
      .then(
        () => {
          if (socket !== undefined && socket === this.socket && !socket.destroyed) this.loaded();
        },
        (error: unknown) => {
          if (socket === this.socket) this.fail(`the primary's RDB: ${messageOf(error)}`);
        },
      );
    if (rest.length > 0 || left === 0) this.receiveRdb(rest);
  }

  private receiveRdb(chunk: Buffer): void {
    const rdb = this.rdb as RdbTransfer;
    let body = chunk;
    let after: Buffer | undefined;
    if (rdb.mark === undefined) {
      if (chunk.length >= rdb.left) {
        body = chunk.subarray(0, rdb.left);
        after = chunk.subarray(rdb.left);
      }
      rdb.left -= body.length;
    } else {
      // The mark ends the transfer: the last 40 bytes are held back until more arrive.
      const held = rdb.tail.length === 0 ? chunk : Buffer.concat([rdb.tail, chunk]);
      const cut = Math.max(0, held.length - EOF_MARK_LENGTH);
      body = held.subarray(0, cut);
      rdb.tail = held.subarray(cut);
      if (rdb.tail.equals(rdb.mark)) after = Buffer.alloc(0);
    }
    if (body.length > 0 && !rdb.sink.write(body)) this.socket?.pause();
    if (after === undefined) return;
    rdb.sink.end();
    this.phase = 'loading';
    this.early = after.length > 0 ? [after] : [];
    // As Redis's replica while it loads: a newline every second tells the primary it is alive, and
    // its own silence (a diskless primary waits for the first ACK) is no timeout.
    this.socket?.setTimeout(0);
    this.loadingTimer = setInterval(() => this.socket?.write('\n'), ACK_EVERY_MS);
  }

  /** The RDB is this node's dataset now: the stream goes on from the offset FULLRESYNC named. */
  private loaded(): void {
    const sync = this.pendingSync as { replid: string; offset: number };
    clearInterval(this.loadingTimer);
    this.socket?.setTimeout(this.handler.timeoutSeconds() * 1000);
    this.rdb = undefined;
    this.replid = sync.replid;
    this.offset = sync.offset;
    this.pendingSync = undefined;
    const early = Buffer.concat(this.early);
    this.early = [];
    this.streamCommands(early);
    // A diskless primary streams commands only once it hears the follower has loaded.
    this.ack();
  }

  private streamCommands(first: Buffer): void {
    this.phase = 'commands';
    this.state = 'connected';
    this.backoffMs = BACKOFF_FIRST_MS;
    this.lastError = '';
    this.commands = new RespReplyReader((value, bytes) => this.receive(value, bytes));
    clearInterval(this.ackTimer);
    this.ackTimer = setInterval(() => this.ack(), ACK_EVERY_MS);
    this.ackTimer.unref();
    if (first.length > 0) this.commands.feed(first);
  }

  private receive(value: RespValue, bytes: number): void {
    this.queue.push({ value, bytes });
    if (this.queue.length > QUEUE_HIGH) this.socket?.pause();
    if (this.draining) return;
    // Set before the loop starts: it may run to its end without waiting.
    this.draining = true;
    this.drained = this.drain();
  }

  /** Commands are applied strictly in order, waiting for any that waits for busy shards. */
  private async drain(): Promise<void> {
    const socket = this.socket;
    try {
      while (this.queue.length > 0 && socket === this.socket) {
        const { value, bytes } = this.queue.shift() as { value: RespValue; bytes: number };
        const outcome = this.applyCommand(value);
        if (outcome instanceof Promise) await outcome;
        // Applied, so counted, even if the link broke meanwhile: a resume starts after it.
        this.transactionBytes += bytes;
        if (!this.handler.inTransaction()) {
          this.offset += this.transactionBytes;
          this.transactionBytes = 0;
        }
      }
    } catch (error) {
      this.fail(messageOf(error));
    } finally {
      this.draining = false;
      if (this.queue.length <= QUEUE_HIGH && this.phase === 'commands') socket?.resume();
    }
  }

  private applyCommand(value: RespValue): void | Promise<void> {
    if (!Array.isArray(value) || value.length === 0 || !value.every((item) => Buffer.isBuffer(item)))
      throw new Error(`the primary sent something not a command: ${JSON.stringify(value).slice(0, 80)}`);
    const args = value.map((item) => item.toString('latin1'));
    const name = args[0].toLowerCase();
    // The primary's PING only shows the link is alive; REPLCONF GETACK asks where this node stands.
    if (name === 'ping') return;
    if (name === 'replconf') {
      if (args[1]?.toLowerCase() === 'getack') this.ack();
      return;
    }
    return this.handler.apply(args);
  }

  private fail(message: string): void {
    this.lastError = message;
    this.handler.onError(message);
    this.socket?.destroy();
  }

  /** Sends a command whose one-line reply `handle` takes, in order. */
  private expect(args: string[], handle: (line: string) => void): void {
    this.replies.push(handle);
    this.send(args);
  }

  private send(args: string[]): void {
    const socket = this.socket;
    if (socket === undefined || socket.destroyed) return;
    socket.write(encodeCommand(args));
  }

  private closed(socket: Socket): void {
    if (socket !== this.socket) return;
    clearInterval(this.ackTimer);
    clearInterval(this.loadingTimer);
    if (this.up) {
      this.downSince = Date.now();
      this.toldConnecting = false;
      this.handler.onInfo('the link to the redis-server primary is down; retrying', {
        event: 'link-down',
        host: this.host,
        port: this.port,
        reason: this.lastError === '' ? 'the connection closed' : this.lastError,
      });
    }
    this.state = 'connect';
    this.rdb?.sink.destroy(new Error('the primary closed the link during the transfer'));
    this.rdb = undefined;
    this.pendingSync = undefined;
    this.queue = [];
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => this.connectNow(), this.backoffMs);
    this.retryTimer.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
  }
}
