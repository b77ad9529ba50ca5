import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TTraceback, TTracebackListItem } from '@hoptrace/contracts';
import { HOUR_MS } from '@hoptrace/core';
import { CALL, createHarness, expectProblem, type Harness } from './testing/harness';

/** The API's general behaviours: numbers, pagination, idempotency, documentation, sessions, filters. */

let h: Harness;
let a: Awaited<ReturnType<Harness['provider']>>;
beforeAll(async () => {
  h = await createHarness();
  a = await h.provider();
});
afterAll(async () => {
  await h.close();
});

type ListPage = { items: TTracebackListItem[]; nextCursor: string | null };
const list = async (query: string): Promise<ListPage> => {
  const res = await h.analyst.get(`/api/v1/tracebacks?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ListPage>();
};
const openWith = (call: Partial<typeof CALL>, extra: Record<string, unknown> = {}) =>
  h.openTraceback(a.id, { call: { ...CALL, ...call }, ...extra });

describe('phone numbers', () => {
  it.each(['(202) 555-0143', '+1 202-555-0143', '2025550143', '202.555.0143', '1-202-555-0143'])(
    'accepts %s as people write it and stores +12025550143',
    async (written) => {
      const tb = await openWith({ callingNumber: written });
      expect(tb.call.callingNumber).toBe('+12025550143');
      const stored = (await h.analyst.get(`/api/v1/tracebacks/${tb.id}`)).json<TTraceback>();
      expect(stored.call.callingNumber).toBe('+12025550143');
    },
  );

  it('finds a traceback by a number written another way', async () => {
    const tb = await openWith({ calledNumber: '(415) 555-0177' });
    const found = await list(`number=${encodeURIComponent('+1 415 555 0177')}`);
    expect(found.items.map((x) => x.id)).toEqual([tb.id]);
  });
});

describe('cursor pagination', () => {
  it('walks every page once, newest first, ending with nextCursor null', async () => {
    const calledNumber = '+1 646 555 0101';
    const opened: string[] = [];
    // Three share one instant, so the cursor must break ties on the id.
    for (const step of [0, 0, 0, 1, 1]) {
      h.clock.advance(step * 60_000);
      opened.push((await openWith({ calledNumber })).id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: ListPage = await list(
        `number=${encodeURIComponent(calledNumber)}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      pages++;
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((x) => x.id));
      cursor = page.nextCursor;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(cursor).toBeNull();
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(new Set(opened));
    // Newest first: the last one opened (alone at its instant) leads.
    expect(seen[0]).toBe(opened[4]);
    const openedAt = await Promise.all(
      seen.map(async (id) =>
        Date.parse((await h.analyst.get(`/api/v1/tracebacks/${id}`)).json<TTraceback>().openedAt),
      ),
    );
    expect(openedAt).toEqual([...openedAt].sort((x, y) => y - x));
  });

  it('paginates hops, providers and campaigns the same way', async () => {
    for (let i = 0; i < 3; i++) {
      await h.analyst.post('/api/v1/campaigns', { name: `Paged ${i}`, description: 'x' });
      await h.provider();
    }
    for (const path of ['/api/v1/hops', '/api/v1/providers', '/api/v1/campaigns']) {
      const all = (await h.analyst.get(`${path}?limit=200`)).json<{ items: Array<{ id: string }> }>().items;
      expect(all.length, path).toBeGreaterThanOrEqual(3);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await h.analyst.get(`${path}?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.statusCode, res.body).toBe(200);
        const page = res.json<{ items: Array<{ id: string }>; nextCursor: string | null }>();
        seen.push(...page.items.map((x) => x.id));
        cursor = page.nextCursor;
      } while (cursor && seen.length <= all.length);
      expect(seen, path).toEqual(all.map((x) => x.id));
    }
  });
});

describe('Idempotency-Key', () => {
  it('replays the first answer for the same key and body, and creates one traceback', async () => {
    const body = { call: { ...CALL, calledNumber: '+1 718 555 0142' }, firstProviderId: a.id };
    const before = await h.counts();
    const first = await h.analyst.post('/api/v1/tracebacks', body, { 'idempotency-key': 'open-0142' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    h.clock.advance(60_000);
    const again = await h.analyst.post('/api/v1/tracebacks', body, { 'idempotency-key': 'open-0142' });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['content-type']).toMatch(/^application\/json/);
    expect(again.json()).toEqual(first.json());
    const after = await h.counts();
    expect(after.tracebacks).toBe(before.tracebacks + 1);
    expect(after.hops).toBe(before.hops + 1);
    expect((await list('number=%2B17185550142')).items).toHaveLength(1);
  });

  it('refuses the same key with another body with 422, and writes nothing', async () => {
    const body = { call: { ...CALL, calledNumber: '+1 718 555 0143' }, firstProviderId: a.id };
    const first = await h.analyst.post('/api/v1/tracebacks', body, { 'idempotency-key': 'open-0143' });
    expect(first.statusCode, first.body).toBe(201);
    const before = await h.counts();
    const other = { ...body, note: 'changed my mind' };
    expectProblem(await h.analyst.post('/api/v1/tracebacks', other, { 'idempotency-key': 'open-0143' }), 422);
    expect(await h.counts()).toEqual(before);
  });

  it('keeps keys per user: another user may use the same key', async () => {
    const body = { call: { ...CALL, calledNumber: '+1 718 555 0144' }, firstProviderId: a.id };
    const mine = await h.analyst.post('/api/v1/tracebacks', body, { 'idempotency-key': 'shared-key' });
    const theirs = await h.admin.post('/api/v1/tracebacks', body, { 'idempotency-key': 'shared-key' });
    expect([mine.statusCode, theirs.statusCode]).toEqual([201, 201]);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.json<TTraceback>().id).not.toBe(mine.json<TTraceback>().id);
  });

  it('refuses a key that is not visible ASCII', async () => {
    const res = await h.analyst.post(
      '/api/v1/tracebacks',
      { call: CALL, firstProviderId: a.id },
      {
        'idempotency-key': 'has space',
      },
    );
    expectProblem(res, 400, ['header.idempotency-key']);
  });
});

describe('documentation', () => {
  it('serves an OpenAPI 3.1 document listing the contract paths', async () => {
    const res = await h.anonymous({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    expect(doc.openapi).toBe('3.1.0');
    const expected: Record<string, string[]> = {
      '/api/v1/tracebacks': ['get', 'post'],
      '/api/v1/tracebacks/{id}': ['get'],
      '/api/v1/tracebacks/{id}/events': ['get'],
      '/api/v1/tracebacks/{id}/actions': ['post'],
      '/api/v1/hops': ['get'],
      '/api/v1/hops/{id}': ['get'],
      '/api/v1/hops/{id}/answer': ['post'],
      '/api/v1/providers': ['get', 'post'],
      '/api/v1/providers/{id}': ['get', 'patch'],
      '/api/v1/campaigns': ['get', 'post'],
      '/api/v1/campaigns/{id}': ['get'],
      '/api/v1/campaigns/{id}/trace-forward': ['post'],
      '/api/v1/users': ['post'],
      '/api/v1/users/{id}/api-keys': ['post'],
      '/api/v1/auth/login': ['post'],
      '/api/v1/auth/logout': ['post'],
      '/api/v1/auth/me': ['get'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      expect(doc.paths[path], path).toBeDefined();
      expect(Object.keys(doc.paths[path]!), path).toEqual(expect.arrayContaining(methods));
    }
    const open = doc.paths['/api/v1/tracebacks']!.post as {
      requestBody?: unknown;
      responses?: Record<string, unknown>;
    };
    expect(open.requestBody).toBeDefined();
    expect(Object.keys(open.responses ?? {})).toContain('201');
  });

  it('serves the API docs as HTML', async () => {
    let res = await h.anonymous({ method: 'GET', url: '/api/docs' });
    for (let hops = 0; res.statusCode >= 300 && res.statusCode < 400 && hops < 5; hops++) {
      const location = res.headers.location;
      expect(location).toBeDefined();
      res = await h.anonymous({
        method: 'GET',
        url: new URL(String(location), 'http://localhost/api/docs').pathname,
      });
    }
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(/swagger/i);
  });
});

describe('sessions', () => {
  const email = 'pat.analyst@example.test';
  const password = 'correct horse battery staple';

  beforeAll(async () => {
    const res = await h.admin.post('/api/v1/users', {
      email,
      name: 'Pat Analyst',
      role: 'analyst',
      password,
    });
    expect(res.statusCode, res.body).toBe(201);
  });

  it('signs in with a password, authenticates with the httpOnly cookie, and signs out', async () => {
    const login = await h.anonymous({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
    });
    expect(login.statusCode, login.body).toBe(200);
    expect(login.json<{ user: { email: string } }>().user.email).toBe(email);
    const cookie = login.cookies.find((c) => c.name === 'hoptrace_session');
    expect(cookie).toMatchObject({ httpOnly: true, path: '/', sameSite: 'Lax' });
    expect(cookie!.value).toMatch(/^hts_/);
    const header = { cookie: `hoptrace_session=${cookie!.value}` };

    const me = await h.anonymous({ method: 'GET', url: '/api/v1/auth/me', headers: header });
    expect(me.statusCode, me.body).toBe(200);
    expect(me.json<{ user: { email: string; role: string } }>().user).toMatchObject({
      email,
      role: 'analyst',
    });
    // The session drives the API like a key does.
    const tracebacks = await h.anonymous({ method: 'GET', url: '/api/v1/tracebacks', headers: header });
    expect(tracebacks.statusCode).toBe(200);

    const logout = await h.anonymous({ method: 'POST', url: '/api/v1/auth/logout', headers: header });
    expect(logout.statusCode).toBe(204);
    const cleared = logout.cookies.find((c) => c.name === 'hoptrace_session');
    expect(cleared?.value).toBe('');
    expect(cleared?.expires?.getTime() ?? 0).toBeLessThanOrEqual(Date.now());

    expectProblem(await h.anonymous({ method: 'GET', url: '/api/v1/auth/me', headers: header }), 401);
  });

  it('accepts the email in any case', async () => {
    const res = await h.anonymous({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: email.toUpperCase(), password },
    });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('refuses a wrong password, an unknown email and a user without a password alike', async () => {
    const wrong = await h.anonymous({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: 'not the password at all' },
    });
    const unknown = await h.anonymous({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'nobody@example.test', password },
    });
    const keyOnly = await h.anonymous({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: h.analyst.email, password },
    });
    const problems = [wrong, unknown, keyOnly].map((res) => expectProblem(res, 401));
    expect(problems[1]).toEqual(problems[0]);
    expect(problems[2]).toEqual(problems[0]);
    for (const res of [wrong, unknown, keyOnly]) expect(res.cookies).toEqual([]);
  });

  it('expires a session after its lifetime', async () => {
    const login = await h.anonymous({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
    });
    const cookie = login.cookies.find((c) => c.name === 'hoptrace_session')!;
    const header = { cookie: `hoptrace_session=${cookie.value}` };
    expect((await h.anonymous({ method: 'GET', url: '/api/v1/auth/me', headers: header })).statusCode).toBe(
      200,
    );
    h.clock.advance(13 * HOUR_MS);
    expectProblem(await h.anonymous({ method: 'GET', url: '/api/v1/auth/me', headers: header }), 401);
  });
});

describe('list filters', () => {
  it('returns the right subset for status, outcome, campaignId, providerId and number', async () => {
    const x = await h.provider();
    const y = await h.provider();
    const campaign = (
      await h.analyst.post('/api/v1/campaigns', { name: 'Filters', description: 'filter fixture' })
    ).json<{ id: string }>().id;
    const number = '+1 305 555 0160';
    const open1 = await h.openTraceback(x.id, {
      call: { ...CALL, calledNumber: number },
      campaignId: campaign,
    });
    const open2 = await h.openTraceback(y.id);
    const cancelled = await h.openTraceback(x.id, { campaignId: campaign });
    await h.analyst.post(`/api/v1/tracebacks/${cancelled.id}/actions`, { action: 'cancel' });
    const deadEnd = await h.openTraceback(y.id, { call: { ...CALL, callingNumber: number } });
    await y.user.post(`/api/v1/hops/${deadEnd.hops[0]!.id}/answer`, { kind: 'not_found' });
    // x is in this path only as the upstream y named.
    const viaUpstream = await h.openTraceback(y.id);
    await y.user.post(`/api/v1/hops/${viaUpstream.hops[0]!.id}/answer`, {
      kind: 'upstream',
      upstreamProviderId: x.id,
    });

    const mine = new Set([open1.id, open2.id, cancelled.id, deadEnd.id, viaUpstream.id]);
    const ids = async (query: string) =>
      (await list(`${query}&limit=200`)).items.map((t) => t.id).filter((id) => mine.has(id));
    const sorted = (arr: string[]) => [...arr].sort();

    expect(sorted(await ids('status=open'))).toEqual(sorted([open1.id, open2.id, viaUpstream.id]));
    expect(sorted(await ids('status=closed'))).toEqual(sorted([cancelled.id, deadEnd.id]));
    expect(await ids('outcome=cancelled')).toEqual([cancelled.id]);
    expect(await ids('outcome=dead_end')).toEqual([deadEnd.id]);
    expect(await ids('outcome=origin_identified')).toEqual([]);
    expect(sorted(await ids(`campaignId=${campaign}`))).toEqual(sorted([open1.id, cancelled.id]));
    expect(sorted(await ids(`providerId=${x.id}`))).toEqual(sorted([open1.id, cancelled.id, viaUpstream.id]));
    expect(sorted(await ids(`number=${encodeURIComponent('(305) 555-0160')}`))).toEqual(
      sorted([open1.id, deadEnd.id]),
    );
    expect(await ids(`status=open&campaignId=${campaign}`)).toEqual([open1.id]);
    expect(await ids(`status=closed&providerId=${y.id}`)).toEqual([deadEnd.id]);

    // The filters hold over the whole list, not only over this test's rows.
    for (const t of (await list('status=closed&limit=200')).items) expect(t.status).toBe('closed');
    for (const t of (await list('outcome=cancelled&limit=200')).items) expect(t.outcome).toBe('cancelled');
    for (const t of (await list(`campaignId=${campaign}&limit=200`)).items)
      expect(t.campaignId).toBe(campaign);
  });

  it('filters a provider inbox by hop status', async () => {
    const tb = await h.openTraceback(a.id);
    const pending = (await a.user.get('/api/v1/hops?status=pending&limit=200')).json<{
      items: Array<{ id: string; status: string }>;
    }>();
    expect(pending.items.map((x) => x.id)).toContain(tb.hops[0]!.id);
    expect(pending.items.every((x) => x.status === 'pending')).toBe(true);
    await a.user.post(`/api/v1/hops/${tb.hops[0]!.id}/answer`, { kind: 'not_found' });
    const after = (await a.user.get('/api/v1/hops?status=pending&limit=200')).json<{
      items: Array<{ id: string }>;
    }>();
    expect(after.items.map((x) => x.id)).not.toContain(tb.hops[0]!.id);
    const answered = (await a.user.get('/api/v1/hops?status=answered')).json<{
      items: Array<{ id: string }>;
    }>();
    expect(answered.items.map((x) => x.id)).toContain(tb.hops[0]!.id);
  });
});
