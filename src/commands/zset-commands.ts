import { ZADD_INCR_EVENT, ZSET_POP_EVENT } from './keyspace-events.js';
import type { SetValue } from '../projections/set-value.js';
import { aboveMin, belowMax, lexAboveMin, lexBelowMax, type LexRange, type ScoreRange, type SkipNode } from '../projections/skiplist.js';
import { ZSetValue } from '../projections/zset-value.js';
import { clampRange, parseInteger, readDouble } from './arguments.js';
import { parseDouble } from '../formats/number-parsing.js';
import { formatDouble } from '../formats/double-text.js';
import type { Client } from '../session/client.js';
import { parseScanOptions, scanStep } from './collection-scan.js';
import { NEGATIVE_COUNT, NOT_AN_INTEGER, NOT_A_FLOAT, SYNTAX_ERROR, WRONGTYPE } from '../replies/errors.js';
import { blockOn } from './list-commands.js';
import type { PendingReply } from '../replies/pending-reply.js';
import { checkPickCount, randomSlots } from './random-picks.js';
import { DoubleReply, ErrorReply, NULL_ARRAY, type Reply } from '../replies/reply.js';
import { COUNT_NOT_POSITIVE, LIMIT_NEGATIVE, parseNumKeys, parseOptionalNumber } from './numkeys.js';
import { lookupTyped } from './typed-lookup.js';
import type { EffectDraft } from '../log/record.js';

/** Sorted-set commands (Redis's t_zset.c). */

const MIN_MAX_NOT_FLOAT = new ErrorReply('ERR min or max is not a float');
const NOT_LEX_RANGE = new ErrorReply('ERR min or max not valid string range item');

function readZSet(client: Client, key: string): ZSetValue | undefined | ErrorReply {
  return lookupTyped<ZSetValue>(client, key, 'zset');
}

// ---- ZADD, ZINCRBY, ZREM

