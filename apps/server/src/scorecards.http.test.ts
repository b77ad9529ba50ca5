import type { TDetermination, TScorecard, TScorecardRow, TUpstreams } from '@hoptrace/contracts';
import { publishedNonCooperative } from '@hoptrace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, expectProblem, type Harness } from './testing/harness';

/**
 * Cooperation over HTTP (issue 16): scorecards, the policy, determinations and a provider's upstreams;
 * who may read what (a provider only its own, another's is 404), bad query parameters (400 problem+json).
 */

let h: Harness;
let a: Awaited<ReturnType<Harness['provider']>>;
let b: Awaited<ReturnType<Harness['provider']>>;
const DAY = 86_400_000;

beforeAll(async () => {
  h = await createHarness();
  a = await h.provider({ name: 'Fictional Prompt Telecom' });
  b = await h.provider({ name: 'Fictional Silent Carrier' });
  // Three tracebacks at A, each naming B, which never answers: three misses put B on watch by the default policy.
  for (let i = 0; i < 3; i++) {
    const tb = await h.openTraceback(a.id);
    const res = await a.user.post(`/api/v1/hops/${tb.hops[0]!.id}/answer`, {
      kind: 'upstream',
      upstreamProviderId: b.id,
    });
    expect(res.statusCode, res.body).toBe(200);
    h.clock.advance(5 * DAY);
    await h.sweep();
  }
});
afterAll(async () => {
  await h.close();
});

