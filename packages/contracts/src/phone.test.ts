import { describe, expect, it } from 'vitest';
import { normalizePhoneNumber, ZPhoneNumber } from './phone';

describe('normalizePhoneNumber', () => {
  it.each([
    ['(202) 555-0143', '+12025550143'],
    ['+1 202-555-0143', '+12025550143'],
    ['2025550143', '+12025550143'],
    ['1-202-555-0143', '+12025550143'],
    ['202.555.0143', '+12025550143'],
    ['+44 20 7946 0958', '+442079460958'],
    ['011 44 20 7946 0958', '+442079460958'],
    // Spoofed caller IDs often use area codes that are not in service: still a possible number.
    ['+1 999 555 0100', '+19995550100'],
  ])('%s → %s', (input, e164) => {
    expect(normalizePhoneNumber(input)).toEqual({ ok: true, e164 });
  });

  it.each([
    ['', 'is empty'],
    ['abc', 'contains characters a phone number cannot have'],
    ['555-0143', 'is not a possible phone number for its country'],
    ['1234', 'has too few digits to be a phone number'],
    ['+1 202 555 0143 0143 0143', 'has more than 15 digits (the E.164 maximum)'],
    ['202555014', 'is not a possible phone number for its country'],
  ])('refuses %j: %s', (input, reason) => {
    expect(normalizePhoneNumber(input)).toEqual({ ok: false, reason });
  });

  it('the schema reports the value and the reason', () => {
    const r = ZPhoneNumber.safeParse('12');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe('"12" has too few digits to be a phone number');
  });
});
