import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Progress, terminalProgress } from '../../src/observability/progress.js';

/** A stream standing in for stderr: a terminal or a pipe, whatever is written kept. */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: () => string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  Object.assign(stream, { isTTY, columns: 120 });
  return { stream, written: () => text };
}

describe('Progress', () => {
  it('says a line is due once per interval, and gives the done, total, percent, rate and what remains', () => {
    let now = 1000;
    const progress = new Progress(200, 5000, () => now);
    now += 1000;
    expect(progress.advance(10)).toBe(false);
    now += 4000;
    expect(progress.advance(50)).toBe(true);
    expect(progress.figures()).toEqual({ done: 50, total: 200, percent: 25, perSecond: 10, remaining: 150, seconds: 5 });
    // The interval starts over from the line just due.
    now += 4999;
    expect(progress.advance(60)).toBe(false);
    now += 1;
    expect(progress.advance(70)).toBe(true);
  });

  it('with no total known (or one overtaken), the total is what is done and nothing remains', () => {
    let now = 0;
    const progress = new Progress(0, 1, () => now);
    now = 2000;
    progress.advance(300);
    expect(progress.figures()).toMatchObject({ done: 300, total: 300, percent: 100, perSecond: 150, remaining: 0 });
  });
});

describe('terminalProgress', () => {
  it('writes plain lines (no control codes) when the stream is no terminal, and one where it ended', async () => {
    const { stream, written } = fakeStream(false);
    const progress = terminalProgress('replaying', 1000, { unit: 'records', stream, everyMs: 1 });
    progress.update(100);
    await new Promise((resolve) => setTimeout(resolve, 5));
    progress.update(500);
    progress.stop();
    const lines = written().trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.at(-1)).toMatch(/^replaying 500\/1000 records \(50%, \d+ records\/s\)$/);
    expect(written()).not.toContain('\x1B');
  });

  it('scales the counts into the unit shown, and takes a total learnt late', () => {
    const { stream, written } = fakeStream(false);
    const progress = terminalProgress('reading', 0, { unit: 'MB', scale: (bytes) => bytes / 1e6, stream, everyMs: 0 });
    progress.update(3_500_000, 10_000_000);
    expect(written()).toMatch(/^reading 3\/10 MB \(35%, \d+ MB\/s\)\n$/);
  });

  it('an operation over before the first line is due shows nothing', () => {
    const { stream, written } = fakeStream(false);
    const progress = terminalProgress('reading', 100, { unit: 'MB', stream, everyMs: 60_000 });
    progress.update(100);
    progress.stop();
    expect(written()).toBe('');
  });

  it('draws a cli-progress bar on a terminal', () => {
    const { stream, written } = fakeStream(true);
    const progress = terminalProgress('replaying', 1000, { unit: 'records', stream });
    progress.update(1000);
    progress.stop();
    expect(written()).toMatch(/replaying \|=+\| 100% 1000\/1000 records \| \d+ records\/s/);
    expect(written()).toContain('\x1B');
  });
});
