import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
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

describe('the NANP fast path agrees with libphonenumber', () => {
  const slow = (input: string) => {
    const parsed = parsePhoneNumberFromString(input.trim(), 'US');
    return parsed?.isPossible() ? parsed.number : null;
  };
  const variants = (digits: string) => [
    digits,
    `1${digits}`,
    `+1${digits}`,
    `(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}`,
    `${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6)}`,
    `${digits.slice(0, 3)}.${digits.slice(3, 6)}.${digits.slice(6)}`,
    `+1 ${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`,
  ];

  it.each(['2025550143', '9995550100', '8336317911', '2125551234'])('%s in every common shape', (digits) => {
    for (const v of variants(digits)) {
      const r = normalizePhoneNumber(v);
      expect(r.ok && r.e164, v).toBe(slow(v));
    }
  });

  const ftc = new URL(
    '../../../../shared/data/ftc-dnc/reported-numbers-90days-2025-12-11.csv',
    import.meta.url,
  );
  it.skipIf(!existsSync(ftc))(
    "on the FTC's reported numbers (as consumers typed them) in several shapes",
    () => {
      const numbers = readFileSync(ftc, 'utf8')
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[0]!.trim())
        .filter(Boolean);
      expect(numbers.length).toBeGreaterThan(290_000);
      let compared = 0;
      for (const n of numbers.slice(0, 20_000)) {
        for (const v of n.length === 10 ? variants(n) : [n]) {
          const r = normalizePhoneNumber(v);
          // The full path may refuse for reasons of its own (too few digits); it never disagrees on a number.
          if (r.ok) expect(r.e164, v).toBe(slow(v));
          else expect(slow(v), v).toBeNull();
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(100_000);
    },
    60_000,
  );
});
