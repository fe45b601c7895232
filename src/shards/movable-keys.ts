import { parseInt64 } from '../formats/number-parsing.js';
import { keyPositions, type KeySpec } from './router.js';

/**
 * Where the keys are in the arguments of the commands flagged `movablekeys`, whose key positions
 * the first/last/step triple cannot describe (Redis's getkeys_proc): a numkeys count, or SORT's
 * STORE. COMMAND GETKEYS asks here first. Undefined: the arguments name no valid keys.
 */
type KeyFinder = (args: readonly string[]) => number[] | undefined;

/** `numkeys key...` with numkeys at `at`, after `before` keys that come first (a destination). */
function numKeysAt(at: number, before: number[] = []): KeyFinder {
  return (args) => {
    const parsed = parseInt64(args[at] ?? '');
    const count = parsed === null ? -1 : Number(parsed);
    if (count < 0 || at + count >= args.length) return undefined;
    return [...before, ...Array.from({ length: count }, (_, i) => at + 1 + i)];
  };
}

/** SORT's key, and the last STORE's destination; LIMIT, GET and BY take arguments that are no keys. */
const sortKeys: KeyFinder = (args) => {
  const skips: Record<string, number> = { LIMIT: 2, GET: 1, BY: 1 };
  let store: number | undefined;
  for (let i = 2; i < args.length; i++) {
    const option = args[i].toUpperCase();
    if (option in skips) i += skips[option];
    else if (option === 'STORE' && i + 1 < args.length) store = ++i;
  }
  return store === undefined ? [1] : [1, store];
};

/** XREAD's and XREADGROUP's keys: the first half of what follows STREAMS. */
const streamsKeys: KeyFinder = (args) => {
  for (let i = 1; i < args.length; i++)
    if (args[i].toUpperCase() === 'STREAMS') {
      const rest = args.length - i - 1;
      if (rest === 0 || rest % 2 !== 0) return undefined;
      return Array.from({ length: rest / 2 }, (_, k) => i + 1 + k);
    }
  return undefined;
};
/**
 * GEORADIUS's key, then the keys after its first STORE and its first STOREDIST from `from` on, where
 * the options start (Redis 7.0's keyword key specs).
 */
function geoRadiusKeys(from: number): KeyFinder {
  return (args) => {
    const keys = [1];
    for (const keyword of ['STORE', 'STOREDIST']) {
      const at = args.findIndex((arg, i) => i >= from && arg.toUpperCase() === keyword);
      if (at !== -1 && at + 1 < args.length) keys.push(at + 1);
    }
    return keys;
  };
}

/** MIGRATE's key, or with an empty key the keys after KEYS. */
const migrateKeys: KeyFinder = (args) => {
  if (args[3] !== '') return [3];
  const at = args.findIndex((arg, i) => i >= 6 && arg.toUpperCase() === 'KEYS');
  return at === -1 ? [] : Array.from({ length: args.length - at - 1 }, (_, i) => at + 1 + i);
};

const FINDERS: Readonly<Record<string, KeyFinder>> = {
  migrate: migrateKeys,
  eval: numKeysAt(2),
  eval_ro: numKeysAt(2),
  evalsha: numKeysAt(2),
  evalsha_ro: numKeysAt(2),
  fcall: numKeysAt(2),
  fcall_ro: numKeysAt(2),
  lmpop: numKeysAt(1),
  zmpop: numKeysAt(1),
  sintercard: numKeysAt(1),
  zintercard: numKeysAt(1),
  zunion: numKeysAt(1),
  zinter: numKeysAt(1),
  zdiff: numKeysAt(1),
  blmpop: numKeysAt(2),
  bzmpop: numKeysAt(2),
  zunionstore: numKeysAt(2, [1]),
  zinterstore: numKeysAt(2, [1]),
  zdiffstore: numKeysAt(2, [1]),
  sort: sortKeys,
  sort_ro: sortKeys,
  xread: streamsKeys,
  xreadgroup: streamsKeys,
  georadius: geoRadiusKeys(6),
  georadiusbymember: geoRadiusKeys(5),
};

/** The positions of the keys in `args` (args[0] is the command), or undefined when Redis would refuse them. */
export function movableKeyPositions(name: string, args: readonly string[]): number[] | undefined {
  const find = FINDERS[name];
  return find === undefined ? undefined : find(args);
}

export function hasKeyFinder(name: string): boolean {
  return name in FINDERS;
}

/**
 * Where a command's keys are: its key finder's answer when it has one (MIGRATE's fixed position
 * holds "" when its keys follow KEYS), else its spec's fixed positions.
 */
export function commandKeyPositions(command: KeySpec & { readonly name: string }, args: readonly string[]): number[] {
  return hasKeyFinder(command.name) ? (movableKeyPositions(command.name, args) ?? []) : keyPositions(command, args.length);
}
