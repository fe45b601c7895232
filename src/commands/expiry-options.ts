import { parseInt64 } from '../formats/number-parsing.js';
import { NOT_AN_INTEGER, SYNTAX_ERROR, invalidExpireTime } from '../replies/errors.js';
import type { ErrorReply } from '../replies/reply.js';

/**
 * The options SET and GETEX share (NX XX GET KEEPTTL, PERSIST, EX PX EXAT PXAT), read as Redis's
 * parseExtendedStringArgumentsOrReply reads them: an option may repeat (the last expiry wins), a
 * conflicting one is a syntax error, and the expiry amount is read only afterwards, so a syntax
 * error anywhere beats a bad number.
 */
export interface StringOptions {
  condition: '' | 'NX' | 'XX';
  get: boolean;
  keepTtl: boolean;
  persist: boolean;
  /** EX PX EXAT PXAT with its amount, not yet read. */
  expiry: { unit: ExpiryUnit; amount: string } | undefined;
}

type ExpiryUnit = 'EX' | 'PX' | 'EXAT' | 'PXAT';

const UNIT_MS: Readonly<Record<ExpiryUnit, 1 | 1000>> = { EX: 1000, PX: 1, EXAT: 1000, PXAT: 1 };

function isExpiryUnit(option: string): option is ExpiryUnit {
  return option in UNIT_MS;
}

export function parseStringOptions(args: readonly string[], from: number, command: 'set' | 'getex'): StringOptions | ErrorReply {
  const options: StringOptions = { condition: '', get: false, keepTtl: false, persist: false, expiry: undefined };
  const set = command === 'set';
  for (let i = from; i < args.length; i++) {
    const option = args[i].toUpperCase();
    if (set && (option === 'NX' || option === 'XX') && options.condition !== (option === 'NX' ? 'XX' : 'NX')) options.condition = option;
    else if (set && option === 'GET') options.get = true;
    else if (set && option === 'KEEPTTL' && options.expiry === undefined) options.keepTtl = true;
    else if (!set && option === 'PERSIST' && options.expiry === undefined) options.persist = true;
    else if (isExpiryUnit(option) && !options.keepTtl && !options.persist && (options.expiry?.unit ?? option) === option && i + 1 < args.length)
      options.expiry = { unit: option, amount: args[++i] };
    else return SYNTAX_ERROR;
  }
  return options;
}

const LLONG_MAX = 2n ** 63n - 1n;
const LLONG_MIN = -(2n ** 63n);
const LARGEST_DOUBLE_BELOW_2_63 = 2 ** 63 - 1024;

/**
 * `amount` (seconds when `unitMs` is 1000) after `base` ms (0 for an absolute time) as Redis
 * reckons it in 64 bits: undefined when seconds overflow as milliseconds or the sum passes 2^63-1.
 * Times past 2^53 ms (year 287396) are kept as the nearest double, which prints back the same
 * digits for the round numbers such times are written with.
 */
export function expireTimeMs(amount: bigint, unitMs: 1 | 1000, base: number): number | undefined {
  if (unitMs === 1000 && (amount > LLONG_MAX / 1000n || amount < LLONG_MIN / 1000n)) return undefined;
  const ms = amount * BigInt(unitMs);
  if (ms > LLONG_MAX - BigInt(base)) return undefined;
  // 2^63-1 itself rounds up to 2^63, past what a RESP integer may hold: the double just below it.
  return Math.min(Number(ms + BigInt(base)), LARGEST_DOUBLE_BELOW_2_63);
}

/** An expiry option's amount as an absolute time in ms, or Redis's error for it. */
export function expiryAt(command: string, expiry: { unit: ExpiryUnit; amount: string }, now: number): number | ErrorReply {
  const n = parseInt64(expiry.amount);
  if (n === null) return NOT_AN_INTEGER;
  if (n <= 0n) return invalidExpireTime(command);
  const at = expireTimeMs(n, UNIT_MS[expiry.unit], isAbsolute(expiry) ? 0 : now);
  return at ?? invalidExpireTime(command);
}

/** Whether the expiry is an absolute time (EXAT, PXAT), which GETEX applies at once when past. */
export function isAbsolute(expiry: { unit: ExpiryUnit }): boolean {
  return expiry.unit === 'EXAT' || expiry.unit === 'PXAT';
}
