import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readmeBlocks, type ReadmeBlock } from './readme-blocks.js';
import { oneLine, runBlock, serverLabel, type CommandResult } from './walkthrough-block.js';
import { SERVER_RULE, WalkthroughServers } from './walkthrough-servers.js';

/**
 * readme-walkthrough: checks that every README command, run in order as written on a fresh clone,
 * works. Clones HEAD (or, with --here, uses the working tree), runs `npm install`, then each ```sh
 * block of README.md as one bash script, servers in the background; prints what failed and exits 1
 * if anything did.
 */
const USAGE = `Usage: npm run readme-walkthrough [-- [--here] [--with-tests] [--keep] [--verbose] [--block-timeout S] [--server-timeout S]]
  --here            use the working tree as it is (uncommitted changes included) instead of a fresh clone of HEAD
  --with-tests      also run \`npm install && npm test\` (the whole suite, ~90 s)
  --keep            keep the clone, the server logs and each command's output
  --verbose         print every command's output, not only the failures'
  --block-timeout   seconds a block's commands may take, server starts not counted (default 120)
  --server-timeout  seconds a server may take to accept connections (default 300)`;

const OUTPUT_LINES_SHOWN = 40;

interface BlockReport {
  block: ReadmeBlock;
  results: CommandResult[];
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      here: { type: 'boolean', default: false },
      'with-tests': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      'block-timeout': { type: 'string', default: '120' },
      'server-timeout': { type: 'string', default: '300' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const blockTimeoutMs = seconds(values['block-timeout'], '--block-timeout');
  const serverTimeoutMs = seconds(values['server-timeout'], '--server-timeout');
  const repoRoot = git(process.cwd(), 'rev-parse', '--show-toplevel');
  const scratchDir = mkdtempSync(join(tmpdir(), 'eddy-readme-walkthrough-'));
  const env = userEnvironment(process.env);
  const interrupt = new AbortController();
  const stopOnSignal = (): void => {
    console.log('\ninterrupted: stopping the block and the servers');
    interrupt.abort();
  };
  process.on('SIGINT', stopOnSignal);
  process.on('SIGTERM', stopOnSignal);

  let tree = repoRoot;
  if (values.here) {
    console.log(`README walkthrough in the working tree ${repoRoot} (--here: uncommitted changes included)`);
  } else {
    tree = join(scratchDir, 'eddy');
    const changed = git(repoRoot, 'status', '--porcelain')
      .split('\n')
      .filter((line) => line !== '').length;
    execFileSync('git', ['clone', '--quiet', repoRoot, tree], { stdio: 'inherit' });
    console.log(`README walkthrough in a fresh clone of HEAD ${git(tree, 'rev-parse', '--short', 'HEAD')} at ${tree}`);
    console.log(
      `uncommitted changes are NOT included${changed === 0 ? ' (the working tree has none)' : `: ${changed} changed or untracked paths in the working tree are left out`}; --here runs the working tree`,
    );
    console.log('npm install ...');
    const install = spawnSync('npm', ['install'], { cwd: tree, env, encoding: 'utf8' });
    if (install.status !== 0) {
      console.log(`npm install failed (exit code ${install.status}):\n${indent(lastLines(install.stdout + install.stderr))}`);
      finish(scratchDir, values.keep);
      return 1;
    }
  }
  const untrackedBefore = values.here ? untrackedPaths(tree) : new Set<string>();
  console.log(`\nRule for servers: ${SERVER_RULE}`);

  const blocks = readmeBlocks(readFileSync(join(tree, 'README.md'), 'utf8'));
  for (const path of pathsOutside(blocks).filter(existsSync))
    console.log(`note: ${path}, which the README's commands write to, exists already (an earlier run?); they may refuse it`);
  const logDir = join(scratchDir, 'logs');
  mkdirSync(logDir);
  const servers = new WalkthroughServers(logDir, env, serverTimeoutMs, interrupt.signal);
  const reports: BlockReport[] = [];
  let stopped: string[];
  try {
    for (const [index, block] of blocks.entries()) {
      if (interrupt.signal.aborted) break;
      console.log(`\n[${index + 1}] ${block.heading} (README.md:${block.line})`);
      const setting = {
        cwd: tree,
        env,
        scratchDir: join(scratchDir, 'outputs'),
        timeoutMs: blockTimeoutMs,
        servers,
        withTests: values['with-tests'],
        print: console.log,
        signal: interrupt.signal,
      };
      reports.push({ block, results: await runBlock(block, setting, index + 1) });
    }
    for (const early of servers.exitedEarly()) {
      const result = reports.flatMap(({ block, results }) => results.filter((r) => serverLabel(block, r.command) === early.label))[0];
      if (result === undefined) continue;
      result.outcome = 'failed';
      result.reason = 'its server exited before the walkthrough ended';
      result.output = `${result.output}\n${early.output}`;
    }
  } finally {
    console.log('\nstopping the servers ...');
    stopped = await servers.stopAll();
  }
  printSummary(reports, stopped, values.verbose);
  if (values.here) {
    const fresh = [...untrackedPaths(tree)].filter((path) => !untrackedBefore.has(path));
    const left = fresh.filter((path) => !fresh.some((other) => other !== path && other.endsWith('/') && path.startsWith(other)));
    if (left.length > 0) console.log(`\nleft in the working tree since the walkthrough began (by the README's commands, or anyone else working here): ${left.join(' ')}`);
  }
  finish(scratchDir, values.keep);
  return reports.some(({ results }) => results.some((result) => result.outcome === 'failed' || result.outcome === 'not run')) ? 1 : 0;
}

function printSummary(reports: BlockReport[], stopped: string[], verbose: boolean): void {
  console.log('\n=== Summary ===');
  for (const line of stopped) console.log(`server ${line}`);
  const counts = { passed: 0, failed: 0, skipped: 0, 'not run': 0 };
  for (const [index, { block, results }] of reports.entries()) {
    console.log(`\n[${index + 1}] ${block.heading} (README.md:${block.line})`);
    for (const result of results) {
      counts[result.outcome]++;
      const mark = { passed: 'pass', failed: 'FAIL', skipped: 'skip', 'not run': 'NOT RUN' }[result.outcome];
      console.log(`  ${mark.padEnd(7)} README.md:${result.command.line} $ ${result.outcome === 'failed' ? result.command.text : oneLine(result.command.text)}`);
      if (result.reason !== '') console.log(`          ${result.reason}`);
      if ((result.outcome === 'failed' || verbose) && result.output !== '') console.log(indent(lastLines(result.output)));
    }
  }
  console.log(
    `\n${Object.values(counts).reduce((a, b) => a + b, 0)} commands: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped, ${counts['not run']} not run`,
  );
}

/** The environment of a user at a new terminal: without what `npm run` adds for its scripts. */
function userEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (!/^npm_/i.test(name) && name !== 'INIT_CWD' && name !== 'NODE') clean[name] = value;
  }
  clean.PATH = (env.PATH ?? '')
    .split(':')
    .filter((dir) => !dir.includes('node_modules/.bin') && !dir.includes('node-gyp-bin'))
    .join(':');
  return clean;
}

