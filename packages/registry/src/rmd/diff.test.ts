import { describe, expect, it } from 'vitest';
import { dataSuiteName, runDataSuite, sharedData } from '../testing/sharedData';
import { changedFields, diffRmd } from './diff';
import { parseRmdFile } from './parse';
import type { RmdField, RmdFiling } from './types';

function filing(overrides: Partial<RmdFiling> & Pick<RmdFiling, 'filingNumber'>): RmdFiling {
  return {
    frn: '0031000001',
    businessName: 'Harbor Point Voice, Inc.',
    dbaNames: [],
    previousDbaNames: [],
    otherFrns: [],
    address: '12 Pier Rd\nPortland ME 04101',
    country: 'United States of America',
    foreignProvider: false,
    implementation: 'complete',
    providerTypes: { voice: true, gateway: false, intermediate: false },
    contact: {
      name: 'Robin Tern',
      title: null,
      department: null,
      address: null,
      country: null,
      phone: '207-555-0100',
      phoneE164: '+12075550100',
      extension: null,
      email: null,
    },
    lastUpdated: '2024-04-01',
    filingUrl: null,
    line: 2,
    ...overrides,
  };
}

describe('diffRmd', () => {
  const stored = new Map(
    [
      filing({ filingNumber: 'RMD0090001', frn: '0031000001' }),
      filing({ filingNumber: 'RMD0090002', frn: '0031000002', businessName: 'Kestrel Line LLC' }),
      filing({ filingNumber: 'RMD0090003', frn: '0031000003', businessName: 'Osprey Dial Co' }),
    ].map((f) => [f.filingNumber ?? '', f]),
  );

  it('finds added, changed, removed and unchanged filings', () => {
    const next = [
      filing({ filingNumber: 'RMD0090001', frn: '0031000001', line: 40 }),
      filing({
        filingNumber: 'RMD0090002',
        frn: '0031000002',
        businessName: 'Kestrel Line LLC',
        implementation: 'partial',
        providerTypes: { voice: true, gateway: true, intermediate: false },
      }),
      filing({ filingNumber: 'RMD0090004', frn: '0031000004', businessName: 'Skua Networks' }),
    ];
    const diff = diffRmd(stored, next);
    expect(diff.keyedBy).toBe('filingNumber');
    expect(diff.added.map((f) => f.filingNumber)).toEqual(['RMD0090004']);
    expect(diff.removed.map((f) => f.filingNumber)).toEqual(['RMD0090003']);
    expect(diff.unchanged).toBe(1);
    expect(diff.changed).toHaveLength(1);
    expect(diff.changed[0]).toMatchObject({
      key: 'RMD0090002',
      filingNumber: 'RMD0090002',
      fields: [
        { field: 'implementation', before: 'complete', after: 'partial' },
        { field: 'providerTypes.gateway', before: false, after: true },
      ],
    });
    expect(diff.notCompared).toEqual([]);
  });

  it('ignores list order, address line breaks and phone formatting', () => {
    const before = filing({ filingNumber: 'RMD0090001', dbaNames: ['A', 'B'] });
    const after = filing({
      filingNumber: 'RMD0090001',
      dbaNames: ['B', 'A'],
      address: '12 Pier Rd Portland ME 04101',
      contact: { ...before.contact, phone: '(207) 555-0100' },
    });
    expect(changedFields(before, after)).toEqual([]);
    expect(changedFields(before, { ...after, dbaNames: ['A'] })).toEqual([
      { field: 'dbaNames', before: ['A', 'B'], after: ['A'] },
    ]);
  });

  it('compares only the fields the new export carries', () => {
    const next = [
      filing({
        filingNumber: 'RMD0090001',
        providerTypes: { voice: null, gateway: null, intermediate: null },
        implementation: 'none',
      }),
    ];
    const fields: RmdField[] = ['filingNumber', 'frn', 'businessName', 'implementation'];
    const diff = diffRmd([stored.get('RMD0090001') as RmdFiling], next, { fields });
    expect(diff.changed[0]?.fields.map((f) => f.field)).toEqual(['implementation']);
  });

  it('keys both sides by FRN when the new export has no filing numbers', () => {
    const next = [
      filing({ filingNumber: null, frn: '0031000002', businessName: 'Kestrel Line LLC' }),
      filing({ filingNumber: null, frn: '0031000009', businessName: 'Fulmar Telecom' }),
    ];
    const previous = [...stored.values(), filing({ filingNumber: 'RMD0090005', frn: null })];
    const diff = diffRmd(previous, next, { fields: ['frn', 'businessName'] });
    expect(diff.keyedBy).toBe('frn');
    expect(diff.unchanged).toBe(1);
    expect(diff.added.map((f) => f.frn)).toEqual(['0031000009']);
    expect(diff.removed.map((f) => f.frn)).toEqual(['0031000001', '0031000003']);
    // A stored filing without an FRN cannot be found in an FRN-keyed export: not "removed".
    expect(diff.notCompared).toEqual([{ filing: previous[3], reason: 'no_key' }]);
  });

  // Its speed is measured in the bench (registry suite), not asserted here: a timed unit test fails on a busy machine.
  it('is deterministic for 10,000 filings, in either order', () => {
    const make = (i: number, implementation: RmdFiling['implementation']) =>
      filing({
        filingNumber: `RMD${String(1_000_000 + i).padStart(7, '0')}`,
        frn: String(31_000_000 + i).padStart(10, '0'),
        businessName: `Provider ${i} LLC`,
        implementation,
      });
    const previous = Array.from({ length: 10_000 }, (_, i) => make(i, 'complete'));
    const next = Array.from({ length: 10_000 }, (_, i) =>
      make(i + 500, i % 10 === 0 ? 'partial' : 'complete'),
    );
    const diff = diffRmd(previous, [...next].reverse());
    expect(diff.added).toHaveLength(500);
    expect(diff.removed).toHaveLength(500);
    expect(diff.changed).toHaveLength(950);
    expect(diff.unchanged).toBe(8550);
    expect(diff.changed.map((c) => c.key)).toEqual([...diff.changed.map((c) => c.key)].sort());
    expect(diffRmd(previous, next)).toEqual(diff);
  });
});

describe.runIf(runDataSuite)(dataSuiteName('diffRmd between the two FCC files'), () => {
  it('importing the 7-column listing over the 23-column export matches them by FRN', async () => {
    const first = await parseRmdFile(sharedData('rmd', 'rmd-export-2025-01.csv'));
    const second = await parseRmdFile(sharedData('rmd', 'rmd-all-filings-7cols.csv'));
    const fields = Object.keys(second.shape?.columns ?? {}) as RmdField[];
    const diff = diffRmd(first.records, second.records, { fields });
    expect(diff.keyedBy).toBe('frn');
    // Every filing of the deduplicated export is in the full listing: none removed.
    expect(diff.removed).toEqual([]);
    expect(diff.unchanged + diff.changed.length).toBe(7346);
    expect(diff.added.length).toBe(9461 - 7346);
    // The shapes differ in layout (flattened addresses, phone formats), which is not a change.
    expect(diff.changed.length).toBeLessThan(50);
    const changedPaths = new Set(diff.changed.flatMap((c) => c.fields.map((f) => f.field)));
    const comparable = [
      'frn',
      'businessName',
      'address',
      'implementation',
      'contact.address',
      'contact.phone',
    ];
    expect([...changedPaths].filter((path) => !comparable.includes(path))).toEqual([]);
  });
});
