import { LatencyHistogram } from './latency-histogram.js';

/** One command's (or subcommand's: `client|list`) figures since start or CONFIG RESETSTAT. */
export class CommandFigures {
  calls = 0;
  /** Time spent running it, in microseconds (fractional: Eddy measures below one). */
  usec = 0;
  /** Refused before it ran: arity, NOAUTH, OOM, MISCONF, READONLY, ... (Redis's rejected_calls). */
  rejectedCalls = 0;
  /** Ran and answered an error (Redis's failed_calls). */
  failedCalls = 0;
  /** Its run times, while latency-tracking is on. */
  readonly latency = new LatencyHistogram();

  constructor(readonly name: string) {}
}

/**
 * Redis's per-command statistics (INFO commandstats and latencystats, LATENCY HISTOGRAM), and what
 * the metrics endpoint exports per command. A command's time is its handler's: like Redis, neither
 * waiting for the log's commit nor time spent blocked counts.
 */
export class CommandStats {
  private readonly byName = new Map<string, CommandFigures>();
  /** latency-tracking: per-command histograms recorded. */
  tracksLatency = true;

  of(name: string): CommandFigures {
    let figures = this.byName.get(name);
    if (figures === undefined) {
      figures = new CommandFigures(name);
      this.byName.set(name, figures);
    }
    return figures;
  }

  /** A command ran for `ms` milliseconds (fractional) and answered an error or not. */
  ran(name: string, ms: number, failed: boolean): void {
    const figures = this.of(name);
    figures.calls++;
    figures.usec += ms * 1000;
    if (failed) figures.failedCalls++;
    if (this.tracksLatency) figures.latency.record(ms * 1e6);
  }

  rejected(name: string): void {
    this.of(name).rejectedCalls++;
  }

  /** Every command seen since the last reset, in the order first seen. */
  all(): IterableIterator<CommandFigures> {
    return this.byName.values();
  }

  reset(): void {
    this.byName.clear();
  }
}
