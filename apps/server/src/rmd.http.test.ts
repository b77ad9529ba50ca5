import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TProvider, TTraceback } from '@hoptrace/contracts';
import { schema } from '@hoptrace/db';
import { parseRmdFile, type RmdFiling } from '@hoptrace/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL, createHarness, expectProblem, type Caller, type Harness } from './testing/harness';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const EXPORT = path.resolve(root, '../shared/data/rmd/rmd-export-2025-01.csv');
const LISTING = path.resolve(root, '../shared/data/rmd/rmd-all-filings-7cols.csv');
const TESTDATA = path.resolve(root, 'packages/registry/src/testdata');
const haveData = existsSync(EXPORT) && existsSync(LISTING);
if (!haveData) {
  if (process.env.CI === 'true') throw new Error(`RMD data missing: ${EXPORT}, ${LISTING}`);
  console.log(`skipping the RMD import tests: ${EXPORT} or ${LISTING} is absent`);
}

let h: Harness;
let filing: RmdFiling;
let strong: Awaited<ReturnType<Harness['provider']>>;
let absent: Awaited<ReturnType<Harness['provider']>>;
/** Named exactly like another filing but without its FRN: a weak match, proposed, never linked silently. */
let weak: Awaited<ReturnType<Harness['provider']>>;

const upload = (caller: Caller, body: string, query = '') =>
  caller.request({
    method: 'POST',
    url: `/api/v1/rmd/import${query}`,
    payload: body,
    headers: { 'content-type': 'text/csv' },
  });

async function rmdCounts(): Promise<number[]> {
  return Promise.all([
    h.db.$count(schema.rmdFilings),
    h.db.$count(schema.rmdImports),
    h.db.$count(schema.rmdChanges),
    h.db.$count(schema.providerRmdLinks),
    h.db.$count(schema.rmdMatchProposals),
  ]);
}

beforeAll(async () => {
  h = await createHarness();
  if (!haveData) return;
  const parsed = await parseRmdFile(EXPORT);
  filing = parsed.records.find((f) => f.frn && f.filingNumber && f.businessName)!;
  strong = await h.provider({ name: `${filing.businessName} (directory)`, frn: filing.frn });
  absent = await h.provider({ name: 'Zzyzx Nowhere Voice' });
  const other = parsed.records.find(
    (f) =>
      f.businessName &&
      f.frn !== filing.frn &&
      /^[A-Za-z]/.test(f.businessName) &&
      f.businessName.length > 12,
  )!;
  weak = await h.provider({ name: other.businessName });
});
afterAll(() => h.close());

