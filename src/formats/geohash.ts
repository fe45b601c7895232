import { asin, cos, sin } from './rounded-trigonometry.js';

/**
 * Redis's geohash arithmetic (geohash.c, geohash_helper.c): a point is a sorted-set score, the
 * 52-bit interleaving of its latitude and longitude cells at step 26 (latitude on the even bits);
 * a search scans the score ranges of 9 cells around its centre and keeps the points inside its
 * shape. Every step follows Redis's order of floating-point operations, so that scores,
 * coordinates, distances and the cells scanned are the same to the last bit, as far as sin, cos
 * and asin round as glibc's do (src/formats/rounded-trigonometry.ts).
 */

export const LONGITUDE_LIMIT = 180;
/** Web Mercator's limit, which Redis indexes up to. */
export const LATITUDE_LIMIT = 85.05112878;
/** The step of a stored point: 26 bits per coordinate. */
const STEP_MAX = 26;
const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const DEGREES_TO_RADIANS = Math.PI / 180.0;
const TWO_32 = 2 ** 32;

interface Range {
  min: number;
  max: number;
}

const LONGITUDES: Range = { min: -LONGITUDE_LIMIT, max: LONGITUDE_LIMIT };
const LATITUDES: Range = { min: -LATITUDE_LIMIT, max: LATITUDE_LIMIT };
/** GEOHASH's ranges: the standard geohash's, not the ones scores are made with. */
const STANDARD_LATITUDES: Range = { min: -90, max: 90 };

/**
 * A cell: its latitude and longitude indexes at `step` bits each. An index may be 2^step, one past
 * the last cell, for a point on the upper limit (longitude 180): Redis keeps that bit too.
 */
interface Cell {
  lat: number;
  lon: number;
  step: number;
}

const degreesToRadians = (degrees: number) => degrees * DEGREES_TO_RADIANS;
const radiansToDegrees = (radians: number) => radians / DEGREES_TO_RADIANS;

export function validCoordinates(longitude: number, latitude: number): boolean {
  return longitude >= -LONGITUDE_LIMIT && longitude <= LONGITUDE_LIMIT && latitude >= -LATITUDE_LIMIT && latitude <= LATITUDE_LIMIT;
}

/** geohashEncode: the cell holding a point (undefined outside the limits), indexes truncated as C converts doubles to uint32. */
function encode(longitude: number, latitude: number, step: number, latitudes: Range = LATITUDES): Cell | undefined {
  if (!validCoordinates(longitude, latitude)) return undefined;
  const latOffset = ((latitude - latitudes.min) / (latitudes.max - latitudes.min)) * 2 ** step;
  const lonOffset = ((longitude - LONGITUDES.min) / (LONGITUDES.max - LONGITUDES.min)) * 2 ** step;
  return { lat: Math.trunc(latOffset), lon: Math.trunc(lonOffset), step };
}

/** The bits of a 32-bit value spread to the even bits of 64 (Morton order), as [high word, low word]. */
function spread(value: number): [number, number] {
  const half = (v: number) => {
    v = (v | (v << 8)) & 0x00ff00ff;
    v = (v | (v << 4)) & 0x0f0f0f0f;
    v = (v | (v << 2)) & 0x33333333;
    return ((v | (v << 1)) & 0x55555555) >>> 0;
  };
  return [half(value >>> 16), half(value & 0xffff)];
}

/** The even bits of a 32-bit word, packed into 16. */
function pack(word: number): number {
  let v = word & 0x55555555;
  v = (v | (v >>> 1)) & 0x33333333;
  v = (v | (v >>> 2)) & 0x0f0f0f0f;
  v = (v | (v >>> 4)) & 0x00ff00ff;
  return (v | (v >>> 8)) & 0x0000ffff;
}

/** A cell's interleaved bits (interleave64), as a number: exact below 2^53, rounded above as strtod would round it. */
function interleave(cell: Cell): number {
  const [latHigh, latLow] = spread(cell.lat);
  const [lonHigh, lonLow] = spread(cell.lon);
  return latHigh * TWO_32 + latLow + 2 * (lonHigh * TWO_32 + lonLow);
}

