import { hasKeyFinder, movableKeyPositions } from '../shards/movable-keys.js';
import { allCommands, findCommand } from '../session/command-registry.js';
import { arityAccepts, resolveSubcommand, type CommandRow, type CommandSpec } from '../session/command-spec.js';
import { keyPositions } from '../shards/router.js';
import type { Client } from '../session/client.js';
import { globMatcher } from '../formats/glob.js';
import { ErrorReply, MapReply, SetReply, StatusReply, helpReply, type Reply } from '../replies/reply.js';

/** COMMAND and its subcommands: what clients and redis-cli read about the command table. */

/** Redis's documentation group of a command table group. */
const DOCS_GROUP: Readonly<Record<string, string>> = { keyspace: 'generic', sortedset: 'sorted-set' };

/** COMMAND INFO's row: name, arity, flags, keys, ACL categories, tips, key specs, subcommands. */
function infoOf(row: CommandRow, subcommands?: Iterable<CommandRow>): Reply {
  return [
    row.name,
    row.arity,
    new SetReply(row.flags.map((flag) => new StatusReply(flag))),
    row.firstKey,
    row.lastKey,
    row.step,
    new SetReply(row.categories.map((category) => new StatusReply(category))),
    new SetReply([]),
    [],
    [...(subcommands ?? [])].map((subcommand) => infoOf(subcommand)),
  ];
}

function docsOf(row: CommandRow, group: string, subcommands?: Iterable<CommandRow>): Reply {
  const fields: [string, Reply][] = [
    ['summary', row.summary],
    ['since', '1.0.0'],
    ['group', DOCS_GROUP[group] ?? group],
  ];
  const subs = [...(subcommands ?? [])];
  if (subs.length > 0) fields.push(['subcommands', new MapReply(subs.map((subcommand) => [subcommand.name, docsOf(subcommand, group)]))]);
  return new MapReply(fields);
}

/** Each subcommand once (the table keeps them under lower- and upper-case names). */
function subcommandsOf(spec: CommandSpec): CommandRow[] {
  return spec.subcommands === undefined ? [] : [...new Set(spec.subcommands.values())];
}

/** A command or a subcommand by name, `config` or `config|get`, as Redis's COMMAND INFO looks them up. */
function findRow(name: string): { row: CommandRow; spec: CommandSpec } | undefined {
  const [container, sub] = name.split('|');
  const spec = findCommand(container);
  if (spec === undefined) return undefined;
  if (sub === undefined) return { row: spec, spec };
  const row = spec.subcommands?.get(sub) ?? spec.subcommands?.get(sub.toLowerCase());
  return row === undefined ? undefined : { row, spec };
}

export function command(client: Client, args: string[]): Reply {
  if (args.length === 1) return allCommands().map((spec) => infoOf(spec, subcommandsOf(spec)));
  const sub = args[1].toUpperCase();
  const named = args.slice(2);
  switch (sub) {
    case 'COUNT':
      return allCommands().length;
    case 'INFO': {
      if (named.length === 0) return allCommands().map((spec) => infoOf(spec, subcommandsOf(spec)));
      return named.map((name) => {
        const found = findRow(name);
        return found === undefined ? null : infoOf(found.row, found.row === found.spec ? subcommandsOf(found.spec) : []);
      });
    }
    case 'DOCS': {
      const found = named.length === 0 ? allCommands().map((spec) => ({ row: spec as CommandRow, spec })) : named.map(findRow).filter((row) => row !== undefined);
      return new MapReply(found.map(({ row, spec }) => [row.name, docsOf(row, spec.group, row === spec ? subcommandsOf(spec) : [])]));
    }
    case 'LIST': {
      let specs = allCommands();
      if (named.length === 3 && named[0].toUpperCase() === 'FILTERBY') {
        const kind = named[1].toUpperCase();
        const value = named[2];
        if (kind === 'PATTERN') specs = specs.filter((spec) => globMatcher(value, true)(spec.name));
        else if (kind === 'ACLCAT') specs = specs.filter((spec) => spec.categories.includes(`@${value.toLowerCase()}`));
        else if (kind !== 'MODULE') return new ErrorReply('ERR syntax error');
        else specs = [];
      }
      return specs.map((spec) => spec.name);
    }
    case 'GETKEYS': {
      const spec = findCommand(named[0]);
      const resolved = spec === undefined ? undefined : resolveSubcommand(spec, named);
      if (spec === undefined || resolved === undefined) return new ErrorReply('ERR Invalid command specified');
      if (!arityAccepts(resolved.arity, named.length)) return new ErrorReply('ERR Invalid number of arguments specified for command');
      if (hasKeyFinder(resolved.name)) {
        const found = movableKeyPositions(resolved.name, named) ?? [];
        if (found.length === 0 && !resolved.flags.includes('no_mandatory_keys')) return new ErrorReply('ERR Invalid arguments specified for command');
        return found.map((i) => named[i]);
      }
      const positions = keyPositions(resolved, named.length);
      if (positions.length === 0) return new ErrorReply('ERR The command has no key arguments');
      return positions.map((i) => named[i]);
    }
    default: // HELP: the command table refuses other subcommands
      return helpReply('COMMAND', [
        '(no subcommand)',
        'COUNT',
        'INFO [<command-name> ...]',
        'DOCS [<command-name> ...]',
        'LIST [FILTERBY (MODULE|ACLCAT|PATTERN) <value>]',
        'GETKEYS <full-command>',
      ]);
  }
}
