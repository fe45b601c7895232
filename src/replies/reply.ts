/**
 * Replies as values, independent of any protocol: each protocol encodes them in its own form
 * (RESP2/RESP3 bytes now; JSON, gRPC messages later).
 *
 * string -> bulk string, number|bigint -> integer, null -> null, array -> array; the classes below
 * carry the types that RESP3 tells apart.
 */
export type Reply =
  | string
  | number
  | bigint
  | null
  | readonly Reply[]
  | StatusReply
  | ErrorReply
  | MapReply
  | SetReply
  | DoubleReply
  | VerbatimReply
  | BooleanReply
  | NullArrayReply
  | PushReply
  | NoReply;

/** A simple string: `+OK`. */
export class StatusReply {
  constructor(readonly text: string) {}
}

/** An error reply; `message` starts with its code (`ERR`, `WRONGTYPE`, ...). */
export class ErrorReply {
  constructor(readonly message: string) {}
}

/** A map in RESP3, a flat array of key, value, key, value... in RESP2. */
export class MapReply {
  constructor(readonly entries: readonly (readonly [Reply, Reply])[]) {}
}

/** A set in RESP3, an array in RESP2. */
export class SetReply {
  constructor(readonly items: readonly Reply[]) {}
}

/** A double in RESP3, a bulk string in RESP2; `text` where Redis prints it its own way (GEOPOS's coordinates, "%.17Lf" trimmed). */
export class DoubleReply {
  constructor(
    readonly value: number,
    readonly text?: string,
  ) {}
}

/** Verbatim text in RESP3 (`=`, with a format such as `txt`), a bulk string in RESP2. */
export class VerbatimReply {
  constructor(
    readonly text: string,
    readonly format = 'txt',
  ) {}
}

/** A boolean in RESP3, the integer 1 or 0 in RESP2. */
export class BooleanReply {
  constructor(readonly value: boolean) {}
}

/** RESP2's null array (`*-1`) where Redis uses it; plain null in RESP3. */
export class NullArrayReply {}

/** Out-of-band data (pub/sub messages, log-tail events): RESP3's push type, an array in RESP2. */
export class PushReply {
  constructor(readonly items: readonly Reply[]) {}
}

/** Nothing is sent (SHUTDOWN closes the connection without a reply). */
export class NoReply {}

/**
 * A container's HELP, as Redis's addReplyHelp sends it: status lines, headed by the usage line and
 * closed by HELP itself.
 */
export function helpReply(command: string, lines: readonly string[]): StatusReply[] {
  return [`${command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`, ...lines, 'HELP', '    Prints this help.'].map((line) => new StatusReply(line));
}

export const OK = new StatusReply('OK');
export const PONG = new StatusReply('PONG');
export const QUEUED = new StatusReply('QUEUED');
export const NULL_ARRAY = new NullArrayReply();
export const NO_REPLY = new NoReply();
