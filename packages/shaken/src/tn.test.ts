import { describe, expect, it } from 'vitest';
import { isTnClaim, tnDigits, tnMatches } from './tn';

describe('tnDigits', () => {
  it.each([
    ['12025550143', '12025550143'],
    ['+1 (202) 555-0143', '12025550143'],
    ['tel:+1-202-555-0143', '12025550143'],
    ['sip:+12025550143@gw.example.net;user=phone', '12025550143'],
    ['<sips:2025550143@example.net>', '2025550143'],
    ['anonymous', ''],
  ])('%s → %s', (input, digits) => {
    expect(tnDigits(input)).toBe(digits);
  });
});

describe('tnMatches', () => {
  it.each([
    ['12025550143', '+1 202 555 0143', true],
    ['2025550143', '12025550143', true],
    ['12025550143', '2025550143', true],
    ['+12025550143', '12025550143', true],
    ['12025550143', '12025550144', false],
    ['442079460958', '2079460958', false],
    ['12025550143', '112025550143', false],
    ['', '', false],
    ['12025550143', 'anonymous', false],
  ])('%s vs %s → %s', (a, b, expected) => {
    expect(tnMatches(a, b)).toBe(expected);
    expect(tnMatches(b, a)).toBe(expected);
  });
});

describe('isTnClaim', () => {
  it('accepts up to 15 digits with an optional +, nothing else', () => {
    expect(isTnClaim('12025550143')).toBe(true);
    expect(isTnClaim('+12025550143')).toBe(true);
    expect(isTnClaim('1234567890123456')).toBe(false);
    expect(isTnClaim('202-555-0143')).toBe(false);
    expect(isTnClaim('')).toBe(false);
  });
});
