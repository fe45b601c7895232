import type { Readable } from 'node:stream';
import type { Config } from '../config/config.js';
import type { Log } from '../log/log.js';
import type { PrimaryCommands } from './primary-commands.js';
import { loadRdbThroughCommands } from './rdb-through-commands.js';
import type { RedisPrimaryHandler } from './redis-primary-link.js';

export interface RedisPrimaryDeps {
  log: Log;
  config: Config;
  commands: () => PrimaryCommands;
  listeningPort: () => number;
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
}

/** A failed command of the stream is logged at most this often: a broken stream could flood the log. */
const WARN_EVERY_MS = 1000;

/**
 * What a link to a redis-server primary does in this node: the RDB and the stream's commands go
 * through this node's own commands, so that everything becomes records in its log.
 */
export function redisPrimaryHandler(deps: RedisPrimaryDeps): RedisPrimaryHandler {
  let lastWarnAt = 0;
  let unwarned = 0;
  const failed = (args: string[], error: string): void => {
    // As Redis's replica, an error the primary's command gets here is logged, and the stream goes on.
    const now = Date.now();
    if (now - lastWarnAt < WARN_EVERY_MS) return void unwarned++;
    deps.warn("a command of the primary's stream failed here", { command: args[0], error, alsoFailedSinceLastWarning: unwarned });
    lastWarnAt = now;
    unwarned = 0;
  };
  return {
    load: (rdb: Readable) => loadRdbThroughCommands(rdb, deps.commands(), (fields) => deps.info("loaded the primary's RDB", { event: 'sync-done', ...fields })),
    apply(args) {
      const outcome = deps.commands().run(args);
      if (outcome instanceof Promise)
        return outcome.then((error) => {
          if (error !== undefined) failed(args, error);
        });
      if (outcome !== undefined) failed(args, outcome);
    },
    inTransaction: () => deps.commands().inTransaction(),
    dropTransaction: () => deps.commands().dropTransaction(),
    written: () => deps.log.committed(deps.log.lastRev),
    listeningPort: deps.listeningPort,
    masteruser: () => deps.config.get('masteruser'),
    masterauth: () => deps.config.get('masterauth'),
    timeoutSeconds: () => deps.config.int('repl-timeout'),
    onError: (message) => deps.warn('replication link to a redis-server primary', { reason: message }),
    onInfo: (message, fields) => deps.info(message, fields),
  };
}
