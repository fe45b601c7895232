import { createHash } from 'node:crypto';
import { compileGlob, globMatches } from '../formats/glob.js';

/** A command or subcommand as ACL rules see it: its name (`client|id`) and Redis's categories. */
export interface AclCommand {
  readonly name: string;
  /** As COMMAND INFO lists them: `@read`, `@string`. */
  readonly categories: readonly string[];
  /** A container's subcommands (possibly under several spellings). */
  readonly subcommands?: ReadonlyMap<string, AclCommand>;
}

/** The command table, as ACL rules name commands and categories. */
export interface AclCatalog {
  find(name: string): AclCommand | undefined;
  all(): readonly AclCommand[];
}

/** Redis's categories, in its order (ACL CAT lists them so, and rules are described in it). */
export const ACL_CATEGORIES = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
];

/** A rule that could not be applied, with Redis's words. */
export class AclRuleError extends Error {}

const SYNTAX = 'Syntax error';
const UNKNOWN_NAME = 'Unknown command or category name in ACL';

/** Every command and subcommand that runs (a container runs only as one of its subcommands). */
function runnable(catalog: AclCatalog): AclCommand[] {
  const found: AclCommand[] = [];
  for (const command of catalog.all()) {
    if (command.subcommands === undefined) found.push(command);
    else found.push(...uniqueSubcommands(command));
  }
  return found;
}

function uniqueSubcommands(command: AclCommand): AclCommand[] {
  return [...new Set(command.subcommands?.values() ?? [])];
}

/** Not a character: the index entry of the patterns that start with a wildcard (`*`, `?`, `[`, `\\`). */
const ANY_FIRST_CHAR = 'any';

function indexByFirstChar(patterns: readonly KeyPattern[]): Map<string, KeyPattern[]> {
  const index = new Map<string, KeyPattern[]>();
  for (const entry of patterns) {
    const first = entry.pattern.charAt(0);
    const at = first === '' || '*?[\\'.includes(first) ? ANY_FIRST_CHAR : first;
    const list = index.get(at);
    if (list === undefined) index.set(at, [entry]);
    else list.push(entry);
  }
  return index;
}

function allowedBy(patterns: readonly KeyPattern[] | undefined, key: string, read: boolean, write: boolean): boolean {
  if (patterns === undefined) return false;
  for (const entry of patterns) if ((!read || entry.read) && (!write || entry.write) && entry.matches(key)) return true;
  return false;
}

interface KeyPattern {
  readonly pattern: string;
  readonly read: boolean;
  readonly write: boolean;
  /** The pattern compiled once: every key of every command is checked against it. */
  readonly matches: (key: string) => boolean;
}

/**
 * One set of permissions: commands (by name, a subcommand alone, or a command's first argument),
 * key patterns with read and write, channel patterns. A user has a root selector and more in
 * parentheses; a command may run when one of them allows all it touches (Redis 7.0).
 */
export class AclSelector {
  /** Names of the commands and subcommands allowed. */
  readonly allowed = new Set<string>();
  /** `+config|get` for a command without subcommands: the first arguments allowed. */
  readonly firstArgs = new Map<string, Set<string>>();
  /** +@all: commands added later (none in Eddy, but Redis describes the rules by it). */
  allowsAll = false;
  keys: KeyPattern[] = [];
  allKeys = false;
  channels: string[] = [];
  allChannels = false;

  constructor(private readonly catalog: AclCatalog) {}

  copy(): AclSelector {
    const copy = new AclSelector(this.catalog);
    for (const name of this.allowed) copy.allowed.add(name);
    for (const [name, args] of this.firstArgs) copy.firstArgs.set(name, new Set(args));
    Object.assign(copy, { allowsAll: this.allowsAll, keys: [...this.keys], allKeys: this.allKeys, channels: [...this.channels], allChannels: this.allChannels });
    return copy;
  }

  apply(rule: string): void {
    this.everything = undefined;
    this.keyIndex = undefined;
    this.lastAllowed = undefined;
    const lower = rule.toLowerCase();
    if (lower === 'allkeys' || rule === '~*') {
      this.allKeys = true;
      this.keys = [];
    } else if (lower === 'resetkeys') {
      this.allKeys = false;
      this.keys = [];
    } else if (rule.startsWith('~') || rule.startsWith('%')) this.addKeyPattern(rule);
    else if (lower === 'allchannels' || rule === '&*') {
      this.allChannels = true;
      this.channels = [];
    } else if (lower === 'resetchannels') {
      this.allChannels = false;
      this.channels = [];
    } else if (rule.startsWith('&')) {
      if (this.allChannels)
        throw new AclRuleError(
          "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
        );
      this.channels.push(rule.slice(1));
    } else if (lower === 'allcommands' || lower === '+@all') this.setAll(true);
    else if (lower === 'nocommands' || lower === '-@all') this.setAll(false);
    else if (rule.startsWith('+@') || rule.startsWith('-@')) this.setCategory(lower.slice(2), rule[0] === '+');
    else if (rule.startsWith('+') || rule.startsWith('-')) this.setCommand(lower.slice(1), rule[0] === '+');
    else throw new AclRuleError(SYNTAX);
  }

