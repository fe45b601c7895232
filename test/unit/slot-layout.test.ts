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

  it('refuses a document whose members are not a list of ids', () => {
    expect(() => parseLayoutDocument(JSON.stringify({ epoch: 1, ranges: [], members: 'a' }))).toThrow(/not a layout document/);
    expect(() => parseLayoutDocument(JSON.stringify({ epoch: 1, ranges: [], members: [1] }))).toThrow(/not a layout document/);
    expect(parseLayoutDocument(JSON.stringify({ epoch: 1, ranges: [], members: ['a'] })).members).toEqual(['a']);
  });
});
