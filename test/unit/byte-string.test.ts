import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteString } from '../../src/projections/byte-string.js';
import { countBits } from '../../src/projections/bitmap.js';
import { appendText, byteAt, bytesIn, IN_PLACE_BYTES, setRange, textOf, writeRange } from '../../src/projections/string-value.js';
import { copyValue, encodingOf, typeOf } from '../../src/projections/value.js';
import { estimateValueBytes } from '../../src/projections/memory-estimate.js';
import { snapshotOf } from '../../src/projections/value-snapshot.js';

const latin1 = fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1'));

describe('ByteString', () => {
  it('round-trips every byte value as latin1', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');
    const bytes = ByteString.from(all);
    expect(bytes.toString()).toBe(all);
    expect(bytes.length).toBe(256);
    expect(bytes.byteAt(255)).toBe(255);
    expect(bytes.slice(250, 300)).toBe(all.slice(250));
    expect([...bytes.view(0, 4)]).toEqual([0, 1, 2, 3]);
  });

  it('writes as SETRANGE does, the gap past the end zero-filled, for any writes', () => {
    fc.assert(
      fc.property(latin1, fc.array(fc.tuple(fc.nat(200), latin1), { maxLength: 12 }), (start, writes) => {
        const bytes = ByteString.from(start);
        let model = start;
        for (const [offset, patch] of writes) {
          bytes.write(offset, patch);
          model = setRange(model, offset, patch);
        }
        expect(bytes.toString()).toBe(model);
        expect(bytes.length).toBe(model.length);
      }),
    );
  });

  it('grows its room by doubling below 1 MB and by an eighth past it, keeping the bytes', () => {
    const bytes = ByteString.from('ab');
    expect(bytes.capacity).toBe(2);
    bytes.append('c');
    expect(bytes.capacity).toBe(6);
    bytes.append('def');
    expect(bytes.capacity).toBe(6);
    expect(bytes.toString()).toBe('abcdef');
    const big = ByteString.from('');
    big.write(2 * 1024 * 1024 - 1, 'z');
    expect(big.capacity).toBe(2 * 1024 * 1024 + 256 * 1024);
    expect(big.byteAt(2 * 1024 * 1024 - 2)).toBe(0);
    expect(big.byteAt(2 * 1024 * 1024 - 1)).toBe(0x7a);
  });

  it('reads 0 and nothing past its end, even where it has room', () => {
    const bytes = ByteString.from('xy', 100);
    expect(bytes.byteAt(2)).toBe(0);
    expect(bytes.byteAt(1000)).toBe(0);
    expect(bytes.slice(1, 50)).toBe('y');
    expect(bytes.view(1, 50).length).toBe(1);
    expect(bytes.view(5, 50).length).toBe(0);
  });

  it('counts its whole room in MEMORY USAGE, as Redis counts an sds allocation', () => {
    const bytes = ByteString.from('x'.repeat(IN_PLACE_BYTES));
    bytes.append('y');
    expect(estimateValueBytes(bytes, 0)).toBeGreaterThanOrEqual(bytes.capacity);
    expect(estimateValueBytes(bytes, 0)).toBeLessThan(bytes.capacity + 1024);
    expect(estimateValueBytes(bytes, 0)).toBeGreaterThan(estimateValueBytes(bytes.toString(), 0));
  });

  it('counts set bits as a direct count does, across writes between counts (its block counts kept up to date)', () => {
    // Values of a few 4 KiB blocks, so that ranges cover whole blocks, parts of blocks and both.
    const patch = fc.tuple(
      fc.nat(20_000),
      fc.uint8Array({ maxLength: 5000 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    );
    const range = fc.tuple(fc.nat(180_000), fc.nat(180_000));
    fc.assert(
      fc.property(fc.array(fc.tuple(patch, range), { minLength: 1, maxLength: 8 }), (steps) => {
        const bytes = ByteString.from('\xff'.repeat(9000));
        for (const [[offset, text], [a, b]] of steps) {
          bytes.write(offset, text);
          const [first, last] = a <= b ? [a, b] : [b, a];
          const direct = countBits(Buffer.from(bytes.toString(), 'latin1'), first, last);
          expect(bytes.countOnes(first, last)).toBe(direct);
          expect(bytes.countOnes(0, bytes.length * 8 - 1)).toBe(countBits(Buffer.from(bytes.toString(), 'latin1'), 0, bytes.length * 8 - 1));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('clones into bytes of its own', () => {
    const original = ByteString.from('hello');
    const copy = original.clone();
    copy.write(0, 'J');
    expect([original.toString(), copy.toString()]).toEqual(['hello', 'Jello']);
  });
});

describe('string values in their two forms', () => {
  it('stay JS strings below the threshold and become bytes written in place at it', () => {
    const small = writeRange('abc', 1, 'X');
    expect(small).toBe('aXc');
    const grown = writeRange(undefined, IN_PLACE_BYTES - 1, '!');
    expect(grown).toBeInstanceOf(ByteString);
    expect(writeRange(grown, 0, 'A')).toBe(grown);
    expect(textOf(grown)).toBe('A' + '\0'.repeat(IN_PLACE_BYTES - 2) + '!');
    expect(appendText('ab', 'cd')).toBe('abcd');
    const appended = appendText('x'.repeat(IN_PLACE_BYTES - 1), 'yz');
    expect(appended).toBeInstanceOf(ByteString);
    expect(textOf(appendText(appended, '!'))).toBe('x'.repeat(IN_PLACE_BYTES - 1) + 'yz!');
  });

  it('answer alike whichever form they are in', () => {
    const text = 'ab\xffcd'.repeat(IN_PLACE_BYTES);
    const bytes = ByteString.from(text);
    for (const value of [text, bytes]) {
      expect(typeOf(value)).toBe('string');
      expect(textOf(value)).toBe(text);
      expect(snapshotOf(value)).toBe(text);
      expect(value.length).toBe(text.length);
      expect(value.slice(2, 5)).toBe('\xffcd');
      expect(byteAt(value, 2)).toBe(0xff);
      expect(byteAt(value, text.length + 3)).toBe(0);
      expect([...bytesIn(value, 1, 4)]).toEqual([0x62, 0xff, 0x63]);
      expect(bytesIn(value, text.length - 1, text.length + 5).length).toBe(1);
    }
    expect(encodingOf(bytes)).toBe('raw');
    const copy = copyValue(bytes);
    expect(copy).not.toBe(bytes);
    expect(textOf(copy as ByteString)).toBe(text);
  });
});
