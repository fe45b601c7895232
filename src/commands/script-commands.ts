import { notedAclDenial } from '../session/acl-check.js';
import { createHash } from 'node:crypto';
import type { ScriptJob } from '../scripting/script-host.js';
import { isScriptError, scriptError, type ScriptValue } from '../scripting/script-value.js';
import type { ScriptProgram } from '../scripting/script-program.js';
import type { Shard } from '../shards/shard.js';
import { parseInteger } from './arguments.js';
import { Client } from '../session/client.js';
import { execute } from '../session/execution.js';
import { waitForScript } from '../session/script-wait.js';
import { findCommand } from '../session/command-registry.js';
import { arityAccepts, Flag, resolveSubcommand } from '../session/command-spec.js';
import { keyPositions } from '../shards/router.js';
import { NOT_AN_INTEGER, READONLY } from '../replies/errors.js';
import { TOO_MANY_KEYS } from './numkeys.js';
import { PendingReply } from '../replies/pending-reply.js';
import { ErrorReply, OK, helpReply, type Reply } from '../replies/reply.js';
import { replyOfScriptValue, scriptValueOf } from './script-replies.js';
import type { ServerContext } from '../session/server-context.js';
import { slotOf } from '../shards/slot.js';

/**
 * Lua scripting: EVAL and kin run a script as a job on the shards of its declared keys (every shard
 * when it declares none). While it runs nothing else touches those shards; its writes reach the log
 * as effects, in one transaction, and a replay never runs the script again.
 */

const NOSCRIPT = new ErrorReply('NOSCRIPT No matching script. Please use EVAL.');
const NEGATIVE_KEYS = new ErrorReply("ERR Number of keys can't be negative");
const NOT_BUSY = new ErrorReply('NOTBUSY No scripts in execution right now.');
const UNKILLABLE = new ErrorReply(
  'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
);
const OVERRAN_IN_EXEC = 'ERR script ran past busy-reply-threshold inside a transaction and was stopped';
export const ENGINE_NOT_READY = new ErrorReply('ERR the scripting engine is still starting; run the transaction again');
/** How long a script may keep the event loop waiting before it goes on in the background. */
const SYNC_BUDGET_MS = 2;

export function sha1Hex(source: string): string {
  return createHash('sha1').update(Buffer.from(source, 'latin1')).digest('hex');
}

/** The client scripts' commands run as: one per server, in the caller's database. */
const scriptClients = new WeakMap<ServerContext, Client>();

function scriptClientOf(server: ServerContext): Client {
  let client = scriptClients.get(server);
  if (client === undefined) {
    client = new Client(server, { remoteAddress: '', localAddress: '', close: () => undefined, push: () => true });
    client.authenticated = true;
    // Blocking commands answer at once inside scripts, as inside MULTI.
    client.inTransaction = true;
    client.name = 'lua';
    client.isScript = true;
    scriptClients.set(server, client);
  }
  return client;
}

/** A script or a function to run, with its keys and arguments. */
export interface ProgramRequest {
  program: ScriptProgram;
  keys: string[];
  argv: string[];
  /** EVAL_RO, FCALL_RO and no-writes functions: write commands are refused. */
  readOnly: boolean;
}

export const evalScript = (client: Client, args: string[]) => evalCommand(client, args, false, false);
export const evalReadOnly = (client: Client, args: string[]) => evalCommand(client, args, false, true);
export const evalSha = (client: Client, args: string[]) => evalCommand(client, args, true, false);
export const evalShaReadOnly = (client: Client, args: string[]) => evalCommand(client, args, true, true);

/** `numkeys key ... arg ...` from `at` (EVAL, FCALL): the keys and the arguments. */
export function keysAndArguments(args: string[], at: number): { keys: string[]; argv: string[] } | ErrorReply {
  const numKeys = parseInteger(args[at]);
  if (numKeys === null) return NOT_AN_INTEGER;
  if (numKeys < 0) return NEGATIVE_KEYS;
  if (numKeys > args.length - at - 1) return TOO_MANY_KEYS;
  return { keys: args.slice(at + 1, at + 1 + numKeys), argv: args.slice(at + 1 + numKeys) };
}

function evalCommand(client: Client, args: string[], bySha: boolean, readOnly: boolean): Reply | PendingReply {
  const parsed = keysAndArguments(args, 2);
  if (parsed instanceof ErrorReply) return parsed;
  const sources = client.server.scriptSources;
  const sha = bySha ? args[1].toLowerCase() : sha1Hex(args[1]);
  const source = bySha ? sources.get(sha) : args[1];
  if (source === undefined) return NOSCRIPT;
  // EVAL keeps its script for EVALSHA, unless it does not compile.
  sources.set(sha, source);
  return runProgram(
    client,
    { program: { kind: 'script', sha, source }, ...parsed, readOnly },
    () => evalCommand(client, args, bySha, readOnly),
    (value) => {
      if (isScriptError(value) && value.err.startsWith('ERR Error compiling script')) sources.delete(sha);
    },
  );
}

