import { availableParallelism } from 'node:os';
import { FSYNC_POLICIES } from '../log/fsync-policy.js';
import { parseRetention } from '../log/retention.js';
import { memoryBytes } from '../formats/units.js';

/**
 * The server's options as data: one table serves the command line, the config file and CONFIG
 * GET/SET. Names and value syntax follow redis.conf.
 */
type Kind =
  | { type: 'int'; min: number; max: number }
  | { type: 'string' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'memory' }
  | { type: 'output-limits' }
  | { type: 'retention' }
  | { type: 'save-rules' }
  | { type: 'keyspace-events' };

interface OptionSpec {
  name: string;
  kind: Kind;
  default: () => string;
  /** CONFIG SET may change it while the server runs. */
  mutable: boolean;
}

export const LOG_LEVELS = ['debug', 'verbose', 'notice', 'warning', 'nothing'] as const;

const OPTIONS: readonly OptionSpec[] = [
  { name: 'port', kind: { type: 'int', min: 0, max: 65535 }, default: () => '6379', mutable: false },
  // The request protocols are off (-1) unless a port is given; 0 picks a free one, as for `port`.
  { name: 'http-port', kind: { type: 'int', min: -1, max: 65535 }, default: () => '-1', mutable: false },
  { name: 'grpc-port', kind: { type: 'int', min: -1, max: 65535 }, default: () => '-1', mutable: false },
  { name: 'ws-port', kind: { type: 'int', min: -1, max: 65535 }, default: () => '-1', mutable: false },
  { name: 'bind', kind: { type: 'string' }, default: () => '127.0.0.1', mutable: false },
  { name: 'dir', kind: { type: 'string' }, default: () => './data', mutable: false },
  { name: 'shards', kind: { type: 'int', min: 1, max: 1024 }, default: () => String(availableParallelism()), mutable: false },
  { name: 'appendfsync', kind: { type: 'enum', values: FSYNC_POLICIES }, default: () => 'everysec', mutable: true },
  { name: 'appendonly', kind: { type: 'enum', values: ['yes'] }, default: () => 'yes', mutable: false },
  { name: 'requirepass', kind: { type: 'string' }, default: () => '', mutable: true },
  { name: 'loglevel', kind: { type: 'enum', values: LOG_LEVELS }, default: () => 'notice', mutable: true },
  { name: 'databases', kind: { type: 'int', min: 16, max: 16 }, default: () => '16', mutable: false },
  { name: 'maxclients', kind: { type: 'int', min: 1, max: 1_000_000 }, default: () => '10000', mutable: true },
  { name: 'proto-max-bulk-len', kind: { type: 'memory' }, default: () => '536870912', mutable: true },
  {
    name: 'client-output-buffer-limit',
    kind: { type: 'output-limits' },
    default: () => 'normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60',
    mutable: true,
  },
  { name: 'notify-keyspace-events', kind: { type: 'keyspace-events' }, default: () => '', mutable: true },
  // Checkpoint after <seconds> if at least <changes> writes, as Redis's `save` rules; "" turns it off.
  { name: 'save', kind: { type: 'save-rules' }, default: () => '3600 1 300 100 60 10000', mutable: true },
  // How long a script runs before commands on its shards get -BUSY (Redis's lua-time-limit), in ms.
  { name: 'busy-reply-threshold', kind: { type: 'int', min: 0, max: 2 ** 31 - 1 }, default: () => '5000', mutable: true },
  // The Lua runtime's memory cap (Eddy's own option): past it a script fails with an out-of-memory error.
  { name: 'script-memory-limit', kind: { type: 'memory' }, default: () => '128mb', mutable: false },
  { name: 'log-retention', kind: { type: 'retention' }, default: () => '24h', mutable: true },
  { name: 'log-segment-revisions', kind: { type: 'int', min: 16, max: 2 ** 30 }, default: () => '65536', mutable: false },
  // Replication: `replicaof <host> <port>` starts as a follower; "" is a primary.
  { name: 'replicaof', kind: { type: 'string' }, default: () => '', mutable: false },
  { name: 'masterauth', kind: { type: 'string' }, default: () => '', mutable: true },
  { name: 'min-replicas-to-write', kind: { type: 'int', min: 0, max: 2 ** 31 - 1 }, default: () => '0', mutable: true },
  { name: 'min-replicas-max-lag', kind: { type: 'int', min: 0, max: 2 ** 31 - 1 }, default: () => '10', mutable: true },
  // Seconds without a word from the other side before a replication link is dropped.
  { name: 'repl-timeout', kind: { type: 'int', min: 1, max: 2 ** 31 - 1 }, default: () => '60', mutable: true },
  { name: 'replica-priority', kind: { type: 'int', min: 0, max: 2 ** 31 - 1 }, default: () => '100', mutable: true },
  // Eddy's own: a follower whose history the primary does not have (it was ahead) starts over from
  // the primary's copy instead of stopping with an error.
  { name: 'replica-diverged-resync', kind: { type: 'enum', values: ['yes', 'no'] }, default: () => 'no', mutable: true },
];

