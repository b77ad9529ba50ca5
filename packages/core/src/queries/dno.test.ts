import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildDnoIndex,
  INVALID_NUMBER_REASONS,
  invalidNpaEntries,
  loadNanpaNpaReport,
  nanpStructuralEntries,
} from '@hoptrace/registry';
import { describe, expect, it } from 'vitest';
import { systemActor } from '../actor';
import type { DnoListEntry, DnoSnapshot } from '../dnoList';
import { checkDnoNumbers } from './dno';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const FTC = path.resolve(root, '../shared/data/ftc-dnc/reported-numbers-90days-2025-12-11.csv');
const NANPA = path.resolve(root, '../shared/data/nanpa/npa_report.csv');
const haveData = existsSync(FTC) && existsSync(NANPA);
if (!haveData) {
  if (process.env.CI === 'true') throw new Error(`data missing: ${FTC}, ${NANPA}`);
  console.log(`skipping the FTC batch check: ${FTC} or ${NANPA} is absent`);
}

describe.skipIf(!haveData)('the DNO batch check on consumer-typed numbers', () => {
  it('classifies every one of the FTC complaint numbers, and never throws', async () => {
    const npa = [...invalidNpaEntries(await loadNanpaNpaReport(NANPA)), ...nanpStructuralEntries()];
    const entries: DnoListEntry[] = npa.map((e, i) => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      category: e.category,
      start: e.start,
      end: e.end,
      source: 'NANPA',
      reason: null,
      organisation: null,
      evidence: null,
      addedAt: '2026-11-01T00:00:00.000Z',
      removedAt: null,
      versionAdded: i + 1,
      versionRemoved: null,
    }));
    const index = buildDnoIndex(entries);
    const snapshot: DnoSnapshot = { version: entries.length, entries, index, check: (n) => index.check(n) };
    const numbers = readFileSync(FTC, 'utf8')
      .split(/\r?\n/)
      .slice(1)
      .filter((l) => l !== '')
      .map((l) => l.split(',')[0] ?? '');
    expect(numbers.length).toBeGreaterThan(290_000);
    const results = checkDnoNumbers({ actor: systemActor('test'), snapshot, numbers });
    expect(results).toHaveLength(numbers.length);
    let valid = 0;
    for (const r of results) {
      // Exactly one of: a normalised number, or the reason it is not one.
      expect(r.e164 === null).toBe(r.invalid !== null);
      if (r.invalid) expect(INVALID_NUMBER_REASONS).toContain(r.invalid.reason);
      else valid++;
      if (r.listed) expect(r.entry?.category).toBe('invalid');
    }
    expect(valid).toBeGreaterThan(numbers.length * 0.9);
  });
});
