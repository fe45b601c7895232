import { describe, expect, test } from 'vitest';
import { ResumePoint } from '../../console/src/resume-point.js';
import { change } from '../support/change-events.js';

describe('resume bookkeeping: nothing lost, nothing doubled', () => {
  test('a resume starts at the last revision seen and skips the changes of it already shown', () => {
    const point = new ResumePoint('$');
    expect(point.restarting()).toEqual({ rev: '$', skip: 0 });
    point.started(10);
    // Revision 11 is one record with three changes (an MSET); the stream is cut after two of them.
    expect([change(10), change(11, 'a'), change(11, 'b')].map((c) => point.accept(c))).toEqual([true, true, true]);
    expect(point.restarting()).toEqual({ rev: 11, skip: 2 });
    const replay = [change(11, 'a'), change(11, 'b'), change(11, 'c'), change(12)];
    expect(replay.map((c) => point.accept(c))).toEqual([false, false, true, true]);
    expect(point.resumeFrom()).toEqual({ rev: 12, skip: 1 });
  });

  test('paused before any change: the resume starts where the first stream did, not at a new "now"', () => {
    const point = new ResumePoint('$');
    point.restarting();
    point.started(42);
    expect(point.restarting()).toEqual({ rev: 42, skip: 0 });
    expect(point.accept(change(42))).toBe(true);
  });

  test('compaction moves the start to the oldest revision held', () => {
    const point = new ResumePoint(3);
    point.accept(change(3));
    point.compacted(50);
    expect(point.restarting()).toEqual({ rev: 50, skip: 0 });
    expect(point.accept(change(50))).toBe(true);
  });

  test('a change older than the last one seen is never shown again', () => {
    const point = new ResumePoint(1);
    point.accept(change(5));
    expect(point.accept(change(4))).toBe(false);
  });
});