/**
 * A score as C's (uint64_t) cast reads it on x86-64, as [high word, low word]: truncated; a negative
 * one wraps around, and one past the int64 range becomes 2^63, or 0 from 2^64 on.
 */
function uint64Words(score: number): [number, number] {
  const whole = Math.trunc(score);
  if (whole >= 0 && whole < 2 ** 53) return [Math.floor(whole / TWO_32), whole % TWO_32];
  let bits: bigint;
  if (Number.isNaN(whole) || whole >= 2 ** 64) bits = 0n;
  else if (whole < -(2 ** 63)) bits = 1n << 63n;
  else bits = BigInt.asUintN(64, BigInt(whole));
  return [Number(bits >> 32n), Number(bits & 0xffffffffn)];
}

/** A score's cell at step 26 (deinterleave64). */
function cellOfScore(score: number): Cell {
  const [high, low] = uint64Words(score);
  return {
    lat: pack(high) * 0x10000 + pack(low),
    lon: pack(high >>> 1) * 0x10000 + pack(low >>> 1),
    step: STEP_MAX,
  };
}

interface Area {
  longitude: Range;
  latitude: Range;
}

/** geohashDecode: the cell's bounds. */
function areaOf(cell: Cell, latitudes: Range = LATITUDES): Area {
  const cells = 2 ** cell.step;
  const latScale = latitudes.max - latitudes.min;
  const lonScale = LONGITUDES.max - LONGITUDES.min;
  return {
    latitude: { min: latitudes.min + (cell.lat / cells) * latScale, max: latitudes.min + ((cell.lat + 1) / cells) * latScale },
    longitude: { min: LONGITUDES.min + (cell.lon / cells) * lonScale, max: LONGITUDES.min + ((cell.lon + 1) / cells) * lonScale },
  };
}

const clamp = (value: number, limit: number) => Math.min(Math.max(value, -limit), limit);

/** The score GEOADD gives a point (undefined outside the limits). */
export function scoreOf(longitude: number, latitude: number): number | undefined {
  const cell = encode(longitude, latitude, STEP_MAX);
  return cell === undefined ? undefined : interleave(cell);
}

/** The point a score stands for: its cell's centre, within the limits (GEOPOS). */
export function positionOf(score: number): [longitude: number, latitude: number] {
  const area = areaOf(cellOfScore(score));
  return [clamp((area.longitude.min + area.longitude.max) / 2, LONGITUDE_LIMIT), clamp((area.latitude.min + area.latitude.max) / 2, LATITUDE_LIMIT)];
}

const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';

/** GEOHASH's 11 characters: the point re-encoded with the standard latitudes; its 11th is always '0' (52 bits make 10). */
export function geohashText(score: number): string {
  const [longitude, latitude] = positionOf(score);
  const bits = interleave(encode(longitude, latitude, STEP_MAX, STANDARD_LATITUDES) as Cell);
  let text = '';
  for (let i = 0; i < 10; i++) text += BASE32[Math.floor(bits / 2 ** (52 - (i + 1) * 5)) % 32];
  return `${text}0`;
}

/** The distance in meters between two points on one meridian (geohashGetLatDistance). */
function latitudeDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degreesToRadians(lat2) - degreesToRadians(lat1));
}

interface Trigonometry {
  sin(x: number): number;
  cos(x: number): number;
  asin(x: number): number;
}
/** glibc's correctly rounded functions, as Redis gets them: about 400 ns a call (double-double arithmetic). */
const EXACT: Trigonometry = { sin, cos, asin };
/** V8's (fdlibm): within an ulp of glibc's, at a fiftieth of the cost. */
const ROUGH: Trigonometry = Math;

/** The haversine great-circle distance in meters; Redis 7.0.15 measures along the meridian when the longitudes agree. */
function haversine(trig: Trigonometry, lon1: number, lat1: number, lon2: number, lat2: number): number {
  const v = trig.sin((degreesToRadians(lon2) - degreesToRadians(lon1)) / 2);
  if (v === 0) return latitudeDistance(lat1, lat2);
  const lat1r = degreesToRadians(lat1);
  const lat2r = degreesToRadians(lat2);
  const u = trig.sin((lat2r - lat1r) / 2);
  return 2.0 * EARTH_RADIUS_IN_METERS * trig.asin(Math.sqrt(u * u + trig.cos(lat1r) * trig.cos(lat2r) * v * v));
}

