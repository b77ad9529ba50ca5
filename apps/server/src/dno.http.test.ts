import type {
  TDnoChanges,
  TDnoCheckResult,
  TDnoEntry,
  TDnoImportReport,
  TEvent,
  TTraceback,
} from '@hoptrace/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL, createHarness, expectProblem, type Caller, type Harness } from './testing/harness';

let h: Harness;
let provider: Awaited<ReturnType<Harness['provider']>>;
/** A provider user's key with the `dno` scope only: a DNO subscriber. */
let subscriber: Caller;
let enforcement: Caller;

const csv = (caller: Caller, body: string, query = '') =>
  caller.request({
    method: 'POST',
    url: `/api/v1/dno/import${query}`,
    payload: body,
    headers: { 'content-type': 'text/csv' },
  });

async function add(entries: unknown[]) {
  const res = await h.analyst.post('/api/v1/dno/entries', { entries });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ version: number; results: Array<{ status: string; entry: TDnoEntry }> }>();
}

beforeAll(async () => {
  h = await createHarness();
  provider = await h.provider();
  enforcement = await h.user('enforcement');
  const created = await provider.user.post(`/api/v1/users/${provider.user.userId}/api-keys`, {
    name: 'dno feed',
    scopes: ['dno'],
  });
  expect(created.statusCode, created.body).toBe(201);
  subscriber = h.callerFor(provider.user.userId, created.json<{ key: string }>().key, provider.id);
});
afterAll(() => h.close());

describe('DNO entries', () => {
  it('adds single numbers and ranges, normalised, and a repeat changes nothing', async () => {
    const first = await add([
      {
        category: 'subscriber_requested',
        number: '(202) 555-0100',
        organisation: 'Internal Revenue Service',
        evidence: 'letter 2026-10-01',
        source: 'IRS request',
      },
      { category: 'invalid', start: '+12110000000', end: '+12119999999', reason: 'N11 is not an area code' },
    ]);
    expect(first.results.map((r) => r.status)).toEqual(['added', 'added']);
    expect(first.results[0]!.entry).toMatchObject({ start: '+12025550100', end: '+12025550100' });
    const again = await add([{ category: 'invalid', start: '+12110000000', end: '+12119999999' }]);
    expect(again.results[0]!.status).toBe('unchanged');
    expect(again.version).toBe(first.version);
  });

  it('refuses bad entries with the field path, and writes nothing', async () => {
    const before = await h.analyst.get('/api/v1/dno/changes?since=0');
    const res = await h.analyst.post('/api/v1/dno/entries', {
      entries: [
        { category: 'unallocated', number: '+12025550199' },
        { category: 'invalid', number: '555-0100' },
        { category: 'subscriber_requested', number: '2025550111' },
        { category: 'invalid', start: '+12020000000', end: '+1202000000' },
        { category: 'bogus', number: '2025550111' },
      ],
    });
    expectProblem(res, 400, ['entries.4.category']);
    const res2 = await h.analyst.post('/api/v1/dno/entries', {
      entries: [
        { category: 'unallocated', number: '+12025550199' },
        { category: 'invalid', number: '555-0100' },
        { category: 'subscriber_requested', number: '2025550111' },
        { category: 'invalid', start: '+12020000000', end: '+1202000000' },
      ],
    });
    expectProblem(res2, 400, ['entries.1.number', 'entries.2.organisation', 'entries.3.end']);
    const after = await h.analyst.get('/api/v1/dno/changes?since=0');
    expect(after.json<TDnoChanges>().changes).toHaveLength(before.json<TDnoChanges>().changes.length);
  });

  it('retires an entry once; a second retire is a conflict, an unknown id a 404', async () => {
    const { results } = await add([{ category: 'allocated_unused', number: '+13125550177' }]);
    const id = results[0]!.entry.id;
    const res = await h.analyst.request({ method: 'DELETE', url: `/api/v1/dno/entries/${id}` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ entry: TDnoEntry }>().entry.removedAt).not.toBeNull();
    expectProblem(await h.analyst.request({ method: 'DELETE', url: `/api/v1/dno/entries/${id}` }), 409);
    expectProblem(
      await h.analyst.request({
        method: 'DELETE',
        url: '/api/v1/dno/entries/00000000-0000-4000-8000-000000000000',
      }),
      404,
    );
    const check = await subscriber.get('/api/v1/dno/check?number=3125550177');
    expect(check.json<TDnoCheckResult>().listed).toBe(false);
  });
});

