import Denque from 'denque';
import { LIST_LISTPACK_MAX_BYTES } from './encoding-limits.js';
import type { Collection } from './value.js';

/** A list: a double-ended queue (denque), O(1) at both ends and by index. */
export class ListValue implements Collection {
  readonly type = 'list';
  readonly items = new Denque<string>();
  /** Bytes held, to name the encoding as Redis 7.2 does (listpack up to 8 KiB, then quicklist). */
  private bytes = 0;

  get size(): number {
    return this.items.length;
  }

  pushBack(item: string): void {
    this.items.push(item);
    this.bytes += item.length + 2;
  }

  pushFront(item: string): void {
    this.items.unshift(item);
    this.bytes += item.length + 2;
  }

  popFront(): string | undefined {
    const item = this.items.shift();
    if (item !== undefined) this.bytes -= item.length + 2;
    return item;
  }

  popBack(): string | undefined {
    const item = this.items.pop();
    if (item !== undefined) this.bytes -= item.length + 2;
    return item;
  }

  at(index: number): string | undefined {
    return this.items.peekAt(index);
  }

  setAt(index: number, item: string): void {
    const old = this.items.peekAt(index) as string;
    this.items.splice(index, 1, item);
    this.bytes += item.length - old.length;
  }

  insertAt(index: number, item: string): void {
    if (index >= this.items.length) this.items.push(item);
    else this.items.splice(index, 0, item);
    this.bytes += item.length + 2;
  }

  removeAt(index: number): void {
    const item = this.items.removeOne(index);
    if (item !== undefined) this.bytes -= item.length + 2;
  }

  /** Keeps only [start, stop] (already clamped, inclusive). */
  trim(start: number, stop: number): void {
    const kept = this.items.toArray().slice(start, stop + 1);
    this.items.clear();
    this.bytes = 0;
    for (const item of kept) this.pushBack(item);
  }

  range(start: number, stop: number): string[] {
    const out: string[] = [];
    for (let i = start; i <= stop; i++) out.push(this.items.peekAt(i) as string);
    return out;
  }

  encoding(): string {
    return this.bytes <= LIST_LISTPACK_MAX_BYTES ? 'listpack' : 'quicklist';
  }

  clone(): ListValue {
    const copy = new ListValue();
    for (const item of this.items.toArray()) copy.pushBack(item);
    return copy;
  }

  snapshot(): unknown[] {
    return ['list', ...this.items.toArray()];
  }
}