  private addKeyPattern(rule: string): void {
    let read = true;
    let write = true;
    let pattern = rule.slice(1);
    if (rule.startsWith('%')) {
      const tilde = rule.indexOf('~');
      const flags = tilde === -1 ? '' : rule.slice(1, tilde).toUpperCase();
      if (tilde === -1 || flags === '' || /[^RW]/.test(flags)) throw new AclRuleError(SYNTAX);
      read = flags.includes('R');
      write = flags.includes('W');
      pattern = rule.slice(tilde + 1);
    }
    if (this.allKeys)
      throw new AclRuleError(
        "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
      );
    if (pattern === '*' && read && write) {
      this.allKeys = true;
      this.keys = [];
      return;
    }
    this.keys.push({ pattern, read, write, matches: compileGlob(pattern) });
  }

  private setAll(allowed: boolean): void {
    this.allowsAll = allowed;
    this.allowed.clear();
    this.firstArgs.clear();
    if (allowed) for (const command of runnable(this.catalog)) this.allowed.add(command.name);
  }

  private setCategory(category: string, allowed: boolean): void {
    if (!ACL_CATEGORIES.includes(category)) throw new AclRuleError(UNKNOWN_NAME);
    for (const command of runnable(this.catalog)) if (command.categories.includes(`@${category}`)) this.set(command.name, allowed);
  }

  private setCommand(name: string, allowed: boolean): void {
    const bar = name.indexOf('|');
    const command = this.catalog.find(bar === -1 ? name : name.slice(0, bar));
    if (command === undefined) throw new AclRuleError(UNKNOWN_NAME);
    if (bar === -1) {
      for (const each of command.subcommands === undefined ? [command] : uniqueSubcommands(command)) this.set(each.name, allowed);
      this.firstArgs.delete(command.name);
      return;
    }
    const sub = name.slice(bar + 1);
    if (sub === '' || sub.includes('|')) throw new AclRuleError(SYNTAX);
    const subcommand = command.subcommands?.get(sub);
    if (subcommand !== undefined) return this.set(subcommand.name, allowed);
    if (command.subcommands !== undefined) throw new AclRuleError(UNKNOWN_NAME);
    // A first argument of a command without subcommands (+select|0), as Redis 7.0 allows.
    if (!allowed) throw new AclRuleError('Allowing first-arg of a subcommand is not supported');
    if (!this.allowed.has(command.name)) {
      const args = this.firstArgs.get(command.name) ?? new Set<string>();
      args.add(sub);
      this.firstArgs.set(command.name, args);
    }
  }

  private set(name: string, allowed: boolean): void {
    if (allowed) this.allowed.add(name);
    else this.allowed.delete(name);
    this.firstArgs.delete(name);
  }

  /** No command left out (cached per rule change: the dispatcher asks for every command). */
  allowsEverything(): boolean {
    this.everything ??= runnable(this.catalog).every((command) => this.allowed.has(command.name));
    return this.everything;
  }

  private everything: boolean | undefined;

  allowsCommand(name: string, firstArg: string | undefined): boolean {
    if (name === this.lastAllowed) return true;
    if (this.allowed.has(name)) {
      this.lastAllowed = name;
      return true;
    }
    return firstArg !== undefined && this.firstArgs.get(name)?.has(firstArg.toLowerCase()) === true;
  }

  /** The last command allowed whatever its arguments: a run of one command (a pipeline of SETs) skips the Set lookup. Cleared by `apply`. */
  private lastAllowed: string | undefined;

  allowsKey(key: string, read: boolean, write: boolean): boolean {
    if (this.allKeys) return true;
    const index = (this.keyIndex ??= indexByFirstChar(this.keys));
    return allowedBy(index.get(key.charAt(0)), key, read, write) || allowedBy(index.get(ANY_FIRST_CHAR), key, read, write);
  }

  /**
   * The key patterns by the character they start with (a pattern starting with a wildcard under
   * ANY_FIRST_CHAR): a key is matched only against those that could match it, not all of them,
   * since this runs for every key of every command a restricted user sends.
   */
  private keyIndex: Map<string, KeyPattern[]> | undefined;

