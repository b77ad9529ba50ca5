import { createReadStream, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CsvProgress } from '../csv/readCsv';
import { dataSuiteName, runDataSuite, sharedData, testdata } from '../testing/sharedData';
import { parseRmdCsv, parseRmdFile } from './parse';
import type { RmdFiling, RmdParseResult } from './types';

function byNumber(result: RmdParseResult, filingNumber: string): RmdFiling {
  const filing = result.records.find((r) => r.filingNumber === filingNumber);
  if (!filing) throw new Error(`${filingNumber} not parsed`);
  return filing;
}

function count<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

describe('parseRmdCsv on the live export shape', () => {
  it('recognises the FCC labels in their own order and normalises every field', async () => {
    const result = await parseRmdFile(testdata('rmd-live-shape.csv'));
    expect(result.ok).toBe(true);
    expect(result.fileProblems).toEqual([]);
    expect(result.shape?.keyedBy).toBe('filingNumber');
    expect(result.shape?.columns).toMatchObject({
      filingNumber: 'RMD Number',
      businessName: 'Business Name',
      implementation: 'STIR/SHAKEN Implementation',
      lastUpdated: 'Date Last Updated',
    });
    expect(result.records.map((r) => r.line)).toEqual([2, 5, 8, 11]);

    expect(byNumber(result, 'RMD0090001')).toEqual({
      filingNumber: 'RMD0090001',
      frn: '0001234567',
      businessName: 'Bluewave Telecom, LLC',
      dbaNames: ['Bluewave Voice', 'BWT'],
      previousDbaNames: [],
      otherFrns: ['0007654321', '0001112223'],
      address: '100 Harbor Point Rd\nSuite 4\nDuluth MN 55802',
      country: 'United States of America',
      foreignProvider: false,
      implementation: 'complete',
      providerTypes: { voice: true, gateway: false, intermediate: true },
      contact: {
        name: 'Dana Quill',
        title: null,
        department: null,
        address: null,
        country: null,
        phone: '(218) 555-0142',
        phoneE164: '+12185550142',
        extension: null,
        email: 'rmd@bluewave.example',
      },
      lastUpdated: '2024-11-05',
      filingUrl: null,
      line: 2,
    });
    expect(byNumber(result, 'RMD0090002')).toMatchObject({
      frn: '0000456789',
      implementation: 'partial',
      previousDbaNames: ['Prairie Rural Telephone Association'],
      otherFrns: [],
      lastUpdated: '2025-03-14',
    });
    expect(byNumber(result, 'RMD0090003')).toMatchObject({
      implementation: 'none',
      foreignProvider: true,
      contact: { phoneE164: '+35315550100' },
    });
    expect(byNumber(result, 'RMD0090004')).toMatchObject({
      implementation: 'unknown',
      address: null,
      frn: '0000000042',
    });
    expect(result.rowProblems).toEqual([]);
  });

  it('reports progress as bytes of a known total', async () => {
    const progress: CsvProgress[] = [];
    const path = testdata('rmd-live-shape.csv');
    const size = readFileSync(path).byteLength;
    const result = await parseRmdCsv(createReadStream(path), {
      totalBytes: size,
      onProgress: (p) => progress.push(p),
    });
    expect(result.stats.bytesRead).toBe(size);
    expect(progress.at(-1)).toMatchObject({ bytesRead: size, totalBytes: size });
  });
});