/** Absolute /tmp paths the README's commands name: outside the clone, so a second run meets them. */
function pathsOutside(blocks: ReadmeBlock[]): string[] {
  const paths = blocks.flatMap((block) => block.commands.flatMap((command) => command.code.match(/\/tmp\/[\w.-]+/g) ?? []));
  return [...new Set(paths)];
}

function untrackedPaths(tree: string): Set<string> {
  const status = git(tree, 'status', '--porcelain', '--ignored', '--untracked-files=normal');
  return new Set(
    status
      .split('\n')
      .filter((line) => line.startsWith('?? ') || line.startsWith('!! '))
      .map((line) => line.slice(3)),
  );
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

function seconds(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${option} must be a number of seconds, not '${text}'`);
  return value * 1000;
}

function lastLines(text: string): string {
  const lines = text.trimEnd().split('\n');
  if (lines.length <= OUTPUT_LINES_SHOWN) return lines.join('\n');
  return [`(${lines.length - OUTPUT_LINES_SHOWN} earlier lines left out)`, ...lines.slice(-OUTPUT_LINES_SHOWN)].join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `          | ${line}`)
    .join('\n');
}

function finish(scratchDir: string, keep: boolean): void {
  if (keep) console.log(`\nkept: ${scratchDir} (the clone, server logs under logs/, each command's output under outputs/)`);
  else rmSync(scratchDir, { recursive: true, force: true });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`readme-walkthrough: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
