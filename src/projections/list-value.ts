import Denque from 'denque';
import type { CollectionSnapshot } from '../log/record.js';
import type { Collection } from './value.js';

/** A list: a double-ended queue (denque), O(1) at both ends and by index. */
export class ListValue implements Collection {
  readonly type = 'list';
  readonly items = new Denque<string>();

  get size(): number {
    return this.items.length;
  }

  pushBack(item: string): void {
    this.items.push(item);
  }

  pushFront(item: string): void {
    this.items.unshift(item);
  }

  popFront(): string | undefined {
    return this.items.shift();
  }

  popBack(): string | undefined {
    return this.items.pop();
  }

  at(index: number): string | undefined {
    return this.items.peekAt(index);
  }

  setAt(index: number, item: string): void {
    this.items.splice(index, 1, item);
  }

  insertAt(index: number, item: string): void {
    if (index >= this.items.length) this.items.push(item);
    else this.items.splice(index, 0, item);
  }

  removeAt(index: number): void {
    this.items.removeOne(index);
  }

  /** Keeps only [start, stop] (already clamped, inclusive). */
  trim(start: number, stop: number): void {
    const kept = this.items.toArray().slice(start, stop + 1);
    this.items.clear();
    for (const item of kept) this.pushBack(item);
  }

  range(start: number, stop: number): string[] {
    const out: string[] = [];
    for (let i = start; i <= stop; i++) out.push(this.items.peekAt(i) as string);
    return out;
  }

  /** Redis 7.0 keeps every list in a quicklist (listpack lists came with 7.2). */
  encoding(): string {
    return 'quicklist';
  }

  clone(): ListValue {
    const copy = new ListValue();
    for (const item of this.items.toArray()) copy.pushBack(item);
    return copy;
  }

  snapshot(): CollectionSnapshot {
    return ['list', ...this.items.toArray()];
  }
}
