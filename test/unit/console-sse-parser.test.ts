import { describe, expect, test } from 'vitest';
import { SseParser } from '../../console/src/sse-parser.js';

describe('SSE parsing (the console reads /tail with fetch, so it parses the stream itself)', () => {
  test('events split anywhere across chunks, with ids, names, comments and multi-line data', () => {
    const stream = ': hello\nevent: tail\ndata: ["tail",5]\n\nid: 5\ndata: {"a":\ndata: 1}\n\r\nid: 6\r\ndata: x\r\r\n';
    for (let cut = 0; cut <= stream.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.push(stream.slice(0, cut)), ...parser.push(stream.slice(cut))];
      expect(events, `cut at ${cut}`).toEqual([
        { event: 'tail', data: '["tail",5]' },
        { event: 'message', data: '{"a":\n1}', id: '5' },
        { event: 'message', data: 'x', id: '6' },
      ]);
    }
  });

  test('a block without data dispatches nothing; a field without a colon is an empty value', () => {
    const parser = new SseParser();
    expect(parser.push('id: 3\n\ndata\n\n')).toEqual([{ event: 'message', data: '' }]);
  });
});
