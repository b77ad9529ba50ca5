import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { TCallIngestResult, TCallSource, TCallView, TFeedKey } from '@hoptrace/contracts';
import { schema } from '@hoptrace/db';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, expectProblem, type Caller, type Harness } from './testing/harness';

// Low enough to pass in a test without sending 100 MB; the route's default is CALL_UPLOAD_LIMIT.
const UPLOAD_LIMIT = 256 * 1024;

let h: Harness;
beforeAll(async () => {
  h = await createHarness('2026-12-01T10:00:00Z', { callUploadMaxBytes: UPLOAD_LIMIT });
});
afterAll(() => h.close());

const send = (caller: Caller, query: string, body: string | Readable, contentType: string) =>
  caller.request({
    method: 'POST',
    url: `/api/v1/calls${query}`,
    payload: body,
    headers: { 'content-type': contentType },
  });

const record = (id: string, extra: Record<string, unknown> = {}) => ({
  externalId: id,
  startedAt: '2026-11-20T15:00:00Z',
  callingNumber: '(312) 555-0101',
  calledNumber: '+1 646 555 0199',
  transcript: 'Final notice about your vehicle warranty',
  ...extra,
});

/** Typed stand-ins for `expect.stringContaining` and `expect.stringMatching`, which are any. */
const containing = (part: string): string => expect.stringContaining(part) as string;
const matching = (re: RegExp): string => expect.stringMatching(re) as string;

const callCount = () => h.db.$count(schema.calls);

async function createSource(name: string, extra: Record<string, unknown> = {}): Promise<TCallSource> {
  const res = await h.analyst.post('/api/v1/call-sources', { name, ...extra });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<TCallSource>();
}

