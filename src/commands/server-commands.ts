import { parseInteger } from './arguments.js';
import type { Client } from '../session/client.js';
import { ConfigError } from '../config/option-values.js';
import { DB_INDEX_OUT_OF_RANGE, NOT_AN_INTEGER, SYNTAX_ERROR } from '../replies/errors.js';
import { infoText } from './info-sections.js';
import { PendingReply } from '../replies/pending-reply.js';
import { ErrorReply, MapReply, OK, StatusReply, VerbatimReply, helpReply, type Reply } from '../replies/reply.js';
import { DATABASES } from '../projections/shard-state.js';
import type { EffectOf } from '../log/record.js';
import { REDIS_VERSION } from '../config/version.js';

/** Server commands (Redis's server.c, db.c, config.c). */

export function dbsize(client: Client): Reply {
  return client.server.store.dbSize(client.db);
}

/** FLUSHDB/FLUSHALL take ASYNC or SYNC; both are immediate here (the projection is dropped at once). */
function flushMode(args: string[]): ErrorReply | undefined {
  if (args.length > 2) return SYNTAX_ERROR;
  if (args.length === 2 && !['ASYNC', 'SYNC'].includes(args[1].toUpperCase())) return SYNTAX_ERROR;
  return undefined;
}

/** Writes one effect to every shard, as one transaction (FLUSHDB, FLUSHALL, SWAPDB). */
function writeEverywhere(client: Client, db: number, effect: EffectOf<'flushdb' | 'flushall' | 'swapdb'>): void {
  const store = client.server.store;
  store.transaction(() => {
    for (const shard of store.shards) store.write(shard, db, effect, client);
  });
}

export function flushdb(client: Client, args: string[]): Reply {
  const error = flushMode(args);
  if (error) return error;
  writeEverywhere(client, client.db, ['flushdb']);
  return OK;
}

export function flushall(client: Client, args: string[]): Reply {
  const error = flushMode(args);
  if (error) return error;
  writeEverywhere(client, 0, ['flushall']);
  return OK;
}

export function swapdb(client: Client, args: string[]): Reply {
  const a = parseInteger(args[1]);
  const b = parseInteger(args[2]);
  if (a === null) return new ErrorReply('ERR invalid first DB index');
  if (b === null) return new ErrorReply('ERR invalid second DB index');
  if (a < 0 || a >= DATABASES || b < 0 || b >= DATABASES) return DB_INDEX_OUT_OF_RANGE;
  if (a !== b) writeEverywhere(client, 0, ['swapdb', a, b]);
  return OK;
}

export function time(): Reply {
  const micros = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
  return [String(micros / 1_000_000n), String(micros % 1_000_000n)];
}

export function lastsave(client: Client): Reply {
  return client.server.checkpointer.lastSaveSeconds;
}

/** SAVE: a checkpoint of every shard, answered when it is complete (writes go on meanwhile). */
export function save(client: Client): Reply | PendingReply {
  return PendingReply.from(client.server.checkpointer.checkpoint().then(() => OK));
}

const BGSAVE_RUNNING = new ErrorReply('ERR Background save already in progress');

export function bgsave(client: Client, args: string[]): Reply {
  if (args.length > 2 || (args.length === 2 && args[1].toUpperCase() !== 'SCHEDULE')) return SYNTAX_ERROR;
  const checkpointer = client.server.checkpointer;
  if (checkpointer.inProgress) return args.length === 2 ? new StatusReply('Background saving scheduled') : BGSAVE_RUNNING;
  client.server.hooks.background(checkpointer.checkpoint(), 'checkpoint');
  return new StatusReply('Background saving started');
}

/** BGREWRITEAOF: checkpoint now, then drop what retention allows (the log is Eddy's AOF). */
export function bgrewriteaof(client: Client): Reply {
  client.server.hooks.background(client.server.rewriteLog(), 'log rewrite');
  return new StatusReply('Background append only file rewriting started');
}

export function info(client: Client, args: string[]): Reply {
  const text = infoText(client.server, args.slice(1));
  return client.resp === 3 ? new VerbatimReply(text) : text;
}

export function config(client: Client, args: string[]): Reply {
  const sub = args[1].toUpperCase();
  const options = client.server.config;
  if (sub === 'GET') {
    return new MapReply(options.matching(args.slice(2)));
  }
  if (sub === 'SET') {
    if (args.length % 2 !== 0) return SYNTAX_ERROR;
    const pairs: [string, string][] = [];
    for (let i = 2; i < args.length; i += 2) pairs.push([args[i], args[i + 1]]);
    try {
      options.setAtRuntime(pairs);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      if (error.unknown) return new ErrorReply(`ERR Unknown option or number of arguments for CONFIG SET - '${error.option}'`);
      return new ErrorReply(`ERR CONFIG SET failed (possibly related to argument '${error.option}') - ${error.message}`);
    }
    return OK;
  }
  if (sub === 'RESETSTAT') {
    client.server.resetStats();
    return OK;
  }
  // Accepted for Sentinel, which sends it after REPLICAOF: Eddy leaves its config file as written
  // (a follower's primary is REPLICAOF's or --replicaof's, not the file's).
  if (sub === 'REWRITE') return OK;
  return helpReply('CONFIG', [
    'GET <pattern>',
    '    Return parameters matching the glob-like <pattern> and their values.',
    'SET <directive> <value>',
    '    Set the configuration <directive> to <value>.',
    'RESETSTAT',
    '    Reset statistics reported by the INFO command.',
    'REWRITE',
    '    Rewrite the configuration file.',
  ]);
}

export function select(client: Client, args: string[]): Reply {
  const db = parseInteger(args[1]);
  if (db === null) return NOT_AN_INTEGER;
  if (db < 0 || db >= DATABASES) return DB_INDEX_OUT_OF_RANGE;
  client.db = db;
  return OK;
}

/**
 * LOLWUT [VERSION n]: Redis 7.0 has no art of its own version and answers with the version line,
 * as Eddy does for every version (Redis 5's and 6's drawings are not reproduced).
 */
export function lolwut(_client: Client, args: string[]): Reply {
  if (args.length >= 3 && args[1].toUpperCase() === 'VERSION' && parseInteger(args[2]) === null) return NOT_AN_INTEGER;
  return new VerbatimReply(`Redis ver. ${REDIS_VERSION}\n`);
}
