import { describe, expect, it } from 'vitest';
import { extractCallbackNumbers, templateSegments } from './segments';

describe('extractCallbackNumbers', () => {
  it.each([
    ['Call us back at 833-631-7911. Thank you.', ['+18336317911']],
    ['Or call our 800 number at 1 (800) 555 0199 today', ['+18005550199']],
    ['reach me at +1 833.304.1447 or 8333041447', ['+18333041447']],
    ['call 2-1-3-6-0-0-7-5-7-9 now', ['+12136007579']],
    ['call eight three three three zero four one four four seven', ['+18333041447']],
    ['dial 844-877-0123, again 844-877-0123, or 855-228-4781', ['+18448770123', '+18552284781']],
  ])('finds the number in %j', (text, numbers) => {
    expect(extractCallbackNumbers(text)).toEqual(numbers);
  });

  it.each([
    'A purchase of $1,537.35 was charged on 2021-10-04.',
    'Your case number is 2136007579, please note it.',
    'Order number 1234567890 has shipped to 75001.',
    'We found 3 suspicious activities at 10:30 a.m. on March 3rd, 2022.',
    'Your zip code 90210 and your balance of 1,234,567 dollars.',
    'Call 911 or press 1.',
    'Call 123-456-7890.',
  ])('takes nothing from %j', (text) => {
    expect(extractCallbackNumbers(text)).toEqual([]);
  });
});

describe('templateSegments', () => {
  const samples = [
    'Hi, this is Jessica calling you from Spectrum. Get a free line for just $29.99 a month, press 1.',
    "Hi, it's Emma Miller on Friday, February 3rd. Call us back at 833-631-7911 before 5 p.m. today.",
    'My name is Officer Amanda Barnes, your order ANZ284U49 of $1,199 will ship on 12/03/2022.',
    '这是DHL国际快递最后语音通知 了解详情请按9',
    '',
    'no varying parts here at all',
  ];

  it.each(samples)('gives back the input: %j', (text) => {
    expect(
      templateSegments(text)
        .map((s) => s.text)
        .join(''),
    ).toBe(text);
  });

  it('labels the varying parts', () => {
    const segs = templateSegments(samples[1] as string).filter((s) => s.kind !== 'fixed');
    expect(segs).toEqual([
      { text: 'Emma Miller', kind: 'name' },
      { text: 'Friday, February 3rd', kind: 'date' },
      { text: '833-631-7911', kind: 'phone' },
      { text: '5 p.m', kind: 'time' }, // a final dot is read as the sentence's
    ]);
    const third = templateSegments(samples[2] as string).filter((s) => s.kind !== 'fixed');
    expect(third.map((s) => s.kind)).toEqual(['name', 'code', 'amount', 'date']);
  });

  it('labels amounts and numbers written in words, and keeps single digit words in the script', () => {
    const varying = (text: string) =>
      templateSegments(text)
        .filter((s) => s.kind !== 'fixed')
        .map((s) => [s.text, s.kind]);
    expect(
      varying(
        'An order of one thousand eight hundred forty-three dollars and ninety-nine cents was placed. Press one.',
      ),
    ).toEqual([['one thousand eight hundred forty-three dollars and ninety-nine cents', 'amount']]);
    expect(
      varying('Up to forty-four thousand two hundred dollars, in twenty-four hours, at thirty percent.'),
    ).toEqual([
      ['forty-four thousand two hundred dollars', 'amount'],
      ['twenty-four', 'number'],
      ['thirty percent', 'amount'],
    ]);
    expect(varying('Service ends in thirty minutes, press two or nine; it happens often.')).toEqual([
      ['thirty', 'number'],
    ]);
  });

  it('reads a long run of number words in linear time', () => {
    const text = `${'twenty one '.repeat(50_000)}dollars`;
    const t0 = performance.now();
    expect(
      templateSegments(text)
        .map((s) => s.text)
        .join(''),
    ).toBe(text);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it('keeps single digits ("press 1") in the script', () => {
    expect(templateSegments('please press 1 now')).toEqual([{ text: 'please press 1 now', kind: 'fixed' }]);
  });
});
