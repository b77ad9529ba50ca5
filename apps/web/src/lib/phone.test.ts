import { describe, expect, it } from 'vitest';
import { formatPhone } from './phone';
import { previewPhone } from './phoneInput';

describe('formatPhone', () => {
  it('reads North American numbers as people write them and leaves others in E.164', () => {
    expect(formatPhone('+12025550143')).toBe('+1 202-555-0143');
    expect(formatPhone('+442079460958')).toBe('+442079460958');
    expect(formatPhone('+1202555014')).toBe('+1202555014');
  });
});

describe('previewPhone', () => {
  it.each([
    ['(202) 555-0143', '+12025550143', '+1 202-555-0143'],
    ['202.555.0143', '+12025550143', '+1 202-555-0143'],
    ['+1 312 555 0188', '+13125550188', '+1 312-555-0188'],
    ['011 44 20 7946 0958', '+442079460958', '+442079460958'],
  ])('shows %j as it will be stored', (input, e164, display) => {
    expect(previewPhone(input)).toEqual({ kind: 'ok', e164, display });
  });

  it('says nothing for an empty field and why a number is refused, in the API’s words', () => {
    expect(previewPhone('  ')).toEqual({ kind: 'empty' });
    expect(previewPhone('555-0143')).toEqual({
      kind: 'error',
      message: 'This is not a possible phone number for its country',
    });
    expect(previewPhone('call me')).toEqual({
      kind: 'error',
      message: 'This contains characters a phone number cannot have',
    });
  });
});
