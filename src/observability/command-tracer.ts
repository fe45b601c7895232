import type { LogRecord } from '../log/record.js';
import type { PendingReply } from '../replies/pending-reply.js';
import type { Reply } from '../replies/reply.js';
import type { ScriptProgram } from '../scripting/script-program.js';

/** What a span reads of the client running a command (the session's Client is one). */
export interface TracedClient {
  readonly db: number;
  /** Inside EXEC or a script: the command is a child of theirs, never a trace of its own. */
  readonly inTransaction: boolean;
  /** The client scripts' redis.call commands run as. */
  readonly isScript: boolean;
  readonly transport: { readonly localAddress: string; readonly remoteAddress: string };
}

/**
 * What the session asks of traces (tracing.ts implements it). The server holds none while tracing
 * is off, so that a command then pays one undefined check and nothing else.
 */
export interface CommandTracer {
  /** Runs `run`, in a span when the command is sampled (ending once its writes are committed). */
  command<C extends TracedClient, S extends { readonly name: string }>(
    client: C,
    spec: S,
    args: string[],
    run: (client: C, spec: S, args: string[]) => Reply | PendingReply,
  ): Reply | PendingReply;
  /** `client`'s command starts a script or function: its redis.call commands are this span's children. */
  scriptStarted(client: TracedClient, program: ScriptProgram): void;
  scriptEnded(): void;
  /** An application's W3C trace context (HTTP headers, gRPC metadata) that `client`'s commands continue. */
  continueTrace(client: TracedClient, traceparent: string | undefined, tracestate: string | undefined): void;
}

/** Traces a follower's applying of its primary's batches (tracing.ts). */
export interface ReplicationTracer {
  /** Runs `apply` for `records`, in a span when sampled (ending once this node's log has written them). */
  applyBatch(records: readonly LogRecord[], primary: { host: string; port: number } | undefined, apply: () => void): void;
}
