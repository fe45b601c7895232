import { errorOf, type RespValue } from '../replication/resp-reply-reader.js';
import { TargetIoError, type TargetConnection } from '../replication/target-connections.js';
import { NOT_AN_INTEGER, SYNTAX_ERROR } from '../replies/errors.js';
import { PendingReply } from '../replies/pending-reply.js';
import { ErrorReply, OK, StatusReply, type Reply } from '../replies/reply.js';
import type { Client } from '../session/client.js';
import type { Shard } from '../shards/shard.js';
import type { Value } from '../projections/value.js';
import { parseInteger } from './arguments.js';
import { dumpSettingsOf, restoreArguments } from './dump-commands.js';
import { lookupCounted } from './typed-lookup.js';

interface MigrateRequest {
  host: string;
  port: number;
  db: number;
  timeoutMs: number;
  copy: boolean;
  replace: boolean;
  /** AUTH's arguments: [password] or [username, password]. */
  auth: string[] | undefined;
  keys: string[];
}

const NOKEY = new StatusReply('NOKEY');
const KEYS_NEED_EMPTY_KEY = new ErrorReply('ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');

/** MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password | AUTH2 username password] [KEYS key...], in Redis 7.0's order of checks. */
function parseMigrate(args: string[]): MigrateRequest | ErrorReply {
  const request: MigrateRequest = { host: args[1], port: 0, db: 0, timeoutMs: 0, copy: false, replace: false, auth: undefined, keys: [args[3]] };
  for (let i = 6; i < args.length; i++) {
    const option = args[i].toUpperCase();
    const more = args.length - 1 - i;
    if (option === 'COPY') request.copy = true;
    else if (option === 'REPLACE') request.replace = true;
    else if (option === 'AUTH') {
      if (more < 1) return SYNTAX_ERROR;
      request.auth = [args[++i]];
    } else if (option === 'AUTH2') {
      if (more < 2) return SYNTAX_ERROR;
      request.auth = [args[i + 1], args[i + 2]];
      i += 2;
    } else if (option === 'KEYS') {
      if (args[3] !== '') return KEYS_NEED_EMPTY_KEY;
      request.keys = args.slice(i + 1);
      break;
    } else return SYNTAX_ERROR;
  }
  const timeout = parseInteger(args[5]);
  const db = parseInteger(args[4]);
  const port = parseInteger(args[2]);
  if (timeout === null || db === null || port === null) return NOT_AN_INTEGER;
  request.timeoutMs = timeout <= 0 ? 1000 : timeout;
  request.db = db;
  request.port = port;
  return request;
}

/**
 * MIGRATE: the keys' shards are held from the first look-up to the last reply, so that as in Redis
 * (where MIGRATE blocks the server) no write comes between DUMP and the delete. A key is deleted
 * only once the target acknowledged its RESTORE; a connection error before any reply is retried once.
 */
export function migrate(client: Client, args: string[]): Reply | PendingReply {
  const request = parseMigrate(args);
  if (request instanceof ErrorReply) return request;
  const store = client.server.store;
  const shards = [...new Set(request.keys.map((key) => store.shardOf(key)))].sort((a, b) => a.id - b.id);
  return PendingReply.from(holding(shards, () => migrateHeld(client, request)));
}

async function holding<T>(shards: readonly Shard[], work: () => Promise<T>): Promise<T> {
  const held: Shard[] = [];
  try {
    for (const shard of shards) {
      await shard.queue.acquire();
      held.push(shard);
    }
    return await work();
  } finally {
    for (const shard of held) shard.queue.release();
  }
}

async function migrateHeld(client: Client, request: MigrateRequest): Promise<Reply> {
  client.now = Date.now();
  const found = request.keys.flatMap((key): [string, Value][] => {
    const value = lookupCounted(client, key);
    return value === undefined ? [] : [[key, value]];
  });
  if (found.length === 0) return NOKEY;
  const keys = found.map(([key]) => key);
  const targets = client.server.targets;
  for (let attempt = 0; ; attempt++) {
    let connection: TargetConnection;
    try {
      connection = await targets.get(request.host, request.port, request.timeoutMs);
    } catch {
      return new ErrorReply('IOERR error or timeout connecting to the client');
    }
    const commands = commandsFor(client, request, found, connection);
    let replies: RespValue[];
    let failure: TargetIoError | undefined;
    try {
      replies = await connection.call(commands, request.timeoutMs);
    } catch (error) {
      if (!(error instanceof TargetIoError)) throw error;
      failure = error;
      replies = (error as TargetIoError & { replies?: RespValue[] }).replies ?? [];
      targets.drop(request.host, request.port);
      // Nothing was processed: one retry on a fresh connection (not after a timeout), as Redis does.
      if (replies.length === 0 && !error.timedOut && attempt === 0) continue;
    }
    const targetError = settle(client, request, keys, commands.length - keys.length, replies, connection);
    if (targetError !== undefined) return targetError;
    if (failure !== undefined) return new ErrorReply(`IOERR error or timeout ${failure.stage === 'writing' ? 'writing' : 'reading'} to target instance`);
    connection.lastDb = request.db;
    return OK;
  }
}

/** AUTH and SELECT when needed, then a RESTORE per key with its remaining time to live. */
function commandsFor(client: Client, request: MigrateRequest, found: readonly [string, Value][], connection: TargetConnection): (string | Buffer)[][] {
  const commands: (string | Buffer)[][] = [];
  if (request.auth !== undefined) commands.push(['AUTH', ...request.auth]);
  if (connection.lastDb !== request.db) commands.push(['SELECT', String(request.db)]);
  const store = client.server.store;
  const settings = dumpSettingsOf(client.server.config);
  for (const [key, value] of found) {
    // A cluster node's target is importing the slot: RESTORE-ASKING is served there, as Redis sends it.
    const restore = client.server.cluster === undefined ? 'RESTORE' : 'RESTORE-ASKING';
    commands.push([restore, ...restoreArguments(store, client.db, key, value, client.now, settings), ...(request.replace ? ['REPLACE'] : [])]);
  }
  return commands;
}

/**
 * Deletes (without COPY) each key whose RESTORE the target acknowledged; the first error the target
 * answered (AUTH's or SELECT's stand for every key), as Redis reports it.
 */
function settle(
  client: Client,
  request: MigrateRequest,
  keys: readonly string[],
  preamble: number,
  replies: readonly RespValue[],
  connection: TargetConnection,
): ErrorReply | undefined {
  const preambleError = replies
    .slice(0, preamble)
    .map(errorOf)
    .find((error) => error !== undefined);
  let firstError: string | undefined;
  const store = client.server.store;
  store.transaction(() => {
    for (let i = 0; i < keys.length && preamble + i < replies.length; i++) {
      const error = preambleError ?? errorOf(replies[preamble + i]);
      if (error !== undefined) firstError ??= error;
      else if (!request.copy) store.delete(client.db, keys[i], client);
    }
  });
  if (firstError === undefined) return undefined;
  connection.lastDb = -1;
  return new ErrorReply(`ERR Target instance replied with error: ${firstError}`);
}
