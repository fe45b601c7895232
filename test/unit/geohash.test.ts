import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatFixedDouble } from '../../src/formats/double-text.js';
import {
  distanceBetween,
  roughDistanceBetween,
  roughDistanceIfInside,
  tooCloseToCall,
  geohashText,
  positionOf,
  scoreOf,
  scoreSpansOf,
  validCoordinates,
  type SearchShape,
} from '../../src/formats/geohash.js';
import { formatFixed, formatLongDouble, longDoubleOf } from '../../src/formats/long-double.js';

/** Expected values are redis-server 7.0.15's answers (test/integration/geo.test.ts compares live). */

const human = (value: number) => formatLongDouble(longDoubleOf(value));

describe('scores and positions', () => {
  it('GEOADD scores: the 52-bit interleaving of the cells at step 26', () => {
    expect(scoreOf(13.361389, 38.115556)).toBe(3479099956230698);
    expect(scoreOf(15.087269, 37.502669)).toBe(3479447370796909);
    expect(scoreOf(-180, -85.05112878)).toBe(0);
    // Longitude 180 is one past the last cell: Redis keeps that bit (bit 53).
    expect(scoreOf(180, 85.05112878)).toBe(13510798882111488);
    expect(scoreOf(180.000001, 0)).toBeUndefined();
    expect(scoreOf(0, 85.06)).toBeUndefined();
    expect(validCoordinates(-180, -85.05112878)).toBe(true);
  });

  it('positions are cell centres within the limits, printed as %.17Lf trimmed', () => {
    expect(positionOf(3479099956230698).map(human)).toEqual(['13.36138933897018433', '38.11555639549629859']);
    expect(positionOf(0).map(human)).toEqual(['-179.99999731779098511', '-85.05112751263942528']);
    expect(positionOf(13510798882111488).map(human)).toEqual(['180', '85.0511287799999991']);
  });

  it('reads any score as C casts a double to uint64 on x86-64', () => {
    expect(positionOf(-1).map(human)).toEqual(['180', '85.0511287799999991']); // wraps to all ones
    expect(positionOf(1.5).map(human)).toEqual(['-179.99999731779098511', '-85.05112497791824921']); // truncated to 1
    expect(positionOf(1e30).map(human)).toEqual(['-179.99999731779098511', '-85.05112751263942528']); // past 2^64: 0
    expect(positionOf(-1e30).map(human)).toEqual(['180', '-85.05112751263942528']); // past int64: 2^63
    expect(positionOf(2 ** 63).map(human)).toEqual(['180', '-85.05112751263942528']);
  });

  it('GEOHASH re-encodes with the standard latitudes; the 11th character is 0', () => {
    expect(geohashText(3479099956230698)).toBe('sqc8b49rny0');
    expect(geohashText(3479447370796909)).toBe('sqdtr74hyu0');
    expect(geohashText(-1)).toBe('bp05b5048p0');
    expect(geohashText(0)).toBe('00bh0hbj200');
  });
});

