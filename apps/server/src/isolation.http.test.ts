import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { THop, TProvider, TTraceback } from '@hoptrace/contracts';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { CALL, createHarness, expectProblem, type Caller, type Harness } from './testing/harness';

/**
 * Who may do what: every role against every route, one expected status per
 * cell. Missing and forbidden get the same 404; a refused request writes nothing.
 */

const ROLES = ['admin', 'analyst', 'providerA', 'providerB', 'enforcement', 'anonymous'] as const;
type Role = (typeof ROLES)[number];
type Send = (opts: InjectOptions) => Promise<LightMyRequestResponse>;

let h: Harness;
let a: Awaited<ReturnType<Harness['provider']>>;
let b: Awaited<ReturnType<Harness['provider']>>;
let enforcement: Caller;
/** A user none of the callers is, for "another user's API key". */
let bystander: Caller;
let campaignId: string;
/** Traceback opened to A; A answered upstream B, so hopA is answered and hopB pending. */
let tb: TTraceback;
let hopA: string;
let hopB: string;

const callers = (): Record<Exclude<Role, 'anonymous'>, Caller> => ({
  admin: h.admin,
  analyst: h.analyst,
  providerA: a.user,
  providerB: b.user,
  enforcement,
});
const sendAs =
  (role: Role): Send =>
  (opts) =>
    role === 'anonymous' ? h.anonymous(opts) : callers()[role].request(opts);
/** The acting user's id; the anonymous caller borrows the analyst's so the URL is a real one. */
const selfId = (role: Role) => (role === 'anonymous' ? h.analyst.userId : callers()[role].userId);
const isStaff = (role: Role) => role === 'admin' || role === 'analyst';

beforeAll(async () => {
  h = await createHarness();
  a = await h.provider();
  b = await h.provider();
  enforcement = await h.user('enforcement');
  bystander = await h.user('analyst');
  const campaign = await h.analyst.post('/api/v1/campaigns', {
    name: 'IRS impersonation',
    description: 'Caller claims to be from the IRS and demands gift cards',
    category: 'government_impersonation',
  });
  campaignId = campaign.json<{ id: string }>().id;
  tb = await h.openTraceback(a.id, { campaignId });
  hopA = tb.hops[0]!.id;
  const answered = await a.user.post(`/api/v1/hops/${hopA}/answer`, {
    kind: 'upstream',
    upstreamProviderId: b.id,
  });
  expect(answered.statusCode, answered.body).toBe(200);
  tb = (await h.analyst.get(`/api/v1/tracebacks/${tb.id}`)).json<TTraceback>();
  hopB = tb.hops[1]!.id;
});
afterAll(async () => {
  await h.close();
});

let userSeq = 0;

interface Route {
  route: string;
  /** Per-cell state for writes that consume it (a fresh traceback to act on, a fresh hop to answer). */
  prepare?: () => Promise<string>;
  send: (send: Send, role: Role, prepared: string) => Promise<LightMyRequestResponse>;
  expect: Record<Exclude<Role, 'anonymous'>, number>;
  /** For a 400 cell: the field paths the problem must name. */
  refusedFields?: string[];
  check?: (res: LightMyRequestResponse, role: Role) => void;
}

const STAFF_ONLY = { admin: 200, analyst: 200, providerA: 404, providerB: 404, enforcement: 404 };
const STAFF_CREATE = { admin: 201, analyst: 201, providerA: 404, providerB: 404, enforcement: 404 };
const EVERYONE = { admin: 200, analyst: 200, providerA: 200, providerB: 200, enforcement: 200 };
const PROVIDER_A = { admin: 200, analyst: 200, providerA: 200, providerB: 404, enforcement: 404 };

const freshTraceback = async () => (await h.openTraceback(a.id)).id;
const freshHopOfA = async () => (await h.openTraceback(a.id)).hops[0]!.id;

