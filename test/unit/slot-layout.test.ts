import { describe, expect, it } from 'vitest';
import { EMPTY_LAYOUT, parseLayoutDocument, SlotLayout } from '../../src/cluster/slot-layout.js';

describe('SlotLayout', () => {
  it('counts as members the nodes met and the nodes owning slots, and keeps them through later changes', () => {
    const met = new SlotLayout(new SlotLayout(EMPTY_LAYOUT).withMembers(['a', 'b']));
    expect([...met.members]).toEqual(['a', 'b']);
    const owning = new SlotLayout(met.withAdded('c', [0, 1, 2]));
    expect([...owning.members].sort()).toEqual(['a', 'b', 'c']);
    expect(owning.rangesOf('c')).toEqual([[0, 2]]);
    const moved = new SlotLayout(owning.withOwner(2, 'd'));
    expect([...moved.members].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(moved.ownerOf(2)).toBe('d');
    const removed = new SlotLayout(moved.withRemoved([0, 1]));
    expect([...removed.members].sort()).toEqual(['a', 'b', 'c', 'd']);
    // An old document without members: its owners are the members.
    expect([...new SlotLayout({ epoch: 1, ranges: [[0, 16383, 'x']] }).members]).toEqual(['x']);
  });

  it("a failover gives the replica its primary's slots at a new epoch; the old primary and the other replicas follow it", () => {
    const start = new SlotLayout({
      epoch: 3,
      ranges: [[0, 99, 'p']],
      replicas: [
        ['r1', 'p'],
        ['r2', 'p'],
        ['s', 'q'],
      ],
    });
    const handing = new SlotLayout(start.withHandoff('r1'));
    expect(handing.document.handoff).toEqual(['p', 'r1']);
    expect(handing.document.epoch).toBe(4);
    const after = new SlotLayout(handing.withFailover('r1'));
    expect(after.rangesOf('r1')).toEqual([[0, 99]]);
    expect(after.document.epoch).toBe(5);
    expect(after.document.handoff).toBeUndefined();
    expect(Object.fromEntries(after.primaries)).toEqual({ r2: 'r1', p: 'r1', s: 'q' });
    expect(() => start.withFailover('p')).toThrow('You should send CLUSTER FAILOVER to a replica');
    expect(new SlotLayout(handing.withoutHandoff()).document.handoff).toBeUndefined();
  });

  it('refuses a document whose members are not a list of ids', () => {
    expect(() => parseLayoutDocument(JSON.stringify({ epoch: 1, ranges: [], members: 'a' }))).toThrow(/not a layout document/);
    expect(() => parseLayoutDocument(JSON.stringify({ epoch: 1, ranges: [], members: [1] }))).toThrow(/not a layout document/);
    expect(parseLayoutDocument(JSON.stringify({ epoch: 1, ranges: [], members: ['a'] })).members).toEqual(['a']);
  });
});