describe('DNO import', () => {
  const FILE = [
    'number,start,end,category,source,reason,organisation,evidence',
    '(800) 555-0100,,,subscriber_requested,,inbound only,Example Bank,https://example.test/letter',
    ',+13122000000,+13122009999,unallocated,NANPA,block returned,,',
    'not a number,,,invalid,,,,',
    '8005550101,,,subscriber_requested,,,,',
    '3125550123,,,whatever,,,,',
    '',
  ].join('\n');

  it('reports every row; bad rows do not block good ones; a repeat changes nothing', async () => {
    const res = await csv(h.admin, FILE, '?fileName=dno-2026-11.csv');
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json<TDnoImportReport>();
    expect(report.stats).toEqual({ rows: 5, added: 2, unchanged: 0, rejected: 3 });
    expect(report.rows.map((r) => [r.line, r.status])).toEqual([
      [2, 'added'],
      [3, 'added'],
      [4, 'rejected'],
      [5, 'rejected'],
      [6, 'rejected'],
    ]);
    expect(report.rows[3]!.message).toMatch(/organisation/);
    expect(report.rows[4]!.message).toMatch(/category/);
    const again = (await csv(h.admin, FILE)).json<TDnoImportReport>();
    expect(again.stats).toMatchObject({ added: 0, unchanged: 2, rejected: 3 });
    expect(again.version).toBe(report.version);
    const check = (await subscriber.get('/api/v1/dno/check?number=3122005555')).json<TDnoCheckResult>();
    expect(check.entry).toMatchObject({ category: 'unallocated', start: '+13122000000' });
  });

  it('refuses a file that is not a DNO list, naming the problem, and writes nothing', async () => {
    const version = Number((await subscriber.get('/api/v1/dno/list')).headers['x-dno-version']);
    expectProblem(await csv(h.admin, 'name,city\nAcme,Springfield\n'), 400, ['file.line.1']);
    expectProblem(await csv(h.admin, 'number\n2025550100\n'), 400, ['file.line.1']);
    expectProblem(await csv(h.admin, 'number,category\n"2025550100,invalid\n'), 400);
    expectProblem(await csv(h.admin, ''), 400);
    expect(Number((await subscriber.get('/api/v1/dno/list')).headers['x-dno-version'])).toBe(version);
  });

  it('takes only text/csv', async () => {
    expectProblem(await h.admin.post('/api/v1/dno/import', { rows: [] }), 415);
  });
});