/** The distance Redis computes, to the last bit (GEODIST, WITHDIST, STOREDIST, and deciding close calls). */
export function distanceBetween(lon1: number, lat1: number, lon2: number, lat2: number): number {
  return haversine(EXACT, lon1, lat1, lon2, lat2);
}

/**
 * The same distance from V8's trigonometry: a few ulps off at most, so it decides what is inside a
 * shape and which of two points is nearer unless `tooCloseToCall` says the exact one must.
 */
export function roughDistanceBetween(lon1: number, lat1: number, lon2: number, lat2: number): number {
  return haversine(ROUGH, lon1, lat1, lon2, lat2);
}

/**
 * Past this, asin's steep slope near 1 (points nearly antipodal) can magnify the rough figure's
 * error beyond the tolerance below: such distances are always measured exactly.
 */
const ROUGH_LIMIT_METERS = 19_000_000;

/**
 * Whether two distances, one or both rough, are too close for the rough figures to order them.
 * The rough figure is within about 1e-15 of the exact one (six ulps of the operations combined);
 * 1e-9 leaves a wide margin and still sends only near-ties to the exact arithmetic.
 */
export function tooCloseToCall(a: number, b: number): boolean {
  const larger = Math.max(a, b);
  return larger > ROUGH_LIMIT_METERS || Math.abs(a - b) <= 1e-9 * larger + 1e-9;
}

/** Whether a point `limit` meters or nearer by Redis's arithmetic: decided by the rough distance unless it is a close call. */
function isWithin(lon1: number, lat1: number, lon2: number, lat2: number, limit: number): boolean {
  const rough = roughDistanceBetween(lon1, lat1, lon2, lat2);
  if (!tooCloseToCall(rough, limit)) return rough <= limit;
  return distanceBetween(lon1, lat1, lon2, lat2) <= limit;
}

/** A search area around a centre; sizes in the unit that `toMeters` converts to meters. */
export type SearchShape = { longitude: number; latitude: number; toMeters: number } & ({ kind: 'radius'; radius: number } | { kind: 'box'; width: number; height: number });

/**
 * The rough distance in meters from the shape's centre to a point inside it (the caller measures
 * exactly where it must: see roughDistanceBetween); undefined for a point outside. Which points are
 * inside is decided as Redis decides it.
 */
export function roughDistanceIfInside(shape: SearchShape, longitude: number, latitude: number): number | undefined {
  const rough = roughDistanceBetween(shape.longitude, shape.latitude, longitude, latitude);
  if (shape.kind === 'radius') {
    const limit = shape.radius * shape.toMeters;
    const outside = tooCloseToCall(rough, limit) ? distanceBetween(shape.longitude, shape.latitude, longitude, latitude) > limit : rough > limit;
    return outside ? undefined : rough;
  }
  // geohashGetDistanceIfInRectangle: east-west along the point's parallel, north-south along its meridian.
  if (!isWithin(longitude, latitude, shape.longitude, latitude, (shape.width * shape.toMeters) / 2)) return undefined;
  if (!isWithin(longitude, latitude, longitude, shape.latitude, (shape.height * shape.toMeters) / 2)) return undefined;
  return rough;
}

/** geohashEstimateStepsByRadius: the coarsest step whose cells still cover the radius, wider towards the poles. */
function estimateSteps(rangeMeters: number, latitude: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (latitude > 66 || latitude < -66) {
    step--;
    if (latitude > 80 || latitude < -80) step--;
  }
  return Math.min(Math.max(step, 1), 26);
}

