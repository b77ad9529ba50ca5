import { describe, expect, it } from 'vitest';
import { seededRandom } from '../testing/sharedData';
import { buildDnoIndex, e164Key } from './dnoIndex';
import type { DnoCategory, DnoEntry } from './types';

const single = (id: string, category: DnoCategory, number: string): DnoEntry => ({
  id,
  category,
  start: number,
  end: number,
});
const range = (id: string, category: DnoCategory, start: string, end: string): DnoEntry => ({
  id,
  category,
  start,
  end,
});

describe('e164Key', () => {
  it('turns E.164 into an integer and refuses anything else', () => {
    expect(e164Key('+12025550143')).toBe(12025550143);
    expect(e164Key('+442079460958')).toBe(442079460958);
    expect(e164Key('+999999999999999')).toBe(999999999999999);
    for (const bad of ['12025550143', '+02025550143', '+1202555014x', '+', '+1', '+1234567890123456', ''])
      expect([bad, e164Key(bad)]).toEqual([bad, -1]);
  });
});

describe('buildDnoIndex', () => {
  it('answers for single numbers and inclusive ranges, and null elsewhere', () => {
    const index = buildDnoIndex([
      single('irs', 'subscriber_requested', '+12025550143'),
      range('block', 'unallocated', '+13035550000', '+13035550999'),
      range('npa-211', 'invalid', '+12110000000', '+12119999999'),
    ]);
    expect(index.check('+12025550143')?.id).toBe('irs');
    expect(index.check('+12025550144')).toBeNull();
    expect(index.check('+13035550000')?.id).toBe('block');
    expect(index.check('+13035550999')?.id).toBe('block');
    expect(index.check('+13035551000')).toBeNull();
    expect(index.check('+13035549999')).toBeNull();
    expect(index.check('+12115550100')?.id).toBe('npa-211');
    // A number of another length is never inside a range, even where its digits would sort inside.
    expect(index.check('+1211555010')).toBeNull();
    expect(index.check('+121155501000')).toBeNull();
    expect(index.check('not a number')).toBeNull();
    expect(index.stats).toEqual({ entries: 3, singles: 1, ranges: 2, segments: 2, rejected: 0 });
  });

  it("returns the caller's own entry objects, extra fields included", () => {
    const entry = { ...single('bank', 'subscriber_requested', '+18005550100'), organisation: 'Example Bank' };
    const index = buildDnoIndex([entry]);
    expect(index.check('+18005550100')).toBe(entry);
    expect(index.check('+18005550100')?.organisation).toBe('Example Bank');
  });

  it('lets a subscriber-requested entry win over any other, whatever its width', () => {
    const index = buildDnoIndex([
      single('unused-one', 'allocated_unused', '+12025550143'),
      range('agency-block', 'subscriber_requested', '+12025550100', '+12025550199'),
    ]);
    expect(index.check('+12025550143')?.id).toBe('agency-block');
    expect(index.check('+12025550150')?.id).toBe('agency-block');
  });

  it('otherwise lets the narrowest entry win, then the surer category, then the smaller id', () => {
    const index = buildDnoIndex([
      range('npa', 'invalid', '+12020000000', '+12029999999'),
      range('exchange', 'unallocated', '+12025550000', '+12025559999'),
      single('one', 'allocated_unused', '+12025550143'),
      range('same-a', 'unallocated', '+12027770000', '+12027770999'),
      range('same-b', 'invalid', '+12027770000', '+12027770999'),
      range('tie-b', 'unallocated', '+12028880000', '+12028880999'),
      range('tie-a', 'unallocated', '+12028880000', '+12028880999'),
    ]);
    expect(index.check('+12025550143')?.id).toBe('one');
    expect(index.check('+12025550144')?.id).toBe('exchange');
    expect(index.check('+12026660000')?.id).toBe('npa');
    expect(index.check('+12027770500')?.id).toBe('same-b');
    expect(index.check('+12028880500')?.id).toBe('tie-a');
  });

  it('keeps the same answers whatever the order of the entries', () => {
    const entries = [
      range('a', 'invalid', '+12020000000', '+12029999999'),
      range('b', 'unallocated', '+12025550000', '+12025559999'),
      range('c', 'unallocated', '+12025555000', '+12025556999'),
      single('d', 'allocated_unused', '+12025555500'),
    ];
    const probes = [
      '+12020000000',
      '+12025550000',
      '+12025555000',
      '+12025555500',
      '+12025557000',
      '+12029999999',
    ];
    const answers = buildDnoIndex(entries)
      .checkBatch(probes)
      .map((e) => e?.id);
    expect(
      buildDnoIndex([...entries].reverse())
        .checkBatch(probes)
        .map((e) => e?.id),
    ).toEqual(answers);
    expect(answers).toEqual(['a', 'b', 'c', 'd', 'b', 'a']);
  });

  it('leaves out malformed entries and says why', () => {
    const index = buildDnoIndex([
      range('reversed', 'invalid', '+12029999999', '+12020000000'),
      range('lengths', 'invalid', '+1202000000', '+12029999999'),
      single('not-e164', 'invalid', '2025550143'),
      single('bad-category', 'spam' as DnoCategory, '+12025550143'),
      single('fine', 'invalid', '+12025550144'),
    ]);
    expect(index.rejected.map((r) => [r.entry.id, r.reason])).toEqual([
      ['reversed', 'start is after end'],
      ['lengths', 'start and end have different lengths'],
      ['not-e164', 'start "2025550143" is not an E.164 number'],
      ['bad-category', 'unknown category "spam"'],
    ]);
    expect(index.stats.entries).toBe(1);
    expect(index.check('+12025550143')).toBeNull();
  });

  it('is frozen', () => {
    const index = buildDnoIndex([single('x', 'invalid', '+12025550143')]);
    expect(Object.isFrozen(index)).toBe(true);
    expect(Object.isFrozen(index.stats)).toBe(true);
    expect(() => {
      (index as { check: unknown }).check = () => null;
    }).toThrow(TypeError);
  });

  it('agrees with a brute-force scan on random overlapping entries', () => {
    const next = seededRandom(42);
    const random = (n: number) => Math.floor(next() * n);
    const categories: DnoCategory[] = ['subscriber_requested', 'invalid', 'unallocated', 'allocated_unused'];
    const base = 12025550000;
    const entries: DnoEntry[] = Array.from({ length: 300 }, (_, i) => {
      const start = base + random(5000);
      const width = random(4) === 0 ? 0 : random(random(2) === 0 ? 20 : 2000);
      return range(
        `e${random(1000)}-${i}`,
        categories[random(4)] ?? 'invalid',
        `+${start}`,
        `+${start + width}`,
      );
    });
    const rank = (e: DnoEntry) =>
      ({ invalid: 1, unallocated: 2, allocated_unused: 3, subscriber_requested: 0 })[e.category];
    const width = (e: DnoEntry) => Number(e.end.slice(1)) - Number(e.start.slice(1));
    const expected = (n: number) =>
      entries
        .filter((e) => Number(e.start.slice(1)) <= n && n <= Number(e.end.slice(1)))
        .sort(
          (a, b) =>
            Number(b.category === 'subscriber_requested') - Number(a.category === 'subscriber_requested') ||
            width(a) - width(b) ||
            rank(a) - rank(b) ||
            (a.id < b.id ? -1 : 1),
        )[0] ?? null;
    const index = buildDnoIndex(entries);
    const probes = Array.from({ length: 7500 }, (_, i) => base - 100 + i);
    const got = index.checkBatch(probes.map((n) => `+${n}`));
    probes.forEach((n, i) => expect([n, got[i]?.id ?? null]).toEqual([n, expected(n)?.id ?? null]));
  });
});
