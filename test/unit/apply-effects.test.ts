import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { changesOf, type Change } from '../../src/log/change-events.js';
import { decodeFrameRows } from '../../src/log/frame.js';
import type { Effect, EffectOf, ValueSnapshot } from '../../src/log/record.js';
import { applyEffect } from '../../src/projections/apply.js';
import { emptyShardState, FUNCTIONS_DB, type ShardState } from '../../src/projections/shard-state.js';
import { snapshotOf, valueFromSnapshot } from '../../src/projections/value-snapshot.js';

/** A shard's contents: by db, each key's value (as the log snapshots it) and expiry (0: none). */
type Dataset = Record<number, Record<string, [value: ValueSnapshot, expireAt: number]>>;

function stateOf(dataset: Dataset): ShardState {
  const state = emptyShardState();
  for (const [db, keys] of Object.entries(dataset))
    for (const [key, [value, expireAt]] of Object.entries(keys)) state.dbs[Number(db)].set(key, valueFromSnapshot(value, state.limits), expireAt);
  return state;
}

function datasetOf(state: ShardState): Dataset {
  const dataset: Dataset = {};
  state.dbs.forEach((ks, db) => {
    if (ks.size > 0) dataset[db] = Object.fromEntries([...ks.data].map(([key, value]) => [key, [snapshotOf(value), ks.expireAt(key)]]));
  });
  return dataset;
}

/** Stream x of GIVEN: entries 1-0 and 2-0 in one node, group g with consumer alice owning 1-0; `patch` replaces parts. */
function stream(patch: Partial<Record<'lastId' | 'maxDeletedId' | 'added' | 'nodes' | 'entries' | 'groups', unknown>>): ValueSnapshot {
  const parts = {
    lastId: '2-0',
    maxDeletedId: '0-0',
    added: 2,
    nodes: ['1-0', '2-0', 2, 2, 40],
    entries: ['1-0', ['f', '1'], '2-0', ['f', '2']],
    groups: [['g', '1-0', 1, ['alice', 100], ['1-0', 'alice', 100, 1]]],
    ...patch,
  };
  return ['stream', [parts.lastId, parts.maxDeletedId, parts.added, parts.nodes, parts.entries, parts.groups]] as ValueSnapshot;
}

/** Group g of stream x with its consumers and PEL replaced. */
function groupG(lastId: string, entriesRead: number, consumers: unknown[], pending: unknown[]): unknown[] {
  return [['g', lastId, entriesRead, consumers, pending]];
}

const withX = (patch: Parameters<typeof stream>[0]): Dataset => patched({ 0: { x: [stream(patch), 0] } });

/** What every case starts from: a key of each type in db 0, one in db 1, and a function library. */
const GIVEN: Dataset = {
  0: {
    s: ['abc', 0],
    t: ['x', 5000],
    h: [['hash', 'f', '1', 'g', '2'], 0],
    l: [['list', 'a', 'b', 'c', 'b'], 0],
    set: [['set', 'a', 'b'], 0],
    z: [['zset', 1, 'a', 2, 'b', 3, 'c'], 0],
    x: [stream({}), 0],
  },
  1: { other: ['o', 0] },
  [FUNCTIONS_DB]: { lib: ['#!lua name=lib', 0] },
};

/** GIVEN with some keys of some dbs replaced, or deleted (null). */
function patched(patch: Record<number, Record<string, [ValueSnapshot, number] | null>>): Dataset {
  const dataset: Dataset = structuredClone(GIVEN);
  for (const [db, keys] of Object.entries(patch)) {
    const into = (dataset[Number(db)] ??= {});
    for (const [key, entry] of Object.entries(keys)) {
      if (entry === null) delete into[key];
      else into[key] = entry;
    }
    if (Object.keys(into).length === 0) delete dataset[Number(db)];
  }
  return dataset;
}

const keyChange = (key: string, event: string, db = 0): Change => ({ db, key, event });

interface Case<K extends Effect[0]> {
  effect: EffectOf<K>;
  /** GIVEN after the effect, applied in db 0. */
  after: Dataset;
  /** The changes Redis names the effect by, in db 0, when its command gives it no other name. */
  changes: Change[];
}

