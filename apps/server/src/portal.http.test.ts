import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  TApiKey,
  TDashboard,
  TProviderNames,
  TResponseTimes,
  TTraceback,
  TTracebackListItem,
  TUserListItem,
} from '@hoptrace/contracts';
import { HOUR_MS } from '@hoptrace/core';
import Fastify, { type FastifyInstance } from 'fastify';
import problems from './plugins/problems';
import web from './plugins/web';
import { createHarness, expectProblem, type Caller, type Harness } from './testing/harness';

/**
 * The portal's read-only routes: what they count, who may read them (statistics
 * and other users' keys are not for providers or enforcement: 404), and the
 * static portal with its fallback to index.html.
 */

let h: Harness;
let p1: Awaited<ReturnType<Harness['provider']>>;
let p2: Awaited<ReturnType<Harness['provider']>>;
let p3: Awaited<ReturnType<Harness['provider']>>;
let enforcement: Caller;
const t0 = Date.parse('2026-11-02T15:00:00Z'); // a Monday
const tb: Record<string, TTraceback> = {};

const at = (hours: number) => h.clock.set(new Date(t0 + hours * HOUR_MS));
const ok = async <T>(caller: Caller, url: string): Promise<T> => {
  const res = await caller.get(url);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<T>();
};
const answer = async (caller: Caller, hopId: string, body: unknown) => {
  const res = await caller.post(`/api/v1/hops/${hopId}/answer`, body);
  expect(res.statusCode, res.body).toBe(200);
};
const pendingHop = async (id: string) =>
  (await ok<TTraceback>(h.analyst, `/api/v1/tracebacks/${id}`)).hops.find((x) => x.status === 'pending')!.id;

beforeAll(async () => {
  h = await createHarness('2026-11-02T15:00:00Z');
  p1 = await h.provider();
  p2 = await h.provider();
  p3 = await h.provider();
  enforcement = await h.user('enforcement');
  // tb1: p1 → p2, p2 originated it: closed after 3 h.
  tb.one = await h.openTraceback(p1.id);
  at(1);
  await answer(p1.user, tb.one.hops[0]!.id, { kind: 'upstream', upstreamProviderId: p2.id });
  // tb5: to p2, never answered: due at 26 h.
  at(2);
  tb.five = await h.openTraceback(p2.id);
  at(3);
  await answer(p2.user, await pendingHop(tb.one.id), {
    kind: 'origin',
    customer: { name: 'Fictional Dialer LLC' },
    action: 'terminated',
  });
  // tb2: p1 has no record: dead end after 1 h.
  tb.two = await h.openTraceback(p1.id);
  at(4);
  await answer(p1.user, tb.two.hops[0]!.id, { kind: 'not_found' });
  // tb3: cancelled, which says nothing about tracing speed.
  tb.three = await h.openTraceback(p3.id);
  at(5);
  const cancelled = await h.analyst.post(`/api/v1/tracebacks/${tb.three.id}/actions`, { action: 'cancel' });
  expect(cancelled.statusCode, cancelled.body).toBe(200);
  // tb4: to p3, due at 29 h.
  tb.four = await h.openTraceback(p3.id);
  at(28);
});
afterAll(async () => {
  await h.close();
});

