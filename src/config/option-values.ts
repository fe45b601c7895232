import { parseRetention } from '../log/retention.js';
import { parseDouble, parseInt64 } from '../formats/number-parsing.js';
import { memoryAmount } from '../formats/units.js';
import type { Kind, OptionSpec } from './option-table.js';

/**
 * Option values as Redis reads them (config.c): each kind's parser turns a raw value into the
 * normal form CONFIG GET shows, or throws a ConfigError with Redis's words.
 */

/** A bad option or value, with the message Redis-style tools show and the option it is about. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly option = '',
    /** CONFIG SET names no such option (Redis answers those in other words). */
    readonly unknown = false,
  ) {
    super(message);
  }
}

/** The words of a multi-word value as Redis splits it: at every single space, "" being none. */
function words(raw: string): string[] {
  return raw === '' ? [] : raw.split(' ');
}

/** C's strtoll where the whole text must be read: leading white space, a sign, digits; "" is 0. */
function strtoll(text: string): bigint | undefined {
  if (text === '') return 0n;
  const match = /^[\t\n\v\f\r ]*([+-]?\d+)$/.exec(text);
  if (match === null) return undefined;
  const n = BigInt(match[1]);
  return n > 2n ** 63n - 1n ? 2n ** 63n - 1n : n < -(2n ** 63n) ? -(2n ** 63n) : n;
}

/** `save` as [seconds, changes] pairs, as Redis keeps them (seconds a time_t, changes a C int); throws when malformed. */
function saveRules(raw: string): [bigint, bigint][] {
  const parts = words(raw).map(strtoll);
  if (parts.length % 2 !== 0 || parts.some((n, i) => n === undefined || n < (i % 2 === 0 ? 1n : 0n))) throw new ConfigError('Invalid save parameters');
  const rules: [bigint, bigint][] = [];
  for (let i = 0; i < parts.length; i += 2) rules.push([parts[i] as bigint, BigInt.asIntN(32, parts[i + 1] as bigint)]);
  return rules;
}

