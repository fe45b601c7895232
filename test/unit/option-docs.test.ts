import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/config.js';
import { exampleConfigFile, helpText } from '../../src/config/option-docs.js';
import { ACCEPTED_DOC, ACCEPTED_ONLY_NAMES, OPTIONS } from '../../src/config/option-table.js';
import { splitInlineArgs } from '../../src/protocols/resp/inline-args.js';

const EDDY_CONF = resolve(import.meta.dirname, '../../eddy.conf');

describe('the option table written out: eddy --help and eddy.conf', () => {
  it('eddy.conf at the repository root is the one the option table writes (run `npm run eddy-conf` after changing the table)', () => {
    expect(readFileSync(EDDY_CONF, 'utf8')).toBe(exampleConfigFile());
  });

  it("every option Eddy honours has its own line of meaning; only Redis's accepted-only ones share one", () => {
    for (const spec of OPTIONS) {
      expect(spec.doc.length, spec.name).toBeGreaterThan(0);
      expect(spec.doc.includes('\n'), spec.name).toBe(false);
      expect(spec.doc === ACCEPTED_DOC, spec.name).toBe(ACCEPTED_ONLY_NAMES.includes(spec.name));
    }
  });

  it('eddy.conf names every option once, and with its lines uncommented sets every option to its default', () => {
    const lines = readFileSync(EDDY_CONF, 'utf8')
      .split('\n')
      .filter((line) => /^# [a-z0-9_-]+ /.test(line) && Config.isOption(line.split(' ')[1]));
    expect(lines.map((line) => line.split(' ')[1]).sort()).toEqual(OPTIONS.map((spec) => spec.name).sort());
    const fromFile = new Config();
    const defaults = new Config();
    for (const line of lines) {
      const [name, ...values] = splitInlineArgs(line.slice(2)) as string[];
      // The machine's own default (the number of CPUs) is shown as words, not as a value.
      if (OPTIONS.find((spec) => spec.name === name)?.shownDefault !== undefined) continue;
      fromFile.set(name, values.join(' '));
      expect(fromFile.get(name), name).toBe(defaults.get(name));
    }
  });

  it('--help shows every option with its default, and the meaning of each one Eddy honours', () => {
    const help = helpText();
    for (const spec of OPTIONS) {
      const shown = spec.shownDefault === undefined ? (spec.default === '' ? '""' : String(spec.default)) : `<${spec.shownDefault}>`;
      expect(help, spec.name).toMatch(new RegExp(`^  --${spec.name} .*default: ${shown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
      expect(help).toContain(spec.doc);
    }
  });
});
