import { distanceBetween, geohashText, roughDistanceIfInside, tooCloseToCall, positionOf, scoreOf, scoreSpansOf, validCoordinates, type SearchShape } from '../formats/geohash.js';
import { formatFixedDouble } from '../formats/double-text.js';
import { humanText } from '../formats/long-double.js';
import { parseDouble } from '../formats/number-parsing.js';
import { belowMax, type ScoreRange } from '../projections/skiplist.js';
import type { ZSetValue } from '../projections/zset-value.js';
import { NOT_AN_INTEGER, NOT_A_FLOAT, SYNTAX_ERROR } from '../replies/errors.js';
import { DoubleReply, ErrorReply, NULL_ARRAY, type Reply } from '../replies/reply.js';
import type { Client } from '../session/client.js';
import { parseInteger } from './arguments.js';
import { partialSort } from './partial-sort.js';
import { lookupTyped } from './typed-lookup.js';
import { storeZSet, zadd } from './zset-commands.js';

/**
 * Geospatial commands (Redis's geo.c): a geo set is a sorted set whose scores are the members'
 * geohashes (src/formats/geohash.ts), so GEOADD is a ZADD and a search is a walk over score ranges.
 */

const UNITS = new Map([
  ['m', 1],
  ['km', 1000],
  ['ft', 0.3048],
  ['mi', 1609.34],
]);
const UNSUPPORTED_UNIT = new ErrorReply('ERR unsupported unit provided. please use M, KM, FT, MI');
const UNKNOWN_MEMBER = new ErrorReply('ERR could not decode requested zset member');
const COUNT_NOT_POSITIVE = new ErrorReply('ERR COUNT must be > 0');
const ANY_WITHOUT_COUNT = new ErrorReply('ERR the ANY argument requires COUNT argument');

function readGeoSet(client: Client, key: string): ZSetValue | undefined | ErrorReply {
  return lookupTyped<ZSetValue>(client, key, 'zset');
}

/** A unit's factor to meters; units are read in any case. */
function parseUnit(text: string): number | ErrorReply {
  return UNITS.get(text.toLowerCase()) ?? UNSUPPORTED_UNIT;
}

/** Longitude and latitude at `at`, within the limits GEOADD indexes (extractLongLatOrReply). */
function parseCoordinates(args: string[], at: number): [longitude: number, latitude: number] | ErrorReply {
  const longitude = parseDouble(args[at]);
  const latitude = longitude === null ? null : parseDouble(args[at + 1]);
  if (longitude === null || latitude === null) return NOT_A_FLOAT;
  if (!validCoordinates(longitude, latitude)) {
    const printed = (value: number) => formatFixedDouble(value, 6);
    return new ErrorReply(`ERR invalid longitude,latitude pair ${printed(longitude)},${printed(latitude)}`);
  }
  return [longitude, latitude];
}

/** Sizes then their unit: [sizes, factor to meters]; `what` names each size in its error. */
function parseSizes(args: string[], at: number, what: readonly string[], negative: ErrorReply): [number[], number] | ErrorReply {
  const sizes: number[] = [];
  for (let i = 0; i < what.length; i++) {
    const size = parseDouble(args[at + i]);
    if (size === null) return new ErrorReply(`ERR need numeric ${what[i]}`);
    sizes.push(size);
  }
  if (sizes.some((size) => size < 0)) return negative;
  const toMeters = parseUnit(args[at + what.length]);
  return toMeters instanceof ErrorReply ? toMeters : [sizes, toMeters];
}

const NEGATIVE_RADIUS = new ErrorReply('ERR radius cannot be negative');
const NEGATIVE_BOX = new ErrorReply('ERR height or width cannot be negative');

type Centre = Pick<SearchShape, 'longitude' | 'latitude'>;
type Area = { toMeters: number } & ({ kind: 'radius'; radius: number } | { kind: 'box'; width: number; height: number });

function parseRadius(args: string[], at: number): Area | ErrorReply {
  const parsed = parseSizes(args, at, ['radius'], NEGATIVE_RADIUS);
  return parsed instanceof ErrorReply ? parsed : { kind: 'radius', radius: parsed[0][0], toMeters: parsed[1] };
}

function parseBox(args: string[], at: number): Area | ErrorReply {
  const parsed = parseSizes(args, at, ['width', 'height'], NEGATIVE_BOX);
  return parsed instanceof ErrorReply ? parsed : { kind: 'box', width: parsed[0][0], height: parsed[0][1], toMeters: parsed[1] };
}

