import { OPTIONS, type Kind, type OptionSpec } from './option-table.js';

/**
 * The option table written out for people: `eddy --help` and the example eddy.conf at the
 * repository root (test/unit/option-docs.test.ts keeps that file equal to exampleConfigFile()).
 */

/** What a value looks like, for --help. */
function valueShape(kind: Kind): string {
  switch (kind.type) {
    case 'bool':
      return 'yes|no';
    case 'number':
      return kind.form === 'integer' ? 'N' : kind.form === 'octal' ? 'OCTAL' : 'BYTES';
    case 'enum':
    case 'flags':
      return kind.values.join('|');
    case 'retention':
      return 'DURATION|BYTES';
    default:
      return 'VALUE';
  }
}

/** A default as a config file line takes it: an empty one is `""`, a multi-word one stays as words. */
function shownDefault(spec: OptionSpec): string {
  if (spec.shownDefault !== undefined) return `<${spec.shownDefault}>`;
  const value = typeof spec.default === 'string' ? spec.default : spec.default();
  return value === '' ? '""' : value;
}

/** The options in the table's order, cut into runs that share one meaning (Redis's accepted-only ones). */
function runsOfSameDoc(): OptionSpec[][] {
  const runs: OptionSpec[][] = [];
  for (const spec of OPTIONS) {
    const last = runs.at(-1);
    if (last !== undefined && last[0].doc === spec.doc) last.push(spec);
    else runs.push([spec]);
  }
  return runs;
}

export function helpText(): string {
  const lines = [
    'Usage: eddy [/path/to/eddy.conf] [--name value ...]',
    '       eddy --test-config /path/to/eddy.conf [--name value ...]   (check the options, exit 0 or 1)',
    '       eddy --version | --help',
    '',
    'Options (a config file line `name value` or a flag `--name value`; the flag wins):',
  ];
  for (const run of runsOfSameDoc()) {
    if (run.length > 1) lines.push('', `  ${run[0].doc}`);
    for (const spec of run) {
      const alias = spec.alias === undefined ? '' : ` (or --${spec.alias})`;
      const meaning = run.length > 1 ? '' : `\n      ${spec.doc}`;
      lines.push(`  --${spec.name} ${valueShape(spec.kind)}${alias}   default: ${shownDefault(spec)}${meaning}`);
    }
  }
  return lines.join('\n');
}

export function exampleConfigFile(): string {
  const lines = [
    "# Eddy's configuration file, in redis.conf's syntax: one `name value` per line, `#` starts a comment.",
    '#',
    '#   eddy /path/to/eddy.conf [--name value ...]    flags given after the file override it',
    '#   eddy --test-config /path/to/eddy.conf         checks the file and exits 0 (or 1, with the reason)',
    '#',
    '# Every option is listed with its default, commented out: remove the `# ` to change one.',
    '# Written from src/config/option-table.ts (`npm run eddy-conf`); `eddy --help` lists the same.',
  ];
  for (const run of runsOfSameDoc()) {
    lines.push('', `# ${run[0].doc}`);
    for (const spec of run) lines.push(`# ${spec.name} ${shownDefault(spec)}`);
  }
  return `${lines.join('\n')}\n`;
}