  /** A channel (PUBLISH, SUBSCRIBE) by pattern; a PSUBSCRIBE pattern only as written in a rule. */
  allowsChannel(channel: string, isPattern: boolean): boolean {
    if (this.allChannels) return true;
    return this.channels.some((pattern) => (isPattern ? pattern === channel : globMatches(pattern, channel)));
  }

  /**
   * The command rules as Redis 7.0 describes them: +@all or -@all, then each category mostly
   * allowed (or denied), then the single commands that still differ.
   */
  describeCommands(): string {
    const additive = !this.allowsAll;
    const fake = new AclSelector(this.catalog);
    fake.setAll(!additive);
    const rules = [additive ? '-@all' : '+@all'];
    const commands = runnable(this.catalog);
    // Redis 7.0's best fit: each round takes the category with the fewest differences from what
    // is left to describe (then the most in common); what it covers is then left out.
    const left = new Set(commands.filter((command) => this.allowed.has(command.name)).map((command) => command.name));
    const applied = new Set<string>();
    for (;;) {
      let best: string | undefined;
      let fewest = Infinity;
      let most = 0;
      for (const category of ACL_CATEGORIES) {
        if (applied.has(category)) continue;
        const members = commands.filter((command) => command.categories.includes(`@${category}`));
        const on = members.filter((command) => left.has(command.name)).length;
        const [same, diff] = additive ? [on, members.length - on] : [members.length - on, on];
        if (same > diff && (diff < fewest || (diff === fewest && same > most))) {
          best = category;
          fewest = diff;
          most = same;
        }
      }
      if (best === undefined) break;
      const rule = `${additive ? '+' : '-'}@${best}`;
      fake.apply(rule);
      rules.push(rule);
      applied.add(best);
      for (const command of commands) {
        if (!command.categories.includes(`@${best}`)) continue;
        if (additive) left.delete(command.name);
        else left.add(command.name);
      }
    }
    for (const command of commands) {
      const want = this.allowed.has(command.name);
      if (want !== fake.allowed.has(command.name)) rules.push(`${want ? '+' : '-'}${command.name}`);
    }
    for (const [name, args] of this.firstArgs) for (const arg of args) rules.push(`+${name}|${arg}`);
    return rules.join(' ');
  }

  describeKeys(): string {
    if (this.allKeys) return '~*';
    return this.keys.map(({ pattern, read, write }) => (read && write ? `~${pattern}` : read ? `%R~${pattern}` : `%W~${pattern}`)).join(' ');
  }

  describeChannels(): string {
    return this.allChannels ? '&*' : this.channels.map((pattern) => `&${pattern}`).join(' ');
  }

  /** As ACL LIST writes it: keys, channels (after resetchannels unless all), commands. */
  describe(): string {
    const keys = this.describeKeys();
    const channels = this.allChannels ? '&*' : ['resetchannels', this.describeChannels()].filter((part) => part !== '').join(' ');
    return [keys, channels, this.describeCommands()].filter((part) => part !== '').join(' ');
  }
}

export function passwordHash(password: string): string {
  return createHash('sha256').update(Buffer.from(password, 'latin1')).digest('hex');
}

/** A user: on or off, its passwords (SHA-256) or nopass, a root selector and more selectors. */
export class AclUser {
  enabled = false;
  noPass = false;
  /** RESTORE's payload check for this user: Redis's sanitize-payload flags (kept and shown; Eddy always checks). */
  payloadFlag: 'sanitize-payload' | 'skip-sanitize-payload' | undefined = undefined;
  passwords = new Set<string>();
  root: AclSelector;
  selectors: AclSelector[] = [];

  /** Every command on every key and channel (the default user as it starts): no check needed. */
  get unrestricted(): boolean {
    const root = this.root;
    return root.allowsAll && root.allKeys && root.allChannels && root.allowsEverything();
  }

  constructor(
    readonly name: string,
    private readonly catalog: AclCatalog,
  ) {
    this.root = new AclSelector(catalog);
  }

  copy(): AclUser {
    const copy = new AclUser(this.name, this.catalog);
    Object.assign(copy, {
      enabled: this.enabled,
      noPass: this.noPass,
      passwords: new Set(this.passwords),
      root: this.root.copy(),
      selectors: this.selectors.map((selector) => selector.copy()),
    });
    return copy;
  }

