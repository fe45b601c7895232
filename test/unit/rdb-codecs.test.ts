import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptPayload } from '../../src/formats/rdb/corrupt-payload.js';
import { crc64 } from '../../src/formats/rdb/crc64.js';
import { decodeIntset, encodeIntset } from '../../src/formats/rdb/intset.js';
import { ListpackWriter, readListpack } from '../../src/formats/rdb/listpack.js';
import { lzfCompress, lzfDecompress } from '../../src/formats/rdb/lzf.js';
import { readZiplist } from '../../src/formats/rdb/ziplist.js';

const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((code) => String.fromCharCode(code)), maxLength: 300 });

describe('CRC-64 (Redis crc64.c, Jones polynomial)', () => {
  it('gives the check value of Redis crc64 self-test', () => {
    expect(crc64(Buffer.from('123456789'))).toBe(0xe9c6d914c4b8d9can);
    expect(crc64(Buffer.alloc(0))).toBe(0n);
  });

  it('is the bitwise definition, byte by byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        let crc = 0n;
        for (const byte of bytes) {
          crc ^= BigInt(byte);
          for (let bit = 0; bit < 8; bit++) crc = (crc & 1n) === 1n ? (crc >> 1n) ^ 0x95ac9329ac4bc9b5n : crc >> 1n;
        }
        expect(crc64(bytes)).toBe(crc);
      }),
    );
  });
});

describe('LZF', () => {
  it('decompresses what it compresses', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'abc', 'xyz', '0123456789'), { minLength: 3, maxLength: 200 }), (parts) => {
        const input = Buffer.from(parts.join(''), 'latin1');
        const packed = lzfCompress(input, input.length + 64);
        expect(packed).toBeDefined();
        expect(Buffer.from(lzfDecompress(packed as Uint8Array, input.length) as Uint8Array)).toEqual(input);
      }),
    );
  });

  it('gives up when the output would not fit, as lzf_compress returns 0', () => {
    const random = Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 7919 + 13) % 256));
    expect(lzfCompress(random, random.length - 4)).toBeUndefined();
  });

  it('refuses corrupt input and a wrong length instead of reading past either end', () => {
    const input = Buffer.from('abcabcabcabcabcabcabcabc');
    const packed = lzfCompress(input, 100) as Uint8Array;
    expect(lzfDecompress(packed, input.length + 1)).toBeUndefined();
    expect(lzfDecompress(packed, input.length - 1)).toBeUndefined();
    expect(lzfDecompress(Uint8Array.from([0x20, 0x05]), 10)).toBeUndefined(); // a reference before the start
    expect(lzfDecompress(Uint8Array.from([0x05, 0x61]), 6)).toBeUndefined(); // a literal run past the input
  });
});

describe('listpack', () => {
  it('stores canonical integers as integers and the rest as strings, and reads them back', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(latin1, fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String)), { maxLength: 40 }), (items) => {
        const writer = new ListpackWriter();
        for (const item of items) writer.appendString(item);
        const size = writer.bytes;
        const bytes = writer.finish();
        expect(bytes.length).toBe(size);
        expect(readListpack(bytes)).toEqual(items);
      }),
    );
  });

  it('writes each boundary of the encodings and back lengths as Redis does', () => {
    const writer = new ListpackWriter();
    for (const item of ['127', '128', '-4096', '4095', '-4097', '32767', '8388607', '2147483647', '9223372036854775807', '007', '-0']) writer.appendString(item);
    const bytes = writer.finish();
    expect(bytes.subarray(6, 6 + 2).toString('hex')).toBe('7f01'); // 127: 7-bit uint, back length 1
    expect(bytes.subarray(8, 8 + 3).toString('hex')).toBe('c08002'); // 128: 13-bit int
    for (const length of [63, 64, 127, 4095, 4096, 16382, 16383, 70_000]) {
      const long = new ListpackWriter();
      long.appendString('x'.repeat(length));
      expect(readListpack(long.finish())).toEqual(['x'.repeat(length)]);
    }
    // 16377 characters take 16382 bytes with their encoding: two back-length bytes; 16378 take three (lpEncodeBacklen's `< 16383`).
    for (const [length, back] of [
      [16377, '7ffe'],
      [16378, '00ffff'],
    ] as const) {
      const w = new ListpackWriter();
      w.appendString('x'.repeat(length));
      const out = w.finish();
      expect(out.subarray(out.length - 1 - back.length / 2, out.length - 1).toString('hex')).toBe(back);
    }
  });

  it('refuses a listpack whose sizes, counts or back lengths disagree', () => {
    const writer = new ListpackWriter();
    writer.appendString('hello');
    writer.appendString('12');
    const good = writer.finish();
    const damaged = (change: (bytes: Buffer) => void): Buffer => {
      const copy = Buffer.from(good);
      change(copy);
      return copy;
    };
    for (const bad of [
      damaged((b) => b.writeUInt32LE(b.length + 1, 0)),
      damaged((b) => b.writeUInt16LE(3, 4)),
      damaged((b) => (b[12] = 9)), // the back length of "hello"
      damaged((b) => (b[b.length - 1] = 0)),
      damaged((b) => (b[6] = 0xf6)),
      good.subarray(0, 5),
    ])
      expect(() => readListpack(bad)).toThrow(CorruptPayload);
  });
});

describe('intset', () => {
  it('takes the narrowest width, sorts, and reads back', () => {
    expect(encodeIntset([3n, -1n, 2n]).toString('hex')).toBe('0200000003000000' + 'ffff' + '0200' + '0300');
    expect(encodeIntset([1n, 70000n]).readUInt32LE(0)).toBe(4);
    expect(encodeIntset([1n, -(2n ** 40n)]).readUInt32LE(0)).toBe(8);
    fc.assert(
      fc.property(fc.uniqueArray(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { minLength: 1, maxLength: 30 }), (members) => {
        expect(decodeIntset(encodeIntset(members))).toEqual([...members].sort((a, b) => (a < b ? -1 : 1)));
      }),
    );
  });

  it('refuses what Redis deep sanitization refuses: bad width, size, emptiness, order', () => {
    const good = encodeIntset([1n, 2n]);
    const swapped = Buffer.from(good);
    swapped.writeInt16LE(2, 8);
    swapped.writeInt16LE(1, 10);
    for (const bad of [Buffer.from('0300000001000000ffff00', 'hex'), good.subarray(0, 10), Buffer.from('0200000000000000', 'hex'), swapped])
      expect(() => decodeIntset(bad)).toThrow(CorruptPayload);
  });
});

describe('ziplist', () => {
  it('reads every entry encoding of a ziplist Redis 6 wrote', () => {
    // zlbytes, zltail, zllen; "ab", 7 (immediate), 300 (int16), -2 (int8), end.
    const entries = Buffer.from('00026162' + '04f8' + '02c02c01' + '04fefe', 'hex');
    const header = Buffer.alloc(10);
    header.writeUInt32LE(10 + entries.length + 1, 0);
    header.writeUInt32LE(10 + 4 + 2 + 4, 4);
    header.writeUInt16LE(4, 8);
    expect(readZiplist(Buffer.concat([header, entries, Buffer.from([0xff])]))).toEqual(['ab', '7', '300', '-2']);
    header.writeUInt32LE(11, 4);
    expect(() => readZiplist(Buffer.concat([header, entries, Buffer.from([0xff])]))).toThrow(CorruptPayload);
  });
});