/** Old names Redis still takes for an option. */
const ALIASES: Readonly<Record<string, string>> = {
  'lua-time-limit': 'busy-reply-threshold',
  slaveof: 'replicaof',
  'min-slaves-to-write': 'min-replicas-to-write',
  'min-slaves-max-lag': 'min-replicas-max-lag',
  'slave-priority': 'replica-priority',
};
const SPECS = new Map([
  ...OPTIONS.map((spec) => [spec.name, spec] as const),
  ...Object.entries(ALIASES).map(([alias, name]) => [alias, OPTIONS.find((spec) => spec.name === name) as OptionSpec] as const),
]);

/** A bad option or value, with the message Redis-style tools show and the option it is about. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly option = '',
  ) {
    super(message);
  }
}

/** `save` as [seconds, changes] pairs; undefined when malformed. */
export function parseSaveRules(raw: string): [number, number][] | undefined {
  const words = raw.trim() === '' ? [] : raw.trim().split(/\s+/);
  if (words.length % 2 !== 0 || !words.every((word) => /^\d+$/.test(word))) return undefined;
  const rules: [number, number][] = [];
  for (let i = 0; i < words.length; i += 2) rules.push([Number(words[i]), Number(words[i + 1])]);
  return rules;
}

/** Every event class `A` stands for (Redis's NOTIFY_ALL). */
export const ALL_EVENT_CLASSES = 'g$lshzxetd';

/** `notify-keyspace-events` in Redis's normal form (CONFIG GET shows "AKE" for "KEA"); undefined when malformed. */
export function keyspaceEventFlags(raw: string): string | undefined {
  if (!/^[AKEg$lshzxetdmn]*$/.test(raw)) return undefined;
  const classes = [...ALL_EVENT_CLASSES].filter((letter) => raw.includes(letter) || raw.includes('A'));
  let flags = classes.length === ALL_EVENT_CLASSES.length ? 'A' : classes.join('');
  for (const letter of 'nKEm') if (raw.includes(letter)) flags += letter;
  return flags;
}

/** One class of client-output-buffer-limit: a hard limit, and a soft limit held for some seconds (0: none). */
export interface OutputLimits {
  hard: number;
  soft: number;
  softSeconds: number;
}

/** `<class> <hard> <soft> <soft seconds>` groups, as redis.conf writes them; undefined when malformed. */
export function parseOutputLimits(raw: string): Map<string, OutputLimits> | undefined {
  const words = raw.trim().split(/\s+/);
  if (words.length % 4 !== 0) return undefined;
  const limits = new Map<string, OutputLimits>();
  for (let i = 0; i < words.length; i += 4) {
    const [name, hard, soft, seconds] = words.slice(i, i + 4);
    const hardBytes = memoryBytes(hard);
    const softBytes = memoryBytes(soft);
    if (!['normal', 'replica', 'slave', 'pubsub'].includes(name.toLowerCase()) || hardBytes === undefined || softBytes === undefined || !/^\d+$/.test(seconds)) return undefined;
    limits.set(name.toLowerCase() === 'slave' ? 'replica' : name.toLowerCase(), { hard: hardBytes, soft: softBytes, softSeconds: Number(seconds) });
  }
  return limits;
}

/** The classes in Redis's order and words (CONFIG GET answers `slave`, and takes `replica` too). */
const OUTPUT_LIMIT_CLASSES: readonly [stored: string, shown: string][] = [
  ['normal', 'normal'],
  ['replica', 'slave'],
  ['pubsub', 'pubsub'],
];

/**
 * client-output-buffer-limit as Redis keeps it: a CONFIG SET of some classes leaves the others as
 * they were, and the value reads back with every class, in bytes.
 */
