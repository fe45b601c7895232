import { parseInteger } from './arguments.js';
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

const UNIT_MS: Readonly<Record<ExpiryUnit, number>> = { EX: 1000, PX: 1, EXAT: 1000, PXAT: 1 };

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

/** An expiry option's amount as an absolute time in ms, or Redis's error for it. */
export function expiryAt(command: string, expiry: { unit: ExpiryUnit; amount: string }, now: number): number | ErrorReply {
  const n = parseInteger(expiry.amount);
  if (n === null) return NOT_AN_INTEGER;
  if (n <= 0) return invalidExpireTime(command);
  const ms = n * UNIT_MS[expiry.unit];
  const at = expiry.unit === 'EX' || expiry.unit === 'PX' ? now + ms : ms;
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(at)) return invalidExpireTime(command);
  return at;
}

/** Whether the expiry is an absolute time (EXAT, PXAT), which GETEX applies at once when past. */
export function isAbsolute(expiry: { unit: ExpiryUnit }): boolean {
  return expiry.unit === 'EXAT' || expiry.unit === 'PXAT';
}