describe('scorecards', () => {
  it('staff read any scorecard; a provider reads its own and gets 404 for another', async () => {
    const staff = await h.analyst.get(`/api/v1/providers/${b.id}/scorecard`);
    expect(staff.statusCode, staff.body).toBe(200);
    const card = staff.json<TScorecard>();
    expect(card).toMatchObject({
      providerId: b.id,
      requested: 3,
      never: 3,
      status: 'watch',
      statusSource: 'computed',
    });
    expect(card.evidence.tracebacks).toHaveLength(3);

    const own = await b.user.get(`/api/v1/providers/${b.id}/scorecard`);
    expect(own.statusCode).toBe(200);
    expect(own.json<TScorecard>()).toMatchObject({
      never: 3,
      status: 'cooperative',
      statusSource: 'confirmed',
    });
    expect(own.json<TScorecard>().evidence.tracebacks).toEqual([]);

    expectProblem(await a.user.get(`/api/v1/providers/${b.id}/scorecard`), 404);
    expectProblem(await b.user.get(`/api/v1/providers/${a.id}/scorecard`), 404);
    expectProblem(await h.anonymous({ method: 'GET', url: `/api/v1/providers/${b.id}/scorecard` }), 401);
    expectProblem(await h.analyst.get(`/api/v1/providers/not-a-uuid/scorecard`), 400, ['path.id']);
  });

  it('the table ranks the worst first, filters, pages by keyset and exports CSV (staff only)', async () => {
    expectProblem(await a.user.post('/api/v1/scorecards/refresh'), 404);
    const refreshed = await h.analyst.post('/api/v1/scorecards/refresh');
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    expect(refreshed.json<{ providers: number }>().providers).toBe(2);
    const res = await h.analyst.get('/api/v1/scorecards');
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json<{ items: TScorecardRow[] }>();
    expect(page.items[0]).toMatchObject({ providerId: b.id, status: 'watch' });

    const byName = await h.analyst.get('/api/v1/scorecards?sort=name&limit=1');
    const first = byName.json<{ items: TScorecardRow[]; nextCursor: string }>();
    expect(first.items.map((r) => r.providerName)).toEqual(['Fictional Prompt Telecom']);
    const next = await h.analyst.get(`/api/v1/scorecards?sort=name&limit=1&cursor=${first.nextCursor}`);
    expect(next.json<{ items: TScorecardRow[] }>().items.map((r) => r.providerName)).toEqual([
      'Fictional Silent Carrier',
    ]);
    // A cursor of another sort is refused, not misread.
    expectProblem(await h.analyst.get(`/api/v1/scorecards?sort=-never&cursor=${first.nextCursor}`), 400, [
      'query.cursor',
    ]);

    const watch = await h.analyst.get('/api/v1/scorecards?status=watch');
    expect(watch.json<{ items: TScorecardRow[] }>().items.map((r) => r.providerId)).toEqual([b.id]);

    const csv = await h.analyst.get('/api/v1/scorecards?format=csv&sort=-never');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toMatch(/^provider_id,provider_name,country,status,requested/);
    expect(lines[1]).toContain('Fictional Silent Carrier,US,watch,3,0,0,3');
    expect(lines).toHaveLength(3);

    expectProblem(await h.analyst.get('/api/v1/scorecards?sort=bogus'), 400, ['query.sort']);
    expectProblem(await h.analyst.get('/api/v1/scorecards?status=awful'), 400, ['query.status']);
    expectProblem(await h.analyst.get('/api/v1/scorecards?limit=0'), 400, ['query.limit']);
    expectProblem(await h.analyst.get('/api/v1/scorecards?cursor=garbage'), 400, ['query.cursor']);
    expectProblem(await h.analyst.get('/api/v1/scorecards?format=xls'), 400, ['query.format']);
    expectProblem(await a.user.get('/api/v1/scorecards'), 404);
  });

  it('staff confirm before publishing; the policy is the admin’s; providers review nothing', async () => {
    const url = `/api/v1/providers/${b.id}/determinations`;
    expectProblem(await b.user.post(url, { decision: 'confirmed', expectedStatus: 'watch' }), 404);
    expectProblem(
      await h.analyst.post(url, { decision: 'confirmed', expectedStatus: 'non_cooperative' }),
      409,
    );
    expectProblem(
      await h.analyst.post(url, { decision: 'dismissed', expectedStatus: 'watch', publish: true }),
      400,
      ['publish'],
    );
    expectProblem(await h.analyst.post(url, { decision: 'maybe', expectedStatus: 'watch' }), 400, [
      'decision',
    ]);

    // The admin tightens the policy: three misses now make B non-cooperative.
    const policy = await h.admin.request({
      method: 'PUT',
      url: '/api/v1/cooperation/policy',
      payload: { nonResponsive: { watchAt: 1, nonCooperativeAt: 3 } },
    });
    expect(policy.statusCode, policy.body).toBe(200);
    expect(policy.json()).toMatchObject({
      windowDays: 365,
      nonResponsive: { watchAt: 1, nonCooperativeAt: 3 },
    });
    expectProblem(
      await h.analyst.request({ method: 'PUT', url: '/api/v1/cooperation/policy', payload: {} }),
      404,
    );
    expectProblem(
      await h.admin.request({
        method: 'PUT',
        url: '/api/v1/cooperation/policy',
        payload: { nonResponsive: { watchAt: 5, nonCooperativeAt: 2 } },
      }),
      400,
      ['nonResponsive.nonCooperativeAt'],
    );

    const created = await h.analyst.post(url, {
      decision: 'confirmed',
      expectedStatus: 'non_cooperative',
      note: 'three requests ignored',
    });
    expect(created.statusCode, created.body).toBe(201);
    const d = created.json<TDetermination>();
    expect(d).toMatchObject({ status: 'non_cooperative', decision: 'confirmed', published: false });
    expect(d.evidence.counts.nonResponsive).toBe(3);
    expect(await publishedNonCooperative(h.db)).toEqual([]);
    // Confirmed but not published: nobody is named publicly.
    const publicList = () => h.anonymous({ method: 'GET', url: '/api/v1/public/non-cooperative-providers' });
    expect((await publicList()).json()).toEqual({ items: [] });

    const published = await h.analyst.patch(`/api/v1/determinations/${d.id}`, { published: true });
    expect(published.statusCode, published.body).toBe(200);
    expect(published.json<TDetermination>().published).toBe(true);
    expect((await publishedNonCooperative(h.db)).map((p) => p.providerId)).toEqual([b.id]);
    // Published: named on the public list, without signing in, with the reasons and no one else.
    const named = await publicList();
    expect(named.statusCode, named.body).toBe(200);
    expect(named.headers['cache-control']).toBe('public, max-age=300');
    const items = named.json<{ items: { providerName: string; reasons: string[] }[] }>().items;
    expect(items.map((p) => p.providerName)).toEqual(['Fictional Silent Carrier']);
    expect(items[0]!.reasons.join(' ')).toMatch(/3/);

    expectProblem(await b.user.patch(`/api/v1/determinations/${d.id}`, { published: false }), 404);
    expectProblem(await b.user.get(`/api/v1/determinations/${d.id}`), 404);
    const list = await h.analyst.get(`/api/v1/determinations?providerId=${b.id}&published=true`);
    expect(list.json<{ items: TDetermination[] }>().items.map((x) => x.id)).toEqual([d.id]);
    expectProblem(await h.analyst.get('/api/v1/determinations?published=yes'), 400, ['query.published']);

    // B now sees the confirmed status on its own scorecard.
    expect((await b.user.get(`/api/v1/providers/${b.id}/scorecard`)).json<TScorecard>().status).toBe(
      'non_cooperative',
    );
  });
});