describe('parseRmdCsv on bad input', () => {
  it('refuses a file without the required columns, saying which', async () => {
    const result = await parseRmdFile(testdata('rmd-missing-columns.csv'));
    expect(result.ok).toBe(false);
    expect(result.records).toEqual([]);
    expect(result.fileProblems).toEqual([expect.objectContaining({ code: 'missing_columns', line: 1 })]);
    expect(result.fileProblems[0]?.message).toMatch(/business name.*RMD filing number/);
  });

  it('refuses a file with a name but nothing that identifies a filing', async () => {
    const result = await parseRmdFile(testdata('rmd-no-key.csv'));
    expect(result.fileProblems.map((p) => p.code)).toEqual(['missing_columns']);
    expect(result.fileProblems[0]?.message).toMatch(/filing number/);
  });

  it('refuses a CSV that is not an RMD export', async () => {
    const result = await parseRmdFile(testdata('not-rmd.csv'));
    expect(result.ok).toBe(false);
    expect(result.fileProblems).toEqual([expect.objectContaining({ code: 'not_rmd', line: 1 })]);
    expect(result.fileProblems[0]?.message).toContain('"sku"');
  });

  it('refuses a file with broken quoting and points at the line where the quote opened', async () => {
    const result = await parseRmdFile(testdata('rmd-broken-quoting.csv'));
    expect(result.ok).toBe(false);
    expect(result.fileProblems).toEqual([expect.objectContaining({ code: 'malformed_csv', line: 4 })]);
    // What came before the break was read, so the report can show it, but the file is refused.
    expect(result.records.map((r) => r.filingNumber)).toEqual(['RMD0090201']);
  });

  it('refuses a file with a quote inside an unquoted field', async () => {
    const result = await parseRmdFile(testdata('rmd-stray-quote.csv'));
    expect(result.fileProblems).toEqual([expect.objectContaining({ code: 'malformed_csv', line: 3 })]);
  });

  it('keeps the first of duplicate filing numbers and reports the others with the line kept', async () => {
    const result = await parseRmdFile(testdata('rmd-duplicates.csv'));
    expect(result.ok).toBe(true);
    expect(result.records.map((r) => [r.filingNumber, r.line])).toEqual([
      ['RMD0090101', 2],
      ['RMD0090102', 3],
      ['RMD0090103', 6],
    ]);
    expect(byNumber(result, 'RMD0090102').implementation).toBe('partial');
    expect(result.stats.duplicates).toBe(2);
    const duplicates = result.rowProblems.filter((p) => p.code === 'duplicate');
    expect(duplicates.map((p) => [p.line, p.severity])).toEqual([
      [4, 'error'],
      [5, 'error'],
    ]);
    expect(duplicates[0]?.message).toMatch(/RMD0090101 was already read at line 2.*identical/);
    expect(duplicates[1]?.message).toMatch(
      /line 3.*differs in implementation, providerTypes\.intermediate, lastUpdated/,
    );
  });

  it('reports each bad value with its line and field, keeping rows whose key is sound', async () => {
    const result = await parseRmdFile(testdata('rmd-bad-rows.csv'));
    expect(result.ok).toBe(true);
    const problems = result.rowProblems.map((p) => [p.line, p.field, p.severity, p.code]);
    expect(problems).toEqual([
      [2, 'lastUpdated', 'warning', 'invalid_date'],
      [3, 'frn', 'warning', 'invalid_frn'],
      [3, 'implementation', 'warning', 'unknown_label'],
      [3, 'voice', 'warning', 'invalid_value'],
      [3, 'filingUrl', 'warning', 'invalid_value'],
      [4, 'filingNumber', 'error', 'invalid_value'],
      [5, 'businessName', 'warning', 'missing_value'],
      [6, 'row', 'error', 'column_count'],
      [7, 'filingNumber', 'error', 'missing_value'],
    ]);
    expect(result.records.map((r) => r.filingNumber)).toEqual(['RMD0090401', 'RMD0090402', 'RMD0090404']);
    expect(byNumber(result, 'RMD0090402')).toMatchObject({
      frn: null,
      implementation: 'unknown',
      providerTypes: { voice: null },
      filingUrl: null,
    });
    expect(byNumber(result, 'RMD0090404').businessName).toBeNull();
    expect(result.stats).toMatchObject({ rows: 6, records: 3, rowsWithErrors: 3, rowsWithWarnings: 3 });
  });

  it('refuses a header without filings, and an empty file', async () => {
    expect((await parseRmdFile(testdata('rmd-header-only.csv'))).fileProblems.map((p) => p.code)).toEqual([
      'no_filings',
    ]);
    expect((await parseRmdFile(testdata('empty.csv'))).fileProblems.map((p) => p.code)).toEqual(['empty']);
  });

  it('returns a missing file as a problem rather than throwing', async () => {
    const result = await parseRmdFile(testdata('does-not-exist.csv'));
    expect(result.ok).toBe(false);
    expect(result.fileProblems.map((p) => p.code)).toEqual(['unreadable']);
  });

  it('does not throw on binary junk', async () => {
    const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    const result = await parseRmdCsv(junk);
    expect(result.ok).toBe(false);
    expect(result.fileProblems.length).toBeGreaterThan(0);
  });
});

