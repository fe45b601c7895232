import { parseInteger } from './arguments.js';
import { SYNTAX_ERROR } from '../replies/errors.js';
import { ErrorReply } from '../replies/reply.js';

/**
 * The `numkeys key [key ...]` argument shape shared by LMPOP, ZMPOP, SINTERCARD, ZINTERCARD and
 * their blocking forms, and the optional `NAME n` tail that follows some of them.
 */
export interface KeysAndRest {
  keys: string[];
  /** The arguments after the keys. */
  rest: string[];
}

const NUMKEYS_NOT_POSITIVE = new ErrorReply('ERR numkeys should be greater than 0');
export const TOO_MANY_KEYS = new ErrorReply("ERR Number of keys can't be greater than number of args");

/**
 * Reads numkeys at `at`; `trailing` is how many arguments must follow the keys. Redis answers a
 * non-integer or non-positive numkeys with "numkeys should be greater than 0"; too many keys get
 * `tooMany` (a syntax error for LMPOP/ZMPOP, TOO_MANY_KEYS for SINTERCARD/ZINTERCARD).
 */
export function parseNumKeys(args: string[], at: number, trailing: number, tooMany: ErrorReply = SYNTAX_ERROR): KeysAndRest | ErrorReply {
  const numKeys = parseInteger(args[at]);
  if (numKeys === null || numKeys <= 0) return NUMKEYS_NOT_POSITIVE;
  if (numKeys > args.length - at - 1 - trailing) return tooMany;
  return { keys: args.slice(at + 1, at + 1 + numKeys), rest: args.slice(at + 1 + numKeys) };
}

/**
 * An optional `NAME n` pair (COUNT, LIMIT): `fallback` when absent, the refusal for a bad number,
 * a syntax error for anything else.
 */
export function parseOptionalNumber(rest: string[], name: string, fallback: number, valid: (n: number) => boolean, refusal: ErrorReply): number | ErrorReply {
  if (rest.length === 0) return fallback;
  if (rest.length !== 2 || rest[0].toUpperCase() !== name) return SYNTAX_ERROR;
  const n = parseInteger(rest[1]);
  return n !== null && valid(n) ? n : refusal;
}

export const COUNT_NOT_POSITIVE = new ErrorReply('ERR count should be greater than 0');
export const LIMIT_NEGATIVE = new ErrorReply("ERR LIMIT can't be negative");