/**
 * Runs a script or function as a job holding the shards of its keys (every shard when it declares
 * none), in order; `retry` dispatches the command again after a busy script; `inspect` sees the
 * result before it becomes the reply.
 */
export function runProgram(client: Client, request: ProgramRequest, retry: () => Reply | PendingReply, inspect?: (value: ScriptValue) => void): Reply | PendingReply {
  const store = client.server.store;
  const shards = request.keys.length === 0 ? store.shards : [...new Set(request.keys.map((key) => store.shardOf(key)))].sort((a, b) => a.id - b.id);
  const waiting = waitForScript(
    client,
    shards.map((shard) => shard.id),
    retry,
  );
  if (waiting !== undefined) return waiting;
  const settle = (result: ScriptValue | Promise<ScriptValue>): Reply | PendingReply => settleRun(result, inspect);
  // Inside EXEC the transaction holds every shard its commands touch and answers at once: the
  // script runs there and then, to its end.
  const scripts = client.server.scripts;
  if (client.inTransaction) {
    const result = scripts.runNow(scriptJob(client, request, shards, false), client.server.config.int('busy-reply-threshold'), OVERRAN_IN_EXEC);
    return result === undefined ? ENGINE_NOT_READY : settle(result);
  }
  if (shards.every((shard) => shard.queue.tryAcquire() || undo(shards, shard))) return settle(scripts.run(scriptJob(client, request, shards, true), SYNC_BUDGET_MS));
  const pending = new PendingReply();
  const runOnceHeld = async (): Promise<Reply | PendingReply> => {
    for (const shard of shards) await shard.queue.acquire();
    return settle(scripts.run(scriptJob(client, request, shards, true), SYNC_BUDGET_MS));
  };
  runOnceHeld().then(
    (outcome) => (outcome instanceof PendingReply ? outcome.onSettled((reply) => pending.resolve(reply)) : pending.resolve(outcome)),
    (error: unknown) => pending.resolve(internalError(client, error)),
  );
  return pending;
}

function internalError(client: Client, error: unknown): ErrorReply {
  client.server.hooks.internalError(error, 'script');
  return new ErrorReply('ERR internal error running the script');
}

/** tryAcquire failed on `failed`: gives back the shards taken before it. */
function undo(shards: readonly Shard[], failed: Shard): false {
  for (const shard of shards) {
    if (shard === failed) break;
    shard.queue.release();
  }
  return false;
}

/** The job a run is: `release` gives the shards back as it ends (EXEC keeps holding its own). */
function scriptJob(client: Client, request: ProgramRequest, shards: readonly Shard[], release: boolean): ScriptJob {
  const server = client.server;
  const store = server.store;
  const held = new Set(shards.map((shard) => shard.id));
  const scriptClient = scriptClientOf(server);
  // Whether the script called a write command (SCRIPT KILL then refuses); an expired key its read
  // removed does not count, as in Redis.
  let wroteCommand = false;
  return {
    program: request.program,
    keys: request.keys,
    argv: request.argv,
    shards: held,
    begin: () => {
      scriptClient.db = client.db;
      // A script's commands run with its caller's permissions.
      scriptClient.user = client.user;
      // One time for the whole run, as Redis freezes it for a script: inside EXEC, the transaction's.
      scriptClient.now = client.inTransaction ? client.now : Date.now();
      store.captureWrites(shards);
      server.tracing?.scriptStarted(client, request.program);
    },
    call: (args, resp) => callFromScript(scriptClient, args, resp, request.readOnly, held, () => (wroteCommand = true)),
    wrote: () => wroteCommand,
    end: () => {
      server.tracing?.scriptEnded();
      store.appendCaptured();
      if (release) for (const shard of shards) shard.queue.release();
      if (server.blocking.hasReady) server.blocking.serveReady();
    },
  };
}

/** A run's result as its client's reply. */
function settleRun(result: ScriptValue | Promise<ScriptValue>, inspect: ((value: ScriptValue) => void) | undefined): Reply | PendingReply {
  const reply = (value: ScriptValue): Reply => {
    inspect?.(value);
    return replyOfScriptValue(value);
  };
  return result instanceof Promise ? PendingReply.from(result.then(reply)) : reply(result);
}

