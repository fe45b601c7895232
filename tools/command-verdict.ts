/**
 * Whether a README command worked: its exit code, what in its output says it failed even when the
 * exit code is 0 (redis-cli exits 0 on an error reply), and what the line's own comment says to
 * expect (an error it names, or the reply it shows).
 */

// Redis's error prefixes: redis-cli prints them bare at the start of a line when its output is not
// a terminal (and as "(error) ..." when it is).
const REDIS_ERROR_CODES = [
  'ERR',
  'WRONGTYPE',
  'READONLY',
  'NOAUTH',
  'WRONGPASS',
  'NOPERM',
  'NOREPLICAS',
  'NOSCRIPT',
  'BUSY',
  'UNKILLABLE',
  'NOTBUSY',
  'MISCONF',
  'EXECABORT',
  'LOADING',
  'COMPACTED',
  'CROSSSLOT',
  'OOM',
  'DIVERGED',
  'MASTERDOWN',
  'BUSYKEY',
  'NOPROTO',
];
const REDIS_ERROR_LINE = new RegExp(`^[-]?(?:${REDIS_ERROR_CODES.join('|')})\\b`);

const FAILURE_SIGNS: RegExp[] = [
  /\b(?:EADDRINUSE|ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ETIMEDOUT)\b/,
  /Could not connect/i,
  /Connection refused/i,
  /\(error\)/,
  /"error"\s*:/,
  /command not found/,
  /No such file or directory/,
  /^curl: \(\d+\)/,
  /^npm (?:ERR!|error)\b/,
  /^(?:Uncaught )?[A-Z]?\w*Error\b(?::|$)/,
  /^\s+at .+:\d+:\d+\)?$/,
  /could not start/,
  REDIS_ERROR_LINE,
];

/** The output lines that say something failed. */
export function failureLines(output: string): string[] {
  return output.split('\n').filter((line) => FAILURE_SIGNS.some((sign) => sign.test(line.trimEnd())));
}

/** The Redis error codes a README comment says the command answers, e.g. `# (error) READONLY ...`. */
export function expectedErrorCodes(comment: string): string[] {
  return REDIS_ERROR_CODES.filter((code) => new RegExp(`\\b${code}\\b`).test(comment));
}

/**
 * The reply a README comment shows, when it opens with one: `# 15`, `# "hi there"`,
 * `# (integer) 1: ...`, `# {"result":"hello"}; ...`. As a pattern over one output line, `<...>`
 * standing for anything; undefined for a comment in prose.
 */
export function expectedReplyOf(comment: string): { text: string; pattern: RegExp } | undefined {
  const reply =
    /^\(integer\) (-?\d+)/.exec(comment)?.[1] ??
    /^(-?\d+(?:\.\d+)?)(?:$|[\s:;,])/.exec(comment)?.[1] ??
    /^"([^"]*)"(?:$|[\s:;,])/.exec(comment)?.[1] ??
    /^(\{.*\})(?:$|;)/.exec(comment)?.[1];
  if (reply === undefined) return undefined;
  const pattern = reply
    .split(/<[^>]+>/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.+');
  return { text: reply, pattern: new RegExp(`^${pattern}$`) };
}

export interface Verdict {
  failed: boolean;
  /** Why, in one line, when failed. */
  reason: string;
}

// Exit codes of a writer whose reader went away: curl's "Failure writing output", 128 + SIGPIPE.
const CUT_OFF_WRITER = new Set([23, 141]);

/** Judges a finished command by its exit code, its output and what its comment says to expect. */
export function judgeOutput(code: string, exitCode: number, output: string, comment: string): Verdict {
  const expected = expectedErrorCodes(comment);
  const failures = failureLines(output);
  const unexpected = failures.filter((line) => !expected.some((errorCode) => new RegExp(`\\b${errorCode}\\b`).test(line)));
  const sawExpected = expected.length > 0 && failures.length > unexpected.length;
  if (unexpected.length > 0) return { failed: true, reason: `output says it failed: ${unexpected[0].trim()}` };
  if (expected.length > 0 && !sawExpected) return { failed: true, reason: `the README's comment expects ${expected.join('/')} but the output shows no such error` };
  if (exitCode !== 0 && !sawExpected) {
    const cutOff = CUT_OFF_WRITER.has(exitCode) && /\|\s*head\b/.test(code);
    const why = cutOff ? ' (set -o pipefail: the command before `| head` failed writing once head had exited; a shell without pipefail shows no error)' : '';
    return { failed: true, reason: `exit code ${exitCode}${why}` };
  }
  const reply = expectedReplyOf(comment);
  const lines = output.split('\n').map((line) => line.trim());
  if (reply !== undefined && !lines.some((line) => reply.pattern.test(line)))
    return { failed: true, reason: `the README's comment shows the reply \`${reply.text}\` but the output has no such line` };
  return { failed: false, reason: '' };
}
