import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { THop, TTraceback } from '@hoptrace/contracts';
import { CALL, createHarness, expectProblem, type Harness } from './testing/harness';

/**
 * Every refusal is a clear problem+json, and a refused request writes nothing:
 * each test compares row counts before and after.
 */

let h: Harness;
let a: Awaited<ReturnType<Harness['provider']>>;
let b: Awaited<ReturnType<Harness['provider']>>;
let before: Awaited<ReturnType<Harness['counts']>>;

beforeAll(async () => {
  h = await createHarness();
  a = await h.provider();
  b = await h.provider();
});
afterAll(async () => {
  await h.close();
});

/** Counts are taken after each test's own setup, just before the refused request. */
async function snapshot() {
  before = await h.counts();
}
async function expectNothingWritten() {
  expect(await h.counts()).toEqual(before);
}

const MISSING_ID = '00000000-0000-4000-8000-000000000000';
const TRACEBACKS = '/api/v1/tracebacks';

async function openTo(providerId: string): Promise<{ tb: TTraceback; hopId: string }> {
  const tb = await h.openTraceback(providerId);
  return { tb, hopId: tb.hops[0]!.id };
}

describe('opening a traceback with bad input', () => {
  beforeEach(snapshot);

  it('refuses an empty object and names every missing field', async () => {
    expectProblem(await h.analyst.post(TRACEBACKS, {}), 400, ['call', 'firstProviderId']);
    await expectNothingWritten();
  });

  it('refuses a call with a missing number and a field of the wrong type', async () => {
    const res = await h.analyst.post(TRACEBACKS, {
      call: { startedAt: CALL.startedAt, callingNumber: CALL.callingNumber },
      firstProviderId: 42,
    });
    expectProblem(res, 400, ['call.calledNumber', 'firstProviderId']);
    await expectNothingWritten();
  });

  it('refuses an unparseable calling number with its path', async () => {
    const res = await h.analyst.post(TRACEBACKS, {
      call: { ...CALL, callingNumber: 'abc' },
      firstProviderId: a.id,
    });
    const problem = expectProblem(res, 400, ['call.callingNumber']);
    expect(problem.errors).toHaveLength(1);
    await expectNothingWritten();
  });

  it('refuses a number with too few digits', async () => {
    const res = await h.analyst.post(TRACEBACKS, {
      call: { ...CALL, calledNumber: '555-01' },
      firstProviderId: a.id,
    });
    expectProblem(res, 400, ['call.calledNumber']);
    await expectNothingWritten();
  });

  it('refuses a call time that is not a date-time', async () => {
    const res = await h.analyst.post(TRACEBACKS, {
      call: { ...CALL, startedAt: 'yesterday at noon' },
      firstProviderId: a.id,
    });
    expectProblem(res, 400, ['call.startedAt']);
    await expectNothingWritten();
  });

  it('refuses a call time in the future', async () => {
    const inAnHour = new Date(h.clock.now().getTime() + 3_600_000).toISOString();
    const res = await h.analyst.post(TRACEBACKS, {
      call: { ...CALL, startedAt: inAnHour },
      firstProviderId: a.id,
    });
    const problem = expectProblem(res, 400, ['call.startedAt']);
    expect(problem.errors?.[0]?.message).toMatch(/future/);
    await expectNothingWritten();
  });

  it('refuses a call time before 1990', async () => {
    const res = await h.analyst.post(TRACEBACKS, {
      call: { ...CALL, startedAt: '1989-12-31T23:59:59Z' },
      firstProviderId: a.id,
    });
    const problem = expectProblem(res, 400, ['call.startedAt']);
    expect(problem.errors?.[0]?.message).toMatch(/1990/);
    await expectNothingWritten();
  });

  it('refuses an unknown first provider with its path', async () => {
    const res = await h.analyst.post(TRACEBACKS, { call: CALL, firstProviderId: MISSING_ID });
    expectProblem(res, 400, ['firstProviderId']);
    await expectNothingWritten();
  });

  it('refuses an unknown campaign with its path', async () => {
    const res = await h.analyst.post(TRACEBACKS, {
      call: CALL,
      firstProviderId: a.id,
      campaignId: MISSING_ID,
    });
    expectProblem(res, 400, ['campaignId']);
    await expectNothingWritten();
  });
});

