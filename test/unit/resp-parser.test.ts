import { describe, expect, it } from 'vitest';
import { RespParser, type RespSink } from '../../src/protocols/resp/resp-parser.js';

class Collector implements RespSink {
  commands: string[][] = [];
  errors: string[] = [];
  authenticated = true;
  maxBulkLength = 512 * 1024 * 1024;
  onCommand(args: string[]): void {
    this.commands.push(args);
  }
  onProtocolError(message: string): void {
    this.errors.push(message);
  }
}

function parse(chunks: (string | Buffer)[]): Collector {
  const sink = new Collector();
  const parser = new RespParser(sink);
  for (const chunk of chunks) parser.feed(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
  return sink;
}

describe('RespParser', () => {
  const request = '*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\nPING\r\n*1\r\n$4\r\nPING\r\n';
  const expected = [['SET', 'key', 'va\r\nl'], ['PING'], ['PING']];

  it('parses multibulk and inline requests in one chunk', () => {
    expect(parse([request]).commands).toEqual(expected);
  });

  it('gives the same commands however the bytes are split', () => {
    for (let cut = 1; cut < request.length; cut++) {
      expect(parse([request.slice(0, cut), request.slice(cut)]).commands).toEqual(expected);
    }
    expect(parse(request.split('')).commands).toEqual(expected);
  });

  it('keeps bytes as latin1 characters (binary safe)', () => {
    const value = Buffer.from([0, 1, 200, 255, 13, 10]);
    const sink = parse([Buffer.concat([Buffer.from('*2\r\n$3\r\nGET\r\n$6\r\n'), value, Buffer.from('\r\n')])]);
    expect(Buffer.from(sink.commands[0][1], 'latin1')).toEqual(value);
  });

  it('gathers a large bulk from many chunks', () => {
    const value = 'x'.repeat(1_000_000);
    const full = Buffer.from(`*2\r\n$4\r\nECHO\r\n$${value.length}\r\n${value}\r\n`);
    const chunks: Buffer[] = [];
    for (let i = 0; i < full.length; i += 65536) chunks.push(full.subarray(i, i + 65536));
    const sink = parse(chunks);
    expect(sink.commands).toHaveLength(1);
    expect(sink.commands[0][1]).toBe(value);
  });

  it('stops at the first protocol error', () => {
    const sink = parse(['PING\r\n*1\r\n$-3\r\n', 'PING\r\n']);
    expect(sink.commands).toEqual([['PING']]);
    expect(sink.errors).toEqual(['invalid bulk length']);
  });

  it('refuses big requests before authentication', () => {
    const sink = new Collector();
    sink.authenticated = false;
    new RespParser(sink).feed(Buffer.from('*2\r\n$4\r\nAUTH\r\n$20000\r\n'));
    expect(sink.errors).toEqual(['unauthenticated bulk length']);
  });

  it('splits inline arguments with quotes and escapes', () => {
    expect(parse(['SET "a b" \'c\\\'d\' "\\x41\\n"\r\n']).commands).toEqual([['SET', 'a b', "c'd", 'A\n']]);
  });
});