/** One case (or more) per effect kind: a kind without one fails to compile. */
const CASES: { [K in Effect[0]]: Case<K>[] } = {
  put: [{ effect: ['put', 't', ['zset', 1.5, 'm'], 0], after: patched({ 0: { t: [['zset', 1.5, 'm'], 0] } }), changes: [keyChange('t', 'set')] }],
  mset: [{ effect: ['mset', 's', 'S', 'n', 'N'], after: patched({ 0: { s: ['S', 0], n: ['N', 0] } }), changes: [keyChange('s', 'set'), keyChange('n', 'set')] }],
  del: [
    { effect: ['del', 's', 'del'], after: patched({ 0: { s: null } }), changes: [keyChange('s', 'del')] },
    { effect: ['del', 't', 'expired'], after: patched({ 0: { t: null } }), changes: [keyChange('t', 'expired')] },
    { effect: ['del', 's', 'migrated'], after: patched({ 0: { s: null } }), changes: [keyChange('s', 'migrated')] },
  ],
  expire: [
    { effect: ['expire', 's', 7000], after: patched({ 0: { s: ['abc', 7000] } }), changes: [keyChange('s', 'expire')] },
    { effect: ['expire', 'missing', 7000], after: GIVEN, changes: [keyChange('missing', 'expire')] },
  ],
  persist: [{ effect: ['persist', 't'], after: patched({ 0: { t: ['x', 0] } }), changes: [keyChange('t', 'persist')] }],
  append: [
    { effect: ['append', 's', 'def'], after: patched({ 0: { s: ['abcdef', 0] } }), changes: [keyChange('s', 'append')] },
    { effect: ['append', 'new', 'def'], after: patched({ 0: { new: ['def', 0] } }), changes: [keyChange('new', 'append')] },
  ],
  setrange: [{ effect: ['setrange', 's', 5, 'Z'], after: patched({ 0: { s: ['abc\0\0Z', 0] } }), changes: [keyChange('s', 'setrange')] }],
  rename: [{ effect: ['rename', 't', 't2'], after: patched({ 0: { t: null, t2: ['x', 5000] } }), changes: [keyChange('t', 'rename_from'), keyChange('t2', 'rename_to')] }],
  move: [{ effect: ['move', 't', 1], after: patched({ 0: { t: null }, 1: { t: ['x', 5000] } }), changes: [keyChange('t', 'move_from'), keyChange('t', 'move_to', 1)] }],
  copy: [{ effect: ['copy', 'h', 'h2', 1], after: patched({ 1: { h2: [['hash', 'f', '1', 'g', '2'], 0] } }), changes: [keyChange('h2', 'copy_to', 1)] }],
  hset: [{ effect: ['hset', 'h', 'f', '10', 'k', 'v'], after: patched({ 0: { h: [['hash', 'f', '10', 'g', '2', 'k', 'v'], 0] } }), changes: [keyChange('h', 'hset')] }],
  hdel: [
    { effect: ['hdel', 'h', 'g', 'missing'], after: patched({ 0: { h: [['hash', 'f', '1'], 0] } }), changes: [keyChange('h', 'hdel')] },
    { effect: ['hdel', 'h', 'f', 'g'], after: patched({ 0: { h: null } }), changes: [keyChange('h', 'hdel')] },
  ],
  lpush: [{ effect: ['lpush', 'l2', 'a', 'b'], after: patched({ 0: { l2: [['list', 'b', 'a'], 0] } }), changes: [keyChange('l2', 'lpush')] }],
  rpush: [{ effect: ['rpush', 'l', 'd'], after: patched({ 0: { l: [['list', 'a', 'b', 'c', 'b', 'd'], 0] } }), changes: [keyChange('l', 'rpush')] }],
  lpop: [{ effect: ['lpop', 'l', 2], after: patched({ 0: { l: [['list', 'c', 'b'], 0] } }), changes: [keyChange('l', 'lpop')] }],
  rpop: [
    { effect: ['rpop', 'l', 1], after: patched({ 0: { l: [['list', 'a', 'b', 'c'], 0] } }), changes: [keyChange('l', 'rpop')] },
    { effect: ['rpop', 'l', 4], after: patched({ 0: { l: null } }), changes: [keyChange('l', 'rpop')] },
  ],
  lrotate: [
    { effect: ['lrotate', 'l', 'left', 'right'], after: patched({ 0: { l: [['list', 'b', 'c', 'b', 'a'], 0] } }), changes: [keyChange('l', 'lpop'), keyChange('l', 'rpush')] },
    { effect: ['lrotate', 'l', 'right', 'left'], after: patched({ 0: { l: [['list', 'b', 'a', 'b', 'c'], 0] } }), changes: [keyChange('l', 'rpop'), keyChange('l', 'lpush')] },
  ],
  lset: [{ effect: ['lset', 'l', 1, 'B'], after: patched({ 0: { l: [['list', 'a', 'B', 'c', 'b'], 0] } }), changes: [keyChange('l', 'lset')] }],
  linsert: [{ effect: ['linsert', 'l', 3, 'X'], after: patched({ 0: { l: [['list', 'a', 'b', 'c', 'X', 'b'], 0] } }), changes: [keyChange('l', 'linsert')] }],
  lrem: [
    { effect: ['lrem', 'l', -1, 'b'], after: patched({ 0: { l: [['list', 'a', 'b', 'c'], 0] } }), changes: [keyChange('l', 'lrem')] },
    { effect: ['lrem', 'l', 0, 'b'], after: patched({ 0: { l: [['list', 'a', 'c'], 0] } }), changes: [keyChange('l', 'lrem')] },
  ],
  ltrim: [{ effect: ['ltrim', 'l', 1, 2], after: patched({ 0: { l: [['list', 'b', 'c'], 0] } }), changes: [keyChange('l', 'ltrim')] }],
  sadd: [{ effect: ['sadd', 'set', 'c', 'a'], after: patched({ 0: { set: [['set', 'a', 'b', 'c'], 0] } }), changes: [keyChange('set', 'sadd')] }],
  srem: [
    { effect: ['srem', 'set', 'a'], after: patched({ 0: { set: [['set', 'b'], 0] } }), changes: [keyChange('set', 'srem')] },
    { effect: ['srem', 'set', 'a', 'b'], after: patched({ 0: { set: null } }), changes: [keyChange('set', 'srem')] },
  ],
  zadd: [{ effect: ['zadd', 'z', 0.5, 'c', 4, 'd'], after: patched({ 0: { z: [['zset', 0.5, 'c', 1, 'a', 2, 'b', 4, 'd'], 0] } }), changes: [keyChange('z', 'zadd')] }],
  zrem: [{ effect: ['zrem', 'z', 'b'], after: patched({ 0: { z: [['zset', 1, 'a', 3, 'c'], 0] } }), changes: [keyChange('z', 'zrem')] }],
  zremrange: [
    { effect: ['zremrange', 'z', 0, 1], after: patched({ 0: { z: [['zset', 3, 'c'], 0] } }), changes: [keyChange('z', 'zremrangebyrank')] },
    { effect: ['zremrange', 'z', 0, 2], after: patched({ 0: { z: null } }), changes: [keyChange('z', 'zremrangebyrank')] },
  ],
  flushdb: [{ effect: ['flushdb'], after: { 1: GIVEN[1], [FUNCTIONS_DB]: GIVEN[FUNCTIONS_DB] }, changes: [{ db: 0, key: null, event: 'flushdb' }] }],
  // FLUSHALL leaves the function libraries, as in Redis.
  flushall: [{ effect: ['flushall'], after: { [FUNCTIONS_DB]: GIVEN[FUNCTIONS_DB] }, changes: [{ db: 0, key: null, event: 'flushall' }] }],
  xadd: [
    {
      effect: ['xadd', 'x', '3-0', 'f', '3'],
      after: withX({ lastId: '3-0', added: 3, nodes: ['1-0', '3-0', 3, 3, 56], entries: ['1-0', ['f', '1'], '2-0', ['f', '2'], '3-0', ['f', '3']] }),
      changes: [keyChange('x', 'xadd')],
    },
  ],
  xtrim: [{ effect: ['xtrim', 'x', 1], after: withX({ nodes: ['1-0', '2-0', 1, 2, 40], entries: ['2-0', ['f', '2']] }), changes: [keyChange('x', 'xtrim')] }],
  xdel: [{ effect: ['xdel', 'x', '2-0'], after: withX({ maxDeletedId: '2-0', nodes: ['1-0', '2-0', 1, 2, 40], entries: ['1-0', ['f', '1']] }), changes: [keyChange('x', 'xdel')] }],
  xsetid: [{ effect: ['xsetid', 'x', '9-0', 5, '2-0'], after: withX({ lastId: '9-0', added: 5, maxDeletedId: '2-0' }), changes: [keyChange('x', 'xsetid')] }],
  'xgroup-create': [
    {
      effect: ['xgroup-create', 'x', 'h', '0-0', -1],
      after: withX({ groups: [...groupG('1-0', 1, ['alice', 100], ['1-0', 'alice', 100, 1]), ['h', '0-0', -1, [], []]] }),
      changes: [keyChange('x', 'xgroup-create')],
    },
    {
      effect: ['xgroup-create', 'y', 'g', '0-0', -1],
      after: patched({ 0: { y: [['stream', ['0-0', '0-0', 0, [], [], [['g', '0-0', -1, [], []]]]], 0] } }),
      changes: [keyChange('y', 'xgroup-create')],
    },
  ],
  'xgroup-setid': [
    {
      effect: ['xgroup-setid', 'x', 'g', '2-0', 2],
      after: withX({ groups: groupG('2-0', 2, ['alice', 100], ['1-0', 'alice', 100, 1]) }),
      changes: [keyChange('x', 'xgroup-setid')],
    },
  ],
  'xgroup-destroy': [{ effect: ['xgroup-destroy', 'x', 'g'], after: withX({ groups: [] }), changes: [keyChange('x', 'xgroup-destroy')] }],
  'xgroup-createconsumer': [
    {
      effect: ['xgroup-createconsumer', 'x', 'g', 'bob', 200],
      after: withX({ groups: groupG('1-0', 1, ['alice', 100, 'bob', 200], ['1-0', 'alice', 100, 1]) }),
      changes: [keyChange('x', 'xgroup-createconsumer')],
    },
  ],
  'xgroup-delconsumer': [
    { effect: ['xgroup-delconsumer', 'x', 'g', 'alice'], after: withX({ groups: groupG('1-0', 1, [], []) }), changes: [keyChange('x', 'xgroup-delconsumer')] },
  ],
  xdeliver: [
    {
      effect: ['xdeliver', 'x', 'g', 'bob', 300, '2-0', 2, '2-0'],
      after: withX({ groups: groupG('2-0', 2, ['alice', 100, 'bob', 300], ['1-0', 'alice', 100, 1, '2-0', 'bob', 300, 1]) }),
      changes: [keyChange('x', 'xdeliver')],
    },
  ],
  xredeliver: [
    {
      effect: ['xredeliver', 'x', 'g', 'alice', 300, '1-0'],
      after: withX({ groups: groupG('1-0', 1, ['alice', 300], ['1-0', 'alice', 300, 2]) }),
      changes: [keyChange('x', 'xredeliver')],
    },
  ],
  xack: [{ effect: ['xack', 'x', 'g', '1-0'], after: withX({ groups: groupG('1-0', 1, ['alice', 100], []) }), changes: [keyChange('x', 'xack')] }],
  xclaim: [
    {
      effect: ['xclaim', 'x', 'g', 'bob', 400, '1-0', 350, 3],
      after: withX({ groups: groupG('1-0', 1, ['alice', 100, 'bob', 400], ['1-0', 'bob', 350, 3]) }),
      changes: [keyChange('x', 'xclaim')],
    },
  ],
  swapdb: [
    {
      effect: ['swapdb', 0, 1],
      after: { 0: GIVEN[1], 1: GIVEN[0], [FUNCTIONS_DB]: GIVEN[FUNCTIONS_DB] },
      changes: [
        { db: 0, key: null, event: 'swapdb' },
        { db: 1, key: null, event: 'swapdb' },
      ],
    },
  ],
  // A marker for tails: the moved keys go by their own deletes.
  'slots-moved': [{ effect: ['slots-moved', 0, 99, 'b'.repeat(40), '127.0.0.1:7001', 42], after: GIVEN, changes: [{ db: 0, key: null, event: 'slots_moved', slots: [0, 99] }] }],
};