describe.skipIf(!haveData)('RMD import', () => {
  it('imports the 23-column export, links by FRN, and shows RMD status on provider pages', async () => {
    const res = await upload(
      h.admin,
      readFileSync(EXPORT, 'utf8'),
      '?fileName=rmd-export-2025-01.csv&noticedAt=2025-01-31T00:00:00Z',
    );
    expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
    const report = res.json<{
      keyedBy: string;
      stats: {
        added: number;
        changed: number;
        unchanged: number;
        records: number;
        linked: number;
        removed: number;
      };
    }>();
    expect(report.keyedBy).toBe('filingNumber');
    expect(report.stats.added).toBe(report.stats.records);
    expect(report.stats.records).toBeGreaterThan(5000);
    expect(report.stats.linked).toBeGreaterThanOrEqual(1);
    const page = (await h.analyst.get(`/api/v1/providers/${strong.id}`)).json<TProvider>();
    expect(page.rmd).toMatchObject({ status: 'filed', filingNumber: filing.filingNumber, frn: filing.frn });
    const none = (await h.analyst.get(`/api/v1/providers/${absent.id}`)).json<TProvider>();
    expect(none.rmd).toMatchObject({ status: 'absent' });
  });

  it('re-imports as the 7-column listing: records new and changed filings, keeps the filing number', async () => {
    const res = await upload(h.admin, readFileSync(LISTING, 'utf8'), '?noticedAt=2025-12-01T00:00:00Z');
    expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
    const report = res.json<{
      keyedBy: string;
      stats: {
        added: number;
        changed: number;
        unchanged: number;
        records: number;
        linked: number;
        removed: number;
      };
    }>();
    expect(report.keyedBy).toBe('frn');
    expect(report.stats.added + report.stats.changed + report.stats.unchanged).toBeGreaterThan(0);
    const imports = await h.db.select().from(schema.rmdImports);
    expect(imports).toHaveLength(2);
    // The listing has every filing of the export (none removed) and ~2,100 more.
    expect(report.stats).toMatchObject({ removed: 0 });
    expect(report.stats.added).toBeGreaterThan(1000);
    const page = (await h.analyst.get(`/api/v1/providers/${strong.id}`)).json<TProvider>();
    expect(['filed', 'removed']).toContain(page.rmd?.status);
    // The filing number from the first export survives an export that has none.
    expect(page.rmd?.filingNumber).toBe(filing.filingNumber);
  });

  it('refuses bad files whole and leaves the database unchanged', async () => {
    const before = await rmdCounts();
    for (const name of ['rmd-missing-columns.csv', 'rmd-broken-quoting.csv', 'not-rmd.csv', 'empty.csv']) {
      const res = await upload(h.admin, readFileSync(path.join(TESTDATA, name), 'utf8'));
      expectProblem(res, 400);
    }
    expect(await rmdCounts()).toEqual(before);
  });

  it('is for admins only', async () => {
    expectProblem(await upload(h.analyst, 'number,frn,business_name\n'), 404);
    expectProblem(await h.analyst.get('/api/v1/rmd/proposals'), 404);
  });

  it('flags a hop whose provider was absent from the RMD at the time of the call', async () => {
    const tb: TTraceback = await h.openTraceback(absent.id, {
      call: { ...CALL, startedAt: '2025-06-01T14:03:00Z' },
    });
    const view = (await h.analyst.get(`/api/v1/tracebacks/${tb.id}`)).json<TTraceback>();
    expect(view.hops[0]!.rmd).toEqual({ status: 'absent', flagged: true });
    const ok = await h.openTraceback(strong.id, { call: { ...CALL, startedAt: '2025-06-01T14:03:00Z' } });
    const okView = (await h.analyst.get(`/api/v1/tracebacks/${ok.id}`)).json<TTraceback>();
    expect(okView.hops[0]!.rmd?.status).toBe('filed');
  });

  it('proposes weak matches for an admin, and links only when accepted', async () => {
    const list = await h.admin.get('/api/v1/rmd/proposals');
    expect(list.statusCode, list.body).toBe(200);
    const items = list.json<{ items: Array<{ id: string; provider: { id: string } }> }>().items;
    const mine = items.find((p) => p.provider.id === weak.id);
    expect(mine, 'a proposal for the provider named like a filing').toBeDefined();
    expect((await h.analyst.get(`/api/v1/providers/${weak.id}`)).json<TProvider>().rmd?.status).toBe(
      'absent',
    );
    const accepted = await h.admin.post(`/api/v1/rmd/proposals/${mine!.id}`, { decision: 'accept' });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect((await h.analyst.get(`/api/v1/providers/${weak.id}`)).json<TProvider>().rmd?.status).toBe('filed');
    expectProblem(await h.admin.post(`/api/v1/rmd/proposals/${mine!.id}`, { decision: 'reject' }), 409);
  });

  it('records a filing gone from a later export as removed on the date noticed, and flags later calls', async () => {
    // The 7-column listing without the linked provider's filing (records start with "index,frn,").
    const records = readFileSync(LISTING, 'utf8').split(/\n(?=\d+,\d{8,10},)/);
    const kept = records.filter((r) => !r.startsWith(`${r.split(',')[0]},${filing.frn},`));
    expect(kept.length).toBe(records.length - 1);
    const res = await upload(h.admin, kept.join('\n'), '?noticedAt=2025-12-03T00:00:00Z');
    expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
    expect(res.json<{ stats: Record<string, number> }>().stats).toMatchObject({ removed: 1, added: 0 });
    const page = (await h.analyst.get(`/api/v1/providers/${strong.id}`)).json<TProvider>();
    expect(page.rmd).toMatchObject({ status: 'removed', removedAt: '2025-12-03T00:00:00.000Z' });
    const before = await h.openTraceback(strong.id, { call: { ...CALL, startedAt: '2025-11-30T14:03:00Z' } });
    const after = await h.openTraceback(strong.id, { call: { ...CALL, startedAt: '2025-12-10T14:03:00Z' } });
    const hopOf = async (id: string) =>
      (await h.analyst.get(`/api/v1/tracebacks/${id}`)).json<TTraceback>().hops[0]!.rmd;
    expect(await hopOf(before.id)).toEqual({ status: 'filed', flagged: false });
    expect(await hopOf(after.id)).toEqual({ status: 'removed', flagged: true });
  });
});
