import type { Value } from './value.js';

/** One database of one shard: its keys and, apart (like Redis's `expires` dict), their expiry times. */
export class Keyspace {
  data = new Map<string, Value>();
  /** Absolute expiry in ms for keys that have one. */
  expires = new Map<string, number>();
  /** When each key was last read or written, for OBJECT IDLETIME/FREQ and eviction (key-access.ts): memory only, never logged. */
  access = new Map<string, number>();

  /** Stores a value; `expireAt` 0 means no expiry. */
  set(key: string, value: Value, expireAt: number): void {
    this.data.set(key, value);
    if (expireAt > 0) this.expires.set(key, expireAt);
    else if (this.expires.size > 0) this.expires.delete(key);
  }

  delete(key: string): boolean {
    if (this.expires.size > 0) this.expires.delete(key);
    this.access.delete(key);
    return this.data.delete(key);
  }

  expireAt(key: string): number {
    return this.expires.size > 0 ? (this.expires.get(key) ?? 0) : 0;
  }

  clear(): void {
    this.data = new Map();
    this.expires = new Map();
    this.access = new Map();
  }

  get size(): number {
    return this.data.size;
  }
}
