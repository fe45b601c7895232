import { allCommands, findCommand } from '../session/command-registry.js';
import { arityAccepts, resolveSubcommand, type CommandSpec } from '../session/command-spec.js';
import { keyPositions } from '../shards/router.js';
import type { Client } from '../session/client.js';
import { globMatcher } from '../formats/glob.js';
import { ErrorReply, MapReply, SetReply, StatusReply, helpReply, type Reply } from '../replies/reply.js';

/** COMMAND and its subcommands: what clients and redis-cli read about the command table. */

function infoOf(spec: CommandSpec): Reply {
  return [
    spec.name,
    spec.arity,
    new SetReply(spec.flags.map((flag) => new StatusReply(flag))),
    spec.firstKey,
    spec.lastKey,
    spec.step,
    new SetReply([new StatusReply(`@${spec.group}`)]),
    new SetReply([]),
    [],
    [],
  ];
}

function docsOf(spec: CommandSpec): Reply {
  return new MapReply([
    ['summary', spec.summary],
    ['since', '1.0.0'],
    ['group', spec.group],
  ]);
}

export function command(client: Client, args: string[]): Reply {
  if (args.length === 1) return allCommands().map(infoOf);
  const sub = args[1].toUpperCase();
  const named = args.slice(2);
  switch (sub) {
    case 'COUNT':
      return allCommands().length;
    case 'INFO':
      return (named.length === 0 ? allCommands() : named.map(findCommand)).map((spec) => (spec ? infoOf(spec) : null));
    case 'DOCS': {
      const specs = named.length === 0 ? allCommands() : named.map(findCommand).filter((spec) => spec !== undefined);
      return new MapReply(specs.map((spec) => [spec.name, docsOf(spec)]));
    }
    case 'LIST': {
      let specs = allCommands();
      if (named.length === 3 && named[0].toUpperCase() === 'FILTERBY') {
        const kind = named[1].toUpperCase();
        const value = named[2];
        if (kind === 'PATTERN') specs = specs.filter((spec) => globMatcher(value, true)(spec.name));
        else if (kind === 'ACLCAT') specs = specs.filter((spec) => spec.group === value.toLowerCase());
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
      const positions = keyPositions(spec, named.length);
      if (positions.length === 0) return new ErrorReply('ERR The command has no key arguments');
      return positions.map((i) => named[i]);
    }
    default: // HELP: the command table refuses other subcommands
      return helpReply('COMMAND', ['(no subcommand)', 'COUNT', 'INFO [<command-name> ...]', 'DOCS [<command-name> ...]', 'LIST [FILTERBY (MODULE|ACLCAT|PATTERN) <value>]', 'GETKEYS <full-command>']);
  }
}