const ROUTES: Route[] = [
  {
    route: 'GET /tracebacks',
    send: (send) => send({ method: 'GET', url: '/api/v1/tracebacks' }),
    expect: EVERYONE,
    check: (res, role) => {
      const ids = res.json<{ items: Array<{ id: string }> }>().items.map((x) => x.id);
      if (isStaff(role)) expect(ids).toContain(tb.id);
      else expect(ids).toEqual([]);
    },
  },
  {
    route: 'POST /tracebacks',
    send: (send) =>
      send({ method: 'POST', url: '/api/v1/tracebacks', payload: { call: CALL, firstProviderId: a.id } }),
    expect: STAFF_CREATE,
  },
  {
    route: 'GET /tracebacks/:id',
    send: (send) => send({ method: 'GET', url: `/api/v1/tracebacks/${tb.id}` }),
    expect: STAFF_ONLY,
  },
  {
    route: 'GET /tracebacks/:id/events',
    send: (send) => send({ method: 'GET', url: `/api/v1/tracebacks/${tb.id}/events` }),
    expect: STAFF_ONLY,
  },
  {
    route: 'POST /tracebacks/:id/actions',
    prepare: freshTraceback,
    send: (send, _role, id) =>
      send({ method: 'POST', url: `/api/v1/tracebacks/${id}/actions`, payload: { action: 'cancel' } }),
    expect: STAFF_ONLY,
  },
  {
    route: 'GET /hops',
    send: (send) => send({ method: 'GET', url: '/api/v1/hops?limit=200' }),
    expect: EVERYONE,
    check: (res, role) => {
      const items = res.json<{ items: THop[] }>().items;
      const ids = items.map((x) => x.id);
      if (isStaff(role)) expect(ids).toEqual(expect.arrayContaining([hopA, hopB]));
      if (role === 'providerA') {
        expect(ids).toContain(hopA);
        expect(items.every((x) => x.providerId === a.id)).toBe(true);
      }
      if (role === 'providerB') {
        expect(ids).toContain(hopB);
        expect(items.every((x) => x.providerId === b.id)).toBe(true);
      }
      if (role === 'enforcement') expect(ids).toEqual([]);
    },
  },
  {
    route: 'GET /hops/:id',
    send: (send) => send({ method: 'GET', url: `/api/v1/hops/${hopA}` }),
    expect: PROVIDER_A,
  },
  {
    route: 'POST /hops/:id/answer',
    prepare: freshHopOfA,
    send: (send, _role, id) =>
      send({ method: 'POST', url: `/api/v1/hops/${id}/answer`, payload: { kind: 'not_found' } }),
    expect: PROVIDER_A,
  },
  {
    route: 'POST /providers',
    send: (send) =>
      send({ method: 'POST', url: '/api/v1/providers', payload: { name: `Matrix Carrier ${++userSeq}` } }),
    expect: STAFF_CREATE,
  },
  {
    route: 'GET /providers',
    send: (send) => send({ method: 'GET', url: '/api/v1/providers?limit=200' }),
    expect: EVERYONE,
    check: (res, role) => {
      const items = res.json<{ items: TProvider[] }>().items;
      expect(items.map((p) => p.id)).toEqual(expect.arrayContaining([a.id, b.id]));
      // Contacts are for staff and for the provider's own users.
      for (const p of items) {
        const own = (role === 'providerA' && p.id === a.id) || (role === 'providerB' && p.id === b.id);
        expect(p.contacts !== undefined, `${role} sees contacts of ${p.name}`).toBe(isStaff(role) || own);
        expect(p.can.update).toBe(isStaff(role) || own);
      }
    },
  },
  {
    route: 'GET /providers/:id',
    send: (send) => send({ method: 'GET', url: `/api/v1/providers/${a.id}` }),
    expect: EVERYONE,
    check: (res, role) => {
      const p = res.json<TProvider>();
      const mayKnow = isStaff(role) || role === 'providerA';
      expect(p.contacts !== undefined).toBe(mayKnow);
      expect(p.can.update).toBe(mayKnow);
    },
  },
  {
    route: 'PATCH /providers/:id (contacts)',
    send: (send, role) =>
      send({
        method: 'PATCH',
        url: `/api/v1/providers/${a.id}`,
        payload: { contacts: [{ name: `Desk set by ${role}`, email: 'desk@carrier.example' }] },
      }),
    expect: PROVIDER_A,
    check: (res, role) => expect(res.json<TProvider>().contacts?.[0]?.name).toBe(`Desk set by ${role}`),
  },
  {
    route: 'PATCH /providers/:id (timezone)',
    send: (send) =>
      send({ method: 'PATCH', url: `/api/v1/providers/${a.id}`, payload: { timezone: 'America/Denver' } }),
    expect: PROVIDER_A,
    check: (res) => expect(res.json<TProvider>().timezone).toBe('America/Denver'),
  },
  {
    route: 'PATCH /providers/:id (name)',
    send: (send) => send({ method: 'PATCH', url: `/api/v1/providers/${a.id}`, payload: { name: a.name } }),
    expect: { ...PROVIDER_A, providerA: 400 },
    refusedFields: ['name'],
  },
  {
    route: 'POST /campaigns',
    send: (send) =>
      send({
        method: 'POST',
        url: '/api/v1/campaigns',
        payload: { name: 'Matrix', description: 'A campaign' },
      }),
    expect: STAFF_CREATE,
  },
  {
    route: 'GET /campaigns',
    send: (send) => send({ method: 'GET', url: '/api/v1/campaigns' }),
    expect: STAFF_ONLY,
  },
  {
    route: 'GET /campaigns/:id',
    send: (send) => send({ method: 'GET', url: `/api/v1/campaigns/${campaignId}` }),
    expect: STAFF_ONLY,
  },
  {
    route: 'POST /users',
    send: (send) =>
      send({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email: `made${++userSeq}@example.test`, name: 'Made', role: 'analyst' },
      }),
    expect: { admin: 201, analyst: 404, providerA: 404, providerB: 404, enforcement: 404 },
  },
  {
    route: 'POST /users/:id/api-keys (own)',
    send: (send, role) =>
      send({ method: 'POST', url: `/api/v1/users/${selfId(role)}/api-keys`, payload: { name: 'laptop' } }),
    expect: { admin: 201, analyst: 201, providerA: 201, providerB: 201, enforcement: 201 },
    check: (res) => expect(res.json<{ key: string }>().key).toMatch(/^htk_/),
  },
  {
    route: "POST /users/:id/api-keys (another user's)",
    send: (send) =>
      send({
        method: 'POST',
        url: `/api/v1/users/${bystander.userId}/api-keys`,
        payload: { name: 'stolen' },
      }),
    expect: { admin: 201, analyst: 404, providerA: 404, providerB: 404, enforcement: 404 },
  },
];

