import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { judgeOutput } from './command-verdict.js';
import type { ReadmeBlock, ReadmeCommand } from './readme-blocks.js';
import { serverLineOf, type ServerLine, type WalkthroughServers } from './walkthrough-servers.js';

/**
 * Runs one README block as one bash script, as a user pasting it into a new terminal would: shell
 * variables carry from line to line and multi-line commands run as written. Only the server lines
 * are rewritten: they ask the walkthrough (over fd 3) to start the server and wait until it is up.
 * Each command's output goes to its own file, so a failure names its line and shows what it printed.
 */

export type Outcome = 'passed' | 'failed' | 'skipped' | 'not run';

export interface CommandResult {
  command: ReadmeCommand;
  outcome: Outcome;
  /** Why it failed or was skipped; '' when it passed. */
  reason: string;
  output: string;
}

export interface BlockSetting {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Where the script and the outputs of this block's commands go. */
  scratchDir: string;
  /** For the block's own commands; time spent starting servers is not counted. */
  timeoutMs: number;
  servers: WalkthroughServers;
  withTests: boolean;
  print: (line: string) => void;
  /** Aborting kills the block's bash and whatever its commands started (not the servers). */
  signal: AbortSignal;
}

// `npm install && npm test` runs the whole suite (~90 s); CI runs it anyway.
const TEST_LINE = /(?:^|&&\s*)npm test\b/;
const TEST_BUDGET_MS = 600_000;

type Plan = { kind: 'run' } | { kind: 'server'; server: ServerLine } | { kind: 'skip'; reason: string };

function planOf(command: ReadmeCommand, withTests: boolean): Plan {
  if (TEST_LINE.test(command.code)) return withTests ? { kind: 'run' } : { kind: 'skip', reason: 'the test suite: give --with-tests to run it' };
  const server = serverLineOf(command.code);
  return server === undefined ? { kind: 'run' } : { kind: 'server', server };
}

function scriptOf(plans: Plan[], commands: ReadmeCommand[], outputDir: string): string {
  const lines = ['set -o pipefail', `__walkthrough_outputs=${shellQuote(outputDir)}`];
  plans.forEach((plan, index) => {
    if (plan.kind === 'skip') {
      lines.push(`printf 'skip ${index}\\n' >&3`);
    } else if (plan.kind === 'server') {
      lines.push(`printf 'server ${index} %s\\n' "$PWD" >&3`, 'read -r __walkthrough_reply <&3');
    } else {
      // A group, not a subshell, so that variables the command sets stay for the next one.
      lines.push(
        `printf 'begin ${index}\\n' >&3`,
        `{ ${commands[index].text}`,
        `} </dev/null >"$__walkthrough_outputs/${index}.out" 2>&1 3>&-`,
        `printf 'end ${index} %s\\n' "$?" >&3`,
      );
    }
  });
  lines.push(`printf 'finished\\n' >&3`);
  return lines.join('\n') + '\n';
}

export async function runBlock(block: ReadmeBlock, setting: BlockSetting, blockNumber: number): Promise<CommandResult[]> {
  const { commands } = block;
  const plans = commands.map((command) => planOf(command, setting.withTests));
  const outputDir = join(setting.scratchDir, `block-${blockNumber}`);
  mkdirSync(outputDir, { recursive: true });
  const scriptFile = join(outputDir, 'block.sh');
  writeFileSync(scriptFile, scriptOf(plans, commands, outputDir));
  const outputOf = (index: number): string => {
    const file = join(outputDir, `${index}.out`);
    return existsSync(file) ? readFileSync(file, 'utf8').trimEnd() : '';
  };

  const results: (CommandResult | undefined)[] = commands.map(() => undefined);
  const record = (index: number, outcome: Outcome, reason: string, output: string): void => {
    results[index] = { command: commands[index], outcome, reason, output };
    const mark = { passed: 'ok', failed: 'FAIL', skipped: 'skipped', 'not run': 'not run' }[outcome];
    setting.print(`      ${mark}${reason === '' ? '' : `: ${reason}`}`);
  };
  const announce = (index: number): void => setting.print(`  README.md:${commands[index].line} $ ${oneLine(commands[index].text)}`);

  const bash = spawn('bash', [scriptFile], { cwd: setting.cwd, env: setting.env, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  let bashOutput = '';
  bash.stdout!.on('data', (chunk: Buffer) => (bashOutput += chunk));
  bash.stderr!.on('data', (chunk: Buffer) => (bashOutput += chunk));
  const control = bash.stdio[3] as Duplex;

  // The block's clock, paused while a server starts and lengthened for the test suite.
  let remainingMs = setting.timeoutMs;
  let clockStarted = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  let current: number | undefined;
  const pauseClock = (): void => {
    clearTimeout(timer);
    remainingMs -= Date.now() - clockStarted;
  };
  const runClock = (): void => {
    clockStarted = Date.now();
    timer = setTimeout(
      () => {
        timedOut = true;
        killGroup(bash.pid!);
      },
      Math.max(remainingMs, 0),
    );
  };
  runClock();
  const abort = (): void => killGroup(bash.pid!);
  setting.signal.addEventListener('abort', abort);

  const exited = new Promise<void>((resolve) => bash.on('close', () => resolve()));
  let pending = '';
  let work = Promise.resolve();
  control.on('data', (chunk: Buffer) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const message of lines) work = work.then(() => handle(message));
  });
  control.on('error', () => undefined);

  const handle = async (message: string): Promise<void> => {
    const [verb, indexText, ...rest] = message.split(' ');
    const index = Number(indexText);
    if (verb === 'begin') {
      current = index;
      announce(index);
      if (TEST_LINE.test(commands[index].code)) remainingMs += TEST_BUDGET_MS;
    } else if (verb === 'end') {
      current = undefined;
      const output = outputOf(index);
      const verdict = judgeOutput(commands[index].code, Number(rest[0]), output, commands[index].comment);
      record(index, verdict.failed ? 'failed' : 'passed', verdict.reason, output);
    } else if (verb === 'skip') {
      announce(index);
      record(index, 'skipped', (plans[index] as { reason: string }).reason, '');
    } else if (verb === 'server') {
      announce(index);
      pauseClock();
      const server = (plans[index] as { server: ServerLine }).server;
      const started = await setting.servers.start(server, rest.join(' '), serverLabel(block, commands[index]));
      record(index, started.ok ? 'passed' : 'failed', started.ok ? '' : 'the server did not start', started.output);
      runClock();
      control.write('done\n');
    }
  };

  await exited;
  await work;
  clearTimeout(timer);
  setting.signal.removeEventListener('abort', abort);
  commands.forEach((_, index) => {
    if (results[index] !== undefined) return;
    if (index === current && timedOut) {
      record(index, 'failed', `timed out: the block ran past ${setting.timeoutMs / 1000} s`, outputOf(index));
    } else {
      const why = timedOut ? 'the block timed out before it' : `bash stopped before it${bashOutput.trim() === '' ? '' : `: ${bashOutput.trim()}`}`;
      if (index !== current) announce(index);
      record(index, 'not run', why, '');
    }
  });
  return results as CommandResult[];
}

/** How the summary and the server notes name the line that started a server. */
export function serverLabel(block: ReadmeBlock, command: ReadmeCommand): string {
  return `${block.heading} (README.md:${command.line})`;
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** The first line of a command, marked when more follow. */
export function oneLine(text: string): string {
  const lines = text.split('\n');
  return lines.length === 1 ? text : `${lines[0]} ... (${lines.length} lines)`;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