describe('POST /api/v1/calls (staff)', () => {
  it('takes a JSON array and { calls: [...] }, and counts known records the second time', async () => {
    const res = await h.analyst.post('/api/v1/calls?source=hp-json', [record('j-1'), record('j-2')]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      source: 'hp-json',
      accepted: 2,
      alreadyKnown: 0,
      refused: 0,
      refusals: [],
      written: true,
    });
    const wrapped = await h.analyst.post('/api/v1/calls?source=hp-json', {
      calls: [record('j-2'), record('j-3')],
    });
    expect(wrapped.json()).toMatchObject({ accepted: 1, alreadyKnown: 1, refused: 0 });
  });

  it('takes NDJSON and CSV bodies, reporting refused records with their line and field', async () => {
    const ndjson = [
      JSON.stringify(record('n-1')),
      '',
      JSON.stringify(record('n-2', { kind: 'robot' })),
      '{"externalId": broken',
      JSON.stringify(record('n-4')),
    ].join('\n');
    const res = await send(h.analyst, '?source=hp-ndjson', ndjson, 'application/x-ndjson');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<TCallIngestResult>();
    expect(body).toMatchObject({ accepted: 2, refused: 2, written: true });
    expect(body.refusals).toEqual([
      { line: 3, externalId: 'n-2', errors: [{ path: 'kind', message: containing('"robot"') }] },
      {
        line: 4,
        externalId: null,
        errors: [{ path: 'line', message: matching(/^is not JSON/) }],
      },
    ]);

    const csv =
      'external_id,started_at,calling_number,called_number,transcript,trap\r\n' +
      'c-1,2026-11-20T15:00:00Z,3125550101,6465550199,"Hello, this is ""Card Services""",nyc\r\n' +
      'c-2,2026-02-30,3125550101,,,\r\n' +
      'c-3,2026-11-21,anonymous,6465550199,"two\r\nlines",\r\n' +
      'c-4,too,few\r\n';
    const csvRes = await send(h.analyst, '?source=hp-csv', csv, 'text/csv; charset=utf-8');
    expect(csvRes.statusCode, csvRes.body).toBe(200);
    const csvBody = csvRes.json<TCallIngestResult>();
    expect(csvBody).toMatchObject({ source: 'hp-csv', accepted: 2, refused: 2 });
    expect(csvBody.refusals).toEqual([
      {
        line: 3,
        externalId: 'c-2',
        errors: [{ path: 'startedAt', message: '"2026-02-30" is not a calendar day' }],
      },
      {
        line: 6,
        externalId: null,
        errors: [{ path: 'row', message: 'has 3 fields where the header has 6' }],
      },
    ]);
    const list = await h.analyst.get('/api/v1/calls?source=hp-csv');
    const items = list.json<{ items: TCallView[] }>().items;
    const c1 = items.find((c) => c.externalId === 'c-1')!;
    expect(c1).toMatchObject({
      transcript: 'Hello, this is "Card Services"',
      callingNumber: '+13125550101',
      metadata: { trap: 'nyc' },
    });
    expect(items.find((c) => c.externalId === 'c-3')).toMatchObject({
      callingNumber: null,
      startedAtPrecision: 'day',
      transcript: 'two\r\nlines',
    });
  });

  it('reports refusals of a JSON array by index', async () => {
    const res = await h.analyst.post('/api/v1/calls?source=hp-json', [
      record('i-1'),
      'nope',
      { id: 'i-3', language: 'x' },
    ]);
    const body = res.json<TCallIngestResult>();
    expect(body).toMatchObject({ accepted: 1, refused: 2 });
    expect(body.refusals.map((r) => [r.line, r.errors[0]!.path])).toEqual([
      [2, '[1]'],
      [3, 'language'],
    ]);
  });

  it('with strict=true writes nothing when one record is refused, in every body format', async () => {
    const before = await callCount();
    const json = await h.analyst.post('/api/v1/calls?source=hp-strict&strict=true', [
      record('st-1'),
      record('st-2', { durationSeconds: 'long' }),
    ]);
    expect(json.statusCode).toBe(200);
    expect(json.json()).toMatchObject({ accepted: 0, refused: 1, written: false });
    const csv = await send(
      h.analyst,
      '?source=hp-strict&strict=true',
      'id,kind\nst-3,honeypot\nst-4,robot\n',
      'text/csv',
    );
    expect(csv.json()).toMatchObject({ accepted: 0, refused: 1, written: false });
    const nd = await send(
      h.analyst,
      '?source=hp-strict&strict=true',
      `${JSON.stringify(record('st-5'))}\nnull\n`,
      'application/x-ndjson',
    );
    expect(nd.json()).toMatchObject({ accepted: 0, refused: 1, written: false });
    expect(await callCount()).toBe(before);
    const good = await send(h.analyst, '?source=hp-strict&strict=true', 'id\nst-6\nst-7\n', 'text/csv');
    expect(good.json()).toMatchObject({ accepted: 2, written: true });
  });

  it('refuses a body that is not a list of records, or without a source, with problem+json', async () => {
    const before = await callCount();
    expectProblem(await h.analyst.post('/api/v1/calls?source=hp-bad', { externalId: 'x' }), 400);
    expectProblem(await h.analyst.post('/api/v1/calls?source=hp-bad', { calls: 'x' }), 400);
    expectProblem(await h.analyst.post('/api/v1/calls', [record('x')]), 400, ['source']);
    expectProblem(await h.analyst.post('/api/v1/calls?source=bad%20name', [record('x')]), 400, [
      'query.source',
    ]);
    expectProblem(await h.analyst.post('/api/v1/calls?source=hp-bad&strict=yes', [record('x')]), 400, [
      'query.strict',
    ]);
    const noHeader = await send(h.analyst, '?source=hp-bad', 'number,text\n1,2\n', 'text/csv');
    expect(expectProblem(noHeader, 400).detail).toContain('no external_id column');
    const broken = await send(h.analyst, '?source=hp-bad', 'id,kind\na,"b"c\n', 'text/csv');
    expect(expectProblem(broken, 400).detail).toMatch(/line 2: text after a closing quote/);
    expect(await callCount()).toBe(before);
  });

  it('refuses a content type it does not read with 415', async () => {
    expectProblem(await send(h.analyst, '?source=hp-bad', 'id\nx\n', 'text/plain'), 415);
    expectProblem(await send(h.analyst, '?source=hp-bad', 'x', 'application/xml'), 415);
  });

  it('refuses a body over the limit with 413, declared or counted as it streams', async () => {
    const before = await callCount();
    const declared = await h.analyst.request({
      method: 'POST',
      url: '/api/v1/calls?source=hp-big',
      payload: 'id\nx\n',
      headers: { 'content-type': 'text/csv', 'content-length': String(UPLOAD_LIMIT + 1) },
    });
    expectProblem(declared, 413);
    const bigJson = Array.from({ length: 2000 }, (_, i) =>
      record(`big-${i}`, { transcript: 'x'.repeat(200) }),
    );
    expectProblem(await h.analyst.post('/api/v1/calls?source=hp-big', bigJson), 413);
    const streamed = () =>
      Readable.from(
        (function* () {
          yield 'id,transcript\n';
          for (let i = 0; i < 3000; i++) yield `s-${i},${'y'.repeat(200)}\n`;
        })(),
      );
    for (const query of ['?source=hp-big', '?source=hp-big&strict=true']) {
      const res = await h.analyst.request({
        method: 'POST',
        url: `/api/v1/calls${query}`,
        payload: streamed(),
        headers: { 'content-type': 'text/csv', 'transfer-encoding': 'chunked' },
      });
      expect(expectProblem(res, 413).detail, query).toContain(`${UPLOAD_LIMIT} bytes`);
    }
    // Not strict: the batches read before the limit may stay stored (the answer says so); strict: none.
    const strictStored = await h.db
      .select()
      .from(schema.calls)
      .where(inArray(schema.calls.externalId, ['s-0', 'big-0']));
    expect(strictStored.length).toBeLessThanOrEqual(1);
    expect(await callCount()).toBeGreaterThanOrEqual(before);
  });
});

