import { defaultTextMapGetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { ExportResultCode, W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions';
import type { Config } from '../config/config.js';
import { EDDY_VERSION } from '../config/version.js';
import type { Log } from '../log/log.js';
import type { LogRecord } from '../log/record.js';
import { errorCodeOf, messageOf } from '../replies/errors.js';
import { PendingReply } from '../replies/pending-reply.js';
import { ErrorReply, type Reply } from '../replies/reply.js';
import type { ScriptProgram } from '../scripting/script-program.js';
import type { CommandTracer, ReplicationTracer, TracedClient } from './command-tracer.js';

/** `db.system`, the name most trace backends still read; the stable conventions call it `db.system.name`. */
const ATTR_DB_SYSTEM = 'db.system';

/** How long a stopping server waits for its last spans to be exported. */
const SHUTDOWN_EXPORT_MS = 3000;

export interface TracingOptions {
  /** The OTLP/HTTP collector: its base URL (`/v1/traces` is added) or the traces URL itself. */
  endpoint: string;
  /** This run's id (INFO's run_id), as the service instance. */
  instanceId: string;
  /** The listeners' address, for spans whose transport does not tell its own (gRPC). */
  bindAddress: string;
  /** Export failures, for the server log. */
  onExportError(error: unknown): void;
}

/** Base URL given: the traces path of OTLP/HTTP; a URL with a path is taken as it is. */
export function tracesUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/traces';
  return url.toString();
}

/**
 * OpenTelemetry traces: a span per sampled command (its children: the commands EXEC and scripts
 * run, the script itself, the wait for the log commit and its write or fsync) and per sampled
 * batch a follower applies, exported over OTLP/HTTP (JSON). Eddy decides sampling before a span
 * exists: `otel-sample-ratio` for a trace that starts here, the parent's flag for a continued one;
 * an unsampled command makes no span object at all.
 */
export class Tracing implements CommandTracer, ReplicationTracer {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;
  private readonly propagator = new W3CTraceContextPropagator();
  private ratio: number;
  /** The traced command running now (EXEC's commands are its children), with its client. */
  private activeContext: Context | undefined;
  private activeClient: TracedClient | undefined;
  /** Traced commands whose reply is pending: a script they start later is their child. */
  private readonly pendingContexts = new WeakMap<TracedClient, Context>();
  /** The running script's span (one script runs at a time), parent of its redis.call commands. */
  private scriptSpan: Span | undefined;
  private scriptContext: Context | undefined;
  /** Each client's addresses as attributes (addressesOf). */
  private readonly addresses = new WeakMap<TracedClient, Attributes>();
  /** Applications' trace contexts by client; null: a trace the application did not sample. */
  private readonly remoteParents = new WeakMap<TracedClient, Context | null>();

  constructor(
    private readonly log: Log,
    config: Config,
    private readonly options: TracingOptions,
  ) {
    this.ratio = Number(config.get('otel-sample-ratio'));
    config.onChange('otel-sample-ratio', (value) => (this.ratio = Number(value)));
    const exporter = new OTLPTraceExporter({ url: tracesUrl(options.endpoint) });
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'eddy', [ATTR_SERVICE_VERSION]: EDDY_VERSION, [ATTR_SERVICE_INSTANCE_ID]: options.instanceId }),
      // Sampled already: every span asked for is recorded.
      sampler: new AlwaysOnSampler(),
      spanProcessors: [new BatchSpanProcessor(new ReportingExporter(exporter, options.onExportError))],
    });
    this.tracer = this.provider.getTracer('eddy', EDDY_VERSION);
  }

  command<C extends TracedClient, S extends { readonly name: string }>(
    client: C,
    spec: S,
    args: string[],
    run: (client: C, spec: S, args: string[]) => Reply | PendingReply,
  ): Reply | PendingReply {
    const parent = this.parentOf(client);
    if (parent === undefined) return run(client, spec, args);
    const name = spec.name.toUpperCase();
    const span = this.tracer.startSpan(name, { kind: SpanKind.SERVER, startTime: performance.now(), attributes: this.commandAttributes(client, name) }, parent);
    const context = trace.setSpan(parent, span);
    const revBefore = this.log.lastRev;
    const outerContext = this.activeContext;
    const outerClient = this.activeClient;
    this.activeContext = context;
    this.activeClient = client;
    let reply: Reply | PendingReply;
    try {
      reply = run(client, spec, args);
    } finally {
      this.activeContext = outerContext;
      this.activeClient = outerClient;
    }
    if (!(reply instanceof PendingReply)) {
      this.replied(client, span, context, reply, revBefore);
      return reply;
    }
    this.pendingContexts.set(client, context);
    const traced = new PendingReply();
    reply.onSettled((settled) => {
      this.pendingContexts.delete(client);
      this.replied(client, span, context, settled, revBefore);
      traced.resolve(settled);
    });
    return traced;
  }

  scriptStarted(client: TracedClient, program: ScriptProgram): void {
    const parent = this.activeClient === client ? this.activeContext : this.pendingContexts.get(client);
    if (parent === undefined) return;
    const attributes: Attributes =
      program.kind === 'script' ? { 'eddy.script.sha1': program.sha } : { 'eddy.function.name': program.name, 'eddy.function.library': program.library };
    this.scriptSpan = this.tracer.startSpan('eddy.script', { startTime: performance.now(), attributes }, parent);
    this.scriptContext = trace.setSpan(parent, this.scriptSpan);
  }

  scriptEnded(): void {
    this.scriptSpan?.end();
    this.scriptSpan = undefined;
    this.scriptContext = undefined;
  }

  continueTrace(client: TracedClient, traceparent: string | undefined, tracestate: string | undefined): void {
    if (traceparent === undefined) return;
    const context = this.propagator.extract(ROOT_CONTEXT, { traceparent, tracestate }, defaultTextMapGetter);
    const remote = trace.getSpanContext(context);
    // A malformed traceparent starts no trace of its own: the command is sampled as any other.
    if (remote === undefined) return;
    this.remoteParents.set(client, (remote.traceFlags & TraceFlags.SAMPLED) !== 0 ? context : null);
  }

  applyBatch(records: readonly LogRecord[], primary: { host: string; port: number } | undefined, apply: () => void): void {
    if (!this.sampled()) return apply();
    const attributes: Attributes = {
      'eddy.replication.records': records.length,
      'eddy.log.first_revision': records[0].rev,
      'eddy.log.last_revision': records[records.length - 1].rev,
    };
    if (primary !== undefined) {
      attributes[ATTR_SERVER_ADDRESS] = primary.host;
      attributes[ATTR_SERVER_PORT] = primary.port;
    }
    const span = this.tracer.startSpan('eddy.replication.apply', { kind: SpanKind.CONSUMER, startTime: performance.now(), attributes }, ROOT_CONTEXT);
    try {
      apply();
    } catch (error) {
      this.failed(span, messageOf(error), 'apply');
      span.end();
      throw error;
    }
    const rev = this.log.lastRev;
    const commit = this.startCommit(trace.setSpan(ROOT_CONTEXT, span), rev);
    void this.log.committed(rev).then(() => {
      this.endCommit(commit);
      span.end();
    });
  }

  /** Exports the spans still held and stops (server stop); a collector that does not answer is given up on. */
  async shutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_EXPORT_MS)));
    await Promise.race([this.provider.shutdown(), late]);
    clearTimeout(timer);
  }

  /**
   * The context a command's span goes under, or undefined when it is not traced: a command run by
   * a traced EXEC or script is its child (and untraced under an untraced one), an application's
   * trace decides for its commands, and any other is sampled at `otel-sample-ratio`.
   */
  private parentOf(client: TracedClient): Context | undefined {
    if (this.activeClient === client) return this.activeContext;
    if (client.inTransaction) return client.isScript ? this.scriptContext : undefined;
    const remote = this.remoteParents.get(client);
    if (remote !== undefined) return remote ?? undefined;
    return this.sampled() ? ROOT_CONTEXT : undefined;
  }

  private sampled(): boolean {
    return this.ratio >= 1 || Math.random() < this.ratio;
  }

  private commandAttributes(client: TracedClient, name: string): Attributes {
    return { [ATTR_DB_SYSTEM]: 'redis', [ATTR_DB_SYSTEM_NAME]: 'redis', [ATTR_DB_OPERATION_NAME]: name, [ATTR_DB_NAMESPACE]: String(client.db), ...this.addressesOf(client) };
  }

  /** A connection's addresses as span attributes, read once per client: the parsing was a tenth of a span's cost. */
  private addressesOf(client: TracedClient): Attributes {
    let attributes = this.addresses.get(client);
    if (attributes !== undefined) return attributes;
    attributes = {};
    const local = splitAddress(client.transport.localAddress);
    attributes[ATTR_SERVER_ADDRESS] = local?.host ?? this.options.bindAddress;
    if (local !== undefined) attributes[ATTR_SERVER_PORT] = local.port;
    const peer = splitAddress(client.transport.remoteAddress);
    if (peer !== undefined) {
      attributes[ATTR_NETWORK_PEER_ADDRESS] = peer.host;
      attributes[ATTR_NETWORK_PEER_PORT] = peer.port;
    }
    this.addresses.set(client, attributes);
    return attributes;
  }

  /** The command has its reply: its span ends now, or once the log has acknowledged its writes. */
  private replied(client: TracedClient, span: Span, context: Context, reply: Reply, revBefore: number): void {
    if (reply instanceof ErrorReply) this.failed(span, reply.message, errorCodeOf(reply));
    const log = this.log;
    const rev = log.lastRev;
    // Inside EXEC or a script, the wait for the commit is the outer command's.
    if (client.inTransaction || rev <= revBefore || rev <= log.ackedRev) return span.end();
    const commit = this.startCommit(context, rev);
    log.waitForAck({
      ackRev: rev,
      acknowledged: () => {
        this.endCommit(commit);
        span.end();
      },
    });
  }

  private failed(span: Span, message: string, code: string): void {
    span.setAttribute(ATTR_DB_RESPONSE_STATUS_CODE, code);
    span.setAttribute(ATTR_ERROR_TYPE, code);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
  }

  private startCommit(parent: Context, rev: number): { span: Span; context: Context; startedAt: number } {
    const startedAt = performance.now();
    const span = this.tracer.startSpan('eddy.log.commit', { startTime: startedAt, attributes: { 'eddy.log.revision': rev, 'eddy.log.appendfsync': this.log.fsync } }, parent);
    return { span, context: trace.setSpan(parent, span), startedAt };
  }

  /** The commit is done: the group commit's write (an fsync when it synced) is its child. */
  private endCommit(commit: { span: Span; context: Context; startedAt: number }): void {
    const write = this.log.lastWrite;
    if (write.endedAt >= commit.startedAt) {
      const attributes = { 'eddy.log.batch_records': write.records };
      this.tracer.startSpan(write.synced ? 'eddy.log.fsync' : 'eddy.log.write', { startTime: write.startedAt, attributes }, commit.context).end(write.endedAt);
    }
    commit.span.end();
  }
}

/** "127.0.0.1:6379", "[::1]:6379", "ipv4:127.0.0.1:6379" (gRPC's peer) as host and port; undefined for none. */
function splitAddress(address: string): { host: string; port: number } | undefined {
  const colon = address.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const host = address
    .slice(0, colon)
    .replace(/^ipv[46]:/, '')
    .replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(colon + 1));
  return Number.isInteger(port) ? { host, port } : undefined;
}

/**
 * The OTLP exporter, with its failures told to the server log (the SDK alone drops them silently):
 * the first of a run of failures, so that a collector that is down gives one line, not one per batch.
 */
class ReportingExporter implements SpanExporter {
  private failing = false;

  constructor(
    private readonly exporter: OTLPTraceExporter,
    private readonly onError: (error: unknown) => void,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.exporter.export(spans, (result) => {
      const failed = result.code !== ExportResultCode.SUCCESS;
      if (failed && !this.failing) this.onError(result.error ?? new Error('the collector refused the spans'));
      this.failing = failed;
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush();
  }
}