describe('answers that cannot be taken', () => {
  it('refuses a second answer to the same hop with 409', async () => {
    const { hopId } = await openTo(a.id);
    const first = await a.user.post(`/api/v1/hops/${hopId}/answer`, {
      kind: 'upstream',
      upstreamProviderId: b.id,
    });
    expect(first.statusCode, first.body).toBe(200);
    await snapshot();
    const again = await a.user.post(`/api/v1/hops/${hopId}/answer`, {
      kind: 'upstream',
      upstreamProvider: { name: 'Second Thoughts Telecom', contactEmail: 'noc@second.example' },
    });
    expectProblem(again, 409);
    // Not even the provider the second answer named was created.
    await expectNothingWritten();
  });

  it('refuses an answer to a hop of a closed traceback with 409', async () => {
    const { tb, hopId } = await openTo(a.id);
    const cancelled = await h.analyst.post(`${TRACEBACKS}/${tb.id}/actions`, { action: 'cancel' });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    await snapshot();
    expectProblem(await a.user.post(`/api/v1/hops/${hopId}/answer`, { kind: 'not_found' }), 409);
    await expectNothingWritten();
  });

  it("refuses a provider answering another provider's hop with the same 404 as a missing hop", async () => {
    const { hopId } = await openTo(a.id);
    await snapshot();
    const forbidden = expectProblem(
      await b.user.post(`/api/v1/hops/${hopId}/answer`, { kind: 'not_found' }),
      404,
    );
    const missing = expectProblem(
      await b.user.post(`/api/v1/hops/${MISSING_ID}/answer`, { kind: 'not_found' }),
      404,
    );
    expect(forbidden.detail).toBe(missing.detail);
    await expectNothingWritten();
    expect((await a.user.get(`/api/v1/hops/${hopId}`)).json<THop>().status).toBe('pending');
  });

  it('refuses an upstream answer that names no provider, or two', async () => {
    const { hopId } = await openTo(a.id);
    await snapshot();
    expectProblem(await a.user.post(`/api/v1/hops/${hopId}/answer`, { kind: 'upstream' }), 400, [
      'upstreamProviderId',
    ]);
    const both = await a.user.post(`/api/v1/hops/${hopId}/answer`, {
      kind: 'upstream',
      upstreamProviderId: b.id,
      upstreamProvider: { name: 'Twice Named Co', contactEmail: 'noc@twice.example' },
    });
    expectProblem(both, 400, ['upstreamProviderId']);
    await expectNothingWritten();
  });

  it('refuses an unknown answer kind and an origin answer without a customer', async () => {
    const { hopId } = await openTo(a.id);
    await snapshot();
    expectProblem(await a.user.post(`/api/v1/hops/${hopId}/answer`, { kind: 'maybe' }), 400, ['kind']);
    expectProblem(
      await a.user.post(`/api/v1/hops/${hopId}/answer`, { kind: 'origin', action: 'warned' }),
      400,
      ['customer'],
    );
    await expectNothingWritten();
  });

  it('refuses an upstream provider id that is not in the directory', async () => {
    const { hopId } = await openTo(a.id);
    await snapshot();
    const res = await a.user.post(`/api/v1/hops/${hopId}/answer`, {
      kind: 'upstream',
      upstreamProviderId: MISSING_ID,
    });
    expectProblem(res, 400, ['upstreamProviderId']);
    await expectNothingWritten();
  });
});

