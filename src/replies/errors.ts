import { ErrorReply } from './reply.js';

/** Redis 7's error texts, defined once. */
export const WRONGTYPE = new ErrorReply('WRONGTYPE Operation against a key holding the wrong kind of value');
export const NOT_AN_INTEGER = new ErrorReply('ERR value is not an integer or out of range');
export const NOT_A_FLOAT = new ErrorReply('ERR value is not a valid float');
export const SYNTAX_ERROR = new ErrorReply('ERR syntax error');
export const NO_SUCH_KEY = new ErrorReply('ERR no such key');
export const OVERFLOW = new ErrorReply('ERR increment or decrement would overflow');
export const NAN_OR_INFINITY = new ErrorReply('ERR increment would produce NaN or Infinity');
export const DB_INDEX_OUT_OF_RANGE = new ErrorReply('ERR DB index is out of range');
export const SAME_OBJECT = new ErrorReply('ERR source and destination objects are the same');
export const OFFSET_OUT_OF_RANGE = new ErrorReply('ERR offset is out of range');
export const STRING_TOO_LONG = new ErrorReply('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
export const NOAUTH = new ErrorReply('NOAUTH Authentication required.');
export const WRONGPASS = new ErrorReply('WRONGPASS invalid username-password pair or user is disabled.');
export const AUTH_NOT_CONFIGURED = new ErrorReply('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
export const NOPROTO = new ErrorReply('NOPROTO unsupported protocol version');
export const BIT_OFFSET_OUT_OF_RANGE = new ErrorReply('ERR bit offset is not an integer or out of range');
export const BIT_OUT_OF_RANGE = new ErrorReply('ERR bit is not an integer or out of range');
export const BIT_ARGUMENT = new ErrorReply('ERR The bit argument must be 1 or 0.');
export const INVALID_BITFIELD_TYPE = new ErrorReply('ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.');
export const INVALID_OVERFLOW_TYPE = new ErrorReply('ERR Invalid OVERFLOW type specified');
export const BITFIELD_RO_WRITE = new ErrorReply('ERR BITFIELD_RO only supports the GET subcommand');
export const BITOP_NOT_ARITY = new ErrorReply('ERR BITOP NOT must be called with a single source key.');
export const NOT_STRINGS = new ErrorReply('ERR The specified keys must contain string values');
export const EXPIRE_FLAGS_NX = new ErrorReply('ERR NX and XX, GT or LT options at the same time are not compatible');
export const EXPIRE_FLAGS_GT_LT = new ErrorReply('ERR GT and LT options at the same time are not compatible');
export const READONLY = new ErrorReply("READONLY You can't write against a read only replica.");
export const NOREPLICAS = new ErrorReply('NOREPLICAS Not enough good replicas to write.');
/** A string that is not a HyperLogLog (Redis's isHLLObjectOrReply), and one whose sparse runs do not add up. */
export const NOT_A_HYPERLOGLOG = new ErrorReply('WRONGTYPE Key is not a valid HyperLogLog string value.');
export const CORRUPT_HYPERLOGLOG = new ErrorReply('INVALIDOBJ Corrupted HLL object detected');
export const NEGATIVE_COUNT = new ErrorReply('ERR value is out of range, must be positive');
/** Over maxmemory with nothing the policy may evict, or the heap near V8's limit (Redis's shared.oomerr). */
export const OOM = new ErrorReply("OOM command not allowed when used memory > 'maxmemory'.");

export const BUSYKEY = new ErrorReply('BUSYKEY Target key name already exists.');
export const DUMP_PAYLOAD_INVALID = new ErrorReply('ERR DUMP payload version or checksum are wrong');
export const BAD_DATA_FORMAT = new ErrorReply('ERR Bad data format');
export const INVALID_TTL = new ErrorReply('ERR Invalid TTL value, must be >= 0');
export const INVALID_IDLETIME = new ErrorReply('ERR Invalid IDLETIME value, must be >= 0');
export const INVALID_FREQ = new ErrorReply('ERR Invalid FREQ value, must be >= 0 and <= 255');

/** A caught error's message (anything can be thrown). */
/** An error reply's code: its first word (ERR, WRONGTYPE, NOSCRIPT, ...). */
export function errorCodeOf(error: ErrorReply): string {
  const space = error.message.indexOf(' ');
  return space < 0 ? error.message : error.message.slice(0, space);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The message and every cause under it ("Database failed to open: IO error: lock ..."), for operators. */
export function messageWithCauses(error: unknown): string {
  let text = messageOf(error);
  for (let cause = (error as Error | undefined)?.cause; cause !== undefined && cause !== null; cause = (cause as Error).cause) {
    const more = messageOf(cause);
    if (!text.includes(more)) text += `: ${more}`;
  }
  return text;
}

export function wrongArity(command: string): ErrorReply {
  return new ErrorReply(`ERR wrong number of arguments for '${command.toLowerCase()}' command`);
}

/** An argument as Redis's printf-formatted errors show it (`%.128s`): cut at a NUL byte, then at `max`. */
export function printedArgument(text: string, max = Infinity): string {
  const nul = text.indexOf('\0');
  return (nul === -1 ? text : text.slice(0, nul)).slice(0, max);
}

export function unknownCommand(args: readonly string[]): ErrorReply {
  let rest = '';
  for (let i = 1; i < args.length && rest.length < 128; i++) rest += `'${printedArgument(args[i], 128 - rest.length)}' `;
  return new ErrorReply(`ERR unknown command '${printedArgument(args[0], 128)}', with args beginning with: ${rest}`);
}

export function unknownSubcommand(command: string, sub: string): ErrorReply {
  return new ErrorReply(`ERR unknown subcommand '${printedArgument(sub, 128)}'. Try ${command.toUpperCase()} HELP.`);
}

/** Redis's addReplySubcommandSyntaxError: a known subcommand given arguments it does not take. */
export function subcommandSyntaxError(command: string, sub: string): ErrorReply {
  return new ErrorReply(`ERR unknown subcommand or wrong number of arguments for '${printedArgument(sub, 128)}'. Try ${command.toUpperCase()} HELP.`);
}

export function invalidExpireTime(command: string): ErrorReply {
  return new ErrorReply(`ERR invalid expire time in '${command.toLowerCase()}' command`);
}