describe('GET /stats/dashboard', () => {
  it('counts open tracebacks, overdue and soon-due hops, the most urgent first', async () => {
    const d = await ok<TDashboard>(h.analyst, '/api/v1/stats/dashboard?weeks=2');
    expect(d.generatedAt).toBe(new Date(t0 + 28 * HOUR_MS).toISOString());
    expect(d.openTracebacks).toBe(2);
    expect(d.hopsOverdue).toBe(1);
    expect(d.hopsDueSoon).toBe(1);
    expect(d.attention.map((x) => [x.tracebackId, x.providerName])).toEqual([
      [tb.five!.id, p2.name],
      [tb.four!.id, p3.name],
    ]);
  });

  it('gives every week, opened and closed, time to close without cancellations, outcomes and top providers', async () => {
    const d = await ok<TDashboard>(h.admin, '/api/v1/stats/dashboard?weeks=2');
    expect(d.weeks).toBe(2);
    expect(d.perWeek).toEqual([
      { weekStart: '2026-10-26T00:00:00.000Z', opened: 0, closed: 0 },
      { weekStart: '2026-11-02T00:00:00.000Z', opened: 5, closed: 3 },
    ]);
    // Closed in 3 h and 1 h; the cancelled one is left out.
    expect(d.timeToClose).toEqual({ closed: 2, medianHours: 2, p90Hours: 2.8 });
    expect(Object.fromEntries(d.outcomes.map((o) => [o.outcome, o.count]))).toEqual({
      origin_identified: 1,
      foreign_origin: 0,
      non_responsive: 0,
      dead_end: 1,
      cancelled: 1,
    });
    expect(d.topOrigins).toEqual([{ providerId: p2.id, providerName: p2.name, count: 1 }]);
    // Past its deadline and still pending counts as unanswered before the clock's sweep runs.
    expect(d.topNonResponsive).toEqual([{ providerId: p2.id, providerName: p2.name, count: 1 }]);
  });

  it('after the sweep, the non-responsive traceback is closed and counted', async () => {
    expect(await h.sweep()).toBe(1);
    const d = await ok<TDashboard>(h.analyst, '/api/v1/stats/dashboard');
    expect(d.weeks).toBe(12);
    expect(d.perWeek).toHaveLength(12);
    expect(d.openTracebacks).toBe(1);
    expect(d.hopsOverdue).toBe(0);
    expect(d.attention.map((x) => x.tracebackId)).toEqual([tb.four!.id]);
    // 1 h, 3 h and 26 h.
    expect(d.timeToClose).toEqual({ closed: 3, medianHours: 3, p90Hours: 21.4 });
    expect(d.outcomes.find((o) => o.outcome === 'non_responsive')?.count).toBe(1);
    expect(d.topNonResponsive).toEqual([{ providerId: p2.id, providerName: p2.name, count: 1 }]);
    // What "overdue" could never show (the sweep closes an overdue hop at once): the hop that went
    // non-responsive, with its provider; one miss is not yet a repeat.
    expect(d.wentNonResponsive24h).toBe(1);
    expect(d.recentNonResponsive.map((x) => [x.tracebackId, x.providerId])).toEqual([[tb.five!.id, p2.id]]);
    expect(d.repeatNonResponders).toEqual([]);
    expect(d.campaignsByOpen).toEqual([]);
  });

  it('is not there for providers and enforcement (404), nor without credentials (401)', async () => {
    for (const caller of [p1.user, enforcement])
      expectProblem(await caller.get('/api/v1/stats/dashboard'), 404);
    expectProblem(await h.anonymous({ method: 'GET', url: '/api/v1/stats/dashboard' }), 401);
  });

  it('refuses a period it cannot give, naming the field', async () => {
    for (const weeks of ['0', '105', 'many', '1.5'])
      expectProblem(await h.analyst.get(`/api/v1/stats/dashboard?weeks=${weeks}`), 400, ['query.weeks']);
  });
});

describe('GET /providers/:id/response-times', () => {
  it('gives requests, answers and hours from receipt to answer, per week and in total', async () => {
    const r1 = await ok<TResponseTimes>(h.analyst, `/api/v1/providers/${p1.id}/response-times?weeks=1`);
    expect(r1.summary).toEqual({
      requested: 2,
      answered: 2,
      late: 0,
      unanswered: 0,
      medianHours: 1,
      p90Hours: 1,
    });
    expect(r1.perWeek).toEqual([{ weekStart: '2026-11-02T00:00:00.000Z', ...r1.summary }]);
    const r2 = await ok<TResponseTimes>(h.analyst, `/api/v1/providers/${p2.id}/response-times`);
    expect(r2.summary).toMatchObject({ requested: 2, answered: 1, unanswered: 1, medianHours: 2 });
    expect(r2.perWeek).toHaveLength(12);
  });

  it('counts a late answer as answered and late; a withdrawn request is not counted', async () => {
    at(30);
    await answer(p3.user, tb.four!.hops[0]!.id, { kind: 'not_found' });
    const r3 = await ok<TResponseTimes>(h.analyst, `/api/v1/providers/${p3.id}/response-times`);
    // tb3's request was withdrawn by the cancellation; tb4's was received at 5 h, answered at 30 h.
    expect(r3.summary).toEqual({
      requested: 1,
      answered: 1,
      late: 1,
      unanswered: 0,
      medianHours: 25,
      p90Hours: 25,
    });
  });

  it('an answer given before the request counts as received took no time, never negative time', async () => {
    const p4 = await h.provider();
    // Saturday 09:00 in Chicago: received on Monday 08:00, answered an hour after the request.
    h.clock.set('2026-11-07T15:00:00Z');
    const opened = await h.openTraceback(p4.id);
    expect(Date.parse(opened.hops[0]!.receivedAt)).toBeGreaterThan(Date.parse('2026-11-09T00:00:00Z'));
    h.clock.set('2026-11-07T16:00:00Z');
    await answer(p4.user, opened.hops[0]!.id, { kind: 'not_found' });
    const r4 = await ok<TResponseTimes>(h.analyst, `/api/v1/providers/${p4.id}/response-times`);
    expect(r4.summary).toMatchObject({ answered: 1, late: 0, medianHours: 0, p90Hours: 0 });
  });

  it("is the provider's own scorecard: its users read it, other providers and enforcement get 404", async () => {
    await ok<TResponseTimes>(p1.user, `/api/v1/providers/${p1.id}/response-times`);
    expectProblem(await p2.user.get(`/api/v1/providers/${p1.id}/response-times`), 404);
    expectProblem(await enforcement.get(`/api/v1/providers/${p1.id}/response-times`), 404);
    expectProblem(
      await h.analyst.get('/api/v1/providers/00000000-0000-4000-8000-000000000000/response-times'),
      404,
    );
    expectProblem(await h.analyst.get('/api/v1/providers/nope/response-times'), 400, ['path.id']);
  });
});