describe('DNO publishing', () => {
  it('serves the list as JSON and CSV with the version as ETag, and 304 when unchanged', async () => {
    const json = await subscriber.get('/api/v1/dno/list');
    expect(json.statusCode, json.body).toBe(200);
    const body = json.json<{ version: number; entries: TDnoEntry[] }>();
    expect(body.version).toBeGreaterThan(0);
    expect(json.headers['x-dno-version']).toBe(String(body.version));
    expect(body.entries.every((e) => e.removedAt === null)).toBe(true);
    expect(body.entries.map((e) => e.start)).toContain('+12025550100');
    const etag = json.headers.etag as string;
    const notModified = await subscriber.request({
      method: 'GET',
      url: '/api/v1/dno/list',
      headers: { 'if-none-match': etag },
    });
    expect(notModified.statusCode).toBe(304);
    expect(notModified.body).toBe('');

    const csvRes = await subscriber.get('/api/v1/dno/list?format=csv');
    expect(csvRes.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csvRes.body.trim().split('\r\n');
    expect(lines[0]).toBe('id,category,start,end,source,reason,organisation,evidence,added_at,version_added');
    expect(lines).toHaveLength(body.entries.length + 1);

    await add([{ category: 'invalid', number: '+14155550100' }]);
    const changed = await subscriber.request({
      method: 'GET',
      url: '/api/v1/dno/list',
      headers: { 'if-none-match': etag },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('gives the changes since a version, additions and removals, in order', async () => {
    const version = Number((await subscriber.get('/api/v1/dno/list')).headers['x-dno-version']);
    const { results } = await add([{ category: 'unallocated', number: '+16175550100' }]);
    const id = results[0]!.entry.id;
    await h.analyst.request({ method: 'DELETE', url: `/api/v1/dno/entries/${id}` });
    const res = await subscriber.get(`/api/v1/dno/changes?since=${version}`);
    expect(res.statusCode, res.body).toBe(200);
    const changes = res.json<TDnoChanges>();
    expect(changes.changes.map((c) => [c.version, c.kind, c.entry.id])).toEqual([
      [version + 1, 'added', id],
      [version + 2, 'removed', id],
    ]);
    expect(changes).toMatchObject({ since: version, version: version + 2, more: false });
    const paged = (await subscriber.get(`/api/v1/dno/changes?since=0&limit=1`)).json<TDnoChanges>();
    expect(paged).toMatchObject({ version: 1, more: true });
    expectProblem(await subscriber.get('/api/v1/dno/changes?since=-1'), 400, ['query.since']);
    expectProblem(await subscriber.get('/api/v1/dno/changes'), 400, ['query.since']);
  });

  it('checks one number, or a batch: normalised, or why it is invalid, and the matching entry', async () => {
    const one = (
      await subscriber.get('/api/v1/dno/check?number=%2B1%20202-555-0100')
    ).json<TDnoCheckResult>();
    expect(one).toMatchObject({ e164: '+12025550100', listed: true, invalid: null });
    expect(one.entry).toMatchObject({
      category: 'subscriber_requested',
      organisation: 'Internal Revenue Service',
    });
    const batch = await subscriber.post('/api/v1/dno/check', {
      numbers: ['2025550100', '211-555-1234', '555-0100', 'call me', '3125559999', ''],
    });
    expect(batch.statusCode, batch.body).toBe(200);
    const results = batch.json<{ results: TDnoCheckResult[] }>().results;
    expect(results.map((r) => [r.e164, r.invalid?.reason ?? null, r.entry?.category ?? null])).toEqual([
      ['+12025550100', null, 'subscriber_requested'],
      [null, 'invalid_area_code', null],
      [null, 'too_short', null],
      [null, 'non_digits', null],
      ['+13125559999', null, null],
      [null, 'empty', null],
    ]);
  });

  it('takes batches of up to 10,000 numbers and refuses 10,001 with the path', async () => {
    const numbers = Array.from({ length: 10_000 }, (_, i) => `+1312555${String(i).padStart(4, '0')}`);
    const ok = await subscriber.post('/api/v1/dno/check', { numbers });
    expect(ok.statusCode, ok.body.slice(0, 300)).toBe(200);
    expect(ok.json<{ results: unknown[] }>().results).toHaveLength(10_000);
    expectProblem(
      await subscriber.post('/api/v1/dno/check', { numbers: [...numbers, '+13125550000'] }),
      400,
      ['numbers'],
    );
    expectProblem(await subscriber.post('/api/v1/dno/check', { numbers: [] }), 400, ['numbers']);
    expectProblem(await subscriber.get('/api/v1/dno/check'), 400, ['query.number']);
  });
});

describe('DNO access', () => {
  it('refuses a caller without credentials', async () => {
    for (const url of [
      '/api/v1/dno/list',
      '/api/v1/dno/changes?since=0',
      '/api/v1/dno/check?number=2025550100',
    ])
      expectProblem(await h.anonymous({ method: 'GET', url }), 401);
  });

  it('lets a dno key read the list but not change it, nor reach the traceback API', async () => {
    expectProblem(
      await subscriber.post('/api/v1/dno/entries', {
        entries: [{ category: 'invalid', number: '+12025550188' }],
      }),
      403,
    );
    expectProblem(await csv(subscriber, 'number,category\n2025550188,invalid\n'), 403);
    expectProblem(await subscriber.get('/api/v1/tracebacks'), 403);
  });

  it('lets staff and provider users read; only staff write; enforcement users neither', async () => {
    for (const caller of [h.admin, h.analyst, provider.user])
      expect((await caller.get('/api/v1/dno/check?number=2025550100')).statusCode).toBe(200);
    expectProblem(await enforcement.get('/api/v1/dno/list'), 404);
    expectProblem(await enforcement.get('/api/v1/dno/check?number=2025550100'), 404);
    expectProblem(
      await provider.user.post('/api/v1/dno/entries', {
        entries: [{ category: 'invalid', number: '+12025550188' }],
      }),
      404,
    );
    expectProblem(await csv(provider.user, 'number,category\n2025550188,invalid\n'), 404);
    const { results } = await add([{ category: 'invalid', number: '+12025550189' }]);
    expectProblem(
      await provider.user.request({ method: 'DELETE', url: `/api/v1/dno/entries/${results[0]!.entry.id}` }),
      404,
    );
    const stillListed = (await subscriber.get('/api/v1/dno/check?number=2025550189')).json<TDnoCheckResult>();
    expect(stillListed.listed).toBe(true);
  });
});

describe('DNO on new tracebacks', () => {
  it('flags a traceback whose calling number is listed as spoofed, with the entry on its timeline', async () => {
    const tb: TTraceback = await h.openTraceback(provider.id, {
      call: { ...CALL, callingNumber: '202.555.0100' },
    });
    expect(tb.flags).toContain('spoofed_dno');
    const events = (await h.analyst.get(`/api/v1/tracebacks/${tb.id}/events`)).json<{ items: TEvent[] }>()
      .items;
    const flagged = events.find((e) => e.type === 'traceback.flagged');
    expect(flagged?.data).toMatchObject({
      flag: 'spoofed_dno',
      number: '+12025550100',
      dnoEntry: { category: 'subscriber_requested', start: '+12025550100', end: '+12025550100' },
    });
    expect((flagged?.data.dnoEntry as { id: string }).id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('flags a number inside a listed range, and not an unlisted one', async () => {
    const inRange = await h.openTraceback(provider.id, { call: { ...CALL, callingNumber: '312-200-4321' } });
    expect(inRange.flags).toContain('spoofed_dno');
    const clean = await h.openTraceback(provider.id, { call: { ...CALL, callingNumber: '312-555-0142' } });
    expect(clean.flags).not.toContain('spoofed_dno');
  });
});