describe('distances and shapes', () => {
  const palermo = positionOf(3479099956230698);
  const catania = positionOf(3479447370796909);

  it('haversine with Redis earth radius, printed as %.4f', () => {
    expect(formatFixed(longDoubleOf(distanceBetween(...palermo, ...catania)), 4)).toBe('166274.1516');
    expect(formatFixed(longDoubleOf(distanceBetween(...palermo, ...catania) / 1609.34), 4)).toBe('103.3182');
  });

  it("a circle includes its edge; a box is measured along the point's parallel and meridian", () => {
    const distance = distanceBetween(15, 37, ...catania);
    const circle: SearchShape = { kind: 'radius', longitude: 15, latitude: 37, radius: distance, toMeters: 1 };
    expect(roughDistanceIfInside(circle, ...catania)).toBeCloseTo(distance, 6);
    // One ulp either side of the edge: the close call is measured exactly.
    const ulp = distance * Number.EPSILON;
    expect(roughDistanceIfInside({ ...circle, radius: distance + ulp }, ...catania)).toBeDefined();
    expect(roughDistanceIfInside({ ...circle, radius: distance - ulp }, ...catania)).toBeUndefined();
    expect(roughDistanceIfInside({ ...circle, radius: distance * 0.999 }, ...catania)).toBeUndefined();
    const box: SearchShape = { kind: 'box', longitude: 15, latitude: 37, width: 400, height: 400, toMeters: 1000 };
    expect(roughDistanceIfInside(box, ...palermo)).toBeCloseTo(distanceBetween(15, 37, ...palermo), 6);
    expect(roughDistanceIfInside({ ...box, height: 100 }, ...palermo)).toBeUndefined();
  });

  it('the rough distance is within the tolerance of the exact one wherever it is trusted', () => {
    const longitude = fc.double({ min: -180, max: 180, noNaN: true });
    const latitude = fc.double({ min: -85.05112878, max: 85.05112878, noNaN: true });
    fc.assert(
      fc.property(longitude, latitude, longitude, latitude, (lon1, lat1, lon2, lat2) => {
        const exact = distanceBetween(lon1, lat1, lon2, lat2);
        const rough = roughDistanceBetween(lon1, lat1, lon2, lat2);
        // A thousandth of the margin tooCloseToCall allows.
        if (!tooCloseToCall(rough, rough)) expect(Math.abs(rough - exact)).toBeLessThanOrEqual(1e-12 * exact + 1e-12);
      }),
      { numRuns: 20_000 },
    );
  });

  it('scans the centre and 8 neighbours, minus the sides the area does not reach', () => {
    const small: SearchShape = { kind: 'radius', longitude: 15, latitude: 37, radius: 200, toMeters: 1000 };
    const spans = scoreSpansOf(small);
    expect(spans.length).toBeGreaterThan(0);
    expect(spans.length).toBeLessThanOrEqual(9);
    // The centre comes first and holds the centre's own score.
    const centre = scoreOf(15, 37) as number;
    expect(spans[0][0] <= centre && centre < spans[0][1]).toBe(true);
    for (const [min, max] of spans) expect(max - min).toBe(spans[0][1] - spans[0][0]);
  });

  it('a huge radius scans step 1 cells, skipping a neighbour equal to the last one scanned', () => {
    const huge: SearchShape = { kind: 'radius', longitude: 0, latitude: 0, radius: 50000, toMeters: 1000 };
    // The centre (cell 3), north (2; south is north again), east (1; west is east again), north-east (0).
    const quarter = 2 ** 50;
    expect(scoreSpansOf(huge)).toEqual([3, 2, 1, 0].map((cell) => [cell * quarter, (cell + 1) * quarter]));
  });
});

describe('fixed-point printing (C printf %.Nf)', () => {
  const exact = (value: number, digits: number) => formatFixed(longDoubleOf(value), digits);

  it('rounds exact ties to even, as glibc does', () => {
    for (const print of [exact, formatFixedDouble]) {
      expect(print(0.03125, 4)).toBe('0.0312');
      expect(print(0.09375, 4)).toBe('0.0938');
      expect(print(2.5, 0)).toBe('2');
      expect(print(-0.03125, 4)).toBe('-0.0312');
    }
  });

  it('prints every digit of a large value, negative zero, and inf', () => {
    for (const print of [exact, formatFixedDouble]) {
      expect(print(200, 6)).toBe('200.000000');
      expect(print(1e22, 6)).toBe('10000000000000000000000.000000');
      expect(print(-Infinity, 6)).toBe('-inf');
      expect(print(-0, 4)).toBe('-0.0000');
      expect(print(-1e-9, 4)).toBe('-0.0000');
    }
  });

  it("the fast path (JS's toFixed) prints what the exact one does", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.constantFrom(4, 6, 17), (value, digits) => {
        expect(formatFixedDouble(value, digits)).toBe(exact(value, digits));
      }),
      { numRuns: 2000 },
    );
    // Cell centres as GEOPOS prints them.
    for (let cell = 0; cell < 2000; cell++) expect(formatFixedDouble(positionOf(cell * 987654321)[1], 17)).toBe(exact(positionOf(cell * 987654321)[1], 17));
  });
});
