import type { PendingReply } from '../replies/pending-reply.js';
import type { Reply } from '../replies/reply.js';
import type { ScriptProgram } from '../scripting/script-program.js';
import type { Client } from './client.js';
import type { CommandSpec } from './command-spec.js';

/** How execute() runs a command's handler; the tracer calls it inside the command's span. */
export type RunCommand = (client: Client, spec: CommandSpec, args: string[]) => Reply | PendingReply;

/**
 * What the session asks of traces (src/observability/tracing.ts implements it). The server holds
 * none while tracing is off, so a command then pays one undefined check and nothing else.
 */
export interface CommandTracer {
  /** Runs `run`, in a span when the command is sampled (ending once its writes are committed). */
  command(client: Client, spec: CommandSpec, args: string[], run: RunCommand): Reply | PendingReply;
  /** `client`'s command starts a script or function: its redis.call commands are this span's children. */
  scriptStarted(client: Client, program: ScriptProgram): void;
  scriptEnded(): void;
  /** An application's W3C trace context (HTTP headers, gRPC metadata) that `client`'s commands continue. */
  continueTrace(client: Client, traceparent: string | undefined, tracestate: string | undefined): void;
}
