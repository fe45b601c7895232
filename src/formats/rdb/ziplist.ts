import { CorruptPayload, expectValid } from './corrupt-payload.js';

/**
 * Redis's ziplist (ziplist.c, what Redis wrote before listpacks, RDB types 10, 12, 13 and 14):
 * total bytes, offset of the last entry, count, then entries each prefixed by the previous entry's
 * length and its encoding, and a 0xFF terminator. Read only: Redis 7 writes listpacks.
 */
export function readZiplist(bytes: Uint8Array): string[] {
  expectValid(bytes.length >= 11, 'ziplist too short');
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  expectValid(view.readUInt32LE(0) === bytes.length && bytes[bytes.length - 1] === 0xff, 'ziplist size mismatch');
  const tail = view.readUInt32LE(4);
  const declared = view.readUInt16LE(8);
  const end = bytes.length - 1;
  const items: string[] = [];
  let previousSize = 0;
  let lastStart = 10;
  let at = 10;
  while (at < end) {
    const start = at;
    let previous = bytes[at++];
    if (previous === 254) {
      expectValid(at + 4 <= end, 'ziplist entry past its end');
      previous = view.readUInt32LE(at);
      at += 4;
    } else expectValid(previous !== 255, 'ziplist previous length invalid');
    expectValid(previous === previousSize, 'ziplist previous length mismatch');
    expectValid(at < end, 'ziplist entry past its end');
    const encoding = bytes[at++];
    let item: string;
    const top = encoding >> 6;
    if (top < 3) {
      let length: number;
      if (top === 0) length = encoding & 0x3f;
      else if (top === 1) {
        expectValid(at + 1 <= end, 'ziplist entry past its end');
        length = ((encoding & 0x3f) << 8) | bytes[at++];
      } else {
        expectValid(encoding === 0x80 && at + 4 <= end, 'ziplist string encoding invalid');
        length = view.readUInt32BE(at);
        at += 4;
      }
      expectValid(at + length <= end, 'ziplist entry past its end');
      item = view.toString('latin1', at, at + length);
      at += length;
    } else {
      const width = encoding === 0xc0 ? 2 : encoding === 0xd0 ? 4 : encoding === 0xe0 ? 8 : encoding === 0xf0 ? 3 : encoding === 0xfe ? 1 : 0;
      if (width === 0) {
        // 1111xxxx: an immediate 0 to 12.
        if (encoding < 0xf1 || encoding > 0xfd) throw new CorruptPayload('ziplist integer encoding unknown');
        item = String((encoding & 0x0f) - 1);
      } else {
        expectValid(at + width <= end, 'ziplist entry past its end');
        item = width === 8 ? String(view.readBigInt64LE(at)) : String(view.readIntLE(at, width));
        at += width;
      }
    }
    previousSize = at - start;
    lastStart = start;
    items.push(item);
  }
  expectValid(at === end, 'ziplist entries past its end');
  expectValid(items.length === 0 ? tail === 10 : tail === lastStart, 'ziplist tail offset mismatch');
  expectValid(declared === 0xffff || declared === items.length, 'ziplist count mismatch');
  return items;
}