describe('steering by someone who may not', () => {
  it('answers an analyst-only action from a provider with 404, like a missing traceback', async () => {
    const { tb } = await openTo(a.id);
    await snapshot();
    const forbidden = expectProblem(
      await a.user.post(`${TRACEBACKS}/${tb.id}/actions`, { action: 'cancel' }),
      404,
    );
    const missing = expectProblem(
      await a.user.post(`${TRACEBACKS}/${MISSING_ID}/actions`, { action: 'cancel' }),
      404,
    );
    expect(forbidden.detail).toBe(missing.detail);
    await expectNothingWritten();
    expect((await h.analyst.get(`${TRACEBACKS}/${tb.id}`)).json<TTraceback>().status).toBe('open');
  });

  it('refuses an action that does not fit the state with 409', async () => {
    const { tb } = await openTo(a.id);
    await h.analyst.post(`${TRACEBACKS}/${tb.id}/actions`, { action: 'cancel' });
    await snapshot();
    const res = await h.analyst.post(`${TRACEBACKS}/${tb.id}/actions`, {
      action: 'close',
      outcome: 'dead_end',
    });
    expectProblem(res, 409);
    await expectNothingWritten();
  });

  it('refuses an unknown action and an unknown outcome', async () => {
    const { tb } = await openTo(a.id);
    await snapshot();
    expectProblem(await h.analyst.post(`${TRACEBACKS}/${tb.id}/actions`, { action: 'explode' }), 400, [
      'action',
    ]);
    expectProblem(
      await h.analyst.post(`${TRACEBACKS}/${tb.id}/actions`, { action: 'close', outcome: 'solved' }),
      400,
      ['outcome'],
    );
    await expectNothingWritten();
  });
});

