import type { EncodingLimits } from './encoding-limits.js';
import type { CollectionSnapshot } from '../log/record.js';
import type { Collection } from './value.js';

/** A hash: field -> value, in insertion order. */
export class HashValue implements Collection {
  readonly type = 'hash';
  readonly fields = new Map<string, string>();
  /** Redis converts listpack to hashtable once and never back. */
  private wide = false;

  get size(): number {
    return this.fields.size;
  }

  /** Adds or replaces a field; past the listpack limits (in entries, or a field or value's bytes) the hash is a hashtable. */
  set(field: string, value: string, limits: EncodingLimits): void {
    this.fields.set(field, value);
    if (!this.wide && (this.fields.size > limits.hashEntries || field.length > limits.hashValue || value.length > limits.hashValue)) this.wide = true;
  }

  encoding(): string {
    return this.wide ? 'hashtable' : 'listpack';
  }

  /** A copy in the same encoding, as Redis's COPY duplicates a hash. */
  clone(): HashValue {
    const copy = new HashValue();
    for (const [field, value] of this.fields) copy.fields.set(field, value);
    copy.wide = this.wide;
    return copy;
  }

  snapshot(): CollectionSnapshot {
    const flat: [type: 'hash', ...fieldsAndValues: string[]] = ['hash'];
    for (const [field, value] of this.fields) flat.push(field, value);
    return flat;
  }
}