/** A member's position, or UNKNOWN_MEMBER. */
function positionOfMember(zset: ZSetValue, member: string): Centre | ErrorReply {
  const score = zset.scores.get(member);
  if (score === undefined) return UNKNOWN_MEMBER;
  const [longitude, latitude] = positionOf(score);
  return { longitude, latitude };
}

/** Distances as Redis prints them: "%.4f", a bulk string in RESP3 too. */
function distanceText(distance: number): string {
  return formatFixedDouble(distance, 4);
}

/** A coordinate as Redis prints it (addReplyHumanLongDouble): a double in RESP3, with its own digits. */
function coordinateReply(value: number): DoubleReply {
  return new DoubleReply(value, humanText(formatFixedDouble(value, 17)));
}

// ---- GEOADD, GEODIST, GEOHASH, GEOPOS

/** GEOADD key [NX|XX] [CH] longitude latitude member ...: a ZADD of the members' geohashes. */
export function geoadd(client: Client, args: string[]): Reply {
  const options: string[] = [];
  let at = 2;
  for (; at < args.length; at++) {
    const option = args[at].toUpperCase();
    if (option !== 'NX' && option !== 'XX' && option !== 'CH') break;
    options.push(option);
  }
  if ((args.length - at) % 3 !== 0 || (options.includes('NX') && options.includes('XX'))) return SYNTAX_ERROR;
  const zaddArgs = ['ZADD', args[1], ...options];
  for (let i = at; i < args.length; i += 3) {
    const point = parseCoordinates(args, i);
    if (point instanceof ErrorReply) return point;
    zaddArgs.push(String(scoreOf(...point)), args[i + 2]);
  }
  return zadd(client, zaddArgs);
}

export function geodist(client: Client, args: string[]): Reply {
  if (args.length > 5) return SYNTAX_ERROR;
  const toMeters = args.length === 5 ? parseUnit(args[4]) : 1;
  if (toMeters instanceof ErrorReply) return toMeters;
  const zset = readGeoSet(client, args[1]);
  if (zset instanceof ErrorReply || zset === undefined) return zset ?? null;
  const first = zset.scores.get(args[2]);
  const second = zset.scores.get(args[3]);
  if (first === undefined || second === undefined) return null;
  return distanceText(distanceBetween(...positionOf(first), ...positionOf(second)) / toMeters);
}

export function geohash(client: Client, args: string[]): Reply {
  const zset = readGeoSet(client, args[1]);
  if (zset instanceof ErrorReply) return zset;
  return args.slice(2).map((member) => {
    const score = zset?.scores.get(member);
    return score === undefined ? null : geohashText(score);
  });
}

export function geopos(client: Client, args: string[]): Reply {
  const zset = readGeoSet(client, args[1]);
  if (zset instanceof ErrorReply) return zset;
  return args.slice(2).map((member) => {
    const score = zset?.scores.get(member);
    return score === undefined ? NULL_ARRAY : positionOf(score).map(coordinateReply);
  });
}

// ---- searches: GEORADIUS, GEORADIUSBYMEMBER (and _RO), GEOSEARCH, GEOSEARCHSTORE

/**
 * What a search command takes (Redis's georadiusGeneric flags): where its source key is, where its
 * centre comes from (coordinates or a member before the options, or FROMLONLAT/FROMMEMBER and
 * BYRADIUS/BYBOX among them), and how it stores (STORE/STOREDIST key, a destination key first).
 */
interface SearchForm {
  source: number;
  centre: 'coordinates' | 'member' | 'options';
  store: 'option' | 'destination' | 'none';
}

interface SearchRequest {
  centre?: Centre;
  area?: Area;
  withDist: boolean;
  withHash: boolean;
  withCoord: boolean;
  sort?: 'asc' | 'desc';
  /** 0: no limit. */
  count: number;
  any: boolean;
  destination?: string;
  storeDist: boolean;
}

/** A point a search found. */
interface Found {
  member: string;
  score: number;
  longitude: number;
  latitude: number;
  /** In meters: rough (V8's trigonometry) until `exact` says it is Redis's own figure. */
  distance: number;
  exact: boolean;
}

/**
 * Parses a search in Redis's order: the source's type, the centre and radius given before the
 * options, then the options left to right, then what they may not combine. A missing source still
 * has its options parsed (its centre member cannot be looked up) so that the reply fits STORE.
 */
