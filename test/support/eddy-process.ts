import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const SERVER_ENTRY = resolve(import.meta.dirname, '../../dist/src/server/main.js');

/** A real Eddy server in a child process, on a free port, with its own data directory. */
export class EddyProcess {
  port = 0;
  /** Ports of the optional protocols, when their flags were given (`--http-port 0`, ...). */
  httpPort = 0;
  grpcPort = 0;
  wsPort = 0;
  exitCode: number | null = null;
  readonly output: string[] = [];
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);

  constructor(
    readonly dir: string,
    readonly args: string[] = [],
    /** The server to run: another checkout's build writes the fixtures of an older format. */
    readonly entry = SERVER_ENTRY,
  ) {}

  static async start(args: string[] = [], dir = mkdtempSync(join(tmpdir(), 'eddy-test-'))): Promise<EddyProcess> {
    const server = new EddyProcess(dir, args);
    await server.launch();
    return server;
  }

  /** Starts the server (again) on the same data directory; resolves once it accepts connections. */
  async launch(): Promise<void> {
    const port = this.port === 0 ? ['--port', '0'] : ['--port', String(this.port)];
    // `args` come first, so that a config file can be the first argument, as eddy expects.
    const child = spawn(process.execPath, [this.entry, ...this.args, '--dir', this.dir, ...port], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exitCode = null;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve((this.exitCode = code))));
    child.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    const lines = createInterface({ input: child.stdout! });
    await new Promise<void>((resolve, reject) => {
      lines.on('line', (line) => {
        this.output.push(line);
        if (line.includes('ready to accept connections')) {
          const ready = JSON.parse(line) as { port: number; httpPort?: number; grpcPort?: number; wsPort?: number };
          this.port = ready.port;
          this.httpPort = ready.httpPort ?? 0;
          this.grpcPort = ready.grpcPort ?? 0;
          this.wsPort = ready.wsPort ?? 0;
          resolve();
        }
      });
      void this.exited.then((code) => reject(new Error(`eddy exited with ${code} before it was ready:\n${this.output.join('\n')}`)));
    });
  }

  /** Sends a signal and waits for the exit code. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.child?.kill(signal);
    return this.exited;
  }

  /** Sends a signal without waiting (SIGSTOP and SIGCONT, a partition for a while). */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  async waitForExit(): Promise<number | null> {
    return this.exited;
  }

  async stop(): Promise<void> {
    if (this.exitCode === null) await this.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