describe('feed keys', () => {
  let source: TCallSource;
  let other: TCallSource;
  let feed: Caller;
  let keyId: string;

  beforeAll(async () => {
    source = await createSource('honeypot-east');
    other = await createSource('honeypot-west');
    const res = await h.analyst.post(`/api/v1/call-sources/${source.id}/feed-keys`, { name: 'east trap' });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json<TFeedKey & { key: string }>();
    expect(created).toMatchObject({ name: 'east trap', sourceId: source.id, revokedAt: null });
    expect(created.key.startsWith(created.prefix)).toBe(true);
    keyId = created.id;
    feed = h.callerFor('', created.key, null);
  });

  it('sends calls of its own source, named or not', async () => {
    const res = await feed.post('/api/v1/calls', [record('fk-1')]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ source: 'honeypot-east', accepted: 1 });
    const named = await feed.post('/api/v1/calls?source=HONEYPOT-EAST', [record('fk-2')]);
    expect(named.json()).toMatchObject({ source: 'honeypot-east', accepted: 1 });
    const csv = await send(feed, '', 'id\nfk-3\n', 'text/csv');
    expect(csv.json()).toMatchObject({ accepted: 1 });
    const listed = await h.analyst.get(`/api/v1/call-sources/${source.id}/feed-keys`);
    expect(listed.json<{ items: TFeedKey[] }>().items[0]!.lastUsedAt).not.toBeNull();
  });

  it("is refused another source's calls with a clear 403", async () => {
    const before = await callCount();
    const res = await feed.post(`/api/v1/calls?source=${other.name}`, [record('fk-x')]);
    expect(expectProblem(res, 403).detail).toBe(
      'this feed key sends calls of source "honeypot-east" only, not "honeypot-west"',
    );
    expect(
      expectProblem(await feed.post('/api/v1/calls?source=brand-new', [record('fk-y')]), 403).detail,
    ).toContain('honeypot-east');
    expect(await callCount()).toBe(before);
  });

  it('may call no other route', async () => {
    for (const url of ['/api/v1/calls', `/api/v1/call-sources`, '/api/v1/tracebacks', '/api/v1/providers']) {
      const res = await feed.get(url);
      expect(expectProblem(res, 403).detail, url).toContain('feed key');
    }
    expectProblem(await feed.post('/api/v1/call-sources', { name: 'mine' }), 403);
    expectProblem(await feed.post(`/api/v1/call-sources/${source.id}/feed-keys`, { name: 'more' }), 403);
  });

  it('a provider user cannot send or read calls, nor manage sources', async () => {
    const p = await h.provider();
    const before = await callCount();
    expectProblem(await p.user.post('/api/v1/calls?source=honeypot-east', [record('pv-1')]), 404);
    expectProblem(await p.user.post('/api/v1/calls?source=new-by-provider', [record('pv-1')]), 404);
    expectProblem(await p.user.get('/api/v1/calls'), 404);
    expectProblem(await p.user.get('/api/v1/call-sources'), 404);
    expectProblem(await p.user.post('/api/v1/call-sources', { name: 'pv' }), 404);
    expect(await callCount()).toBe(before);
    expect(await h.db.$count(schema.callSources, eq(schema.callSources.name, 'new-by-provider'))).toBe(0);
  });

  it('stops working once revoked', async () => {
    const res = await h.analyst.request({
      method: 'DELETE',
      url: `/api/v1/call-sources/${source.id}/feed-keys/${keyId}`,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<TFeedKey>().revokedAt).not.toBeNull();
    expectProblem(await feed.post('/api/v1/calls', [record('fk-9')]), 401);
    // A key of another source cannot be revoked through this one.
    expectProblem(
      await h.analyst.request({
        method: 'DELETE',
        url: `/api/v1/call-sources/${other.id}/feed-keys/${keyId}`,
      }),
      404,
    );
  });
});