describe('the dashboard', () => {
  it('names repeat non-responders and ranks campaigns by open tracebacks', async () => {
    const campaign = await h.analyst.post('/api/v1/campaigns', {
      name: 'Fictional utility shut-off',
      description: 'Threatens disconnection',
      category: 'utilities',
    });
    const campaignId = campaign.json<{ id: string }>().id;
    await h.openTraceback(a.id, { campaignId });
    const res = await h.analyst.get('/api/v1/stats/dashboard?weeks=8');
    expect(res.statusCode, res.body).toBe(200);
    const d = res.json<{
      repeatNonResponders: Array<{ providerId: string; count: number }>;
      campaignsByOpen: Array<{ campaignId: string; count: number }>;
      recentNonResponsive: Array<{ providerId: string }>;
    }>();
    expect(d.repeatNonResponders).toEqual([expect.objectContaining({ providerId: b.id, count: 3 })]);
    expect(d.campaignsByOpen).toEqual([expect.objectContaining({ campaignId, count: 1 })]);
    expect(d.recentNonResponsive.every((x) => x.providerId === b.id)).toBe(true);
    expect(d.recentNonResponsive.length).toBeGreaterThan(0);
  });
});

describe('the traceback list', () => {
  it('shows each open traceback’s deadline and sorts by the soonest one, paging by keyset', async () => {
    const opened = [];
    for (let i = 0; i < 3; i++) {
      opened.push((await h.openTraceback(a.id)).id);
      h.clock.advance(3_600_000);
    }
    const due = await h.analyst.get('/api/v1/tracebacks?status=open&sort=due&limit=2');
    expect(due.statusCode, due.body).toBe(200);
    const first = due.json<{
      items: Array<{ id: string; dueAt: string; overdue: boolean }>;
      nextCursor: string;
    }>();
    const rest = await h.analyst.get(
      `/api/v1/tracebacks?status=open&sort=due&limit=50&cursor=${first.nextCursor}`,
    );
    const all = [...first.items, ...rest.json<{ items: typeof first.items }>().items];
    const dues = all.map((x) => x.dueAt);
    expect(dues).toEqual([...dues].sort());
    expect(all.every((x) => x.dueAt && !x.overdue)).toBe(true);
    for (const id of opened) expect(all.map((x) => x.id)).toContain(id);
    // Newest first is still the default, and a closed traceback has no deadline.
    const newest = await h.analyst.get('/api/v1/tracebacks?limit=1');
    expect(newest.json<{ items: Array<{ id: string }> }>().items[0]!.id).toBe(opened[2]);
    const closed = await h.analyst.get('/api/v1/tracebacks?status=closed&limit=1');
    expect(closed.json<{ items: Array<{ dueAt: string | null }> }>().items[0]!.dueAt).toBeNull();
    expectProblem(await h.analyst.get('/api/v1/tracebacks?sort=deadline'), 400, ['query.sort']);
  });
});

describe('your upstreams', () => {
  it('a provider sees the upstreams it named, as JSON and CSV; another provider gets 404', async () => {
    const res = await a.user.get(`/api/v1/providers/${a.id}/upstreams`);
    expect(res.statusCode, res.body).toBe(200);
    const u = res.json<TUpstreams>();
    expect(u.months).toHaveLength(12);
    expect(u.items).toEqual([
      expect.objectContaining({ providerId: b.id, named: 3, nonResponsive: 3, originIdentified: 0 }),
    ]);
    const csv = await a.user.get(`/api/v1/providers/${a.id}/upstreams?format=csv&months=3`);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body.split('\r\n')[1]).toContain(`${b.id},Fictional Silent Carrier,US,3,0,3,0,0,0`);

    // B named nobody; B cannot read A's upstreams (they would show A's answers).
    expect((await b.user.get(`/api/v1/providers/${b.id}/upstreams`)).json<TUpstreams>().items).toEqual([]);
    expectProblem(await b.user.get(`/api/v1/providers/${a.id}/upstreams`), 404);
    expectProblem(await a.user.get(`/api/v1/providers/${a.id}/upstreams?months=99`), 400, ['query.months']);
  });
});
