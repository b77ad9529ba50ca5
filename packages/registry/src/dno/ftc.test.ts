import { beforeAll, describe, expect, it } from 'vitest';
import { readCsvFile } from '../csv/readCsv';
import { dataSuiteName, runDataSuite, sharedData } from '../testing/sharedData';
import { classifyNumber, INVALID_NUMBER_REASONS } from './classify';
import type { InvalidNumberReason } from './classify';
import { buildDnoIndex } from './dnoIndex';
import { invalidNpaEntries, loadNanpaNpaReport, nanpStructuralEntries } from './nanpa';
import type { DnoEntry } from './types';

/**
 * Every number consumers reported to the FTC over 90 days, as they typed them
 * (../shared/data/ftc-dnc, 298,949 distinct values, 295,668 of them 10-digit), through the
 * classifier and the DNO batch check.
 */
describe.runIf(runDataSuite)(dataSuiteName('the FTC complaint numbers through classifier and DNO'), () => {
  const raw: string[] = [];
  let readError: unknown = null;

  beforeAll(async () => {
    let header = true;
    const summary = await readCsvFile(
      sharedData('ftc-dnc', 'reported-numbers-90days-2025-12-11.csv'),
      (fields) => {
        if (header) header = false;
        else raw.push(fields[0] ?? '');
      },
    );
    readError = summary.error;
  });

  it('classifies every row, with counts that add up', () => {
    expect(readError).toBeNull();
    expect(raw).toHaveLength(298_949);

    const reasons = Object.fromEntries(INVALID_NUMBER_REASONS.map((r) => [r, 0])) as Record<
      InvalidNumberReason,
      number
    >;
    let valid = 0;
    let validFromTenDigits = 0;
    for (const number of raw) {
      const result = classifyNumber(number);
      if (result.kind === 'valid') {
        valid++;
        if (/^\d{10}$/.test(number)) validFromTenDigits++;
        expect(result.e164).toMatch(/^\+1[2-9]\d\d[2-9]\d{6}$/);
      } else reasons[result.reason]++;
    }
    const invalid = Object.values(reasons).reduce((a, b) => a + b, 0);
    expect(valid + invalid).toBe(raw.length);

    const tenDigitRows = raw.filter((n) => /^\d{10}$/.test(n)).length;
    expect(tenDigitRows).toBe(295_668);
    // The 10-digit rows that are not NANP-shaped: area code starting 0/1 (142) or N11 (4), exchange
    // starting 0/1 (73). No row carries a + or an 11-digit 1 prefix, so nothing else is valid.
    expect(validFromTenDigits).toBe(295_668 - 142 - 4 - 73);
    expect(valid).toBe(validFromTenDigits);
    expect(reasons).toEqual({
      empty: 0,
      non_digits: 0,
      too_short: 1_820,
      too_long: 1_461,
      invalid_area_code: 146,
      invalid_exchange: 73,
      invalid_country_code: 0,
      not_possible: 0,
    });
  });

  it('checks every valid number against a DNO index of NANPA codes, structure and 100,000 singles', async () => {
    const valid = raw.flatMap((n) => {
      const r = classifyNumber(n);
      return r.kind === 'valid' ? [r.e164] : [];
    });
    const nanpa = await loadNanpaNpaReport(sharedData('nanpa', 'npa_report.csv'));
    const npaEntries = invalidNpaEntries(nanpa);
    const subscriber: DnoEntry[] = valid
      .filter((_, i) => i % 997 === 0)
      .map((e164, i) => ({ id: `sub-${i}`, category: 'subscriber_requested', start: e164, end: e164 }));
    const singles: DnoEntry[] = Array.from({ length: 100_000 }, (_, i) => {
      const e164 = `+1${2_000_000_000 + i * 79_999}`;
      return { id: `single-${i}`, category: 'allocated_unused', start: e164, end: e164 };
    });
    const index = buildDnoIndex([...npaEntries, ...nanpStructuralEntries(), ...subscriber, ...singles]);
    expect(index.rejected).toEqual([]);

    const hits = index.checkBatch(valid);
    expect(hits).toHaveLength(valid.length);
    const byCategory: Record<string, number> = {};
    for (const hit of hits) if (hit) byCategory[hit.category] = (byCategory[hit.category] ?? 0) + 1;

    const neverAssignable = new Set(npaEntries.map((e) => e.start.slice(2, 5)));
    const expectedInvalid = valid.filter((e164) => neverAssignable.has(e164.slice(2, 5))).length;
    const singleSet = new Set(singles.map((s) => s.start));
    const subscriberSet = new Set(subscriber.map((s) => s.start));
    // A number can be in a never-assignable code and on the subscriber list: subscriber wins.
    expect(byCategory.subscriber_requested).toBe(valid.filter((e) => subscriberSet.has(e)).length);
    expect(byCategory.invalid).toBe(
      valid.filter((e) => neverAssignable.has(e.slice(2, 5)) && !subscriberSet.has(e)).length,
    );
    expect(expectedInvalid).toBeGreaterThan(0);
    expect(byCategory.allocated_unused ?? 0).toBe(
      valid.filter((e) => singleSet.has(e) && !subscriberSet.has(e) && !neverAssignable.has(e.slice(2, 5)))
        .length,
    );
    // Structural entries never fire on classified numbers: both apply the same rules.
    expect(hits.filter((h) => h?.id.startsWith('nanp-')).length).toBe(0);
  });
});
