import { pack, unpack } from 'msgpackr';
import { FUNCTIONS_DB } from '../projections/shard-state.js';
import type { RegisteredFunction } from '../scripting/lua-runtime.js';
import type { Client } from '../session/client.js';
import { printedArgument, subcommandSyntaxError } from '../replies/errors.js';
import { globMatches } from '../formats/glob.js';
import { PendingReply } from '../replies/pending-reply.js';
import { ErrorReply, MapReply, OK, SetReply, helpReply, type Reply } from '../replies/reply.js';
import { ENGINE_NOT_READY, keysAndArguments, runProgram, script } from './script-commands.js';
import type { ServerContext } from '../session/server-context.js';
import type { WriteContext } from '../shards/store.js';

/**
 * Functions (Redis 7): FUNCTION LOAD keeps a `#!lua name=<library>` library whose code registers
 * functions with redis.register_function; FCALL runs one as a script job. Libraries are stored as
 * keys of the functions keyspace (see FUNCTIONS_DB), so they survive restarts and reach followers.
 */

interface FunctionEntry {
  library: string;
  code: string;
  flags: readonly string[];
}

const DUMP_MAGIC = 'EDDYFN1';
const NOT_FOUND = new ErrorReply('ERR Function not found');
const WRITE_FLAG_ON_RO = new ErrorReply('ERR Can not execute a script with write flag using *_ro command.');
const BAD_PAYLOAD = new ErrorReply('ERR payload version or checksum are wrong');

/** The libraries the projection holds: name -> code. */
function librariesOf(server: ServerContext): Map<string, string> {
  const libraries = new Map<string, string>();
  for (const ks of server.store.keyspaces(FUNCTIONS_DB)) for (const [name, code] of ks.data) libraries.set(name, code as string);
  return libraries;
}

/** What each library's code registers, worked out once by the Lua runtime. */
const registrations = new WeakMap<ServerContext, Map<string, RegisteredFunction[]>>();

/**
 * The functions of every library: name -> library, code, flags. A library the runtime has not seen
 * yet is loaded first; the index comes at once when the runtime could load them at once (so FCALL
 * can answer inside EXEC).
 */
function functionIndex(server: ServerContext): Map<string, FunctionEntry> | Promise<Map<string, FunctionEntry>> {
  let known = registrations.get(server);
  if (known === undefined) registrations.set(server, (known = new Map()));
  const libraries = librariesOf(server);
  for (const [library, code] of libraries) {
    if (known.has(code)) continue;
    const outcome = server.scripts.loadLibrary(library, code);
    const record = (loaded: Awaited<typeof outcome>): void => void known.set(code, 'functions' in loaded ? loaded.functions : []);
    if (outcome instanceof Promise) return outcome.then((loaded) => (record(loaded), functionIndex(server)));
    record(outcome);
  }
  const index = new Map<string, FunctionEntry>();
  for (const [library, code] of libraries) for (const fn of known.get(code) ?? []) index.set(fn.name, { library, code, flags: fn.flags });
  return index;
}

/** The library name from the `#!lua name=<name>` first line, as Redis checks it. */
export function libraryName(code: string): string | ErrorReply {
  if (!code.startsWith('#!')) return new ErrorReply('ERR Missing library metadata');
  const [engine, ...fields] = code.slice(2).split('\n', 1)[0].trim().split(/\s+/);
  if (engine.toLowerCase() !== 'lua') return new ErrorReply(`ERR Engine '${engine}' not found`);
  let name: string | undefined;
  for (const field of fields) {
    if (!field.startsWith('name=')) return new ErrorReply(`ERR Invalid metadata value given: ${field}`);
    name = field.slice(5);
  }
  if (name === undefined) return new ErrorReply('ERR Library name was not given');
  if (!/^\w+$/.test(name)) return new ErrorReply('ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long');
  return name;
}

export const fcall = (client: Client, args: string[]) => callFunction(client, args, false);
export const fcallReadOnly = (client: Client, args: string[]) => callFunction(client, args, true);