  /** Applies one rule (ACL SETUSER's modifiers); AclRuleError with Redis's reason when it cannot. */
  apply(rule: string): void {
    const lower = rule.toLowerCase();
    if (lower === 'on') this.enabled = true;
    else if (lower === 'off') this.enabled = false;
    else if (lower === 'sanitize-payload' || lower === 'skip-sanitize-payload') this.payloadFlag = lower;
    else if (lower === 'nopass') {
      this.noPass = true;
      this.passwords.clear();
    } else if (lower === 'resetpass') {
      this.noPass = false;
      this.passwords.clear();
    } else if (rule.startsWith('>')) {
      this.passwords.add(passwordHash(rule.slice(1)));
      this.noPass = false;
    } else if (rule.startsWith('#')) {
      this.passwords.add(validHash(rule.slice(1)));
      this.noPass = false;
    } else if (rule.startsWith('<') || rule.startsWith('!')) {
      const hash = rule.startsWith('<') ? passwordHash(rule.slice(1)) : validHash(rule.slice(1));
      if (!this.passwords.delete(hash)) throw new AclRuleError('The password you are trying to remove from the user does not exist');
    } else if (lower === 'reset') {
      for (const each of ['resetpass', 'resetkeys', 'resetchannels', 'off', 'sanitize-payload', '-@all', 'clearselectors']) this.apply(each);
    } else if (lower === 'clearselectors') this.selectors = [];
    else if (rule.startsWith('(') && rule.endsWith(')')) {
      const selector = new AclSelector(this.catalog);
      selector.apply('resetchannels');
      for (const part of rule
        .slice(1, -1)
        .split(' ')
        .filter((word) => word !== ''))
        selector.apply(part);
      this.selectors.push(selector);
    } else this.root.apply(rule);
  }

  /** A log tail shows a change to `key` only if one of its selectors may read it. */
  mayRead(key: string): boolean {
    return [this.root, ...this.selectors].some((selector) => selector.allowsKey(key, true, false));
  }

  /**
   * The channels this user may still use, all its selectors' patterns in one, when they no longer
   * cover every pattern of `original` (Redis 7.0's ACLKillPubsubClientsIfNeeded: a pattern kept, even
   * by another selector, takes nothing away); undefined when nothing was taken away.
   */
  narrowedChannels(original: AclUser): AclSelector | undefined {
    const selectors = [this.root, ...this.selectors];
    if (selectors.some((selector) => selector.allChannels)) return undefined;
    const kept = new AclSelector(this.catalog);
    kept.channels = selectors.flatMap((selector) => selector.channels);
    const before = [original.root, ...original.selectors];
    if (before.every((selector) => !selector.allChannels && selector.channels.every((pattern) => kept.channels.includes(pattern)))) return undefined;
    return kept;
  }

  checkPassword(password: string): boolean {
    return this.enabled && (this.noPass || this.passwords.has(passwordHash(password)));
  }

  /** ACL LIST's line. */
  describe(): string {
    const parts = ['user', this.name, this.enabled ? 'on' : 'off'];
    if (this.noPass) parts.push('nopass');
    if (this.payloadFlag !== undefined) parts.push(this.payloadFlag);
    for (const hash of this.passwords) parts.push(`#${hash}`);
    parts.push(this.root.describe());
    for (const selector of this.selectors) parts.push(`(${selector.describe()})`);
    return parts.filter((part) => part !== '').join(' ');
  }
}

function validHash(text: string): string {
  if (!/^[0-9a-f]{64}$/.test(text)) throw new AclRuleError('The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters');
  return text;
}

/** What a command touches, as an ACL check needs it. */
export interface AclRequest {
  /** The command's or subcommand's name (`client|id`). */
  readonly command: string;
  readonly firstArg: string | undefined;
  readonly keys: readonly { readonly key: string; readonly read: boolean; readonly write: boolean }[];
  readonly channels: readonly { readonly name: string; readonly isPattern: boolean }[];
}

/** Why a user may not run a command: the first thing refused, and what (Redis's ACL LOG reason and object). */
export interface AclDenial {
  readonly reason: 'command' | 'key' | 'channel';
  readonly object: string;
}

function denialBy(selector: AclSelector, request: AclRequest): AclDenial | undefined {
  if (!selector.allowsCommand(request.command, request.firstArg)) return { reason: 'command', object: request.command };
  for (const { key, read, write } of request.keys) if (!selector.allowsKey(key, read, write)) return { reason: 'key', object: key };
  for (const { name, isPattern } of request.channels) if (!selector.allowsChannel(name, isPattern)) return { reason: 'channel', object: name };
  return undefined;
}

/**
 * Whether `user` may run the request: one selector allowing all of it is enough. Refused, the
 * reason reported is the one that got furthest (a key or channel before the command), as Redis does.
 */
export function aclDenial(user: AclUser, request: AclRequest): AclDenial | undefined {
  // The root first, without gathering the selectors in a new array: this runs for every command.
  let worst = denialBy(user.root, request);
  if (worst === undefined) return undefined;
  for (const selector of user.selectors) {
    const denial = denialBy(selector, request);
    if (denial === undefined) return undefined;
    if (worst.reason === 'command' && denial.reason !== 'command') worst = denial;
  }
  return worst;
}