/** geohashBoundingBox: [min lon, min lat, max lon, max lat], the widest parallel taken towards the pole. */
function boundingBox(shape: SearchShape): [number, number, number, number] {
  const { longitude, latitude } = shape;
  const height = shape.toMeters * (shape.kind === 'radius' ? shape.radius : shape.height / 2);
  const width = shape.toMeters * (shape.kind === 'radius' ? shape.radius : shape.width / 2);
  const latDelta = radiansToDegrees(height / EARTH_RADIUS_IN_METERS);
  const lonDeltaTop = radiansToDegrees(width / EARTH_RADIUS_IN_METERS / cos(degreesToRadians(latitude + latDelta)));
  const lonDeltaBottom = radiansToDegrees(width / EARTH_RADIUS_IN_METERS / cos(degreesToRadians(latitude - latDelta)));
  const lonDelta = latitude < 0 ? lonDeltaBottom : lonDeltaTop;
  return [longitude - lonDelta, latitude - latDelta, longitude + lonDelta, latitude + latDelta];
}

/** A cell moved by whole cells, wrapping around; a coordinate that does not move keeps its bits unmasked, as geohash_move_x/y do. */
function moved(cell: Cell, east: number, north: number): Cell {
  const cells = 2 ** cell.step;
  const wrap = (index: number, by: number) => (by === 0 ? index : (((index + by) % cells) + cells) % cells);
  return { lat: wrap(cell.lat, north), lon: wrap(cell.lon, east), step: cell.step };
}

/**
 * The cells a search scans, in Redis's order: centre, N, S, E, W, NE, NW, SE, SW
 * (geohashCalculateAreasByShapeWGS84); undefined for one it need not scan (Redis's GZERO).
 */
function cellsToScan(shape: SearchShape): (Cell | undefined)[] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(shape);
  const { longitude, latitude } = shape;
  const radiusMeters = (shape.kind === 'radius' ? shape.radius : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2))) * shape.toMeters;
  let steps = estimateSteps(radiusMeters, latitude);
  let centre = encode(longitude, latitude, steps) as Cell;
  // The step is too fine when a neighbour falls short of the bounding box: one step coarser then.
  const north = areaOf(moved(centre, 0, 1));
  const south = areaOf(moved(centre, 0, -1));
  const east = areaOf(moved(centre, 1, 0));
  const west = areaOf(moved(centre, -1, 0));
  const tooFine = north.latitude.max < maxLat || south.latitude.min > minLat || east.longitude.max < maxLon || west.longitude.min > minLon;
  if (steps > 1 && tooFine) {
    steps--;
    centre = encode(longitude, latitude, steps) as Cell;
  }
  const area = areaOf(centre);
  // Neighbours on a side the search area does not reach are skipped.
  const useless = steps >= 2;
  const skipSouth = useless && area.latitude.min < minLat;
  const skipNorth = useless && area.latitude.max > maxLat;
  const skipWest = useless && area.longitude.min < minLon;
  const skipEast = useless && area.longitude.max > maxLon;
  const neighbour = (east: number, north: number, skip: boolean) => (skip ? undefined : moved(centre, east, north));
  return [
    centre,
    neighbour(0, 1, skipNorth),
    neighbour(0, -1, skipSouth),
    neighbour(1, 0, skipEast),
    neighbour(-1, 0, skipWest),
    neighbour(1, 1, skipNorth || skipEast),
    neighbour(-1, 1, skipNorth || skipWest),
    neighbour(1, -1, skipSouth || skipEast),
    neighbour(-1, -1, skipSouth || skipWest),
  ];
}

/** A score range: min <= score < max. */
export type ScoreSpan = [min: number, max: number];

/**
 * The score ranges a search scans, in Redis's order (membersOfAllNeighbors): a cell's scores are its
 * bits followed by any 52 - 2 x step bits. A cell equal to the last one scanned is skipped (huge
 * radiuses make neighbours coincide), though never by comparison with the centre, as in Redis.
 */
export function scoreSpansOf(shape: SearchShape): ScoreSpan[] {
  const spans: ScoreSpan[] = [];
  const cells = cellsToScan(shape);
  let last: Cell | undefined;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (cell === undefined) continue;
    if (last !== undefined && cell.lat === last.lat && cell.lon === last.lon && cell.step === last.step) continue;
    const align = 2 ** (52 - cell.step * 2);
    const bits = interleave(cell);
    spans.push([bits * align, (bits + 1) * align]);
    if (i > 0) last = cell;
  }
  return spans;
}
