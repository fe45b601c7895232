/**
 * The ```sh blocks of a README, in order, each split into the commands a user would type: one per
 * line, except where a quote stays open or a line ends in `\`, as bash reads them.
 */

export interface ReadmeCommand {
  /** The command as written, comment included, exactly as bash is given it. */
  text: string;
  /** The command without its trailing `#` comment (for recognising what it does). */
  code: string;
  /** The trailing `# ...` comment, without the `#`; '' when there is none. */
  comment: string;
  /** 1-based line in the README where the command starts. */
  line: number;
}

export interface ReadmeBlock {
  /** The `## ` heading above the block, and the bold lead-in of its paragraph when there is one. */
  heading: string;
  /** 1-based line of the opening fence. */
  line: number;
  commands: ReadmeCommand[];
}

const OPENING_FENCE = /^```sh\s*$/;
const CLOSING_FENCE = /^```\s*$/;

export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  let section = '(before the first heading)';
  let leadIn = '';
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    const heading = /^##\s+(.*)$/.exec(line);
    if (heading !== null) {
      section = heading[1].trim();
      leadIn = '';
      continue;
    }
    // "**HTTP** (JSON replies ...)": the bold words that open a paragraph name its sub-topic.
    const bold = /^\*\*([^*]+)\*\*/.exec(line);
    if (bold !== null) leadIn = bold[1].replace(/:$/, '');
    if (!OPENING_FENCE.test(line)) continue;
    const start = index;
    const body: string[] = [];
    for (index++; index < lines.length && !CLOSING_FENCE.test(lines[index]); index++) body.push(lines[index]);
    blocks.push({
      heading: leadIn === '' ? section : `${section} > ${leadIn}`,
      line: start + 1,
      commands: shellCommands(body.join('\n'), start + 2),
    });
  }
  return blocks;
}

/**
 * Splits a script into its top-level commands by bash's quoting rules (single quotes, double quotes
 * with backslash escapes, `\` line continuations, `#` comments at the start of a word). Quotes
 * inside `$(...)` inside double quotes are not tracked: the README has none that matter.
 */
export function shellCommands(script: string, firstLine: number): ReadmeCommand[] {
  const commands: ReadmeCommand[] = [];
  let start = 0;
  let startLine = firstLine;
  let line = firstLine;
  let commentAt = -1;
  let quote: "'" | '"' | undefined;
  const finish = (end: number): void => {
    const text = script.slice(start, end);
    if (text.trim() !== '') {
      const cut = commentAt < 0 ? text.length : commentAt - start;
      commands.push({
        text: text.trim(),
        code: text.slice(0, cut).trim(),
        comment: commentAt < 0 ? '' : text.slice(cut + 1).trim(),
        line: startLine + leadingNewlines(text),
      });
    }
    start = end + 1;
    startLine = line + 1;
    commentAt = -1;
  };
  for (let at = 0; at < script.length; at++) {
    const char = script[at];
    if (commentAt >= 0) {
      if (char === '\n') {
        finish(at);
        line++;
      }
      continue;
    }
    if (char === '\n') {
      if (quote === undefined) finish(at);
      line++;
    } else if (quote === "'") {
      if (char === "'") quote = undefined;
    } else if (char === '\\') {
      if (script[at + 1] === '\n') line++;
      at++;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === '#' && (at === start || /\s/.test(script[at - 1]))) {
      commentAt = at;
    }
  }
  finish(script.length);
  return commands;
}

function leadingNewlines(text: string): number {
  return /^\s*/.exec(text)![0].split('\n').length - 1;
}