describe('GET /providers/names', () => {
  it('names the providers asked for and skips unknown ids', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const res = await ok<TProviderNames>(
      p1.user,
      `/api/v1/providers/names?ids=${p1.id},${p2.id},${unknown},${p1.id}`,
    );
    expect(new Map(res.items.map((x) => [x.id, x.name]))).toEqual(
      new Map([
        [p1.id, p1.name],
        [p2.id, p2.name],
      ]),
    );
  });

  it('refuses ids that are not uuids, or none', async () => {
    expectProblem(await h.analyst.get('/api/v1/providers/names?ids=x'), 400, ['query.ids.0']);
    expectProblem(await h.analyst.get('/api/v1/providers/names?ids=,'), 400, ['query.ids']);
    expectProblem(await h.analyst.get('/api/v1/providers/names'), 400, ['query.ids']);
  });
});

describe('GET /users', () => {
  it('lists users newest first with the provider each speaks for, filtered by role and text', async () => {
    const all = await ok<{ items: TUserListItem[] }>(h.admin, '/api/v1/users?limit=200');
    expect(all.items.map((u) => u.email)).toEqual(
      expect.arrayContaining([h.admin.email, h.analyst.email, p1.user.email, enforcement.email]),
    );
    const mine = all.items.find((u) => u.id === p1.user.userId);
    expect(mine).toMatchObject({
      role: 'provider',
      providerId: p1.id,
      providerName: p1.name,
      disabled: false,
    });
    expect(mine).not.toHaveProperty('passwordHash');
    const providers = await ok<{ items: TUserListItem[] }>(h.admin, '/api/v1/users?role=provider');
    expect(providers.items.every((u) => u.role === 'provider')).toBe(true);
    expect(providers.items.map((u) => u.id)).toEqual(
      expect.arrayContaining([p1.user.userId, p2.user.userId, p3.user.userId]),
    );
    const found = await ok<{ items: TUserListItem[] }>(
      h.admin,
      `/api/v1/users?q=${encodeURIComponent(enforcement.email.toUpperCase())}`,
    );
    expect(found.items.map((u) => u.id)).toEqual([enforcement.userId]);
  });

  it('pages with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: TUserListItem[]; nextCursor: string | null } = await ok(
        h.admin,
        `/api/v1/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.items.map((u) => u.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(cursor).toBeNull();
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(6);
  });

  it("sorts by name or email, A to Z with case ignored, page after page (the portal's sortable headers)", async () => {
    const all = await ok<{ items: TUserListItem[] }>(h.admin, '/api/v1/users?limit=200');
    for (const sort of ['name', 'email'] as const) {
      const seen: TUserListItem[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: TUserListItem[]; nextCursor: string | null } = await ok(
          h.admin,
          `/api/v1/users?sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seen.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor && seen.length < 400);
      expect(seen.map((u) => u.id).sort()).toEqual(all.items.map((u) => u.id).sort());
      const onePage = await ok<{ items: TUserListItem[] }>(h.admin, `/api/v1/users?sort=${sort}&limit=200`);
      expect(seen.map((u) => u.id)).toEqual(onePage.items.map((u) => u.id));
      // In the database's collation: code points (C) or a language's order (en_US).
      const keys = seen.map((u) => u[sort].toLowerCase());
      const inOrder = (compare: (a: string, b: string) => number) =>
        keys.every((k, i) => i === 0 || compare(keys[i - 1]!, k) <= 0);
      expect(
        inOrder((a, b) => (a < b ? -1 : a > b ? 1 : 0)) || inOrder(new Intl.Collator('en').compare),
      ).toBe(true);
    }
    const providers = await ok<{ items: TUserListItem[] }>(h.admin, '/api/v1/users?sort=name&role=provider');
    expect(providers.items.every((u) => u.role === 'provider')).toBe(true);
    expectProblem(await h.admin.get('/api/v1/users?sort=role'), 400, ['query.sort']);
    // A cursor of one order is not a place in another.
    const newest = await ok<{ nextCursor: string }>(h.admin, '/api/v1/users?limit=1');
    expectProblem(await h.admin.get(`/api/v1/users?sort=name&cursor=${newest.nextCursor}`), 400, [
      'query.cursor',
    ]);
  });

  it('is for admins only: analysts, providers and enforcement get 404', async () => {
    for (const caller of [h.analyst, p1.user, enforcement])
      expectProblem(await caller.get('/api/v1/users'), 404);
    expectProblem(await h.admin.get('/api/v1/users?role=boss'), 400, ['query.role']);
  });
});