describe('GET /api/v1/calls', () => {
  let ids: Map<string, string>;
  const campaignId = randomUUID();

  beforeAll(async () => {
    const list = Array.from({ length: 7 }, (_, i) =>
      record(`q-${i}`, {
        startedAt: new Date(Date.UTC(2026, 10, 1 + i, 12)).toISOString(),
        callingNumber: i % 2 ? '202-555-0111' : '202-555-0122',
        calledNumber: i === 6 ? '(415) 555-0133' : '646-555-0199',
      }),
    );
    const res = await h.analyst.post('/api/v1/calls?source=hp-query', list);
    expect(res.json()).toMatchObject({ accepted: 7 });
    const stored = await h.db.select().from(schema.calls);
    ids = new Map(stored.map((c) => [c.externalId, c.id]));
    // Campaign detection assigns calls; here two are assigned by hand.
    await h.db
      .insert(schema.callVerdicts)
      .values(
        stored
          .filter((c) => c.externalId === 'q-1' || c.externalId === 'q-2')
          .map((c) => ({ id: c.id, startedAt: c.startedAt, campaignId, assignedBy: 'analyst' as const })),
      );
  });

  const list = async (query: string) => {
    const res = await h.analyst.get(`/api/v1/calls${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ items: TCallView[]; nextCursor: string | null }>();
  };

  it('filters by source, campaign, and a number in any format (caller or called)', async () => {
    const bySource = await list('?source=hp-query');
    expect(bySource.items.map((c) => c.externalId)).toEqual([
      'q-6',
      'q-5',
      'q-4',
      'q-3',
      'q-2',
      'q-1',
      'q-0',
    ]);
    expect(bySource.items.every((c) => c.source === 'hp-query')).toBe(true);
    expect((await list('?source=no-such-feed')).items).toEqual([]);
    expect((await list(`?campaignId=${campaignId}`)).items.map((c) => c.externalId).sort()).toEqual([
      'q-1',
      'q-2',
    ]);
    for (const n of ['2025550111', '(202) 555-0111', '+1 202.555.0111', '1-202-555-0111'])
      expect(
        (await list(`?source=hp-query&number=${encodeURIComponent(n)}`)).items.map((c) => c.externalId),
        n,
      ).toEqual(['q-5', 'q-3', 'q-1']);
    expect(
      (await list(`?number=${encodeURIComponent('415 555 0133')}`)).items.map((c) => c.externalId),
    ).toEqual(['q-6']);
    expectProblem(await h.analyst.get('/api/v1/calls?number=call-me'), 400, ['number']);
    expectProblem(await h.analyst.get('/api/v1/calls?campaignId=nope'), 400, ['query.campaignId']);
  });

  it('pages with a cursor, and refuses a cursor it did not make', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(
        `?source=hp-query&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      seen.push(...page.items.map((c) => c.externalId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(['q-6', 'q-5', 'q-4', 'q-3', 'q-2', 'q-1', 'q-0']);
    expect(pages).toBe(3);
    expectProblem(await h.analyst.get('/api/v1/calls?cursor=not-a-cursor'), 400);
    expectProblem(await h.analyst.get('/api/v1/calls?limit=0'), 400, ['query.limit']);
  });

  it('shows one call to staff; a provider user gets 404', async () => {
    const id = ids.get('q-3')!;
    const res = await h.admin.get(`/api/v1/calls/${id}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<TCallView>()).toMatchObject({
      id,
      source: 'hp-query',
      externalId: 'q-3',
      callingNumber: '+12025550111',
      calledNumber: '+16465550199',
      startedAt: '2026-11-04T12:00:00.000Z',
      startedAtPrecision: 'second',
      receivedAt: '2026-12-01T10:00:00.000Z',
      campaignId: null,
      neighbourSpoof: false,
    });
    expectProblem(await h.analyst.get(`/api/v1/calls/${randomUUID()}`), 404);
    expectProblem(await h.analyst.get('/api/v1/calls/not-a-uuid'), 400);
    const p = await h.provider();
    expectProblem(await p.user.get(`/api/v1/calls/${id}`), 404);
  });
});

describe('call sources', () => {
  it('creates, lists and changes sources, refusing an unknown provider and a taken name', async () => {
    const p = await h.provider();
    const created = await createSource('complaints-1', {
      description: 'FTC-style complaints',
      terminatingProviderId: p.id,
    });
    expect(created).toMatchObject({
      name: 'complaints-1',
      description: 'FTC-style complaints',
      terminatingProviderId: p.id,
      terminatingProviderName: p.name,
      callCount: 0,
      lastReceivedAt: null,
    });
    expectProblem(
      await h.analyst.post('/api/v1/call-sources', {
        name: 'complaints-2',
        terminatingProviderId: randomUUID(),
      }),
      400,
      ['terminatingProviderId'],
    );
    expect(
      expectProblem(await h.analyst.post('/api/v1/call-sources', { name: 'COMPLAINTS-1' }), 409).detail,
    ).toContain('exists already');
    expectProblem(await h.analyst.post('/api/v1/call-sources', { name: 'has space' }), 400, ['name']);

    await h.analyst.post('/api/v1/calls?source=complaints-1', [record('cs-1'), record('cs-2')]);
    const listed = (await h.analyst.get('/api/v1/call-sources')).json<{ items: TCallSource[] }>().items;
    expect(listed.find((s) => s.name === 'complaints-1')).toMatchObject({
      callCount: 2,
      lastReceivedAt: '2026-12-01T10:00:00.000Z',
    });

    const renamed = await h.analyst.patch(`/api/v1/call-sources/${created.id}`, {
      name: 'complaints-renamed',
      terminatingProviderId: null,
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({
      name: 'complaints-renamed',
      terminatingProviderId: null,
      callCount: 2,
    });
    await createSource('complaints-3');
    expectProblem(await h.analyst.patch(`/api/v1/call-sources/${created.id}`, { name: 'complaints-3' }), 409);
    expectProblem(
      await h.analyst.patch(`/api/v1/call-sources/${created.id}`, { terminatingProviderId: randomUUID() }),
      400,
      ['terminatingProviderId'],
    );
    expectProblem(await h.analyst.patch('/api/v1/call-sources/999999', { description: 'x' }), 404);
  });
});
