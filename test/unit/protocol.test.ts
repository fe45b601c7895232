import { constants } from 'node:buffer';
import { expect, test } from 'vitest';
import { requestSizeLimit } from '../../src/protocols/protocol.js';

test('request bodies stay below the longest string V8 can parse', () => {
  expect(requestSizeLimit(512 * 1024 * 1024)).toBeLessThan(constants.MAX_STRING_LENGTH);
  expect(requestSizeLimit(1024)).toBe(3072);
});
