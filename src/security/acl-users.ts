import { AclRuleError, AclUser, type AclCatalog } from './acl-user.js';

/** One ACL LOG entry: denials of the same kind by the same user within 60 s are counted in one. */
export interface AclLogEntry {
  count: number;
  readonly reason: 'command' | 'key' | 'channel' | 'auth';
  /** toplevel, multi or lua. */
  readonly context: string;
  readonly object: string;
  readonly username: string;
  readonly createdAt: number;
  updatedAt: number;
  clientInfo: string;
}

const GROUP_MS = 60_000;

/** An ACL SETUSER that could not be applied: the rule, and why. */
export class AclSetUserError extends Error {
  constructor(
    readonly rule: string,
    reason: string,
  ) {
    super(`Error in ACL SETUSER modifier '${rule}': ${reason}`);
  }
}

/** The users (Redis's `default` first), the ACL LOG, and authentication. */
export class AclUsers {
  private readonly users = new Map<string, AclUser>();
  readonly log: AclLogEntry[] = [];
  logMaxLength = 128;

  constructor(private readonly catalog: AclCatalog) {
    const user = new AclUser('default', catalog);
    for (const rule of ['on', 'nopass', '~*', '&*', '+@all']) user.apply(rule);
    this.users.set('default', user);
  }

  get default(): AclUser {
    return this.users.get('default') as AclUser;
  }

  get(name: string): AclUser | undefined {
    return this.users.get(name);
  }

  names(): string[] {
    return [...this.users.keys()].sort();
  }

  all(): AclUser[] {
    return this.names().map((name) => this.users.get(name) as AclUser);
  }

  /**
   * ACL SETUSER: the rules apply in order to a copy of the user (a new one starts off, with no
   * password, key, channel or command), which replaces it only if every rule applied. The user
   * object stays the same one, so that its connections see the change at once.
   */
  setUser(name: string, rules: readonly string[]): AclUser {
    const existing = this.users.get(name);
    const draft = existing?.copy() ?? new AclUser(name, this.catalog);
    if (existing === undefined) draft.apply('resetchannels');
    for (const rule of rules) {
      try {
        draft.apply(rule);
      } catch (error) {
        if (error instanceof AclRuleError) throw new AclSetUserError(rule, error.message);
        throw error;
      }
    }
    if (existing === undefined) {
      this.users.set(name, draft);
      return draft;
    }
    Object.assign(existing, {
      enabled: draft.enabled,
      noPass: draft.noPass,
      payloadFlag: draft.payloadFlag,
      passwords: draft.passwords,
      root: draft.root,
      selectors: draft.selectors,
    });
    return existing;
  }

  delete(name: string): boolean {
    return this.users.delete(name);
  }

  /** Replaces every user but keeps the objects of those that stay (ACL LOAD). */
  replaceAll(users: readonly AclUser[]): void {
    const kept = new Map(users.map((user) => [user.name, user]));
    for (const name of [...this.users.keys()]) if (!kept.has(name) && name !== 'default') this.users.delete(name);
    for (const user of users) {
      const existing = this.users.get(user.name);
      if (existing === undefined) this.users.set(user.name, user);
      else
        Object.assign(existing, {
          enabled: user.enabled,
          noPass: user.noPass,
          payloadFlag: user.payloadFlag,
          passwords: user.passwords,
          root: user.root,
          selectors: user.selectors,
        });
    }
  }

  /** A fresh user of this catalog with `rules` applied (ACL files and `user` lines). */
  parse(name: string, rules: readonly string[]): AclUser {
    const user = new AclUser(name, this.catalog);
    user.apply('resetchannels');
    for (const rule of rules) {
      try {
        user.apply(rule);
      } catch (error) {
        if (error instanceof AclRuleError) throw new AclSetUserError(rule, error.message);
        throw error;
      }
    }
    return user;
  }

  /** The user a name and password open, when it is on and the password is one of its own. */
  authenticate(name: string, password: string): AclUser | undefined {
    const user = this.users.get(name);
    return user?.checkPassword(password) === true ? user : undefined;
  }

  /** requirepass is the default user's password (empty: nopass), as in Redis. */
  setRequirePass(password: string): void {
    const user = this.default;
    user.apply('resetpass');
    user.apply(password === '' ? 'nopass' : `>${password}`);
  }

  /** Notes a denial (or a failed AUTH) in the ACL LOG, newest first. */
  note(entry: Omit<AclLogEntry, 'count' | 'createdAt' | 'updatedAt'>, now = Date.now()): void {
    const same = this.log.find(
      (old) => old.reason === entry.reason && old.context === entry.context && old.object === entry.object && old.username === entry.username && now - old.updatedAt < GROUP_MS,
    );
    if (same !== undefined) {
      same.count++;
      same.updatedAt = now;
      same.clientInfo = entry.clientInfo;
      this.log.splice(this.log.indexOf(same), 1);
      this.log.unshift(same);
      return;
    }
    this.log.unshift({ ...entry, count: 1, createdAt: now, updatedAt: now });
    if (this.log.length > this.logMaxLength) this.log.length = this.logMaxLength;
  }
}
