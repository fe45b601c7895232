import { describeClient } from '../commands/client-list.js';
import { COMMAND_TABLE } from '../commands/command-table.js';
import type { Config } from '../config/config.js';
import { defaultEncodingLimits, type EncodingLimits } from '../projections/encoding-limits.js';
import { Replication, type ReplicationEvents } from '../replication/replication.js';
import { ScriptHost } from '../scripting/script-host.js';
import { registerCommands } from '../session/command-registry.js';
import { primaryCommands } from '../session/primary-client.js';
import { ServerContext, type ServerHooks } from '../session/server-context.js';
import { Checkpointer } from '../shards/checkpointer.js';
import type { Store } from '../shards/store.js';
import { Eviction, type EvictionPolicy } from '../shards/eviction.js';
import { PubSubRegistry } from '../subscriptions/pubsub-registry.js';
import { TailHub } from '../subscriptions/tail-hub.js';

/** The options behind each encoding threshold the projections apply writes with. */
const ENCODING_OPTIONS: readonly [option: string, limit: keyof EncodingLimits][] = [
  ['hash-max-listpack-entries', 'hashEntries'],
  ['hash-max-listpack-value', 'hashValue'],
  ['set-max-intset-entries', 'intsetEntries'],
  ['zset-max-listpack-entries', 'zsetEntries'],
  ['zset-max-listpack-value', 'zsetValue'],
  ['stream-node-max-entries', 'streamNodeMaxEntries'],
  ['stream-node-max-bytes', 'streamNodeMaxBytes'],
];

/**
 * The store's encoding thresholds, following the config: taken before recovery (a value loaded
 * gets the encoding Redis would give it under these settings), then changed by CONFIG SET.
 */
export function encodingLimitsFrom(config: Config): EncodingLimits {
  const limits = defaultEncodingLimits();
  for (const [option, limit] of ENCODING_OPTIONS) {
    limits[limit] = config.int(option);
    config.onChange(option, (value) => (limits[limit] = Number(value)));
  }
  return limits;
}

/**
 * maxmemory and its policy, and the LFU settings of the store's access tracking, following the
 * config; built before recovery, whose replay it watches for a heap that fills up.
 */
export function evictionFrom(store: Store, config: Config): Eviction {
  const eviction = new Eviction(store);
  const follow = (option: string, apply: (value: string) => void): void => {
    apply(config.get(option));
    config.onChange(option, apply);
  };
  follow('maxmemory', (value) => (eviction.maxmemory = Number(value)));
  follow('maxmemory-policy', (value) => {
    eviction.policy = value as EvictionPolicy;
    store.access.lfu = value.endsWith('lfu');
  });
  follow('maxmemory-samples', (value) => (eviction.samples = Number(value)));
  follow('maxmemory-eviction-tenacity', (value) => (eviction.tenacity = Number(value)));
  follow('lfu-log-factor', (value) => (store.access.logFactor = Number(value)));
  follow('lfu-decay-time', (value) => (store.access.decayMinutes = Number(value)));
  return eviction;
}

/**
 * The composition root: registers the command table with the dispatcher and builds what a session
 * reaches (checkpoints, pub/sub, log tails, the Lua runtime, replication) over a recovered store.
 * The layers below know nothing of each other beyond what is passed in here.
 */
export async function composeServer(
  store: Store,
  config: Config,
  hooks: ServerHooks,
  events: ReplicationEvents,
  tcpPort: number,
  configFile = '',
  eviction = evictionFrom(store, config),
): Promise<ServerContext> {
  registerCommands(COMMAND_TABLE);
  const checkpointer = new Checkpointer(store, eviction.gauge);
  const scripts = new ScriptHost({
    memoryLimit: config.int('script-memory-limit'),
    unpausableMs: () => config.int('busy-reply-threshold'),
    log: (level, message) => hooks.scriptLog?.(level, message),
    internalError: (error) => hooks.internalError(error, 'script'),
  });
  const replication = await Replication.open(store, config, checkpointer, events);
  const server = new ServerContext(
    store,
    config,
    hooks,
    { checkpointer, pubsub: new PubSubRegistry(), tailHub: new TailHub(store.log), scripts, replication, eviction, describeClient: (client) => describeClient(client, Date.now()) },
    tcpPort,
    configFile,
  );
  replication.primaryCommands = primaryCommands(server);
  return server;
}
