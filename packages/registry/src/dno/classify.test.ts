import { describe, expect, it } from 'vitest';
import { classifyNumber } from './classify';
import type { InvalidNumberReason } from './classify';

function reason(raw: string): InvalidNumberReason | 'valid' {
  const result = classifyNumber(raw);
  return result.kind === 'valid' ? 'valid' : result.reason;
}

describe('classifyNumber', () => {
  it('normalises the ways people write NANP numbers to E.164', () => {
    for (const raw of [
      '2025550143',
      '(202) 555-0143',
      '202.555.0143',
      '1-202-555-0143',
      '+1 202 555 0143',
      ' 202/555/0143 ',
    ])
      expect(classifyNumber(raw)).toEqual({ kind: 'valid', e164: '+12025550143' });
  });

  it('accepts international numbers written with + or 011', () => {
    expect(classifyNumber('+44 20 7946 0958')).toEqual({ kind: 'valid', e164: '+442079460958' });
    expect(classifyNumber('011 44 20 7946 0958')).toEqual({ kind: 'valid', e164: '+442079460958' });
  });

  it('says why a number is not valid', () => {
    const cases: Array<[string, InvalidNumberReason]> = [
      ['', 'empty'],
      ['   ', 'empty'],
      ['1-800-FLOWERS', 'non_digits'],
      ['202-555-0143 ext 12', 'non_digits'],
      ['()-', 'non_digits'],
      ['202+5550143', 'non_digits'],
      ['5550143', 'too_short'],
      ['12', 'too_short'],
      ['202555014300', 'too_long'],
      ['44047443434', 'too_long'],
      ['0025550143', 'invalid_area_code'],
      ['1025550143', 'invalid_area_code'],
      ['4115550143', 'invalid_area_code'],
      ['9115550143', 'invalid_area_code'],
      ['2020550143', 'invalid_exchange'],
      ['2021550143', 'invalid_exchange'],
      ['+1 202 555 014', 'too_short'],
      ['+1 202 555 01434', 'too_long'],
      ['+999 1234 5678', 'invalid_country_code'],
      ['+44 20 7946', 'too_short'],
      ['+1234567890123456', 'too_long'],
    ];
    for (const [raw, expected] of cases) expect([raw, reason(raw)]).toEqual([raw, expected]);
  });

  it('accepts N11 exchanges: toll-free numbers such as 833-311-xxxx use them', () => {
    expect(classifyNumber('8333110847')).toEqual({ kind: 'valid', e164: '+18333110847' });
  });

  it('gives a message a person can act on', () => {
    const result = classifyNumber('555-0143');
    expect(result).toMatchObject({ kind: 'invalid', reason: 'too_short' });
    expect(result.kind === 'invalid' && result.message).toMatch(/7 digits: the area code is missing/);
  });
});
