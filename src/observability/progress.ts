import { SingleBar } from 'cli-progress';

/** What every progress line says: how much is done of how much, how fast, and what remains. */
export interface ProgressFigures {
  done: number;
  total: number;
  /** Whole percent done (0 while the total is unknown). */
  percent: number;
  /** Units done per second since the start. */
  perSecond: number;
  remaining: number;
  seconds: number;
}

/**
 * How far a long operation (recovery, an RDB load, a restore) got, and whether a line about it is
 * due: the one pacing that the server's log lines and the tools' terminal output share.
 */
export class Progress {
  done = 0;
  private readonly startedAt: number;
  private lastLineAt: number;

  constructor(
    public total: number,
    /** A line is due at most this often. */
    private readonly everyMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedAt = now();
    this.lastLineAt = this.startedAt;
  }

  /** Sets how much is done; true when a line is due (and the pacing starts over from now). */
  advance(done: number): boolean {
    this.done = done;
    const now = this.now();
    if (now - this.lastLineAt < this.everyMs) return false;
    this.lastLineAt = now;
    return true;
  }

  figures(): ProgressFigures {
    const seconds = (this.now() - this.startedAt) / 1000;
    const done = this.done;
    const total = Math.max(this.total, done);
    return {
      done,
      total,
      percent: total > 0 ? Math.floor((done / total) * 100) : 0,
      perSecond: seconds > 0 ? Math.round(done / seconds) : 0,
      remaining: total - done,
      seconds,
    };
  }
}

/** A progress display a tool's user watches. */
export interface TerminalProgress {
  /** How much is done (and the total, when it is learnt late). */
  update(done: number, total?: number): void;
  stop(): void;
}

export interface TerminalProgressOptions {
  /** What is counted, after the numbers: `records`, `MB`. */
  unit: string;
  /** Turns a count into the unit shown (bytes into MB). */
  scale?: (count: number) => number;
  /** Where it is shown (stderr: the tools' results on stdout stay clean). */
  stream?: NodeJS.WriteStream;
  /** How often a plain line is written when the stream is no terminal. */
  everyMs?: number;
}

/**
 * A cli-progress bar when the stream is a terminal; otherwise (a pipe, a CI log) a plain line every
 * few seconds and one at the end, as a bar's redrawing would fill a log file with control codes.
 */
export function terminalProgress(label: string, total: number, options: TerminalProgressOptions): TerminalProgress {
  const stream = options.stream ?? process.stderr;
  const scale = options.scale ?? ((count: number) => count);
  const progress = new Progress(total, options.everyMs ?? 2000);
  if (stream.isTTY) {
    const bar = new SingleBar({
      stream,
      format: `${label} |{bar}| {percentage}% {value}/{total} ${options.unit} | {rate} ${options.unit}/s | ETA {eta_formatted}`,
    });
    bar.start(Math.ceil(scale(total)), 0, { rate: 0 });
    return {
      update: (done, newTotal) => {
        if (newTotal !== undefined && newTotal !== progress.total) bar.setTotal(Math.ceil(scale((progress.total = newTotal))));
        progress.advance(done);
        bar.update(Math.floor(scale(Math.min(done, progress.total))), { rate: Math.round(scale(progress.figures().perSecond)) });
      },
      stop: () => bar.stop(),
    };
  }
  let lines = 0;
  const line = (): void => {
    lines++;
    const figures = progress.figures();
    stream.write(
      `${label} ${Math.floor(scale(figures.done))}/${Math.ceil(scale(figures.total))} ${options.unit} (${figures.percent}%, ${Math.round(scale(figures.perSecond))} ${options.unit}/s)\n`,
    );
  };
  return {
    update: (done, newTotal) => {
      if (newTotal !== undefined) progress.total = newTotal;
      if (progress.advance(done)) line();
    },
    // Where it ended, once lines were shown; an operation too quick for one shows none.
    stop: () => lines > 0 && line(),
  };
}