function parseSearch(args: string[], form: SearchForm, zset: ZSetValue | undefined): SearchRequest | ErrorReply {
  const request: SearchRequest = { withDist: false, withHash: false, withCoord: false, count: 0, any: false, storeDist: false };
  let at: number;
  if (form.centre === 'coordinates') {
    const point = parseCoordinates(args, 2);
    if (point instanceof ErrorReply) return point;
    request.centre = { longitude: point[0], latitude: point[1] };
    const area = parseRadius(args, 4);
    if (area instanceof ErrorReply) return area;
    request.area = area;
    at = 6;
  } else if (form.centre === 'member') {
    at = 5;
    if (zset !== undefined) {
      const centre = positionOfMember(zset, args[2]);
      if (centre instanceof ErrorReply) return centre;
      request.centre = centre;
      const area = parseRadius(args, 3);
      if (area instanceof ErrorReply) return area;
      request.area = area;
    }
  } else {
    at = form.source + 1;
    if (form.store === 'destination') request.destination = args[1];
  }
  const options = form.centre === 'options';
  let fromMember = false;
  let fromLonLat = false;
  for (let i = at; i < args.length; i++) {
    const option = args[i].toUpperCase();
    const more = args.length - 1 - i;
    if (option === 'WITHDIST') request.withDist = true;
    else if (option === 'WITHHASH') request.withHash = true;
    else if (option === 'WITHCOORD') request.withCoord = true;
    else if (option === 'ANY') request.any = true;
    else if (option === 'ASC') request.sort = 'asc';
    else if (option === 'DESC') request.sort = 'desc';
    else if (option === 'COUNT' && more >= 1) {
      const count = parseInteger(args[++i]);
      if (count === null) return NOT_AN_INTEGER;
      if (count <= 0) return COUNT_NOT_POSITIVE;
      request.count = count;
    } else if ((option === 'STORE' || option === 'STOREDIST') && more >= 1 && form.store === 'option') {
      request.destination = args[++i];
      request.storeDist = option === 'STOREDIST';
    } else if (option === 'STOREDIST' && form.store === 'destination') request.storeDist = true;
    else if (option === 'FROMMEMBER' && more >= 1 && options && !fromLonLat) {
      const member = args[++i];
      fromMember = true;
      if (zset === undefined) continue;
      const centre = positionOfMember(zset, member);
      if (centre instanceof ErrorReply) return centre;
      request.centre = centre;
    } else if (option === 'FROMLONLAT' && more >= 2 && options && !fromMember) {
      const point = parseCoordinates(args, i + 1);
      if (point instanceof ErrorReply) return point;
      request.centre = { longitude: point[0], latitude: point[1] };
      fromLonLat = true;
      i += 2;
    } else if (option === 'BYRADIUS' && more >= 2 && options && request.area?.kind !== 'box') {
      const area = parseRadius(args, i + 1);
      if (area instanceof ErrorReply) return area;
      request.area = area;
      i += 2;
    } else if (option === 'BYBOX' && more >= 3 && options && request.area?.kind !== 'radius') {
      const area = parseBox(args, i + 1);
      if (area instanceof ErrorReply) return area;
      request.area = area;
      i += 3;
    } else return SYNTAX_ERROR;
  }
  if (request.destination !== undefined && (request.withDist || request.withHash || request.withCoord))
    return new ErrorReply(`ERR ${form.store === 'destination' ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
  if (options && !fromMember && !fromLonLat) return new ErrorReply(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${args[0]}`);
  if (options && request.area === undefined) return new ErrorReply(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${args[0]}`);
  if (request.any && request.count === 0) return ANY_WITHOUT_COUNT;
  return request;
}

/**
 * The points inside the shape, scanning its cells' score ranges in Redis's order; with ANY, it
 * stops as soon as `count` are found, so which ones depends on that order, as in Redis.
 */
function findInside(zset: ZSetValue, shape: SearchShape, limit: number): Found[] {
  const found: Found[] = [];
  for (const [min, max] of scoreSpansOf(shape)) {
    if (limit > 0 && found.length >= limit) break;
    const range: ScoreRange = { min, minExclusive: false, max, maxExclusive: true };
    // Members at one point have one score, next to each other in the order: measured once.
    let lastScore = NaN;
    let lastInside: Found | undefined;
    for (let node = zset.order.firstInRange(range); node !== null && belowMax(node.score, range); node = node.next) {
      if (node.score !== lastScore) {
        lastScore = node.score;
        const [longitude, latitude] = positionOf(node.score);
        const distance = roughDistanceIfInside(shape, longitude, latitude);
        lastInside = distance === undefined ? undefined : { member: node.member, score: node.score, longitude, latitude, distance, exact: false };
      }
      if (lastInside !== undefined) found.push({ ...lastInside, member: node.member });
      if (limit > 0 && found.length >= limit) break;
    }
  }
  return found;
}

const byDistance = (a: Found, b: Found) => (a.distance > b.distance ? 1 : a.distance === b.distance ? 0 : -1);

/** Makes a point's distance Redis's exact figure; points at one place (one score) are measured once. */
function exactMeasure(shape: SearchShape): (point: Found) => void {
  const byScore = new Map<number, number>();
  return (point) => {
    if (point.exact) return;
    let distance = byScore.get(point.score);
    if (distance === undefined) byScore.set(point.score, (distance = distanceBetween(shape.longitude, shape.latitude, point.longitude, point.latitude)));
    point.distance = distance;
    point.exact = true;
  };
}

/**
 * Redis's order by distance. Two points far enough apart are ordered by their rough distances;
 * a close call measures both exactly first. Every comparison then answers as the exact one would,
 * so the sort (and which points a COUNT keeps) comes out as Redis's does.
 */
function distanceOrder(sort: 'asc' | 'desc', measure: (point: Found) => void): (a: Found, b: Found) => number {
  const sign = sort === 'asc' ? 1 : -1;
  return (a, b) => {
    if (tooCloseToCall(a.distance, b.distance)) {
      measure(a);
      measure(b);
    }
    return sign * byDistance(a, b);
  };
}

function search(client: Client, args: string[], form: SearchForm): Reply {
  const zset = readGeoSet(client, args[form.source]);
  if (zset instanceof ErrorReply) return zset;
  const request = parseSearch(args, form, zset);
  if (request instanceof ErrorReply) return request;
  const destination = request.destination;
  if (zset === undefined) return destination === undefined ? [] : storeZSet(client, destination, []);
  const { centre, area } = request as Required<Pick<SearchRequest, 'centre' | 'area'>>;
  const shape: SearchShape = { ...centre, ...area };
  const found = findInside(zset, shape, request.any ? request.count : 0);
  // COUNT without an order returns the nearest (ANY excepted): Redis sorts ascending then.
  const sort = request.sort ?? (request.count > 0 && !request.any ? 'asc' : undefined);
  const size = request.count > 0 ? Math.min(request.count, found.length) : found.length;
  const measure = exactMeasure(shape);
  if (sort !== undefined) {
    const compare = distanceOrder(sort, measure);
    // Redis sorts everything with qsort (glibc's: a stable merge sort), but only what COUNT returns with its pqsort.
    if (size === found.length) found.sort(compare);
    else partialSort(found, compare, 0, size - 1);
  }
  const returned = found.slice(0, size);
  if (request.withDist || request.storeDist) for (const point of returned) measure(point);
  const inUnit = (point: Found) => point.distance / area.toMeters;
  if (destination !== undefined)
    return storeZSet(
      client,
      destination,
      returned.map((point) => [point.member, request.storeDist ? inUnit(point) : point.score]),
    );
  if (!request.withDist && !request.withHash && !request.withCoord) return returned.map((point) => point.member);
  return returned.map((point) => {
    const item: Reply[] = [point.member];
    if (request.withDist) item.push(distanceText(inUnit(point)));
    if (request.withHash) item.push(Math.trunc(point.score));
    if (request.withCoord) item.push([coordinateReply(point.longitude), coordinateReply(point.latitude)]);
    return item;
  });
}

function searchCommand(form: SearchForm) {
  return (client: Client, args: string[]): Reply => search(client, args, form);
}

export const georadius = searchCommand({ source: 1, centre: 'coordinates', store: 'option' });
export const georadiusReadOnly = searchCommand({ source: 1, centre: 'coordinates', store: 'none' });
export const georadiusbymember = searchCommand({ source: 1, centre: 'member', store: 'option' });
export const georadiusbymemberReadOnly = searchCommand({ source: 1, centre: 'member', store: 'none' });
export const geosearch = searchCommand({ source: 1, centre: 'options', store: 'none' });
export const geosearchstore = searchCommand({ source: 2, centre: 'options', store: 'destination' });