export function zadd(client: Client, args: string[]): Reply {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  let ch = false;
  let incr = false;
  let i = 2;
  for (; i < args.length; i++) {
    const flag = args[i].toUpperCase();
    if (flag === 'NX') nx = true;
    else if (flag === 'XX') xx = true;
    else if (flag === 'GT') gt = true;
    else if (flag === 'LT') lt = true;
    else if (flag === 'CH') ch = true;
    else if (flag === 'INCR') incr = true;
    else break;
  }
  const pairs = args.length - i;
  if (pairs === 0 || pairs % 2 !== 0) return SYNTAX_ERROR;
  if (nx && xx) return new ErrorReply('ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) return new ErrorReply('ERR GT, LT, and/or NX options at the same time are not compatible');
  if (incr && pairs > 2) return new ErrorReply('ERR INCR option supports a single increment-element pair');
  const scores: number[] = [];
  for (let j = i; j < args.length; j += 2) {
    const score = parseDouble(args[j]);
    if (score === null) return NOT_A_FLOAT;
    scores.push(score);
  }
  const zset = readZSet(client, args[1]);
  if (zset instanceof ErrorReply) return zset;
  const effect: EffectDraft<'zadd'> = ['zadd', args[1]];
  const decided = new Map<string, number>();
  let added = 0;
  let changed = 0;
  for (let j = i, k = 0; j < args.length; j += 2, k++) {
    const member = args[j + 1];
    const current = decided.get(member) ?? zset?.scores.get(member);
    let score = scores[k];
    if (current === undefined ? xx : nx) continue;
    if (incr && current !== undefined) score += current;
    if (Number.isNaN(score)) return new ErrorReply('ERR resulting score is not a number (NaN)');
    // msgpack stores -0 as the integer 0: decide 0 here so that memory and replay agree.
    if (score === 0) score = 0;
    if (current !== undefined && ((gt && score <= current) || (lt && score >= current))) continue;
    if (current === undefined) added++;
    else if (current !== score) changed++;
    else continue;
    decided.set(member, score);
  }
  for (const [member, score] of decided) effect.push(score, member);
  const store = client.server.store;
  if (decided.size > 0) store.writeKey(client.db, args[1], effect, client, incr ? ZADD_INCR_EVENT : undefined);
  if (incr) {
    const member = args[i + 1];
    const score = decided.get(member);
    if (score !== undefined) return new DoubleReply(score);
    // Not added or changed: the current score, unless the flags refused the member entirely.
    const current = zset?.scores.get(member);
    return current !== undefined && !nx && !(gt || lt) ? new DoubleReply(current) : null;
  }
  return ch ? added + changed : added;
}

export function zincrby(client: Client, args: string[]): Reply {
  return zadd(client, ['ZADD', args[1], 'INCR', args[2], args[3]]);
}

export function zrem(client: Client, args: string[]): Reply {
  const zset = readZSet(client, args[1]);
  if (zset instanceof ErrorReply || zset === undefined) return zset ?? 0;
  const present = [...new Set(args.slice(2))].filter((member) => zset.scores.has(member));
  if (present.length > 0) client.server.store.writeKey(client.db, args[1], ['zrem', args[1], ...present], client);
  return present.length;
}

// ---- reads by member

export function zcard(client: Client, args: string[]): Reply {
  const zset = readZSet(client, args[1]);
  return zset instanceof ErrorReply ? zset : (zset?.size ?? 0);
}

export function zscore(client: Client, args: string[]): Reply {
  const zset = readZSet(client, args[1]);
  if (zset instanceof ErrorReply) return zset;
  const score = zset?.scores.get(args[2]);
  return score === undefined ? null : new DoubleReply(score);
}

export function zmscore(client: Client, args: string[]): Reply {
  const zset = readZSet(client, args[1]);
  if (zset instanceof ErrorReply) return zset;
  return args.slice(2).map((member) => {
    const score = zset?.scores.get(member);
    return score === undefined ? null : new DoubleReply(score);
  });
}

function rankGeneric(client: Client, args: string[], reverse: boolean): Reply {
  if (args.length > 4 || (args.length === 4 && args[3].toUpperCase() !== 'WITHSCORE')) return SYNTAX_ERROR;
  const zset = readZSet(client, args[1]);
  if (zset instanceof ErrorReply) return zset;
  const rank = zset?.rankOf(args[2]);
  if (zset === undefined || rank === undefined) return args.length === 4 ? NULL_ARRAY : null;
  const answer = reverse ? zset.size - 1 - rank : rank;
  return args.length === 4 ? [answer, new DoubleReply(zset.scores.get(args[2]) as number)] : answer;
}

export const zrank = (client: Client, args: string[]): Reply => rankGeneric(client, args, false);
export const zrevrank = (client: Client, args: string[]): Reply => rankGeneric(client, args, true);

// ---- ranges

export function parseScoreRange(minText: string, maxText: string): ScoreRange | ErrorReply {
  // Redis's zslParseRange reads bounds with a bare strtod: "" is 0, " 1" is 1, 1e400 is inf.
  const bound = (text: string): [number, boolean] | null => {
    const exclusive = text.startsWith('(');
    const read = readDouble(exclusive ? text.slice(1) : text);
    return read === null || Number.isNaN(read.value) ? null : [read.value, exclusive];
  };
  const min = bound(minText);
  const max = bound(maxText);
  if (min === null || max === null) return MIN_MAX_NOT_FLOAT;
  return { min: min[0], minExclusive: min[1], max: max[0], maxExclusive: max[1] };
}

export function parseLexRange(minText: string, maxText: string): LexRange | ErrorReply {
  // Redis's zslParseLexRangeItem: '-' and '+' (the lowest and highest string) are valid on either side.
  const bound = (text: string): [string, boolean] | '-' | '+' | null => {
    if (text === '-' || text === '+') return text;
    if (text.startsWith('(')) return [text.slice(1), true];
    if (text.startsWith('[')) return [text.slice(1), false];
    return null;
  };
  const min = bound(minText);
  const max = bound(maxText);
  if (min === null || max === null) return NOT_LEX_RANGE;
  // '+' as a minimum or '-' as a maximum selects nothing: model them as impossible bounds.
  if (min === '+' || max === '-') return { min: '\uffff', max: '', minExclusive: true, maxExclusive: true };
  return {
    min: min === '-' ? null : min[0],
    minExclusive: min === '-' ? false : min[1],
    max: max === '+' ? null : max[0],
    maxExclusive: max === '+' ? false : max[1],
  };
}

type RangeBy = 'rank' | 'score' | 'lex';

/** A range request with its bounds already parsed, so that bad bounds fail before any lookup. */
interface RangeRequest {
  bounds: { by: 'rank'; start: number; stop: number } | { by: 'score'; range: ScoreRange } | { by: 'lex'; range: LexRange };
  reverse: boolean;
  offset: number;
  count: number;
  withScores: boolean;
}

/** Parses start/stop as ranks, scores or lex bounds (for REV by score or lex, max comes first). */
function parseBounds(by: RangeBy, reverse: boolean, start: string, stop: string): RangeRequest['bounds'] | ErrorReply {
  if (by === 'rank') {
    const first = parseInteger(start);
    const last = parseInteger(stop);
    if (first === null || last === null) return NOT_AN_INTEGER;
    return { by, start: first, stop: last };
  }
  const [minText, maxText] = reverse ? [stop, start] : [start, stop];
  const range = by === 'score' ? parseScoreRange(minText, maxText) : parseLexRange(minText, maxText);
  if (range instanceof ErrorReply) return range;
  return by === 'score' ? { by, range: range as ScoreRange } : { by, range: range as LexRange };
}

/** The nodes a range request selects, in reply order. */
function selectNodes(zset: ZSetValue, request: RangeRequest): SkipNode[] {
  const nodes: SkipNode[] = [];
  const bounds = request.bounds;
  const step = (node: SkipNode) => (request.reverse ? node.backward : node.next);
  if (bounds.by === 'rank') {
    const range = clampRange(bounds.start, bounds.stop, zset.size);
    if (range === null) return nodes;
    let node = zset.nodeAt(request.reverse ? zset.size - 1 - range[0] : range[0]);
    for (let i = 0; node !== null && i <= range[1] - range[0]; i++) {
      nodes.push(node);
      node = step(node);
    }
    return nodes;
  }
  // Redis answers a negative LIMIT offset with nothing.
  if (request.offset < 0) return nodes;
  let inRange: (node: SkipNode) => boolean;
  let node: SkipNode | null;
  if (bounds.by === 'score') {
    const range = bounds.range;
    inRange = request.reverse ? (n) => aboveMin(n.score, range) : (n) => belowMax(n.score, range);
    node = request.reverse ? zset.order.lastInRange(range) : zset.order.firstInRange(range);
  } else {
    const range = bounds.range;
    inRange = request.reverse ? (n) => lexAboveMin(n.member, range) : (n) => lexBelowMax(n.member, range);
    node = request.reverse ? zset.order.lastInLexRange(range) : zset.order.firstInLexRange(range);
  }
  for (let skip = request.offset; node !== null && skip > 0 && inRange(node); skip--) node = step(node);
  for (let left = request.count < 0 ? Infinity : request.count; node !== null && left > 0 && inRange(node); left--) {
    nodes.push(node);
    node = step(node);
  }
  return nodes;
}

/** Members, with scores in RESP3 as [member, score] pairs and in RESP2 flat. */
function membersReply(client: Client, nodes: readonly SkipNode[], withScores: boolean): Reply {
  if (!withScores) return nodes.map((node) => node.member);
  if (client.resp === 3) return nodes.map((node) => [node.member, new DoubleReply(node.score)]);
  return nodes.flatMap((node) => [node.member, new DoubleReply(node.score)]);
}

/** Parses ZRANGE-style options from `at`; `legacy` fixes BY and REV for the old ZRANGEBY* commands. */
function parseRange(args: string[], at: number, legacy?: { by: RangeBy; reverse: boolean }): RangeRequest | ErrorReply {
  // BYSCORE/BYLEX and REV may each be given once, and not to the legacy commands (Redis's AUTO states).
  let by: RangeBy | undefined = legacy?.by;
  let reverse: boolean | undefined = legacy?.reverse;
  let offset = 0;
  let count = -1;
  let withScores = false;
  for (let i = at + 2; i < args.length; i++) {
    const option = args[i].toUpperCase();
    if (option === 'WITHSCORES') withScores = true;
    else if (option === 'LIMIT' && i + 2 < args.length) {
      const o = parseInteger(args[i + 1]);
      const c = parseInteger(args[i + 2]);
      if (o === null || c === null) return NOT_AN_INTEGER;
      offset = o;
      count = c;
      i += 2;
    } else if (by === undefined && option === 'BYSCORE') by = 'score';
    else if (by === undefined && option === 'BYLEX') by = 'lex';
    else if (reverse === undefined && option === 'REV') reverse = true;
    else return SYNTAX_ERROR;
  }
  by ??= 'rank';
  reverse ??= false;
  // Redis refuses a LIMIT on a rank range only for a count other than -1 (the offset is ignored).
  if (by === 'rank' && count !== -1) return new ErrorReply('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  if (withScores && by === 'lex') return new ErrorReply('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  const bounds = parseBounds(by, reverse, args[at], args[at + 1]);
  if (bounds instanceof ErrorReply) return bounds;
  return { bounds, reverse, offset, count, withScores };
}

function rangeCommand(at: number, legacy?: { by: RangeBy; reverse: boolean }) {
  return (client: Client, args: string[]): Reply => {
    const request = parseRange(args, at, legacy);
    if (request instanceof ErrorReply) return request;
    const zset = readZSet(client, args[1]);
    if (zset instanceof ErrorReply) return zset;
    if (zset === undefined) return [];
    return membersReply(client, selectNodes(zset, request), request.withScores);
  };
}

export const zrange = rangeCommand(2);
export const zrevrange = rangeCommand(2, { by: 'rank', reverse: true });
export const zrangebyscore = rangeCommand(2, { by: 'score', reverse: false });
export const zrevrangebyscore = rangeCommand(2, { by: 'score', reverse: true });
export const zrangebylex = rangeCommand(2, { by: 'lex', reverse: false });
export const zrevrangebylex = rangeCommand(2, { by: 'lex', reverse: true });

export function zrangestore(client: Client, args: string[]): Reply {
  const request = parseRange(args, 3);
  if (request instanceof ErrorReply) return request;
  if (request.withScores) return SYNTAX_ERROR;
  const zset = readZSet(client, args[2]);
  if (zset instanceof ErrorReply) return zset;
  const nodes = zset === undefined ? [] : selectNodes(zset, request);
  return storeZSet(
    client,
    args[1],
    nodes.map((node) => [node.member, node.score]),
  );
}

/** Replaces `key` with a sorted set of `entries` (deleting it when empty); replies the size. */
export function storeZSet(client: Client, key: string, entries: Iterable<[string, number]>): number {
  const store = client.server.store;
  const zset = new ZSetValue();
  for (const [member, score] of entries) zset.set(member, score, store.encodingLimits);
  if (zset.size > 0) store.put(client.db, key, zset, 0, client);
  else if (store.lookup(client.db, key, client) !== undefined) store.delete(client.db, key, client);
  return zset.size;
}

export function zcount(client: Client, args: string[]): Reply {
  const range = parseScoreRange(args[2], args[3]);
  if (range instanceof ErrorReply) return range;
  const zset = readZSet(client, args[1]);
  if (zset instanceof ErrorReply || zset === undefined) return zset ?? 0;
  const first = zset.order.firstInRange(range);
  const last = zset.order.lastInRange(range);
  if (first === null || last === null) return 0;
  return zset.order.rank(last.score, last.member) - zset.order.rank(first.score, first.member) + 1;
}

export function zlexcount(client: Client, args: string[]): Reply {
  const range = parseLexRange(args[2], args[3]);
  if (range instanceof ErrorReply) return range;
  const zset = readZSet(client, args[1]);
  if (zset instanceof ErrorReply || zset === undefined) return zset ?? 0;
  const first = zset.order.firstInLexRange(range);
  const last = zset.order.lastInLexRange(range);
  if (first === null || last === null) return 0;
  return Math.max(0, zset.order.rank(last.score, last.member) - zset.order.rank(first.score, first.member) + 1);
}

function removeRange(by: RangeBy) {
  return (client: Client, args: string[]): Reply => {
    const bounds = parseBounds(by, false, args[2], args[3]);
    if (bounds instanceof ErrorReply) return bounds;
    const zset = readZSet(client, args[1]);
    if (zset instanceof ErrorReply || zset === undefined) return zset ?? 0;
    const nodes = selectNodes(zset, { bounds, reverse: false, offset: 0, count: -1, withScores: false });
    if (nodes.length === 0) return 0;
    const first = zset.rankOf(nodes[0].member) as number;
    client.server.store.writeKey(client.db, args[1], ['zremrange', args[1], first, first + nodes.length - 1], client);
    return nodes.length;
  };
}

export const zremrangebyrank = removeRange('rank');
export const zremrangebyscore = removeRange('score');
export const zremrangebylex = removeRange('lex');

// ---- pops

type End = 'min' | 'max';

/** Pops up to `count` members from one end; logged as a rank range removal. */
function popMembers(client: Client, key: string, zset: ZSetValue, end: End, count: number): SkipNode[] {
  const n = Math.min(count, zset.size);
  const nodes: SkipNode[] = [];
  for (let node = end === 'min' ? zset.order.first : zset.order.tail; node !== null && nodes.length < n; node = end === 'min' ? node.next : node.backward) nodes.push(node);
  const store = client.server.store;
  if (n > 0) store.writeKey(client.db, key, ['zremrange', key, end === 'min' ? 0 : zset.size - n, end === 'min' ? n - 1 : zset.size - 1], client, ZSET_POP_EVENT[end]);
  return nodes;
}

function popCommand(end: End) {
  return (client: Client, args: string[]): Reply => {
    if (args.length > 3) return SYNTAX_ERROR;
    let count = 1;
    if (args.length === 3) {
      // Redis's getPositiveLongFromObjectOrReply: one error for a non-integer and a negative count.
      const n = parseInteger(args[2]);
      if (n === null || n < 0) return NEGATIVE_COUNT;
      count = n;
    }
    const zset = readZSet(client, args[1]);
    if (zset instanceof ErrorReply || zset === undefined) return zset ?? [];
    const nodes = popMembers(client, args[1], zset, end, count);
    // RESP3 nests pairs only when a count was given (Redis 7).
    return args.length === 3 ? membersReply(client, nodes, true) : nodes.flatMap((node) => [node.member, new DoubleReply(node.score)]);
  };
}

export const zpopmin = popCommand('min');
export const zpopmax = popCommand('max');

interface MultiPop {
  keys: string[];
  end: End;
  count: number;
}

function parseMultiPop(args: string[], at: number): MultiPop | ErrorReply {
  const parsed = parseNumKeys(args, at, 1);
  if (parsed instanceof ErrorReply) return parsed;
  const endText = parsed.rest[0].toUpperCase();
  if (endText !== 'MIN' && endText !== 'MAX') return SYNTAX_ERROR;
  const count = parseOptionalNumber(parsed.rest.slice(1), 'COUNT', 1, (n) => n > 0, COUNT_NOT_POSITIVE);
  return count instanceof ErrorReply ? count : { keys: parsed.keys, end: endText === 'MIN' ? 'min' : 'max', count };
}

function popFirst(client: Client, request: MultiPop): Reply | undefined {
  for (const key of request.keys) {
    const zset = readZSet(client, key);
    if (zset instanceof ErrorReply) return zset;
    if (zset !== undefined) return [key, popMembers(client, key, zset, request.end, request.count).map((node) => [node.member, new DoubleReply(node.score)])];
  }
  return undefined;
}

export function zmpop(client: Client, args: string[]): Reply {
  const request = parseMultiPop(args, 1);
  if (request instanceof ErrorReply) return request;
  return popFirst(client, request) ?? NULL_ARRAY;
}

export function bzmpop(client: Client, args: string[]): Reply | PendingReply {
  const request = parseMultiPop(args, 2);
  if (request instanceof ErrorReply) return request;
  return blockOn(client, request.keys, 'zset', args[1], (keys) => popFirst(client, { ...request, keys }));
}

function blockingPop(end: End) {
  return (client: Client, args: string[]): Reply | PendingReply => {
    const keys = args.slice(1, -1);
    return blockOn(client, keys, 'zset', args[args.length - 1], (from) => {
      const reply = popFirst(client, { keys: from, end, count: 1 });
      if (reply === undefined || reply instanceof ErrorReply) return reply;
      const [key, [[member, score]]] = reply as [string, [string, DoubleReply][]];
      return [key, member, score];
    });
  };
}

export const bzpopmin = blockingPop('min');
export const bzpopmax = blockingPop('max');

export function zrandmember(client: Client, args: string[]): Reply {
  if (args.length > 4 || (args.length === 4 && args[3].toUpperCase() !== 'WITHSCORES')) return SYNTAX_ERROR;
  const count = args.length >= 3 ? parseInteger(args[2]) : null;
  if (args.length >= 3 && count === null) return NOT_AN_INTEGER;
  const tooMany = count === null ? undefined : checkPickCount(count);
  if (tooMany) return tooMany;
  const zset = readZSet(client, args[1]);
  if (zset instanceof ErrorReply) return zset;
  if (count === null) return zset === undefined ? null : (zset.nodeAt(Math.floor(Math.random() * zset.size)) as SkipNode).member;
  if (zset === undefined) return [];
  const nodes = randomSlots(zset.size, count).map((slot) => zset.nodeAt(slot) as SkipNode);
  return membersReply(client, nodes, args.length === 4);
}

// ---- algebra: ZUNION ZINTER ZDIFF and their STORE forms, ZINTERCARD

type Algebra = 'union' | 'inter' | 'diff';
type Aggregate = 'sum' | 'min' | 'max';

/** What ZUNION, ZUNIONSTORE and ZINTERCARD take beyond the keys: WITHSCORES, neither, LIMIT. */
type AlgebraForm = 'reply' | 'store' | 'cardinality';

interface AlgebraRequest {
  inputs: (Map<string, number> | undefined)[];
  weights: number[];
  aggregate: Aggregate;
  withScores: boolean;
  limit: number;
}

/**
 * numkeys, then every key's type, then the options: Redis's zunionInterDiffGenericCommand order,
 * so that a WRONGTYPE key beats a bad option. Options may repeat (the last one counts).
 */
function readAlgebra(client: Client, args: string[], at: number, algebra: Algebra, form: AlgebraForm): AlgebraRequest | ErrorReply {
  const numKeys = parseInteger(args[at]);
  if (numKeys === null) return NOT_AN_INTEGER;
  if (numKeys <= 0) return new ErrorReply(`ERR at least 1 input key is needed for '${args[0].toLowerCase()}' command`);
  if (numKeys > args.length - at - 1) return SYNTAX_ERROR;
  const request: AlgebraRequest = { inputs: [], weights: new Array(numKeys).fill(1), aggregate: 'sum', withScores: false, limit: 0 };
  for (let i = at + 1; i <= at + numKeys; i++) {
    const scores = readScored(client, args[i]);
    if (scores instanceof ErrorReply) return scores;
    request.inputs.push(scores);
  }
  const combines = algebra !== 'diff' && form !== 'cardinality';
  for (let i = at + 1 + numKeys; i < args.length; i++) {
    const option = args[i].toUpperCase();
    const remaining = args.length - i;
    if (option === 'WEIGHTS' && combines && remaining > numKeys) {
      for (let w = 0; w < numKeys; w++) {
        const weight = parseDouble(args[i + 1 + w]);
        if (weight === null) return new ErrorReply('ERR weight value is not a float');
        request.weights[w] = weight;
      }
      i += numKeys;
    } else if (option === 'AGGREGATE' && combines && remaining >= 2) {
      const aggregate = args[++i].toLowerCase();
      if (aggregate !== 'sum' && aggregate !== 'min' && aggregate !== 'max') return SYNTAX_ERROR;
      request.aggregate = aggregate;
    } else if (option === 'WITHSCORES' && form === 'reply') request.withScores = true;
    else if (option === 'LIMIT' && form === 'cardinality' && remaining >= 2) {
      const limit = parseInteger(args[++i]);
      if (limit === null || limit < 0) return LIMIT_NEGATIVE;
      request.limit = limit;
    } else return SYNTAX_ERROR;
  }
  return request;
}

/** Reads an algebra input: a sorted set, or a plain set (every member scored 1), as Redis allows. */
function readScored(client: Client, key: string): Map<string, number> | undefined | ErrorReply {
  const value = client.server.store.lookup(client.db, key, client);
  if (value === undefined) return undefined;
  if (value instanceof ZSetValue) return value.scores;
  if (typeof value !== 'string' && value.type === 'set') return new Map([...(value as SetValue).keys()].map((member) => [member, 1]));
  return WRONGTYPE;
}

function combineScores(a: number, b: number, aggregate: Aggregate): number {
  if (aggregate === 'min') return Math.min(a, b);
  if (aggregate === 'max') return Math.max(a, b);
  const sum = a + b;
  return Number.isNaN(sum) ? 0 : sum; // inf + -inf is 0 in Redis
}

function computeAlgebra(algebra: Algebra, request: AlgebraRequest): Map<string, number> {
  const inputs = request.inputs;
  const weighted = (score: number, i: number) => {
    const value = score * request.weights[i];
    return Number.isNaN(value) ? 0 : value;
  };
  const result = new Map<string, number>();
  if (algebra === 'union') {
    inputs.forEach((scores, i) => {
      for (const [member, score] of scores ?? []) {
        const current = result.get(member);
        result.set(member, current === undefined ? weighted(score, i) : combineScores(current, weighted(score, i), request.aggregate));
      }
    });
  } else if (algebra === 'inter') {
    if (inputs.some((scores) => scores === undefined)) return result;
    const [first, ...rest] = inputs as Map<string, number>[];
    for (const [member, score] of first) {
      let total = weighted(score, 0);
      let everywhere = true;
      for (let i = 0; i < rest.length && everywhere; i++) {
        const other = rest[i].get(member);
        if (other === undefined) everywhere = false;
        else total = combineScores(total, weighted(other, i + 1), request.aggregate);
      }
      if (everywhere) result.set(member, total);
    }
  } else {
    const [first, ...rest] = inputs;
    for (const [member, score] of first ?? []) if (rest.every((scores) => !scores?.has(member))) result.set(member, score);
  }
  return result;
}

/** Sorts a computed result by (score, member) for replies. */
function sortedEntries(result: Map<string, number>): [string, number][] {
  return [...result].sort(([ma, sa], [mb, sb]) => sa - sb || (ma < mb ? -1 : ma > mb ? 1 : 0));
}

function algebraCommand(algebra: Algebra) {
  return (client: Client, args: string[]): Reply => {
    const request = readAlgebra(client, args, 1, algebra, 'reply');
    if (request instanceof ErrorReply) return request;
    const entries = sortedEntries(computeAlgebra(algebra, request));
    if (!request.withScores) return entries.map(([member]) => member);
    return client.resp === 3 ? entries.map(([member, score]) => [member, new DoubleReply(score)]) : entries.flatMap(([member, score]) => [member, new DoubleReply(score)]);
  };
}

function algebraStoreCommand(algebra: Algebra) {
  return (client: Client, args: string[]): Reply => {
    const request = readAlgebra(client, args, 2, algebra, 'store');
    if (request instanceof ErrorReply) return request;
    return storeZSet(client, args[1], computeAlgebra(algebra, request));
  };
}

export const zunion = algebraCommand('union');
export const zinter = algebraCommand('inter');
export const zdiff = algebraCommand('diff');
export const zunionstore = algebraStoreCommand('union');
export const zinterstore = algebraStoreCommand('inter');
export const zdiffstore = algebraStoreCommand('diff');

export function zintercard(client: Client, args: string[]): Reply {
  const request = readAlgebra(client, args, 1, 'inter', 'cardinality');
  if (request instanceof ErrorReply) return request;
  const size = computeAlgebra('inter', request).size;
  return request.limit > 0 ? Math.min(request.limit, size) : size;
}

export function zscan(client: Client, args: string[]): Reply {
  const options = parseScanOptions(args, 2);
  if (options instanceof ErrorReply) return options;
  const zset = readZSet(client, args[1]);
  if (zset instanceof ErrorReply) return zset;
  if (zset === undefined) return ['0', []];
  // A listpack sorted set comes back whole and in score order, its scores as the listpack holds
  // them: whole ones (up to 2^62, Redis's double2ll) as integers, so 1e17 is 100000000000000000.
  const listpack = zset.encoding() === 'listpack';
  const [next, entries] = scanStep(zset, () => (listpack ? inScoreOrder(zset) : zset.scores.entries()), listpack, options);
  const text = (score: number) => (listpack && Number.isInteger(score) && Math.abs(score) <= 2 ** 62 ? BigInt(score).toString() : formatDouble(score));
  return [String(next), entries.flatMap(([member, score]) => [member, text(score)])];
}

function* inScoreOrder(zset: ZSetValue): Generator<[string, number]> {
  for (let node = zset.order.first; node !== null; node = node.next) yield [node.member, node.score];
}