const table = Object.values(CASES)
  .flat()
  .map((c) => ({ name: JSON.stringify(c.effect), ...c }));

describe('applyEffect', () => {
  it.each(table)('$name', ({ effect, after }) => {
    const state = stateOf(GIVEN);
    applyEffect(state, 0, effect, 1);
    expect(datasetOf(state)).toEqual(after);
  });

  it('copies a collection: the copy does not change with the original', () => {
    const state = stateOf(GIVEN);
    applyEffect(state, 0, ['copy', 'l', 'l2', 0], 1);
    applyEffect(state, 0, ['rpush', 'l', 'd'], 2);
    expect(datasetOf(state)[0].l2).toEqual([['list', 'a', 'b', 'c', 'b'], 0]);
  });
});

describe('changesOf', () => {
  it.each(table)('$name', ({ effect, changes }) => {
    expect(changesOf(0, effect)).toEqual(changes);
  });

  it("names an effect by its command's event, split where Redis sends two", () => {
    expect(changesOf(0, ['put', 'k', '1', 0], 'incrby')).toEqual([keyChange('k', 'incrby')]);
    expect(changesOf(0, ['put', 'k', '1', 9000], 'set,expire')).toEqual([keyChange('k', 'set'), keyChange('k', 'expire')]);
    expect(changesOf(0, ['srem', 'k', 'm'], 'spop,del')).toEqual([keyChange('k', 'spop'), keyChange('k', 'del')]);
    expect(changesOf(0, ['mset', 'a', '1', 'b', '2'], 'msetnx')).toEqual([keyChange('a', 'msetnx'), keyChange('b', 'msetnx')]);
    expect(changesOf(0, ['del', 'k', 'del'], 'getdel')).toEqual([keyChange('k', 'getdel')]);
  });

  it('names an expiry by its reason, whatever command came across it', () => {
    expect(changesOf(0, ['del', 'k', 'expired'], 'get')).toEqual([keyChange('k', 'expired')]);
  });

  it("names a newer log's effect by its op, on the key it names first", () => {
    const [[, , db, , effect]] = decodeFrameRows(pack([[1, 0, 2, 0, ['frobnicate', 'k', 1]]]));
    expect(changesOf(db, effect)).toEqual([keyChange('k', 'frobnicate', 2)]);
  });
});
