import { readFileSync } from 'node:fs';
import { Config } from '../config/config.js';
import { ConfigError } from '../config/option-values.js';
import { splitInlineArgs } from '../protocols/resp/inline-args.js';

/**
 * Reads the server's options as Redis does: an optional config file first (redis.conf syntax:
 * `name value` per line, `#` comments), then `--name value` flags that override it.
 */
export interface CommandLine {
  config: Config;
  configFile: string;
}

function setOption(config: Config, name: string, values: string[], where: string): void {
  try {
    config.set(name, values.join(' '));
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${where}: ${error.message.startsWith('unknown') ? error.message : `'${name}' ${error.message}`}`);
    throw error;
  }
}

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const config = new Config();
  let configFile = '';
  let i = 0;
  if (argv.length > 0 && !argv[0].startsWith('--')) {
    configFile = argv[0];
    i = 1;
    let text: string;
    try {
      text = readFileSync(configFile, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read config file '${configFile}': ${(error as Error).message}`);
    }
    text.split(/\r?\n/).forEach((line, index) => {
      // A comment is skipped before it is split, as redis.conf's: its quotes need not balance.
      if (line.trim().startsWith('#')) return;
      const words = splitInlineArgs(line.trim());
      const where = `${configFile} line ${index + 1}`;
      if (words === null) throw new ConfigError(`${where}: unbalanced quotes`);
      if (words.length === 0) return;
      if (words[0].toLowerCase() === 'user') config.userLines.push({ words, where });
      else setOption(config, words[0], words.slice(1), where);
    });
  }
  while (i < argv.length) {
    const flag = argv[i];
    if (!flag.startsWith('--') || flag.length === 2) throw new ConfigError(`unexpected argument '${flag}' (options are --name value)`);
    const values: string[] = [];
    for (i++; i < argv.length && !argv[i].startsWith('--'); i++) values.push(argv[i]);
    if (flag === '--user') config.userLines.push({ words: ['user', ...values], where: 'command line' });
    else setOption(config, flag.slice(2), values, 'command line');
  }
  return { config, configFile };
}
