import { describe, expect, it } from 'vitest';
import { asin, cos, sin } from '../../src/formats/rounded-trigonometry.js';

/** Expected values are glibc's (Python's math module on the machine redis-server runs on), where V8's Math differs by an ulp. */

describe('sin, cos and asin rounded as glibc rounds them', () => {
  it('where V8 is an ulp off', () => {
    expect(Math.sin(-0.7418608507720131)).not.toBe(-0.6756609231725333);
    expect(sin(-0.7418608507720131)).toBe(-0.6756609231725333);
    expect(Math.asin(0.7372773313890737)).not.toBe(0.829031386673137);
    expect(asin(0.7372773313890737)).toBe(0.829031386673137);
  });

  it('reduces arguments up to a few times pi without losing the small results', () => {
    expect(sin(Math.PI)).toBe(1.2246467991473532e-16);
    expect(sin(-Math.PI)).toBe(-1.2246467991473532e-16);
    expect(cos(Math.PI / 2)).toBe(6.123233995736766e-17);
    expect(cos(3)).toBe(-0.9899924966004454);
    expect(sin(1e-300)).toBe(1e-300);
    expect(Object.is(sin(-0), -0)).toBe(true);
  });

  it('asin at and near the ends of its domain', () => {
    expect(asin(1)).toBe(1.5707963267948966);
    expect(asin(-1)).toBe(-1.5707963267948966);
    expect(asin(0.9999999999999999)).toBe(1.5707963118937354);
    expect(asin(0.5)).toBe(0.5235987755982989);
    expect(asin(1.0000000000000002)).toBeNaN();
    expect(Object.is(asin(-0), -0)).toBe(true);
  });
});