/** Redis 7.0's words for a script's command its user may not run. */
const SCRIPT_DENIALS = {
  command: "The user executing the script can't run this command or subcommand",
  key: "The user executing the script can't access at least one of the keys mentioned in the command arguments",
  channel: "The user executing the script can't publish to the channel mentioned in the command",
} as const;

/** redis.call from a script: Redis's checks for scripts, then the command as any client runs it. */
function callFromScript(scriptClient: Client, args: string[], resp: 2 | 3, readOnly: boolean, held: ReadonlySet<number>, writing: () => void): ScriptValue {
  const spec = findCommand(args[0]);
  const command = spec === undefined ? undefined : resolveSubcommand(spec, args);
  if (spec === undefined || command === undefined) return scriptError('ERR Unknown Redis command called from script');
  if (!arityAccepts(command.arity, args.length)) return scriptError('ERR Wrong number of args calling Redis command from script');
  if (((spec.flagBits | command.flagBits) & Flag.noscript) !== 0) return scriptError('ERR This Redis command is not allowed from script');
  const denial = notedAclDenial(scriptClient, command, args, 'lua');
  if (denial !== undefined) return scriptError(`ERR ${SCRIPT_DENIALS[denial.reason]}`);
  const writes = (spec.flagBits & Flag.write) !== 0;
  if (readOnly && writes) return scriptError('ERR Write commands are not allowed from read-only scripts.');
  const server = scriptClient.server;
  if (writes && !server.store.log.lastWriteOk) return scriptError(`MISCONF Errors writing to the AOF file: ${server.store.log.lastWriteError}`);
  if (writes && server.replication.isReplica) return scriptError(READONLY.message);
  const store = server.store;
  const cluster = server.cluster;
  for (const position of keyPositions(spec, args.length)) {
    // In a cluster, a script runs on the node of its declared keys' slot: any key it touches must be served here (Redis's scriptVerifyClusterState).
    if (cluster !== undefined && cluster.layout.ownerOf(slotOf(args[position])) !== cluster.self.id)
      return scriptError('ERR Script attempted to access a non local key in a cluster node');
    if (!held.has(store.shardOf(args[position]).id))
      return scriptError(`ERR Script attempted to access key '${args[position]}' on a shard its declared keys do not cover: declare every key the script uses in KEYS`);
  }
  if (spec.firstKey === 0 && writes && held.size < store.shards.length)
    return scriptError(`ERR Script attempted '${spec.name}', which writes every shard, while holding only the shards of its keys: declare no keys to hold them all`);
  scriptClient.resp = resp;
  if (writes) writing();
  server.stats.commandsProcessed++;
  const reply = execute(scriptClient, spec, args);
  if (reply instanceof PendingReply) return scriptError('ERR This Redis command is not allowed from script');
  return scriptValueOf(reply, resp);
}

/** SCRIPT LOAD | EXISTS | FLUSH | KILL | HELP (the command table has refused any other subcommand). */
export function script(client: Client, args: string[]): Reply | PendingReply {
  const sub = args[1].toUpperCase();
  const server = client.server;
  if (sub === 'LOAD') return loadScript(server, args[2]);
  if (sub === 'EXISTS') return args.slice(2).map((sha) => (server.scriptSources.has(sha.toLowerCase()) ? 1 : 0));
  if (sub === 'FLUSH') {
    if (args.length > 3 || (args.length === 3 && !['ASYNC', 'SYNC'].includes(args[2].toUpperCase()))) return new ErrorReply('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
    server.scriptSources.clear();
    server.scripts.flush();
    return OK;
  }
  if (sub === 'KILL') {
    const outcome = server.scripts.kill();
    return outcome === 'not-busy' ? NOT_BUSY : outcome === 'unkillable' ? UNKILLABLE : OK;
  }
  return helpReply('SCRIPT', [
    'EXISTS <sha1> [<sha1> ...]',
    '    Return information about the existence of the scripts in the script cache.',
    'FLUSH [ASYNC|SYNC]',
    '    Flush the Lua scripts cache.',
    'KILL',
    '    Kill the currently executing Lua script.',
    'LOAD <script>',
    '    Load a script into the scripts cache without executing it.',
  ]);
}

/** SCRIPT LOAD (also HTTP POST /scripts): compiles, keeps, answers the sha. */
export function loadScript(server: ServerContext, source: string): Reply | PendingReply {
  const sha = sha1Hex(source);
  const compiled = server.scripts.compile(sha, source);
  const reply = (error: string | undefined): Reply => {
    if (error !== undefined) return new ErrorReply(error);
    server.scriptSources.set(sha, source);
    return sha;
  };
  if (!(compiled instanceof Promise)) return reply(compiled);
  const pending = new PendingReply();
  void compiled.then((error) => pending.resolve(reply(error)));
  return pending;
}
