import {
  PUBLIC_STATISTICS_CSV_COLUMNS,
  ZPublicStatistics,
  type TPublicStatistics,
} from '@hoptrace/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, expectProblem, type Harness } from './testing/harness';

let h: Harness;
const HOUR = 3600_000;
const get = (url: string) => h.anonymous({ method: 'GET', url });

beforeAll(async () => {
  h = await createHarness('2026-11-02T15:00:00Z');
  const [p1, p2, p3] = [await h.provider(), await h.provider(), await h.provider()];
  // One traceback to a warned origin two hops up; one left unanswered past its deadline.
  const traced = await h.openTraceback(p1.id);
  h.clock.advance(HOUR);
  const up = await p1.user.post(`/api/v1/hops/${traced.hops[0]!.id}/answer`, {
    kind: 'upstream',
    upstreamProviderId: p2.id,
  });
  expect(up.statusCode, up.body).toBe(200);
  const next = (await h.analyst.get(`/api/v1/tracebacks/${traced.id}`)).json<{
    hops: Array<{ id: string }>;
  }>();
  h.clock.advance(2 * HOUR);
  const origin = await p2.user.post(`/api/v1/hops/${next.hops[1]!.id}/answer`, {
    kind: 'origin',
    customer: { name: 'Fictional Dialer LLC' },
    action: 'warned',
  });
  expect(origin.statusCode, origin.body).toBe(200);
  await h.openTraceback(p3.id);
  h.clock.advance(4 * 24 * HOUR);
  expect(await h.sweep()).toBe(1);
});
afterAll(() => h.close());

describe('public statistics', () => {
  it('answers without credentials, cacheable, in the exact contract', async () => {
    const res = await get('/api/v1/public/statistics?year=2026');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers['ratelimit-limit']).toBe('120');
    const body = ZPublicStatistics.strict().parse(res.json());
    expect(body).toMatchObject({
      year: 2026,
      status: 'provisional',
      tracebacks: 2,
      providersIdentified: 3,
      newProvidersIdentified: 3,
      nonResponsiveProviders: 1,
      callerWarnedOrTerminatedShare: 1,
      averageHops: 1.5,
      legalRequests: 0,
      foreignOriginShare: 0,
    });
    expect(body.medianHoursToOutcome).toBeGreaterThan(3);
    expect(body.months.map((m) => m.month)).toEqual(
      Array.from({ length: 11 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`),
    );
    expect(body.months[10]).toMatchObject({ tracebacks: 2, status: 'provisional' });
    expect(body.months[9]).toMatchObject({ tracebacks: 0, averageHops: null });
    // No year: the current one.
    expect((await get('/api/v1/public/statistics')).json<TPublicStatistics>().year).toBe(2026);
    // No provider is named.
    expect(res.body).not.toMatch(/Fictional Carrier/);
  });

  it('answers the same figures as CSV, at both addresses', async () => {
    const json = (await get('/api/v1/public/statistics?year=2026')).json<TPublicStatistics>();
    for (const url of [
      '/api/v1/public/statistics?year=2026&format=csv',
      '/api/v1/public/statistics.csv?year=2026',
    ]) {
      const res = await get(url);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.headers['cache-control']).toBe('public, max-age=300');
      const lines = res.body.trimEnd().split('\r\n');
      expect(lines[0]).toBe(PUBLIC_STATISTICS_CSV_COLUMNS.join(','));
      expect(lines).toHaveLength(1 + 1 + 11);
      expect(lines[1]).toBe(`2026,provisional,,2,3,3,1,1,1.5,0,0,${json.medianHoursToOutcome}`);
      expect(lines[11]).toMatch(/^2026-10,provisional,,0,0,0,0,,,0,,$/);
    }
  });

  it('refuses a bad year or format with a problem naming the field', async () => {
    for (const year of ['abcd', '20x5', '1999', '2027', '02026', ''])
      expectProblem(await get(`/api/v1/public/statistics?year=${year}`), 400, ['query.year']);
    expectProblem(await get('/api/v1/public/statistics.csv?year=3000'), 400, ['query.year']);
    expectProblem(await get('/api/v1/public/statistics?format=xml'), 400, ['query.format']);
    expectProblem(await get('/api/v1/public/statistics?year=2026%00'), 400, ['query.year']);
  });

  it('serves a published month as its snapshot; only staff publish, and only a period that has ended', async () => {
    expectProblem(
      await h.anonymous({
        method: 'POST',
        url: '/api/v1/statistics/publications',
        payload: { period: '2026-10' },
      }),
      401,
    );
    const p = await h.provider();
    expectProblem(await p.user.post('/api/v1/statistics/publications', { period: '2026-10' }), 404);
    expectProblem(await h.analyst.post('/api/v1/statistics/publications', { period: '2026-13' }), 400, [
      'period',
    ]);
    expectProblem(await h.analyst.post('/api/v1/statistics/publications', { period: '2026-11' }), 400, [
      'period',
    ]);
    const ok = await h.analyst.post('/api/v1/statistics/publications', { period: '2026-10' });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toEqual({ published: ['2026-10'] });
    expectProblem(await h.analyst.post('/api/v1/statistics/publications', { period: '2026-10' }), 409);
    const s = (await get('/api/v1/public/statistics?year=2026')).json<TPublicStatistics>();
    expect(s.months[9]).toMatchObject({ month: '2026-10', status: 'published', tracebacks: 0 });
    expect(s.months[9]!.publishedAt).toBe(h.clock.now().toISOString());
    const list = await h.analyst.get('/api/v1/statistics/publications');
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json<{ items: Array<{ period: string }> }>().items.map((i) => i.period)).toEqual(['2026-10']);
    expectProblem(await p.user.get('/api/v1/statistics/publications'), 404);
  });

  it('limits requests per client address', async () => {
    h.clock.advance(60_000);
    let last = await get('/api/v1/public/statistics.csv?year=2025');
    for (let i = 1; i < 121 && last.statusCode === 200; i++)
      last = await get('/api/v1/public/statistics.csv?year=2025');
    expectProblem(last, 429);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('is in the OpenAPI document, the public routes with `security: []`', async () => {
    const doc = (await get('/api/openapi.json')).json<{
      paths: Record<string, Record<string, { security?: unknown }>>;
    }>();
    expect(Object.keys(doc.paths['/api/v1/public/statistics']!)).toEqual(['get']);
    expect(doc.paths['/api/v1/public/statistics']!.get!.security).toEqual([]);
    expect(Object.keys(doc.paths['/api/v1/public/statistics.csv']!)).toEqual(['get']);
    expect(Object.keys(doc.paths['/api/v1/statistics/publications']!).sort()).toEqual(['get', 'post']);
  });
});
