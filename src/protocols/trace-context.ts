import type { CommandSession } from './command-session.js';

/**
 * An application's W3C trace context (`traceparent`, `tracestate`), as HTTP headers or gRPC
 * metadata, continued by the session's commands: their spans are children of the caller's span.
 * `header` looks a lower-case name up. Nothing happens while tracing is off.
 */
export function continueTrace(session: CommandSession, header: (name: string) => unknown): void {
  const tracing = session.server.tracing;
  if (tracing === undefined) return;
  const traceparent = header('traceparent');
  const tracestate = header('tracestate');
  tracing.continueTrace(session.client, typeof traceparent === 'string' ? traceparent : undefined, typeof tracestate === 'string' ? tracestate : undefined);
}