describe.runIf(runDataSuite)(dataSuiteName('parseRmdFile on the FCC data in ../shared/data/rmd'), () => {
  it('reads all 7,346 filings of the 23-column export, FRNs padded to ten digits', async () => {
    const result = await parseRmdFile(sharedData('rmd', 'rmd-export-2025-01.csv'));
    expect(result.ok).toBe(true);
    expect(result.shape?.keyedBy).toBe('filingNumber');
    expect(result.shape?.ignoredColumns).toEqual(['index']);
    expect(result.stats).toMatchObject({ rows: 7346, records: 7346, rowsWithErrors: 0, duplicates: 0 });
    expect(result.records.every((r) => r.frn !== null && /^\d{10}$/.test(r.frn))).toBe(true);
    // The research project's published counts for this file (lokingdav/jodi rmd/README.md).
    expect(count(result.records, (r) => r.implementation)).toEqual({
      complete: 4111,
      partial: 1453,
      none: 1782,
    });
    expect(result.records.filter((r) => r.providerTypes.voice).length).toBe(6720);
    expect(result.records.filter((r) => r.providerTypes.gateway).length).toBe(420);
    expect(result.records.filter((r) => r.providerTypes.intermediate).length).toBe(681);
    expect(result.records.filter((r) => r.lastUpdated === null).length).toBe(1219);
    expect(byNumber(result, 'RMD0004008')).toMatchObject({
      frn: '0016085920',
      businessName: "'@Link Services, LLC",
      dbaNames: ['AtLink Services, LLC'],
      lastUpdated: '2024-04-24',
      line: 2,
    });
    // Only "other FRNs" with digits that are not FRNs are worth a warning.
    expect(new Set(result.rowProblems.map((p) => p.field))).toEqual(new Set(['otherFrns']));
  });

  it('reads the 7-column listing keyed by FRN: multi-line addresses, long labels, duplicates', async () => {
    const result = await parseRmdFile(sharedData('rmd', 'rmd-all-filings-7cols.csv'));
    expect(result.ok).toBe(true);
    expect(result.shape?.keyedBy).toBe('frn');
    expect(result.stats).toMatchObject({ rows: 9494, records: 9461, duplicates: 32 });
    // Every row is either kept, a reported duplicate, or reported as unusable (one has no FRN).
    const leftOut = new Set(result.rowProblems.filter((p) => p.severity === 'error').map((p) => p.line));
    expect(result.records.length + leftOut.size).toBe(9494);
    expect(result.rowProblems.filter((p) => p.code === 'missing_value' && p.field === 'frn')).toHaveLength(1);
    // The file's labels over 9,494 rows are 4,592 / 1,693 / 2,610 / 599 N/A; these are the kept filings.
    expect(count(result.records, (r) => r.implementation)).toEqual({
      complete: 4580,
      partial: 1687,
      none: 2602,
      unknown: 592,
    });

    const first = result.records[0];
    expect(first).toMatchObject({
      frn: '0021441233',
      businessName: 'Piratel llc',
      address: '10572 Calle Lee\nSte 123\nLos Alamitos CA 90720',
      implementation: 'complete',
      providerTypes: { voice: null, gateway: null, intermediate: null },
      line: 2,
    });
    const last = result.records.at(-1);
    expect(last).toMatchObject({ frn: '0036560803', line: 34118, contact: { phoneE164: '+492303537970' } });
    const duplicate = result.rowProblems.find((p) => p.line === 5765);
    expect(duplicate?.message).toMatch(/0031064850 was already read at line 5759/);
  });
});
