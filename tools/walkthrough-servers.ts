import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The servers a README walkthrough starts: in the background, each in its own process group with its
 * output in a log file, ready once its ports accept connections; stopped at the end as Ctrl-C stops
 * a terminal's foreground job (a signal to the whole group), then killed if it lingers.
 */

export const SERVER_RULE =
  'A line that runs `npm start` (also `npm install && npm start`) or `node bin/eddy.js ... &` starts a server in the background and waits ' +
  'until every port it names (--port, default 6379; --http-port, --grpc-port, --ws-port) accepts connections. ' +
  'An `npm start` line replaces the server an earlier `npm start` line started on the same --port (the user stops it with Ctrl-C ' +
  'in that terminal to start the new one); a `node bin/eddy.js ... &` server is left running until the end, as the README never stops it, ' +
  'so a later server on its port meets it. Every server still running at the end gets SIGTERM, then SIGKILL after 10 s.';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const DEFAULT_RESP_PORT = 6379;
const STOP_GRACE_MS = 10_000;
// The server's own log line once every listener is up: the proof when a port was already taken.
const READY_LINE = 'ready to accept connections';

export interface ServerLine {
  /** The command to run in the background: the README's line without its `&` and comment. */
  command: string;
  respPort: number;
  /** Every port the line opens, the RESP one first. */
  ports: number[];
  /** `npm start` lines replace each other per port; background `&` lines are never replaced. */
  replacesEarlier: boolean;
  bind: string | undefined;
}

/** The server a README line starts, or undefined when it starts none. */
export function serverLineOf(code: string): ServerLine | undefined {
  const npmStart = /(?:^|&&\s*)npm start\b/.test(code);
  const background = /^(?:node bin\/eddy\.js|npx eddy|eddy)\b.*&\s*$/.test(code);
  if (!npmStart && !background) return undefined;
  const option = (name: string): string | undefined => new RegExp(`--${name}(?:=|\\s+)(\\S+)`).exec(code)?.[1];
  const port = (name: string): number | undefined => {
    const value = option(name);
    return value === undefined ? undefined : Number(value);
  };
  const respPort = port('port') ?? DEFAULT_RESP_PORT;
  const others = [port('http-port'), port('grpc-port'), port('ws-port')].filter((value): value is number => value !== undefined && value > 0);
  return { command: code.replace(/&\s*$/, '').trim(), respPort, ports: [respPort, ...others], replacesEarlier: npmStart, bind: option('bind') };
}

export interface StartResult {
  ok: boolean;
  /** What happened, for the summary: notes, and the log when it failed. */
  output: string;
}

interface RunningServer {
  label: string;
  line: ServerLine;
  child: ChildProcess;
  logFile: string;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  stoppedByWalkthrough: boolean;
  /** Its start already failed: not reported again as exiting early. */
  failedToStart: boolean;
}

export class WalkthroughServers {
  private readonly servers: RunningServer[] = [];

  constructor(
    private readonly logDir: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly readyTimeoutMs: number,
    private readonly signal: AbortSignal,
  ) {}

