import { expectValid } from './corrupt-payload.js';

/**
 * Redis 2.4's zipmap (zipmap.c, RDB type 9): a count byte, then field and value each behind its
 * length (one byte below 254, else 254 and four bytes), the value also behind a count of unused
 * bytes after it, and a 0xFF terminator. Read only.
 */
export function readZipmap(bytes: Uint8Array): string[] {
  expectValid(bytes.length >= 2 && bytes[bytes.length - 1] === 0xff, 'zipmap terminator missing');
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const end = bytes.length - 1;
  const declared = bytes[0];
  const items: string[] = [];
  let at = 1;
  const lengthAt = (): number => {
    expectValid(at < end, 'zipmap entry past its end');
    const first = bytes[at++];
    if (first < 254) return first;
    expectValid(first === 254 && at + 4 <= end, 'zipmap length invalid');
    at += 4;
    return view.readUInt32LE(at - 4);
  };
  while (at < end) {
    const fieldLength = lengthAt();
    expectValid(at + fieldLength <= end, 'zipmap field past its end');
    items.push(view.toString('latin1', at, at + fieldLength));
    at += fieldLength;
    const valueLength = lengthAt();
    expectValid(at < end, 'zipmap free count missing');
    const free = bytes[at++];
    expectValid(at + valueLength + free <= end, 'zipmap value past its end');
    items.push(view.toString('latin1', at, at + valueLength));
    at += valueLength + free;
  }
  expectValid(declared >= 254 || declared === items.length / 2, 'zipmap count mismatch');
  return items;
}