describe('bodies the API cannot read', () => {
  beforeEach(snapshot);

  it('refuses a body over the limit with 413', async () => {
    const note = 'x'.repeat(2 * 1024 * 1024);
    const res = await h.analyst.post(TRACEBACKS, { call: CALL, firstProviderId: a.id, note });
    expectProblem(res, 413);
    await expectNothingWritten();
  });

  it('refuses invalid JSON with 400', async () => {
    const res = await h.analyst.request({
      method: 'POST',
      url: TRACEBACKS,
      headers: { 'content-type': 'application/json' },
      payload: '{"call": {"startedAt": ',
    });
    expectProblem(res, 400, ['(body)']);
    await expectNothingWritten();
  });

  it('refuses an empty JSON body with 400', async () => {
    const res = await h.analyst.request({
      method: 'POST',
      url: TRACEBACKS,
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expectProblem(res, 400);
    await expectNothingWritten();
  });

  it.each(['text/plain', 'application/xml', 'application/x-www-form-urlencoded'])(
    'refuses a body sent as %s with 415',
    async (contentType) => {
      const res = await h.analyst.request({
        method: 'POST',
        url: TRACEBACKS,
        headers: { 'content-type': contentType },
        payload: JSON.stringify({ call: CALL, firstProviderId: a.id }),
      });
      expectProblem(res, 415);
      await expectNothingWritten();
    },
  );
});

describe('paths and queries the API cannot read', () => {
  beforeEach(snapshot);

  it.each([
    ['GET', '/api/v1/tracebacks/not-a-uuid'],
    ['GET', '/api/v1/tracebacks/not-a-uuid/events'],
    ['POST', '/api/v1/tracebacks/not-a-uuid/actions'],
    ['GET', '/api/v1/hops/12345'],
    ['POST', '/api/v1/hops/12345/answer'],
    ['GET', '/api/v1/providers/x'],
    ['PATCH', '/api/v1/providers/x'],
    ['GET', '/api/v1/campaigns/x'],
    ['POST', '/api/v1/users/x/api-keys'],
  ])('refuses a bad UUID in the path: %s %s', async (method, url) => {
    const payload = method === 'GET' ? undefined : { action: 'cancel' };
    const res = await h.admin.request({ method, url, payload });
    expectProblem(res, 400, ['path.id']);
    await expectNothingWritten();
  });

  const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  it.each([
    ['not base64 JSON', 'bm90IGpzb24'],
    ['random text', '%%%'],
    ['a JSON object', forged({ at: '2026-01-01T00:00:00Z' })],
    ['a date PostgreSQL cannot read', forged(['1', '0b6f1b0e-8c1a-4c57-9d8a-4a1a3c1d2e3f'])],
    [
      'a day that does not exist',
      forged(['2026-02-31T00:00:00.000Z', '0b6f1b0e-8c1a-4c57-9d8a-4a1a3c1d2e3f']),
    ],
    ['year zero', forged(['0000-06-01T00:00:00.000Z', '0b6f1b0e-8c1a-4c57-9d8a-4a1a3c1d2e3f'])],
    [
      'an id that is not a UUID',
      forged(['2026-11-01T00:00:00.000Z', '------------------------------------']),
    ],
  ])('refuses a bad cursor (%s) with 400 at query.cursor', async (_label, cursor) => {
    for (const path of ['/api/v1/tracebacks', '/api/v1/hops', '/api/v1/providers', '/api/v1/campaigns']) {
      const res = await h.analyst.get(`${path}?cursor=${encodeURIComponent(cursor)}`);
      expectProblem(res, 400, ['query.cursor']);
    }
    await expectNothingWritten();
  });

  it.each([
    ['/api/v1/tracebacks?status=pending', 'query.status'],
    ['/api/v1/tracebacks?outcome=solved', 'query.outcome'],
    ['/api/v1/hops?status=late', 'query.status'],
    ['/api/v1/tracebacks?campaignId=nope', 'query.campaignId'],
    ['/api/v1/tracebacks?number=abc', 'query.number'],
    ['/api/v1/tracebacks?limit=0', 'query.limit'],
    ['/api/v1/tracebacks?limit=201', 'query.limit'],
    ['/api/v1/providers?limit=ten', 'query.limit'],
  ])('refuses %s with 400 at %s', async (url, path) => {
    expectProblem(await h.analyst.get(url), 400, [path]);
    await expectNothingWritten();
  });
});

describe('other writes with bad input', () => {
  beforeEach(snapshot);

  it('refuses a provider with an invalid OCN, time zone and contact email', async () => {
    const res = await h.analyst.post('/api/v1/providers', {
      name: 'Malformed Telecom',
      ocns: ['12'],
      timezone: 'Mars/Olympus_Mons',
      contacts: [{ name: 'NOC', email: 'not-an-email' }],
    });
    expectProblem(res, 400, ['ocns.0', 'timezone', 'contacts.0.email']);
    await expectNothingWritten();
  });

  it('refuses an empty provider patch', async () => {
    expectProblem(await h.analyst.patch(`/api/v1/providers/${a.id}`, {}), 400);
    await expectNothingWritten();
  });

  it('refuses a campaign without a name', async () => {
    expectProblem(await h.analyst.post('/api/v1/campaigns', { description: 'x' }), 400, ['name']);
    await expectNothingWritten();
  });

  it('refuses a provider user without a provider, and a short password', async () => {
    const res = await h.admin.post('/api/v1/users', {
      email: 'someone@example.test',
      name: 'Someone',
      role: 'provider',
      password: 'short',
    });
    expectProblem(res, 400, ['providerId', 'password']);
    await expectNothingWritten();
  });

  it('refuses a user whose email is taken with 409', async () => {
    const first = await h.admin.post('/api/v1/users', {
      email: 'Taken@Example.test',
      name: 'First',
      role: 'analyst',
    });
    expect(first.statusCode, first.body).toBe(201);
    await snapshot();
    const again = await h.admin.post('/api/v1/users', {
      email: 'taken@example.test',
      name: 'Second',
      role: 'analyst',
    });
    expectProblem(again, 409);
    await expectNothingWritten();
  });
});
