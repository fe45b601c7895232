import { describe, expect, it } from 'vitest';
import { EMPTY_LAYOUT, parseLayoutDocument, SlotLayout } from '../../src/cluster/slot-layout.js';

describe('SlotLayout', () => {
  it('a move by the log (MIGRATESLOTS): begun only by the owner of every slot, switched once, struck without a switch', () => {
    const start = new SlotLayout({
      epoch: 7,
      ranges: [
        [0, 199, 'a'],
        [200, 399, 'b'],
      ],
      members: ['a', 'b', 'c'],
      replicas: [['c', 'b']],
    });
    expect(() => start.withSlotsMoving([[0, 10]], 'a', 'a')).toThrow('Target node can not be this node');
    expect(() => start.withSlotsMoving([[0, 10]], 'a', 'c')).toThrow('Target node c is not a known primary');
    expect(() => start.withSlotsMoving([[190, 210]], 'a', 'b')).toThrow("I'm not the owner of hash slot 200");
    const moving = new SlotLayout(
      start.withSlotsMoving(
        [
          [0, 49],
          [100, 109],
        ],
        'a',
        'b',
      ),
    );
    expect(moving.movingOf(105)).toEqual({ from: 'a', to: 'b' });
    expect(moving.movingOf(50)).toBeUndefined();
    expect(moving.ownerOf(0)).toBe('a');
    expect(() => moving.withSlotsMoving([[40, 60]], 'a', 'b')).toThrow('Slot 40 is already being migrated');
    // The switch: the ranges are the target's at a new epoch, the move gone; again, it changes nothing.
    const moved = new SlotLayout(
      moving.withSlotsMoved(
        [
          [0, 49],
          [100, 109],
        ],
        'a',
        'b',
      ),
    );
    expect(moved.rangesOf('b')).toEqual([
      [0, 49],
      [100, 109],
      [200, 399],
    ]);
    expect(moved.document.epoch).toBe(8);
    expect(moved.moving).toEqual([]);
    expect(
      moved.withSlotsMoved(
        [
          [0, 49],
          [100, 109],
        ],
        'a',
        'b',
      ),
    ).toBe(moved.document);
    // Struck (failed): no switch, and the switch is refused after it.
    const struck = new SlotLayout(
      moving.withoutSlotsMoving(
        [
          [0, 49],
          [100, 109],
        ],
        'a',
      ),
    );
    expect(struck.moving).toEqual([]);
    expect(struck.ownerOf(0)).toBe('a');
    expect(() => struck.withSlotsMoved([[0, 49]], 'a', 'b')).toThrow('Slot 0 is not moving to b any more');
    // A failover of the source ends its moves.
    const withReplica = new SlotLayout(new SlotLayout(moving.withReplica('d', 'a')).document);
    expect(new SlotLayout(withReplica.withFailover('d')).moving).toEqual([]);
    // The moves survive a round trip through etcd's text, and a malformed one is refused.
    expect(parseLayoutDocument(JSON.stringify(moving.document)).moving).toEqual(moving.document.moving);
    expect(() => parseLayoutDocument(JSON.stringify({ ...moving.document, moving: [[5, 1, 'a', 'b']] }))).toThrow('not a layout document');
  });

  it('FORGET refuses a node serving slots; RESET leaves the cluster with its slots unassigned; BUMPEPOCH', () => {
    const start = new SlotLayout({ epoch: 2, ranges: [[0, 99, 'a']], members: ['a', 'b', 'c'], replicas: [['c', 'b']] });
    expect(() => start.withoutMember('a')).toThrow('Node a still serves slots: move them away first');
    const forgot = new SlotLayout(start.withoutMember('b'));
    expect([...forgot.members].sort()).toEqual(['a', 'c']);
    expect(forgot.primaries.size).toBe(0);
    const reset = new SlotLayout(start.withReset('a'));
    expect(reset.members.has('a')).toBe(false);
    expect(reset.assigned()).toBe(0);
    expect(reset.document.epoch).toBe(3);
    expect(new SlotLayout(start.withNewEpoch()).document.epoch).toBe(3);
  });

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