/** `save` in its normal form as [seconds, changes] pairs (checkpoints follow them). */
export function parseSaveRules(raw: string): [number, number][] {
  return saveRules(raw).map(([seconds, changes]) => [Number(seconds), Number(changes)]);
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

/** What CONFIG GET shows of the flags: Redis leaves out `n` (new keys) after `A`, though it keeps it. */
export function shownKeyspaceEventFlags(flags: string): string {
  return flags.startsWith('A') ? flags.replace('n', '') : flags;
}

/** One class of client-output-buffer-limit: a hard limit, and a soft limit held for some seconds (0: none). */
export interface OutputLimits {
  hard: number;
  soft: number;
  softSeconds: number;
}

/** `<class> <hard> <soft> <soft seconds>` groups, as redis.conf writes them; throws when malformed. */
export function parseOutputLimits(raw: string): Map<string, OutputLimits> {
  const parts = words(raw);
  if (parts.length % 4 !== 0) throw new ConfigError('Wrong number of arguments in buffer limit configuration.');
  const limits = new Map<string, OutputLimits>();
  for (let i = 0; i < parts.length; i += 4) {
    const name = parts[i].toLowerCase();
    if (!['normal', 'replica', 'slave', 'pubsub'].includes(name)) throw new ConfigError('Invalid client class specified in buffer limit configuration.');
    const hard = memoryAmount(parts[i + 1]);
    const soft = memoryAmount(parts[i + 2]);
    // Redis reads the seconds into a C int.
    const seconds = strtoll(parts[i + 3]);
    const softSeconds = seconds === undefined ? -1 : Number(BigInt.asIntN(32, seconds));
    if (hard === undefined || soft === undefined || softSeconds < 0) throw new ConfigError('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
    limits.set(name === 'slave' ? 'replica' : name, { hard: Number(hard), soft: Number(soft), softSeconds });
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
function mergeOutputLimits(current: string, raw: string): string {
  const changed = parseOutputLimits(raw);
  const merged = new Map([...(current === '' ? [] : parseOutputLimits(current)), ...changed]);
  return OUTPUT_LIMIT_CLASSES.map(([stored, shown]) => {
    const limits = merged.get(stored) ?? { hard: 0, soft: 0, softSeconds: 0 };
    return `${shown} ${limits.hard} ${limits.soft} ${limits.softSeconds}`;
  }).join(' ');
}

/** oom-score-adj-values: three integers in -2000..2000. */
function oomScoreAdjValues(raw: string): string {
  const parts = words(raw);
  if (parts.length !== 3) throw new ConfigError('wrong number of arguments');
  const values = parts.map(strtoll);
  if (values.some((n) => n === undefined || n < -2000n || n > 2000n)) throw new ConfigError('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
  return values.join(' ');
}

/** latency-tracking-info-percentiles: doubles in 0..100, shown as C's "%f" without trailing zeros. */
function percentiles(raw: string): string {
  return words(raw)
    .map((word) => {
      const value = parseDouble(word);
      if (value === null) throw new ConfigError('Invalid latency-tracking-info-percentiles parameters');
      if (value < 0 || value > 100) throw new ConfigError('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
      return Object.is(value, -0) ? '-0' : value.toFixed(6).replace(/\.?0+$/, '');
    })
    .join(' ');
}

/** A number option: parsed by its form, checked against its bounds, moved into its clamp. */
function numberValue(kind: Extract<Kind, { type: 'number' }>, raw: string): string {
  let n: bigint | undefined;
  if (kind.form === 'integer') n = parseInt64(raw) ?? undefined;
  else if (kind.form === 'octal') n = octal(raw);
  else {
    const bytes = memoryAmount(raw);
    // A percentage is kept negative, as Redis does; a memory value there is a C ssize_t.
    if (kind.form === 'memory') n = bytes;
    else if (bytes !== undefined) n = BigInt.asIntN(64, bytes);
    else if (/^\d+%$/.test(raw) && parseInt64(raw.slice(0, -1)) !== null) n = -BigInt(raw.slice(0, -1));
  }
  if (n === undefined) throw new ConfigError(NUMBER_ERRORS[kind.form]);
  if (kind.form === 'memory-or-percent' && n < 0) {
    if (n < kind.min) throw new ConfigError(`percentage argument must be less or equal to ${-kind.min}`);
    return `${-n}%`;
  }
  if (n < kind.min || n > kind.max) {
    const [min, max] = kind.form === 'octal' ? [kind.min.toString(8), kind.max.toString(8)] : [kind.min, kind.max];
    throw new ConfigError(`argument must be between ${min} and ${max} inclusive`);
  }
  if (kind.clamp !== undefined) n = n < kind.clamp[0] ? kind.clamp[0] : n > kind.clamp[1] ? kind.clamp[1] : n;
  return kind.form === 'octal' ? n.toString(8) : String(n);
}

/** C's strtoll in base 8 where the whole text must be read; "" is 0. */
function octal(raw: string): bigint | undefined {
  const match = /^[\t\n\v\f\r ]*([+-]?)([0-7]+)$/.exec(raw);
  if (match === null) return raw === '' ? 0n : undefined;
  return BigInt(`0o${match[2]}`) * (match[1] === '-' ? -1n : 1n);
}

const NUMBER_ERRORS = {
  integer: "argument couldn't be parsed into an integer",
  memory: 'argument must be a memory value',
  'memory-or-percent': 'argument must be a memory or percent value',
  octal: "argument couldn't be parsed as an octal number",
} as const;

/** Several enum words at once (shutdown-on-sigint): shown in the table's order, the first meaning none. */
function flagsValue(kind: Extract<Kind, { type: 'flags' }>, raw: string): string {
  const given = words(raw).map((word) => word.toLowerCase());
  if (given.length === 0 || given.some((word) => !kind.values.includes(word))) throw new ConfigError(`argument(s) must be one of the following: ${kind.values.join(', ')}`);
  if (kind.exclusive.every((word) => given.includes(word)))
    throw new ConfigError(`shutdown options ${kind.exclusive.map((word) => word.toUpperCase()).join(' and ')} can't be used simultaneously`);
  const set = kind.values.slice(1).filter((word) => given.includes(word));
  return set.length === 0 ? kind.values[0] : set.join(' ');
}

/** Reads `raw` for an option of this kind; `current` is its value before (some change only part of it). */
function parseValue(kind: Kind, raw: string, current: string): string {
  switch (kind.type) {
    case 'bool': {
      const value = raw.toLowerCase();
      if (value !== 'yes' && value !== 'no') throw new ConfigError("argument must be 'yes' or 'no'");
      return value;
    }
    case 'number':
      return numberValue(kind, raw);
    case 'enum': {
      const value = raw.toLowerCase();
      if (!kind.values.includes(value)) throw new ConfigError(`argument(s) must be one of the following: ${kind.values.join(', ')}`);
      return kind.shownAs?.[value] ?? value;
    }
    case 'flags':
      return flagsValue(kind, raw);
    case 'string':
      return raw;
    case 'retention':
      if (parseRetention(raw) === undefined) throw new ConfigError('argument must be a duration (24h, 7d) and/or a size (10gb)');
      return raw;
    case 'save-rules':
      return saveRules(raw)
        .map(([seconds, changes]) => `${seconds} ${changes}`)
        .join(' ');
    case 'keyspace-events': {
      const flags = keyspaceEventFlags(raw);
      if (flags === undefined) throw new ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
      return flags;
    }
    case 'output-limits':
      return mergeOutputLimits(current, raw);
    case 'oom-score-adj-values':
      return oomScoreAdjValues(raw);
    case 'percentiles':
      return percentiles(raw);
  }
}

/** An option's value read from `raw`, then put to the option's own check. */
export function parseOption(spec: OptionSpec, raw: string, current = ''): string {
  const value = parseValue(spec.kind, raw, current);
  const refused = spec.check?.(value);
  if (refused !== undefined) throw new ConfigError(refused);
  return value;
}
