import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitField, readField, writeField, type FieldType } from '../../src/projections/bitfield.js';
import { bitAt, bitInByte, combineBitmaps, countBits, firstBit, withBit } from '../../src/projections/bitmap.js';

/** The bits of a latin1 string as an array, most significant bit of byte 0 first: the model the fast code must agree with. */
function bitsOf(value: string): (0 | 1)[] {
  return [...Buffer.from(value, 'latin1')].flatMap((byte) => Array.from({ length: 8 }, (_, i) => ((byte >> (7 - i)) & 1) as 0 | 1));
}

function bytes(value: string): Uint8Array {
  return Buffer.from(value, 'latin1');
}

const latin1 = fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes).toString('latin1'));
/** A string and a bit range over it and a little past it. */
const stringAndRange = latin1.chain((value) =>
  fc.tuple(fc.constant(value), fc.nat(value.length * 8 + 16), fc.nat(value.length * 8 + 16)).map(([v, a, b]) => [v, Math.min(a, b), Math.max(a, b)] as const),
);

describe('bitmap arithmetic', () => {
  it('reads and sets single bits, MSB first, zero past the end', () => {
    expect(bitAt(bytes('\x80'), 0)).toBe(1);
    expect(bitAt(bytes('\x80'), 1)).toBe(0);
    expect(bitAt(bytes('\x01'), 7)).toBe(1);
    expect(bitAt(bytes(''), 2 ** 32 + 5)).toBe(0);
    expect(bitInByte(0x20, 2 ** 32 + 2)).toBe(1);
    expect(withBit(0, 2 ** 32 + 1, 1)).toBe(0x40);
    expect(withBit(0xff, 7, 0)).toBe(0xfe);
  });

  it('counts set bits over any range as the bit-by-bit model does', () => {
    fc.assert(
      fc.property(stringAndRange, ([value, first, last]) => {
        const model = bitsOf(value)
          .slice(first, last + 1)
          .filter((bit) => bit === 1).length;
        expect(countBits(bytes(value), first, last)).toBe(model);
      }),
    );
  });

  it('finds the first 0 or 1 in any range as the model does, or -1', () => {
    fc.assert(
      fc.property(stringAndRange, fc.constantFrom(0 as const, 1 as const), ([value, first, last], bit) => {
        const bits = bitsOf(value);
        let model = -1;
        for (let i = first; i <= last; i++)
          if ((bits[i] ?? 0) === bit) {
            model = i;
            break;
          }
        expect(firstBit(bytes(value), bit, first, last)).toBe(model);
      }),
    );
  });

  it('combines bitmaps byte by byte, zero-padding the shorter ones', () => {
    expect(combineBitmaps('and', [bytes('\xff\xff'), bytes('\x0f')])).toBe('\x0f\x00');
    expect(combineBitmaps('or', [bytes('\x01'), bytes(''), bytes('\x10\x20')])).toBe('\x11\x20');
    expect(combineBitmaps('xor', [bytes('\xff'), bytes('\x0f'), bytes('\x01')])).toBe('\xf1');
    expect(combineBitmaps('not', [bytes('\x00\xf0')])).toBe('\xff\x0f');
    expect(combineBitmaps('and', [bytes(''), bytes('')])).toBe('');
  });
});

const fieldType = fc.record({ signed: fc.boolean(), bits: fc.integer({ min: 1, max: 64 }) }).filter((type) => type.signed || type.bits < 64);

describe('bitfield integers', () => {
  it('reads back what it wrote, at any offset, leaving the bits around it alone', () => {
    fc.assert(
      fc.property(fieldType, fc.nat(40), fc.bigInt(), fc.uint8Array({ minLength: 14, maxLength: 14 }), (type: FieldType, offset, raw, around) => {
        const value = type.signed ? BigInt.asIntN(type.bits, raw) : BigInt.asUintN(type.bits, raw);
        const bytes = Uint8Array.from(around);
        writeField(bytes, offset, type, value);
        expect(readField(bytes, offset, type)).toBe(value);
        const before = bitsOf(Buffer.from(around).toString('latin1'));
        const after = bitsOf(Buffer.from(bytes).toString('latin1'));
        for (let i = 0; i < before.length; i++) if (i < offset || i >= offset + type.bits) expect(after[i]).toBe(before[i]);
      }),
    );
  });

  it('reads past the end of the bytes as zeros', () => {
    expect(readField(Uint8Array.of(0xff), 4, { signed: false, bits: 8 })).toBe(0xf0n);
    expect(readField(Uint8Array.of(0xff), 0, { signed: true, bits: 4 })).toBe(-1n);
  });

  it('wraps, saturates or refuses what does not fit', () => {
    const u8 = { signed: false, bits: 8 };
    const i8 = { signed: true, bits: 8 };
    const i64 = { signed: true, bits: 64 };
    expect(fitField(300n, 0n, u8, 'wrap')).toBe(44n);
    expect(fitField(300n, 0n, u8, 'sat')).toBe(255n);
    expect(fitField(3n, -4n, u8, 'sat')).toBe(0n);
    expect(fitField(250n, 50n, u8, 'fail')).toBeNull();
    expect(fitField(200n, 0n, i8, 'wrap')).toBe(-56n);
    expect(fitField(-100n, -100n, i8, 'sat')).toBe(-128n);
    expect(fitField(2n ** 63n - 1n, 1n, i64, 'wrap')).toBe(-(2n ** 63n));
    expect(fitField(127n, 0n, i8, 'fail')).toBe(127n);
    // Redis's 64-bit room above a value near INT64_MIN wraps: such a SET saturates at the top.
    expect(fitField(-(2n ** 63n), 0n, i8, 'sat')).toBe(127n);
    expect(fitField(-(2n ** 63n) + 200n, 0n, i8, 'sat')).toBe(-128n);
    expect(fitField(0n, -(2n ** 63n), i8, 'sat')).toBe(-128n);
  });
});
