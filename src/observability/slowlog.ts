/** Redis's SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING: what an entry keeps of a command. */
const MAX_ARGUMENTS = 32;
const MAX_ARGUMENT_LENGTH = 128;

export interface SlowlogEntry {
  readonly id: number;
  /** Unix time in seconds when the command ran. */
  readonly time: number;
  readonly durationUsec: number;
  readonly args: readonly string[];
  /** ip:port of the client. */
  readonly peer: string;
  readonly clientName: string;
}

/** Who ran a command, as an entry names them. */
export interface SlowlogClient {
  readonly name: string;
  readonly transport: { readonly remoteAddress: string };
}

/**
 * SLOWLOG: the last `slowlog-max-len` commands that ran at least `slowlog-log-slower-than`
 * microseconds (negative: off), newest first, their arguments trimmed and secrets redacted as Redis does.
 */
export class Slowlog {
  private entries: SlowlogEntry[] = [];
  private nextId = 0;
  slowerThanUsec: number;
  maxLength: number;
  /** Told of each entry (the server log's slow-command lines). */
  onEntry: ((entry: SlowlogEntry) => void) | undefined = undefined;

  constructor(slowerThanUsec: number, maxLength: number) {
    this.slowerThanUsec = slowerThanUsec;
    this.maxLength = maxLength;
  }

  /** Whether a command that took `durationUsec` goes in the log (the caller then builds the entry). */
  wants(durationUsec: number): boolean {
    return this.slowerThanUsec >= 0 && durationUsec >= this.slowerThanUsec;
  }

  push(client: SlowlogClient, args: readonly string[], durationUsec: number, nowMs: number): void {
    const entry: SlowlogEntry = {
      id: this.nextId++,
      time: Math.floor(nowMs / 1000),
      durationUsec: Math.floor(durationUsec),
      args: trimmedArguments(redacted(args)),
      peer: client.transport.remoteAddress,
      clientName: client.name,
    };
    this.entries.unshift(entry);
    this.trim();
    this.onEntry?.(entry);
  }

  /** The newest `count` entries (all with a negative count). */
  latest(count: number): readonly SlowlogEntry[] {
    return count < 0 ? this.entries : this.entries.slice(0, count);
  }

  get length(): number {
    return this.entries.length;
  }

  /** Past slowlog-max-len (an entry added, or the length lowered), the oldest entries go. */
  trim(): void {
    if (this.entries.length > this.maxLength) this.entries.length = this.maxLength;
  }

  reset(): void {
    this.entries = [];
  }
}

const REDACTED = '(redacted)';
/** CONFIG SET values that are secrets (Redis's sensitive configs). */
const SECRET_OPTIONS = new Set(['requirepass', 'masterauth', 'masteruser']);

/** What Redis's redactClientCommandArgument hides: passwords and ACL rules. */
function redacted(args: readonly string[]): readonly string[] {
  const name = args[0].toLowerCase();
  const sub = args.length > 1 ? args[1].toLowerCase() : '';
  if (name === 'auth') return args.map((arg, index) => (index === 0 ? arg : REDACTED));
  if (name === 'acl' && sub === 'setuser') return args.map((arg, index) => (index < 2 ? arg : REDACTED));
  if (name === 'config' && sub === 'set') return args.map((arg, index) => (index >= 3 && index % 2 === 1 && SECRET_OPTIONS.has(args[index - 1].toLowerCase()) ? REDACTED : arg));
  if (name === 'hello' || name === 'migrate') return redactAuth(args, name === 'hello' ? 2 : 6);
  return args;
}

/** HELLO's AUTH username and password (from its 3rd argument); MIGRATE's AUTH password and AUTH2 username and password (from its 7th, up to KEYS). */
function redactAuth(args: readonly string[], firstOption: number): readonly string[] {
  const hello = firstOption === 2;
  const out = [...args];
  for (let index = firstOption; index < out.length; index++) {
    const option = out[index].toLowerCase();
    if (option === 'keys' && !hello) break;
    const secrets = option === 'auth2' || (option === 'auth' && hello) ? 2 : option === 'auth' ? 1 : 0;
    for (let offset = 1; offset <= secrets && index + offset < out.length; offset++) out[index + offset] = REDACTED;
    index += secrets;
  }
  return out;
}

/** At most 32 arguments (the last says how many more) and 128 bytes of each (saying how many more). */
function trimmedArguments(args: readonly string[]): string[] {
  const kept = Math.min(args.length, MAX_ARGUMENTS);
  const out: string[] = [];
  for (let index = 0; index < kept; index++) {
    if (kept !== args.length && index === kept - 1) out.push(`... (${args.length - kept + 1} more arguments)`);
    else if (args[index].length > MAX_ARGUMENT_LENGTH) out.push(`${args[index].slice(0, MAX_ARGUMENT_LENGTH)}... (${args[index].length - MAX_ARGUMENT_LENGTH} more bytes)`);
    else out.push(args[index]);
  }
  return out;
}