const CELLS = ROUTES.flatMap((r) =>
  ROLES.map((role) => ({ r, role, status: role === 'anonymous' ? 401 : r.expect[role] })),
);

describe('the isolation matrix', () => {
  it.each(CELLS.map((c) => [c.r.route, c.role, c.status, c] as const))(
    '%s as %s → %i',
    async (_route, role, status, { r }) => {
      const prepared = r.prepare ? await r.prepare() : '';
      const before = await h.counts();
      const res = await r.send(sendAs(role), role, prepared);
      if (status >= 400) {
        expectProblem(res, status, status === 400 ? r.refusedFields : undefined);
        expect(await h.counts(), 'a refused request writes nothing').toEqual(before);
      } else {
        expect(res.statusCode, res.body).toBe(status);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        r.check?.(res, role);
      }
    },
  );
});

describe('refusals', () => {
  const MISSING = '00000000-0000-4000-8000-000000000000';

  it('gives a forbidden thing the very same 404 as a missing one', async () => {
    const pairs: Array<[Caller, string, (id: string) => InjectOptions]> = [
      [b.user, tb.id, (id) => ({ method: 'GET', url: `/api/v1/tracebacks/${id}` })],
      [b.user, tb.id, (id) => ({ method: 'GET', url: `/api/v1/tracebacks/${id}/events` })],
      [
        b.user,
        tb.id,
        (id) => ({ method: 'POST', url: `/api/v1/tracebacks/${id}/actions`, payload: { action: 'cancel' } }),
      ],
      [enforcement, tb.id, (id) => ({ method: 'GET', url: `/api/v1/tracebacks/${id}` })],
      [b.user, hopA, (id) => ({ method: 'GET', url: `/api/v1/hops/${id}` })],
      [
        b.user,
        hopA,
        (id) => ({ method: 'POST', url: `/api/v1/hops/${id}/answer`, payload: { kind: 'not_found' } }),
      ],
      [a.user, hopB, (id) => ({ method: 'GET', url: `/api/v1/hops/${id}` })],
      [
        b.user,
        a.id,
        (id) => ({ method: 'PATCH', url: `/api/v1/providers/${id}`, payload: { timezone: 'UTC' } }),
      ],
      [b.user, campaignId, (id) => ({ method: 'GET', url: `/api/v1/campaigns/${id}` })],
      [
        b.user,
        bystander.userId,
        (id) => ({ method: 'POST', url: `/api/v1/users/${id}/api-keys`, payload: { name: 'k' } }),
      ],
      [
        h.analyst,
        bystander.userId,
        (id) => ({ method: 'POST', url: `/api/v1/users/${id}/api-keys`, payload: { name: 'k' } }),
      ],
    ];
    for (const [caller, realId, request] of pairs) {
      const forbidden = expectProblem(await caller.request(request(realId)), 404);
      const missing = expectProblem(await caller.request(request(MISSING)), 404);
      expect(forbidden, request(realId).url as string).toEqual(missing);
    }
  });

  it('lets a provider user change only its contacts and time zone, naming each refused field', async () => {
    const before = (await a.user.get(`/api/v1/providers/${a.id}`)).json<TProvider>();
    const refused = {
      name: 'Renamed',
      dbaNames: ['Other'],
      country: 'CA',
      ocns: ['9Z9Z'],
      frn: '1234567',
      rmdNumber: 'RMD0001234',
      verified: false,
    };
    for (const [field, value] of Object.entries(refused)) {
      const res = await a.user.patch(`/api/v1/providers/${a.id}`, { [field]: value });
      expectProblem(res, 400, [field]);
    }
    // A mix of allowed and refused fields changes nothing at all.
    const mixed = await a.user.patch(`/api/v1/providers/${a.id}`, {
      timezone: 'America/Los_Angeles',
      verified: false,
    });
    expect(expectProblem(mixed, 400, ['verified']).errors).toHaveLength(1);
    expect((await a.user.get(`/api/v1/providers/${a.id}`)).json<TProvider>()).toEqual(before);
  });

  it.each([
    ['no credentials', {}],
    ['an unknown API key', { authorization: 'Bearer htk_not-a-real-key' }],
    ['a malformed Authorization header', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['an unknown session cookie', { cookie: 'hoptrace_session=hts_forged' }],
  ])('answers a request with %s with a 401 problem, before looking at the body', async (_label, headers) => {
    const res = await h.anonymous({
      method: 'POST',
      url: '/api/v1/tracebacks',
      headers,
      payload: { not: 'a traceback' },
    });
    expectProblem(res, 401);
  });
});

describe('what a provider sees (CPNI)', () => {
  const customer = {
    name: 'Zebulon Quartermaine Robodial Ltd',
    address: '404 Hidden Hollow Rd, Nowhere',
    contact: 'zq@robodial.example',
    accountRef: 'ACCT-ZQ-77123',
  };
  let c: Awaited<ReturnType<Harness['provider']>>;
  let path: { tracebackId: string; hopA: string; hopB: string };

  beforeAll(async () => {
    c = await h.provider();
    const t = await h.openTraceback(a.id, { campaignId });
    const first = t.hops[0]!.id;
    await a.user.post(`/api/v1/hops/${first}/answer`, {
      kind: 'upstream',
      upstreamProviderId: b.id,
      comment: 'trunk 4',
    });
    const inbox = (await b.user.get('/api/v1/hops?status=pending')).json<{ items: THop[] }>().items;
    const second = inbox.find((x) => x.tracebackId === t.id)!;
    const origin = await b.user.post(`/api/v1/hops/${second.id}/answer`, {
      kind: 'origin',
      customer,
      action: 'warned',
    });
    expect(origin.statusCode, origin.body).toBe(200);
    // The reply to the answer itself does not echo the customer.
    for (const detail of Object.values(customer)) expect(origin.body).not.toContain(detail);
    path = { tracebackId: t.id, hopA: first, hopB: second.id };
  });

  it("shows a provider its hop with the call, the campaign and who named it, and nothing of the path's origin", async () => {
    const mine = (await b.user.get(`/api/v1/hops/${path.hopB}`)).json<THop & { origin?: unknown }>();
    expect(mine).toMatchObject({
      tracebackId: path.tracebackId,
      providerId: b.id,
      call: { callingNumber: '+12025550143', calledNumber: '+13125550188' },
      campaign: {
        name: 'IRS impersonation',
        description: 'Caller claims to be from the IRS and demands gift cards',
      },
      namedBy: { providerId: a.id, providerName: a.name },
      answer: { kind: 'origin', action: 'warned' },
    });
    expect(mine.origin).toBeUndefined();
    expect(Object.keys(mine.answer!)).not.toContain('customer');

    const upstreamOfA = (await a.user.get(`/api/v1/hops/${path.hopA}`)).json<THop & { origin?: unknown }>();
    expect(upstreamOfA.origin).toBeUndefined();
    expect(upstreamOfA).toMatchObject({
      namedBy: null,
      answer: { kind: 'upstream', upstreamProviderId: b.id },
    });
    // Another provider's answer is not part of A's view.
    expect(JSON.stringify(upstreamOfA)).not.toContain('"origin"');
  });

  it('never puts the origin customer in any response a provider or enforcement user can get', async () => {
    const urls = [
      '/api/v1/hops',
      '/api/v1/hops?status=answered',
      `/api/v1/hops/${path.hopA}`,
      `/api/v1/hops/${path.hopB}`,
      '/api/v1/tracebacks',
      `/api/v1/tracebacks?providerId=${b.id}`,
      `/api/v1/tracebacks/${path.tracebackId}`,
      `/api/v1/tracebacks/${path.tracebackId}/events`,
      '/api/v1/providers',
      `/api/v1/providers/${b.id}`,
      '/api/v1/auth/me',
    ];
    for (const viewer of [a.user, b.user, c.user, enforcement]) {
      for (const url of urls) {
        const res = await viewer.get(url);
        expect(res.statusCode, url).toBeLessThan(500);
        for (const detail of Object.values(customer))
          expect(res.body, `${url} for ${viewer.email}`).not.toContain(detail);
      }
    }
  });

  it('shows the customer to staff only through the traceback, and records each read', async () => {
    const hopsList = await h.analyst.get('/api/v1/hops?limit=200');
    expect(hopsList.body).not.toContain(customer.name);
    const events = async () =>
      (await h.analyst.get(`/api/v1/tracebacks/${path.tracebackId}/events`))
        .json<{ items: Array<{ type: string; actor: string }> }>()
        .items.filter((e) => e.type === 'origin.viewed');
    const seen = (await events()).length;
    const view = (await h.admin.get(`/api/v1/tracebacks/${path.tracebackId}`)).json<TTraceback>();
    expect(view.origin).toMatchObject({ providerId: b.id, customer, action: 'warned' });
    const after = await events();
    expect(after).toHaveLength(seen + 1);
    expect(after.at(-1)!.actor).toBe(h.admin.email);
  });
});
