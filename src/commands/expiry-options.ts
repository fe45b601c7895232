import { parseInteger } from './arguments.js';
import { SYNTAX_ERROR, invalidExpireTime } from './errors.js';
import { ErrorReply } from './reply.js';

/**
 * The expiry options shared by SET and GETEX (EX PX EXAT PXAT, plus KEEPTTL or PERSIST), resolved to
 * an absolute time in ms as the log stores it.
 */
export type ExpiryChoice = { kind: 'none' } | { kind: 'at'; at: number } | { kind: 'keep' } | { kind: 'persist' };

const UNIT_MS: Record<string, number> = { EX: 1000, PX: 1, EXAT: 1000, PXAT: 1 };

/** Whether `option` (upper case) is one of EX PX EXAT PXAT. */
export function isExpiryUnit(option: string): boolean {
  return option in UNIT_MS;
}

/** Reads `<unit> <amount>` into an absolute ms time, or Redis's error. */
export function expiryAt(command: string, unit: string, amount: string | undefined, now: number): number | ErrorReply {
  if (amount === undefined) return SYNTAX_ERROR;
  const n = parseInteger(amount);
  if (n === null) return new ErrorReply('ERR value is not an integer or out of range');
  if (n <= 0) return invalidExpireTime(command);
  const ms = n * UNIT_MS[unit];
  const at = unit === 'EX' || unit === 'PX' ? now + ms : ms;
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(at)) return invalidExpireTime(command);
  return at;
}
