import { globMatcher } from '../formats/glob.js';
import { DEPRECATED_OPTIONS, OPTIONS, type OptionSpec } from './option-table.js';
import { ConfigError, parseOption, shownKeyspaceEventFlags } from './option-values.js';

/** A name CONFIG takes: an option's own name or its alias, and the option. */
interface Entry {
  readonly name: string;
  readonly spec: OptionSpec;
}

/** Every name, own and alias, lower case, in the table's order (CONFIG GET of a glob answers in it). */
const ENTRIES: readonly Entry[] = OPTIONS.flatMap((spec) => [{ name: spec.name, spec }, ...(spec.alias === undefined ? [] : [{ name: spec.alias, spec }])]);
const BY_NAME = new Map(ENTRIES.map((entry) => [entry.name, entry]));

const defaultOf = (spec: OptionSpec) => (typeof spec.default === 'string' ? spec.default : spec.default());

export class Config {
  private readonly values = new Map<string, string>();
  private readonly listeners = new Map<string, ((value: string) => void)[]>();
  /** The config file's `user` lines (ACL users as Redis's redis.conf declares them), with where each is. */
  readonly userLines: { words: string[]; where: string }[] = [];
  /** Start-up `save` lines add to each other, as in redis.conf; the first replaces the default. */
  private saveLines = 0;

  constructor() {
    for (const spec of OPTIONS) this.values.set(spec.name, parseOption(spec, defaultOf(spec)));
  }

  static isOption(name: string): boolean {
    return BY_NAME.has(name.toLowerCase());
  }

  /**
   * Sets an option at start-up (command line, config file); throws ConfigError when invalid. Names
   * Redis 7.0 reads and ignores are ignored.
   */
  set(name: string, raw: string): void {
    const entry = BY_NAME.get(name.toLowerCase());
    if (entry === undefined) {
      if (DEPRECATED_OPTIONS.has(name.toLowerCase())) return;
      throw new ConfigError(`unknown option '${name}'`, name, true);
    }
    const spec = entry.spec;
    const current = this.values.get(spec.name) as string;
    let value = parseOption(spec, raw, current);
    if (spec.kind.type === 'save-rules' && this.saveLines++ > 0) value = [current, value].filter((rules) => rules !== '').join(' ');
    this.assign(spec, value);
  }

  /**
   * CONFIG SET: every name is checked first (unknown, immutable, protected, given twice), then every
   * value, and only then are they all applied, so a failing CONFIG SET changes nothing (Redis 7).
   * Throws ConfigError naming the offending option as Redis does: a name as given, a bad value by
   * the option's name (or the alias given).
   */
  setAtRuntime(pairs: readonly [string, string][]): void {
    const entries: Entry[] = [];
    for (const [name] of pairs) {
      const entry = BY_NAME.get(name.toLowerCase());
      if (entry === undefined) throw new ConfigError(`unknown option '${name}'`, name, true);
      if (entry.spec.access !== 'mutable') throw new ConfigError(`can't set ${entry.spec.access} config`, name);
      if (entries.includes(entry)) throw new ConfigError('duplicate parameter', name);
      entries.push(entry);
    }
    const staged = new Map<OptionSpec, string>();
    pairs.forEach(([, raw], i) => {
      const { name, spec } = entries[i];
      try {
        staged.set(spec, parseOption(spec, raw, staged.get(spec) ?? this.values.get(spec.name)));
      } catch (error) {
        if (error instanceof ConfigError) throw new ConfigError(error.message, name);
        throw error;
      }
    });
    for (const validator of this.validators) {
      const index = entries.findIndex((entry) => validator.names.has(entry.spec.name));
      if (index === -1) continue;
      const read = (name: string) => [...staged].find(([spec]) => spec.name === name)?.[1] ?? this.get(name);
      const refusal = validator.validate(read);
      if (refusal !== undefined) throw new ConfigError(refusal, pairs[index][0]);
    }
    for (const [spec, value] of staged) this.assign(spec, value);
  }

  private readonly validators: { names: ReadonlySet<string>; validate: (read: (name: string) => string) => string | undefined }[] = [];

  /**
   * A CONFIG SET of any of `names` is refused with what `validate` answers, given the values as
   * they would be (TLS: the certificate, key and CA must load together).
   */
  validateTogether(names: readonly string[], validate: (read: (name: string) => string) => string | undefined): void {
    this.validators.push({ names: new Set(names), validate });
  }

  /** Calls `listener` whenever `name` changes (CONFIG SET of appendfsync reaches the log, say). */
  onChange(name: string, listener: (value: string) => void): void {
    const listeners = this.listeners.get(name);
    if (listeners === undefined) this.listeners.set(name, [listener]);
    else listeners.push(listener);
  }

  get(name: string): string {
    const value = this.values.get(name);
    if (value === undefined) throw new Error(`no option ${name}`);
    return value;
  }

  int(name: string): number {
    return Number(this.get(name));
  }

  /**
   * CONFIG GET: a pattern without glob characters is a name, found in any case (hidden options
   * too) and answered as given; a glob matches every name that is not hidden, aliases included.
   */
  matching(patterns: readonly string[]): [string, string][] {
    // By name in lower case: the first spelling asked for is the one answered.
    const found = new Map<string, [name: string, spec: OptionSpec]>();
    const add = (name: string, spec: OptionSpec) => {
      if (!found.has(name.toLowerCase())) found.set(name.toLowerCase(), [name, spec]);
    };
    for (const pattern of patterns) {
      if (!/[*?[]/.test(pattern)) {
        const entry = BY_NAME.get(pattern.toLowerCase());
        if (entry !== undefined) add(pattern, entry.spec);
        continue;
      }
      const matches = globMatcher(pattern, true);
      for (const { name, spec } of ENTRIES) if (spec.hidden !== true && matches(name)) add(name, spec);
    }
    return [...found.values()].map(([name, spec]) => [name, this.shown(spec)]);
  }

  private shown(spec: OptionSpec): string {
    const value = this.get(spec.name);
    return spec.kind.type === 'keyspace-events' ? shownKeyspaceEventFlags(value) : value;
  }

  private assign(spec: OptionSpec, value: string): void {
    this.values.set(spec.name, value);
    for (const listener of this.listeners.get(spec.name) ?? []) listener(value);
  }
}
