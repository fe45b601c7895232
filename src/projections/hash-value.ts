import { LISTPACK_MAX_ENTRIES, LISTPACK_MAX_VALUE } from './encoding-limits.js';
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

  set(field: string, value: string): void {
    this.fields.set(field, value);
    if (!this.wide && (this.fields.size > LISTPACK_MAX_ENTRIES || field.length > LISTPACK_MAX_VALUE || value.length > LISTPACK_MAX_VALUE)) this.wide = true;
  }

  encoding(): string {
    return this.wide ? 'hashtable' : 'listpack';
  }

  clone(): HashValue {
    const copy = new HashValue();
    for (const [field, value] of this.fields) copy.set(field, value);
    return copy;
  }

  snapshot(): CollectionSnapshot {
    const flat: [type: 'hash', ...fieldsAndValues: string[]] = ['hash'];
    for (const [field, value] of this.fields) flat.push(field, value);
    return flat;
  }
}
