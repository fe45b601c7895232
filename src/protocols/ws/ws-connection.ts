import type { IncomingMessage } from 'node:http';
import { pack, unpack } from 'msgpackr';
import type { WebSocket } from 'ws';
import { OutputLimit } from '../../session/output-limit.js';
import { ErrorReply, type PushReply, type Reply } from '../../replies/reply.js';
import type { ServerContext } from '../../session/server-context.js';
import { CommandSession } from '../command-session.js';
import { presentedCredentials, type Credentials } from '../credentials.js';
import { argumentFromPlain, BadArguments, bulkAsBytes, bulkAsText, commandFromPlain, plainReply } from '../plain-values.js';
import { tailCommandFromPlain } from '../tail-request.js';

/** Close code for a refused login (RFC 6455 "policy violation"). */
const POLICY_VIOLATION = 1008;
const GOING_AWAY = 1001;

/** A pushed message goes to many subscribers: its frame is built once. */
const pushFrames = new WeakMap<PushReply, string>();

function pushFrame(message: PushReply): string {
  let frame = pushFrames.get(message);
  if (frame === undefined) pushFrames.set(message, (frame = JSON.stringify({ push: plainReply(message, bulkAsText) })));
  return frame;
}

/**
 * `{cmd: [...]}` runs a command; `{op: "tail", from, keys, match, db, withValues}` and `{op: "untail"}`
 * follow the log; `{op: "script", source}` is SCRIPT LOAD.
 */
function commandOfFrame(frame: Record<string, unknown>): string[] {
  if (frame.op === undefined) return commandFromPlain(frame.cmd);
  if (frame.op === 'tail') return tailCommandFromPlain(frame);
  if (frame.op === 'untail') return ['UNTAIL'];
  if (frame.op === 'script') return ['SCRIPT', 'LOAD', argumentFromPlain(frame.source)];
  throw new BadArguments(`ERR Protocol error: unknown op '${String(frame.op)}'`);
}

/** Unsent bytes past which a tail stops sending and catches up from the log once they have gone. */
const CONGESTED_BYTES = 64 * 1024;
/** ws tells no drain event: the buffer is looked at this often while a tail waits. */
const DRAIN_POLL_MS = 10;

const NOT_A_FRAME = 'ERR Protocol error: a frame is {"id": ..., "cmd": [...]}';

/**
 * One WebSocket client: a session like a RESP connection's (SELECT, AUTH, MULTI carry over between
 * frames). Text frames are JSON and binary frames msgpack, both `{id, cmd: [...]}` answered with
 * `{id, result}` or `{id, error}`; many may be in flight, and they run in the order they came.
 */
export class WebSocketConnection {
  readonly session: CommandSession;
  private readonly outputLimit: OutputLimit;

  constructor(
    private readonly socket: WebSocket,
    request: IncomingMessage,
    server: ServerContext,
  ) {
    const tcp = request.socket;
    this.session = new CommandSession(server, {
      protocol: 'ws',
      remoteAddress: `${tcp.remoteAddress}:${tcp.remotePort}`,
      localAddress: `${tcp.localAddress}:${tcp.localPort}`,
      close: (finalMessage) => this.closeWith(finalMessage),
      push: (message, ignoreLimit) => this.push(message, ignoreLimit),
      // A tail whose client stops reading pauses and catches up from the log later, as on RESP.
      get congested() {
        return socket.bufferedAmount > CONGESTED_BYTES;
      },
      drained: () => this.drained(),
    });
    this.outputLimit = new OutputLimit(() => server.pubsubOutputLimits);
    socket.on('message', (data: Buffer, isBinary) =>
      // A bug while answering must not take the server down: the client gets an error frame.
      this.receive(data, isBinary).catch((error: unknown) => {
        server.hooks.internalError(error, 'websocket frame');
        this.answer(null, new ErrorReply('ERR internal error'), isBinary);
      }),
    );
    socket.on('error', () => socket.terminate());
    void this.logIn(presentedCredentials((name) => request.headers[name]));
  }

  /** Lets the commands in flight answer, then closes ("going away"). */
  async close(graceMs: number): Promise<void> {
    await this.session.drain(graceMs);
    this.socket.close(GOING_AWAY, 'server shutting down');
  }

  private async logIn(credentials: Credentials | undefined): Promise<void> {
    const refused = await this.session.authenticate(credentials);
    if (refused === undefined) return;
    this.answer(null, refused, false);
    this.socket.close(POLICY_VIOLATION, 'authentication failed');
  }

  private async receive(data: Buffer, isBinary: boolean): Promise<void> {
    let id: unknown = null;
    let args: string[];
    try {
      const frame: unknown = isBinary ? unpack(data) : JSON.parse(data.toString('utf8'));
      if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) throw new BadArguments(NOT_A_FRAME);
      id = (frame as { id?: unknown }).id ?? null;
      args = commandOfFrame(frame as Record<string, unknown>);
    } catch (error) {
      const message = error instanceof BadArguments ? error.message : `ERR Protocol error: invalid ${isBinary ? 'msgpack' : 'JSON'} frame`;
      this.answer(id, new ErrorReply(message), isBinary);
      return;
    }
    this.answer(id, await this.session.run(args), isBinary);
    if (this.session.client.closeAfterReply) this.socket.close();
  }

  /** Resolves once what the socket holds has gone out below half the congestion mark, or the socket closed. */
  private async drained(): Promise<void> {
    while (this.socket.readyState === this.socket.OPEN && this.socket.bufferedAmount > CONGESTED_BYTES / 2) await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }

  /** Pushed messages as `{push: [...]}` frames; a client that does not read them is cut off. */
  private push(message: PushReply, ignoreLimit = false): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return true;
    if (!ignoreLimit && this.outputLimit.exceeded(this.socket.bufferedAmount)) return false;
    let frame: string;
    try {
      frame = pushFrame(message);
    } catch (error) {
      // Past V8's longest string the frame cannot be built: the subscriber is cut off, as when slow.
      if (error instanceof RangeError) return false;
      throw error;
    }
    this.socket.send(frame);
    return true;
  }

  private closeWith(finalMessage: PushReply | undefined): void {
    if (finalMessage === undefined) {
      this.socket.terminate();
      return;
    }
    this.socket.send(pushFrame(finalMessage));
    this.socket.close(POLICY_VIOLATION, 'slow consumer');
  }

  private answer(id: unknown, reply: Reply, binary: boolean): void {
    const message = reply instanceof ErrorReply ? { id, error: reply.message } : { id, result: plainReply(reply, binary ? bulkAsBytes : bulkAsText) };
    let frame: string | Buffer;
    try {
      frame = binary ? pack(message) : JSON.stringify(message);
    } catch (error) {
      // Past V8's longest string a reply cannot be built, as on RESP.
      if (!(error instanceof RangeError)) throw error;
      frame = JSON.stringify({ id, error: 'ERR reply too large to send' });
    }
    this.socket.send(frame);
  }
}