function callFunction(client: Client, args: string[], readOnlyCommand: boolean): Reply | PendingReply {
  const parsed = keysAndArguments(args, 2);
  if (parsed instanceof ErrorReply) return parsed;
  const callFrom = (index: Map<string, FunctionEntry>): Reply | PendingReply => {
    const entry = index.get(args[1]);
    if (entry === undefined) return NOT_FOUND;
    const noWrites = entry.flags.includes('no-writes');
    if (readOnlyCommand && !noWrites) return WRITE_FLAG_ON_RO;
    const program = { kind: 'function', library: entry.library, code: entry.code, name: args[1] } as const;
    return runProgram(client, { program, ...parsed, readOnly: noWrites || readOnlyCommand }, () => callFunction(client, args, readOnlyCommand));
  };
  const index = functionIndex(client.server);
  if (!(index instanceof Promise)) return callFrom(index);
  // EXEC answers at once: it cannot wait for the runtime to load a library.
  if (client.inTransaction) return ENGINE_NOT_READY;
  return PendingReply.from(index.then(callFrom));
}

/** FUNCTION LOAD | DELETE | FLUSH | LIST | DUMP | RESTORE | KILL | STATS | HELP */
export function functionCommand(client: Client, args: string[]): Reply | PendingReply {
  const server = client.server;
  const sub = args[1].toUpperCase();
  switch (sub) {
    case 'LOAD': {
      // Every argument before the code must be REPLACE (Redis takes it repeated).
      for (let i = 2; i < args.length - 1; i++) if (args[i].toUpperCase() !== 'REPLACE') return new ErrorReply(`ERR Unknown option given: ${printedArgument(args[i])}`);
      return PendingReply.from(loadLibrary(server, args[args.length - 1], args.length > 3));
    }
    case 'DELETE': {
      if (!librariesOf(server).has(args[2])) return new ErrorReply('ERR Library not found');
      server.store.delete(FUNCTIONS_DB, args[2], client);
      return OK;
    }
    case 'FLUSH':
      if (args.length > 3) return subcommandSyntaxError('function', args[1]);
      if (args.length === 3 && !['ASYNC', 'SYNC'].includes(args[2].toUpperCase())) return new ErrorReply('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
      deleteAll(server, client);
      return OK;
    case 'LIST':
      return listLibraries(client, args);
    case 'DUMP':
      return DUMP_MAGIC + pack([...librariesOf(server)]).toString('latin1');
    case 'RESTORE':
      return restoreLibraries(server, args);
    case 'KILL':
      return script(client, ['SCRIPT', 'KILL']);
    case 'STATS': {
      const running = server.scripts.running;
      const libraries = librariesOf(server);
      return new MapReply([
        [
          'running_script',
          running === undefined
            ? null
            : new MapReply([
                ['name', running.job.program.kind === 'function' ? running.job.program.name : running.job.program.sha],
                ['duration_ms', Math.round(performance.now() - running.startedAt)],
              ]),
        ],
        ['engines', new MapReply([['LUA', new MapReply([['libraries_count', libraries.size]])]])],
      ]);
    }
    default: // HELP: the command table refuses other subcommands
      return helpReply('FUNCTION', [
        'LOAD [REPLACE] <FUNCTION CODE>',
        'DELETE <LIBRARY NAME>',
        'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
        'FLUSH [ASYNC|SYNC]',
        'DUMP',
        'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
        'KILL',
        'STATS',
      ]);
  }
}

function deleteAll(server: ServerContext, context: WriteContext): void {
  server.store.transaction(() => {
    for (const name of librariesOf(server).keys()) server.store.delete(FUNCTIONS_DB, name, context);
  });
}

/**
 * The context of libraries written once they compiled, turns after their command ran: the time they
 * are written at; FUNCTION's row names no events.
 */
function writtenLater(): WriteContext {
  return { now: Date.now(), events: undefined };
}

/** Loads (compiles, registers, checks) a library and keeps it; answers its name. */
async function loadLibrary(server: ServerContext, code: string, replace: boolean): Promise<Reply> {
  const name = libraryName(code);
  if (name instanceof ErrorReply) return name;
  if (librariesOf(server).has(name) && !replace) return new ErrorReply(`ERR Library '${name}' already exists`);
  const outcome = await server.scripts.loadLibrary(name, code);
  if ('error' in outcome) return new ErrorReply(outcome.error);
  if (outcome.functions.length === 0) return new ErrorReply('ERR No functions registered');
  const index = await functionIndex(server);
  for (const fn of outcome.functions) {
    const owner = index.get(fn.name);
    if (owner !== undefined && owner.library !== name) return new ErrorReply(`ERR Function ${fn.name} already exists`);
  }
  registrations.get(server)?.set(code, outcome.functions);
  server.store.writeKey(FUNCTIONS_DB, name, ['put', name, code, 0], writtenLater());
  return name;
}

/** FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]: a map per library, as Redis answers. */
function listLibraries(client: Client, args: string[]): Reply | PendingReply {
  let pattern: string | undefined;
  let withCode = false;
  for (let i = 2; i < args.length; i++) {
    const option = args[i].toUpperCase();
    if (option === 'WITHCODE' && !withCode) withCode = true;
    else if (option === 'LIBRARYNAME' && pattern === undefined) {
      if (i + 1 >= args.length) return new ErrorReply('ERR library name argument was not given');
      pattern = args[++i];
    } else return new ErrorReply(`ERR Unknown argument ${printedArgument(args[i])}`);
  }
  return PendingReply.from(
    Promise.resolve(functionIndex(client.server)).then((index) => {
      const byLibrary = new Map<string, { code: string; functions: [string, FunctionEntry][] }>();
      for (const [name, entry] of index) {
        if (pattern !== undefined && !globMatches(pattern, entry.library)) continue;
        let library = byLibrary.get(entry.library);
        if (library === undefined) byLibrary.set(entry.library, (library = { code: entry.code, functions: [] }));
        library.functions.push([name, entry]);
      }
      return [...byLibrary].map(([library, { code, functions }]) => {
        const fields: [Reply, Reply][] = [
          ['library_name', library],
          ['engine', 'LUA'],
          [
            'functions',
            functions.map(
              ([name, entry]) =>
                new MapReply([
                  ['name', name],
                  ['description', null],
                  ['flags', new SetReply([...entry.flags])],
                ]),
            ),
          ],
        ];
        if (withCode) fields.push(['library_code', code]);
        return new MapReply(fields);
      });
    }),
  );
}

/** FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]: libraries from a FUNCTION DUMP. */
function restoreLibraries(server: ServerContext, args: string[]): Reply | PendingReply {
  if (args.length > 4) return subcommandSyntaxError('function', args[1]);
  const policy = args.length === 4 ? args[3].toUpperCase() : 'APPEND';
  if (!['FLUSH', 'APPEND', 'REPLACE'].includes(policy)) return new ErrorReply('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
  let restored: [string, string][];
  try {
    if (!args[2].startsWith(DUMP_MAGIC)) return BAD_PAYLOAD;
    restored = unpack(Buffer.from(args[2].slice(DUMP_MAGIC.length), 'latin1')) as [string, string][];
    if (!Array.isArray(restored) || !restored.every((entry) => Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'string')) return BAD_PAYLOAD;
  } catch {
    return BAD_PAYLOAD;
  }
  return PendingReply.from(
    (async () => {
      const existing = librariesOf(server);
      if (policy === 'APPEND') for (const [name] of restored) if (existing.has(name)) return new ErrorReply(`ERR Library ${name} already exists`);
      for (const [name, code] of restored) {
        const outcome = await server.scripts.loadLibrary(name, code);
        if ('error' in outcome) return new ErrorReply(outcome.error);
      }
      const context = writtenLater();
      server.store.transaction(() => {
        if (policy === 'FLUSH') deleteAll(server, context);
        for (const [name, code] of restored) server.store.writeKey(FUNCTIONS_DB, name, ['put', name, code, 0], context);
      });
      return OK;
    })(),
  );
}