  async start(line: ServerLine, cwd: string, label: string): Promise<StartResult> {
    if (line.bind !== undefined && !LOOPBACK.has(line.bind)) return { ok: false, output: `not started: --bind ${line.bind} is not a loopback address` };
    const notes: string[] = [];
    if (line.replacesEarlier) {
      for (const earlier of this.running().filter((server) => server.line.replacesEarlier && server.line.respPort === line.respPort)) {
        notes.push(`stopped the server from ${earlier.label} first (${await this.stop(earlier)})`);
      }
    }
    const taken: number[] = [];
    for (const port of line.ports) {
      if (!(await accepts(port))) continue;
      taken.push(port);
      const holder = this.running().find((server) => server.line.ports.includes(port));
      notes.push(`port ${port} was already taken by ${holder === undefined ? 'a process the walkthrough did not start' : `the server from ${holder.label}`}`);
    }
    const logFile = join(this.logDir, `server-${this.servers.length + 1}-port-${line.respPort}.log`);
    const log = openSync(logFile, 'a');
    const child = spawn('bash', ['-c', line.command], { cwd, env: this.env, detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    const server: RunningServer = { label, line, child, logFile, exit: undefined, stoppedByWalkthrough: false, failedToStart: false };
    child.on('exit', (code, signal) => (server.exit = { code, signal }));
    this.servers.push(server);
    notes.push(`log: ${logFile}`);

    const started = Date.now();
    while (Date.now() - started < this.readyTimeoutMs && !this.signal.aborted) {
      await sleep(250);
      if (server.exit !== undefined) {
        server.failedToStart = true;
        return { ok: false, output: [...notes, `the server exited (${exitText(server.exit)}) before it was ready; its log:`, readLog(logFile)].join('\n') };
      }
      const portsUp = (await Promise.all(line.ports.map(accepts))).every(Boolean);
      if (portsUp && (taken.length === 0 || readLog(logFile).includes(READY_LINE))) {
        notes.push(`ready on ${line.ports.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return { ok: true, output: notes.join('\n') };
      }
    }
    server.failedToStart = true;
    const why = this.signal.aborted ? 'interrupted before it was ready' : `not ready after ${this.readyTimeoutMs / 1000} s`;
    return { ok: false, output: [...notes, `${why}; its log:`, readLog(logFile)].join('\n') };
  }

  /** Stops every server still running; one line per server started, saying how it ended. */
  async stopAll(): Promise<string[]> {
    const report: string[] = [];
    for (const server of this.servers) {
      if (server.stoppedByWalkthrough) continue;
      const ended = groupAlive(server) ? await this.stop(server) : `had exited by itself (${exitText(server.exit)})`;
      report.push(`${server.label} (port ${server.line.respPort}): ${ended}`);
    }
    return report;
  }

  /**
   * Servers that failed after they were up, before the walkthrough stopped them: a failure of the
   * line that started them. Exit code 0 is a clean stop (SHUTDOWN from a README line), not a failure.
   */
  exitedEarly(): { label: string; output: string }[] {
    return this.servers
      .filter((server) => !server.stoppedByWalkthrough && !server.failedToStart && !groupAlive(server) && server.exit?.code !== 0)
      .map((server) => ({ label: server.label, output: `the server exited (${exitText(server.exit)}) before the end; its log:\n${readLog(server.logFile)}` }));
  }

  private running(): RunningServer[] {
    return this.servers.filter((server) => !server.stoppedByWalkthrough && groupAlive(server));
  }

  private async stop(server: RunningServer): Promise<string> {
    server.stoppedByWalkthrough = true;
    signalGroup(server, 'SIGTERM');
    const deadline = Date.now() + STOP_GRACE_MS;
    while (Date.now() < deadline) {
      if (!groupAlive(server)) {
        if (server.exit === undefined) await new Promise((resolve) => server.child.once('exit', resolve));
        return `stopped by SIGTERM (${exitText(server.exit)})`;
      }
      await sleep(100);
    }
    signalGroup(server, 'SIGKILL');
    return `still running ${STOP_GRACE_MS / 1000} s after SIGTERM: killed`;
  }
}

function signalGroup(server: RunningServer, signal: NodeJS.Signals): void {
  try {
    process.kill(-server.child.pid!, signal);
  } catch {
    // The group is gone already.
  }
}

/** Whether any process of the server's group is left (the leader may exit before its children). */
function groupAlive(server: RunningServer): boolean {
  try {
    process.kill(-server.child.pid!, 0);
    return true;
  } catch {
    return false;
  }
}

function exitText(exit: RunningServer['exit']): string {
  if (exit === undefined) return 'still running';
  return exit.signal !== null ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

function readLog(file: string): string {
  return readFileSync(file, 'utf8').trimEnd();
}

/** Whether 127.0.0.1:port accepts a TCP connection now. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (result: boolean): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
