import { constants } from 'node:buffer';
import type { Socket } from 'node:net';

/** The protocols Eddy speaks; each is an adapter over the one dispatcher (src/commands/dispatcher.ts). */
export type ProtocolName = 'resp' | 'resp-tls' | 'http' | 'grpc' | 'ws';

/**
 * A running protocol adapter: it turns its own requests (RESP bytes, HTTP requests, gRPC calls,
 * WebSocket frames) into commands for the dispatcher and encodes the reply values in its own form.
 */
export interface ProtocolListener {
  readonly protocol: ProtocolName;
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish (blocked ones are dropped), closes connections. */
  close(): Promise<void>;
}

/** How long a closing listener waits for in-flight requests before it drops them. */
export const DRAIN_GRACE_MS = 2000;

/**
 * The largest request body, frame or message the request protocols accept: one command's arguments
 * with room for JSON quoting or base64, so each single argument is then held to proto-max-bulk-len.
 * Bodies are parsed as strings (JSON), so the limit stays below V8's longest string: past it the
 * parser would throw instead of refusing the request.
 */
export function requestSizeLimit(maxBulkLength: number): number {
  return Math.min(maxBulkLength * 2 + 1024, constants.MAX_STRING_LENGTH - 1);
}

/** A stream that can tell when it has drained (an HTTP response, a gRPC call). */
interface DrainingStream {
  readonly writableNeedDrain: boolean;
  readonly destroyed: boolean;
  once(event: 'drain' | 'close', listener: () => void): unknown;
}

/** Resolves when a stream that needed draining has drained, or closed (a paused tail then catches up). */
export function whenDrained(stream: DrainingStream): Promise<void> {
  if (!stream.writableNeedDrain || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('drain', resolve);
    stream.once('close', resolve);
  });
}

/**
 * Turns a connection away with a last message (maxclients), as Redis does: the message, then the
 * socket closes at once. Whatever the client still sends is read and dropped, and the socket never
 * stays half-open, so a refused client can never hold a closing listener (and the shutdown) open.
 */
export function refuseConnection(socket: Socket, message: string): void {
  socket.on('error', () => undefined);
  socket.resume();
  socket.end(message, () => socket.destroy());
}

/** What the HTTP listener and the metrics port serve at GET /metrics (the server's Prometheus registry). */
export interface MetricsSource {
  scrape(): Promise<{ contentType: string; text: string }>;
}
