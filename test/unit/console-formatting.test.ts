import { describe, expect, test } from 'vitest';
import { bytesOf, formatBytes, formatSeconds, formatTtl, hexDump } from '../../console/src/formatting.js';

describe('formatting', () => {
  test('bytes, TTLs and durations read in their best unit', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(5 * 1024 * 1024 * 1024)]).toEqual(['512 B', '1.5 KiB', '5.0 GiB']);
    expect([formatBytes(40.4 * 1024 * 1024), formatBytes(300 * 1024)]).toEqual(['40.4 MiB', '300 KiB']);
    expect([formatTtl(-1), formatTtl(-2), formatTtl(1500), formatTtl(125_000), formatTtl(3 * 3600_000 + 60_000), formatTtl(50 * 3600_000)]).toEqual([
      'no expiry',
      'gone',
      '1.5 s',
      '2 min 5 s',
      '3 h 1 min',
      '2 d 2 h',
    ]);
    expect([formatSeconds(0.000_25), formatSeconds(0.0042), formatSeconds(0.25), formatSeconds(3)]).toEqual(['250 µs', '4.20 ms', '250.0 ms', '3.00 s']);
  });

  test('a value that is not UTF-8 (base64 over HTTP) shows as a hex dump of its bytes', () => {
    const bytes = bytesOf({ base64: Buffer.from([0xff, 0x00, 0x41, 0x42]).toString('base64') });
    expect(Array.from(bytes)).toEqual([0xff, 0x00, 0x41, 0x42]);
    expect(hexDump(bytes)).toBe(`00000000  ff 00 41 42${' '.repeat(36)}  ..AB`);
    expect(Array.from(bytesOf('é'))).toEqual([0xc3, 0xa9]);
  });
});