function mergeOutputLimits(current: string, raw: string): string | undefined {
  const changed = parseOutputLimits(raw);
  if (changed === undefined) return undefined;
  const merged = new Map([...(parseOutputLimits(current) ?? []), ...changed]);
  return OUTPUT_LIMIT_CLASSES.map(([stored, shown]) => {
    const limits = merged.get(stored) ?? { hard: 0, soft: 0, softSeconds: 0 };
    return `${shown} ${limits.hard} ${limits.soft} ${limits.softSeconds}`;
  }).join(' ');
}

/** `current` is the option's value before: some options change only part of it. */
function parseValue(spec: OptionSpec, raw: string, current = ''): string {
  const kind = spec.kind;
  switch (kind.type) {
    case 'string':
      return raw;
    case 'enum': {
      const value = raw.toLowerCase();
      if (!kind.values.includes(value)) throw new ConfigError(`argument(s) must be one of the following: ${kind.values.join(', ')}`);
      return value;
    }
    case 'int': {
      if (!/^-?\d+$/.test(raw)) throw new ConfigError("argument couldn't be parsed into an integer");
      const n = Number(raw);
      if (n < kind.min || n > kind.max) throw new ConfigError(`argument must be between ${kind.min} and ${kind.max} inclusive`);
      return String(n);
    }
    case 'memory': {
      const bytes = memoryBytes(raw);
      if (bytes === undefined) throw new ConfigError('argument must be a memory value');
      return String(bytes);
    }
    case 'retention':
      if (parseRetention(raw) === undefined) throw new ConfigError('argument must be a duration (24h, 7d) and/or a size (10gb)');
      return raw;
    case 'save-rules':
      if (parseSaveRules(raw) === undefined) throw new ConfigError('Invalid save parameters');
      return raw;
    case 'keyspace-events': {
      const flags = keyspaceEventFlags(raw);
      if (flags === undefined) throw new ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
      return flags;
    }
    case 'output-limits': {
      const merged = mergeOutputLimits(current, raw);
      if (merged === undefined) throw new ConfigError('Wrong client-output-buffer-limit');
      return merged;
    }
  }
}

export class Config {
  private readonly values = new Map<string, string>();
  private readonly listeners = new Map<string, ((value: string) => void)[]>();

  constructor() {
    for (const spec of OPTIONS) this.values.set(spec.name, parseValue(spec, spec.default()));
  }

  static isOption(name: string): boolean {
    return SPECS.has(name.toLowerCase());
  }

  /** Sets an option at start-up (command line, config file); throws ConfigError when invalid. */
  set(name: string, raw: string): void {
    const spec = SPECS.get(name.toLowerCase());
    if (spec === undefined) throw new ConfigError(`unknown option '${name}'`);
    const value = parseValue(spec, raw, this.values.get(spec.name));
    this.values.set(spec.name, value);
    for (const listener of this.listeners.get(spec.name) ?? []) listener(value);
  }

  /**
   * CONFIG SET: every pair is checked first (unknown, immutable, bad value) and only then are they
   * all applied, so a failing CONFIG SET changes nothing (Redis 7). Throws ConfigError naming the
   * offending option.
   */
  setAtRuntime(pairs: readonly [string, string][]): void {
    for (const [name, raw] of pairs) {
      const spec = SPECS.get(name.toLowerCase());
      if (spec === undefined) throw new ConfigError(`unknown option '${name}'`, name);
      if (!spec.mutable) throw new ConfigError("can't set immutable config", name);
      try {
        parseValue(spec, raw);
      } catch (error) {
        if (error instanceof ConfigError) throw new ConfigError(error.message, name);
        throw error;
      }
    }
    for (const [name, raw] of pairs) this.set(name, raw);
  }

  /** Calls `listener` whenever `name` changes (CONFIG SET of appendfsync reaches the log, say). */
  onChange(name: string, listener: (value: string) => void): void {
    const listeners = this.listeners.get(name);
    if (listeners === undefined) this.listeners.set(name, [listener]);
    else listeners.push(listener);
  }

  get(name: string): string {
    const value = this.values.get(name);
    if (value === undefined) throw new Error(`no option ${name}`);
    return value;
  }

  int(name: string): number {
    return Number(this.get(name));
  }

  /** Options whose names match a glob (CONFIG GET). */
  matching(matches: (name: string) => boolean): [string, string][] {
    const options: [string, string][] = OPTIONS.filter((spec) => matches(spec.name)).map((spec) => [spec.name, this.get(spec.name)]);
    for (const [alias, name] of Object.entries(ALIASES)) if (matches(alias)) options.push([alias, this.get(name)]);
    return options;
  }
}