describe('GET /users/:id/api-keys', () => {
  it('lists the keys of a user without the keys themselves', async () => {
    const created = await p1.user.post(`/api/v1/users/${p1.user.userId}/api-keys`, { name: 'agent' });
    expect(created.statusCode, created.body).toBe(201);
    const own = await ok<{ items: TApiKey[] }>(p1.user, `/api/v1/users/${p1.user.userId}/api-keys`);
    expect(own.items.map((k) => k.name)).toEqual(['agent', 'test']);
    for (const k of own.items) {
      expect(Object.keys(k).sort()).toEqual(['createdAt', 'id', 'name', 'prefix', 'revokedAt', 'scopes']);
      expect(k.prefix).toMatch(/^htk_/);
    }
    expect(JSON.stringify(own)).not.toContain(created.json<{ key: string }>().key);
    const byAdmin = await ok<{ items: TApiKey[] }>(h.admin, `/api/v1/users/${p1.user.userId}/api-keys`);
    expect(byAdmin.items).toEqual(own.items);
  });

  it("another user's keys are not there for anyone but admins (404)", async () => {
    for (const caller of [h.analyst, p2.user, enforcement])
      expectProblem(await caller.get(`/api/v1/users/${p1.user.userId}/api-keys`), 404);
  });
});

describe('GET /tracebacks by date opened', () => {
  it('keeps tracebacks opened in [openedFrom, openedBefore)', async () => {
    const list = async (q: string) =>
      (await ok<{ items: TTracebackListItem[] }>(h.analyst, `/api/v1/tracebacks?${q}`)).items.map(
        (x) => x.id,
      );
    const iso = (hours: number) => encodeURIComponent(new Date(t0 + hours * HOUR_MS).toISOString());
    expect(await list(`openedFrom=${iso(3)}&openedBefore=${iso(5)}`)).toEqual([tb.three!.id, tb.two!.id]);
    expect(await list(`openedBefore=${iso(2)}`)).toEqual([tb.one!.id]);
    // Offsets are honoured: 10:00-05:00 is 15:00Z, t0.
    expect(
      await list(`openedFrom=${encodeURIComponent('2026-11-02T10:00:01-05:00')}&openedBefore=${iso(2)}`),
    ).toEqual([]);
  });

  it('refuses a date that is not an ISO instant, naming the field', async () => {
    expectProblem(await h.analyst.get('/api/v1/tracebacks?openedFrom=yesterday'), 400, ['query.openedFrom']);
    expectProblem(await h.analyst.get('/api/v1/tracebacks?openedBefore=0000-01-01T00:00:00Z'), 400, [
      'query.openedBefore',
    ]);
  });
});

describe('the portal at /', () => {
  let dist: string;
  let app: FastifyInstance;
  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'hoptrace-web-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>hoptrace</title><div id="root"></div>');
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    app = Fastify();
    await app.register(problems);
    app.get('/api/v1/health', () => ({ status: 'ok' }));
    await app.register(web, { root: dist });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dist, { recursive: true, force: true });
  });

  it('answers index.html, never cached, for the root and any deep link', async () => {
    for (const url of ['/', '/hop/7d1f7a8e-7f0c-4d8e-9a51-5e2b1d3c4f60', '/tracebacks?status=open']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<div id="root">');
    }
  });

  it('serves hashed assets for a year', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toMatch(/max-age=31536000.*immutable/);
  });

  it('keeps problem+json 404s for unknown API paths, missing assets and other methods', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/health' })).statusCode).toBe(200);
    for (const [method, url] of [
      ['GET', '/api/v1/nope'],
      ['GET', '/api'],
      ['GET', '/assets/missing-123.js'],
      ['POST', '/tracebacks'],
    ] as const) {
      const res = await app.inject({ method, url });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('says the portal is not built when there is no index.html', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'hoptrace-web-empty-'));
    const bare = Fastify();
    await bare.register(problems);
    await bare.register(web, { root: empty });
    const res = await bare.inject({ method: 'GET', url: '/dashboard' });
    expect(res.statusCode).toBe(503);
    expect(res.json<{ detail: string }>().detail).toMatch(/not built/);
    await bare.close();
    rmSync(empty, { recursive: true, force: true });
  });

  it('the app serves the API beside it: an unknown API path is still a problem', async () => {
    expectProblem(await h.analyst.get('/api/v1/no-such-route'), 404);
  });
});
