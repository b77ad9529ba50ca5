import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  TEvent,
  THop,
  TReferral,
  TReferralList,
  TReferralResult,
  TTraceback,
  TTracebackListItem,
} from '@hoptrace/contracts';
import { createHarness, expectProblem, type Caller, type Harness } from './testing/harness';

/**
 * Referrals: staff refer a traceback to an agency; that agency's enforcement users then read it (path,
 * timeline, origin with its customer, attachments), read-only; other agencies and providers never do; a
 * withdrawn referral takes it away again.
 */

const AGENCY = 'State AG Robocall Unit (test)';
const customer = {
  name: 'Quillon Varnish Autodialer LLC',
  address: '12 Fictional Ferry Rd, Nowhere',
  contact: 'ops@quillon.example',
  accountRef: 'ACCT-QV-0042',
};
const pdf = () => Buffer.from('%PDF-1.4\n% referral test\n%%EOF\n', 'latin1');

let h: Harness;
let a: Awaited<ReturnType<Harness['provider']>>;
let b: Awaited<ReturnType<Harness['provider']>>;
let officer: Caller;
let otherAgency: Caller;
let agencyId: string;
let otherAgencyId: string;
/** Closed with an origin: A named B, B answered origin. */
let closed: TTraceback;
let hopA: string;
let hopB: string;
let attachmentId: string;
/** Still open (hop pending at A), never referred. */
let open: TTraceback;

const refer = (caller: Caller, id: string, body: unknown) =>
  caller.post(`/api/v1/tracebacks/${id}/referrals`, body);
const withdraw = (caller: Caller, id: string, referralId: string) =>
  caller.request({ method: 'DELETE', url: `/api/v1/tracebacks/${id}/referrals/${referralId}` });
const listIds = async (caller: Caller) =>
  (await caller.get('/api/v1/tracebacks?limit=100'))
    .json<{ items: TTracebackListItem[] }>()
    .items.map((t) => t.id);

beforeAll(async () => {
  h = await createHarness();
  a = await h.provider();
  b = await h.provider();
  officer = await h.user('enforcement', undefined, AGENCY);
  otherAgency = await h.user('enforcement', undefined, 'Another Agency (test)');
  agencyId = await h.agencyId(AGENCY);
  otherAgencyId = await h.agencyId('Another Agency (test)');
  closed = await h.openTraceback(a.id);
  hopA = closed.hops[0]!.id;
  const up = await a.user.post(`/api/v1/hops/${hopA}/answer`, { kind: 'upstream', upstreamProviderId: b.id });
  expect(up.statusCode, up.body).toBe(200);
  hopB = (await b.user.get('/api/v1/hops?status=pending')).json<{ items: THop[] }>().items[0]!.id;
  const att = await b.user.request({
    method: 'POST',
    url: `/api/v1/hops/${hopB}/attachments?name=LOA.pdf`,
    payload: pdf(),
    headers: { 'content-type': 'application/pdf' },
  });
  expect(att.statusCode, att.body).toBe(201);
  attachmentId = att.json<{ id: string }>().id;
  const origin = await b.user.post(`/api/v1/hops/${hopB}/answer`, {
    kind: 'origin',
    customer,
    action: 'warned',
  });
  expect(origin.statusCode, origin.body).toBe(200);
  closed = (await h.analyst.get(`/api/v1/tracebacks/${closed.id}`)).json<TTraceback>();
  expect(closed.status).toBe('closed');
  open = await h.openTraceback(a.id);
});
afterAll(() => h.close());

/** Every read an enforcement user could make of the closed traceback, with the status expected. */
async function reads(caller: Caller, expected: 200 | 404) {
  for (const url of [
    `/api/v1/tracebacks/${closed.id}`,
    `/api/v1/tracebacks/${closed.id}/events`,
    `/api/v1/tracebacks/${closed.id}/referrals`,
    `/api/v1/hops/${hopB}/attachments`,
    `/api/v1/attachments/${attachmentId}`,
  ]) {
    const res = await caller.get(url);
    if (expected === 404) expectProblem(res, 404);
    else expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    if (expected === 404)
      for (const detail of Object.values(customer)) expect(res.body).not.toContain(detail);
  }
}

describe('referrals', () => {
  let referral: TReferral;

  it('an enforcement user sees nothing before a referral: empty list, 404 on every read', async () => {
    expect(await listIds(officer)).toEqual([]);
    await reads(officer, 404);
  });

  it('an analyst refers a closed traceback; the timeline records it with the agency', async () => {
    const res = await refer(h.analyst, closed.id, {
      agencyIds: [agencyId],
      note: 'Origin identified; see LOA',
    });
    expect(res.statusCode, res.body).toBe(201);
    const result = res.json<TReferralResult>();
    expect(result.alreadyReferred).toEqual([]);
    expect(result.referred).toHaveLength(1);
    referral = result.referred[0]!;
    expect(referral).toMatchObject({
      tracebackId: closed.id,
      agencyId,
      agency: AGENCY,
      note: 'Origin identified; see LOA',
      referredBy: h.analyst.email,
      withdrawnAt: null,
      can: { withdraw: true },
    });
    const events = (await h.analyst.get(`/api/v1/tracebacks/${closed.id}/events`)).json<{
      items: TEvent[];
    }>();
    expect(events.items.at(-1)).toMatchObject({
      type: 'traceback.referred',
      actor: h.analyst.email,
      data: { agencyId, agency: AGENCY, referralId: referral.id },
    });
  });

  it("the agency's user then lists and reads it: path, timeline, origin with the customer, attachments; read-only", async () => {
    expect(await listIds(officer)).toEqual([closed.id]);
    const item = (await officer.get('/api/v1/tracebacks')).json<{ items: TTracebackListItem[] }>().items[0]!;
    expect(item.can).toEqual({
      cancel: false,
      close: false,
      reopen: false,
      reassign: false,
      continueAbroad: false,
    });
    await reads(officer, 200);
    const view = (await officer.get(`/api/v1/tracebacks/${closed.id}`)).json<TTraceback>();
    expect(view.hops.map((x) => x.id)).toEqual([hopA, hopB]);
    expect(view.origin).toMatchObject({ providerId: b.id, customer, action: 'warned' });
    expect(view.hops[1]!.attachments?.map((x) => x.id)).toEqual([attachmentId]);
    expect(view.can).toEqual({
      cancel: false,
      close: false,
      reopen: false,
      reassign: false,
      continueAbroad: false,
    });
    // Its read of the customer is on the timeline like anyone's.
    const events = (await officer.get(`/api/v1/tracebacks/${closed.id}/events`)).json<{ items: TEvent[] }>();
    expect(events.items.filter((e) => e.type === 'origin.viewed').at(-1)?.actor).toBe(officer.email);
    // Its own agency's referral, without the power to withdraw or refer.
    const mine = (await officer.get(`/api/v1/tracebacks/${closed.id}/referrals`)).json<TReferralList>();
    expect(mine.items.map((r) => r.id)).toEqual([referral.id]);
    expect(mine.can.refer).toBe(false);
    expect(mine.items[0]!.can.withdraw).toBe(false);
  });

  it('read-only: every action, answer, upload, referral and withdrawal by enforcement is refused, and writes nothing', async () => {
    const before = await h.counts();
    expectProblem(
      await officer.post(`/api/v1/tracebacks/${closed.id}/actions`, { action: 'reopen', providerId: a.id }),
      404,
    );
    expectProblem(await officer.post(`/api/v1/hops/${hopB}/answer`, { kind: 'not_found' }), 404);
    expectProblem(
      await officer.request({
        method: 'POST',
        url: `/api/v1/hops/${hopB}/attachments?name=x.pdf`,
        payload: pdf(),
        headers: { 'content-type': 'application/pdf' },
      }),
      404,
    );
    expectProblem(await refer(officer, closed.id, { all: true }), 404);
    expectProblem(await withdraw(officer, closed.id, referral.id), 404);
    expectProblem(await officer.get('/api/v1/agencies'), 404);
    expectProblem(await officer.get(`/api/v1/hops/${hopB}`), 404);
    expect((await officer.get('/api/v1/hops')).json<{ items: unknown[] }>().items).toEqual([]);
    expect(await h.counts()).toEqual(before);
  });

  it('another agency and the providers see nothing of the referral', async () => {
    expect(await listIds(otherAgency)).toEqual([]);
    await reads(otherAgency, 404);
    expectProblem(await a.user.get(`/api/v1/tracebacks/${closed.id}/referrals`), 404);
    expectProblem(await refer(a.user, closed.id, { agencyIds: [agencyId] }), 404);
    expectProblem(await withdraw(b.user, closed.id, referral.id), 404);
    expectProblem(await b.user.get('/api/v1/agencies'), 404);
    // A provider user's hop attachment rule is untouched: B still reads its own, A not B's.
    expect((await b.user.get(`/api/v1/attachments/${attachmentId}`)).statusCode).toBe(200);
    expectProblem(await a.user.get(`/api/v1/attachments/${attachmentId}`), 404);
  });

  it('a second referral to the same agency is reported, not repeated; bad input is a 400 at the field and writes nothing', async () => {
    const again = await refer(h.admin, closed.id, { agencyIds: [agencyId] });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json<TReferralResult>()).toEqual({
      referred: [],
      alreadyReferred: [{ agencyId, agency: AGENCY, referralId: referral.id }],
    });
    const before = await h.counts();
    expectProblem(await refer(h.admin, closed.id, { agencyIds: [] }), 400, ['agencyIds']);
    expectProblem(await refer(h.admin, closed.id, {}), 400, ['agencyIds']);
    expectProblem(await refer(h.admin, closed.id, { agencyIds: ['not-a-uuid'] }), 400, ['agencyIds.0']);
    // An unknown agency among known ones refuses the whole action: the known one is not referred either.
    expectProblem(
      await refer(h.admin, closed.id, { agencyIds: [otherAgencyId, '00000000-0000-4000-8000-000000000000'] }),
      400,
      ['agencyIds.1'],
    );
    expectProblem(await refer(h.admin, closed.id, { agencyIds: [agencyId], all: true }), 400, ['all']);
    expectProblem(await refer(h.admin, closed.id, { all: false }), 400);
    expectProblem(await refer(h.admin, closed.id, { agencyIds: [agencyId], extra: 1 }), 400);
    expectProblem(
      await refer(h.admin, '00000000-0000-4000-8000-000000000000', { agencyIds: [agencyId] }),
      404,
    );
    expectProblem(await refer(h.admin, 'not-a-uuid', { agencyIds: [agencyId] }), 400, ['path.id']);
    expectProblem(await withdraw(h.admin, closed.id, '00000000-0000-4000-8000-000000000000'), 404);
    // A referral is withdrawn through its own traceback only.
    expectProblem(await withdraw(h.admin, open.id, referral.id), 404);
    expect(await h.counts()).toEqual(before);
  });

  it('an open traceback may be referred too; staff see every referral; agencies are listed for the form', async () => {
    const res = await refer(h.admin, open.id, { agencyIds: [otherAgencyId] });
    expect(res.statusCode, res.body).toBe(201);
    expect(await listIds(otherAgency)).toEqual([open.id]);
    const seen = (await otherAgency.get(`/api/v1/tracebacks/${open.id}`)).json<TTraceback>();
    expect(seen.status).toBe('open');
    expect(seen.can).toEqual({
      cancel: false,
      close: false,
      reopen: false,
      reassign: false,
      continueAbroad: false,
    });
    expectProblem(
      await otherAgency.post(`/api/v1/hops/${open.hops[0]!.id}/answer`, { kind: 'not_found' }),
      404,
    );
    const staffView = (
      await h.analyst.get(`/api/v1/tracebacks/${closed.id}/referrals`)
    ).json<TReferralList>();
    expect(staffView.can.refer).toBe(true);
    expect(staffView.items.map((r) => r.agency)).toEqual([AGENCY]);
    const agencies = (await h.analyst.get('/api/v1/agencies')).json<{ items: Array<{ name: string }> }>()
      .items;
    expect(agencies.map((x) => x.name)).toEqual(['Another Agency (test)', AGENCY]);
  });

  it('withdrawing ends the access (404 again, empty list), is on the timeline, and cannot happen twice', async () => {
    const res = await withdraw(h.analyst, closed.id, referral.id);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<TReferral>()).toMatchObject({
      withdrawnBy: h.analyst.email,
      can: { withdraw: false },
    });
    expect(await listIds(officer)).toEqual([]);
    await reads(officer, 404);
    expectProblem(await withdraw(h.analyst, closed.id, referral.id), 409);
    const events = (await h.analyst.get(`/api/v1/tracebacks/${closed.id}/events`)).json<{
      items: TEvent[];
    }>();
    expect(events.items.at(-1)).toMatchObject({
      type: 'traceback.referral_withdrawn',
      data: { agencyId, agency: AGENCY, referralId: referral.id },
    });
    // Staff still see the history; the agency may be referred again.
    const all = (await h.analyst.get(`/api/v1/tracebacks/${closed.id}/referrals`)).json<TReferralList>();
    expect(all.items[0]!.withdrawnAt).not.toBeNull();
    expect((await refer(h.analyst, closed.id, { agencyIds: [agencyId] })).statusCode).toBe(201);
    expect(await listIds(officer)).toEqual([closed.id]);
  });
});

describe('enforcement users and their agency', () => {
  it('an admin creates an enforcement user only with an agency of the directory, and no other role with one (400 at the field)', async () => {
    const base = { email: 'inv@agency.example', name: 'Investigator', role: 'enforcement' };
    const before = await h.counts();
    expectProblem(await h.admin.post('/api/v1/users', base), 400, ['agencyId']);
    expectProblem(await h.admin.post('/api/v1/users', { ...base, agencyId: 'x' }), 400, ['agencyId']);
    expectProblem(
      await h.admin.post('/api/v1/users', { ...base, agencyId: '00000000-0000-4000-8000-000000000000' }),
      400,
      ['agencyId'],
    );
    expectProblem(await h.admin.post('/api/v1/users', { ...base, role: 'analyst', agencyId }), 400, [
      'agencyId',
    ]);
    expect(await h.counts()).toEqual(before);
    const res = await h.admin.post('/api/v1/users', { ...base, agencyId });
    expect(res.statusCode, res.body).toBe(201);
    const user = res.json<{ user: { id: string; agencyId?: string; agency?: string } }>().user;
    expect(user).toMatchObject({ agencyId, agency: AGENCY });
    // Patching: the agency moves; another role drops it; agency on a non-enforcement role is refused.
    const moved = await h.admin.patch(`/api/v1/users/${user.id}`, { agencyId: otherAgencyId });
    expect(moved.json<{ user: { agency?: string } }>().user.agency).toBe('Another Agency (test)');
    expectProblem(await h.admin.patch(`/api/v1/users/${user.id}`, { agencyId: null }), 400, ['agencyId']);
    expectProblem(await h.admin.patch(`/api/v1/users/${user.id}`, { role: 'analyst', agencyId }), 400, [
      'agencyId',
    ]);
    const analyst = await h.admin.patch(`/api/v1/users/${user.id}`, { role: 'analyst' });
    expect(analyst.statusCode, analyst.body).toBe(200);
    expect(analyst.json<{ user: { agency?: string } }>().user.agency).toBeUndefined();
    expectProblem(await h.admin.patch(`/api/v1/users/${user.id}`, { role: 'enforcement' }), 400, [
      'agencyId',
    ]);
    // The user list names the agency.
    const listed = (await h.admin.get('/api/v1/users?role=enforcement')).json<{
      items: Array<{ email: string; agencyId: string | null; agency: string | null }>;
    }>().items;
    expect(listed.find((u) => u.email === officer.email)).toMatchObject({ agencyId, agency: AGENCY });
  });
});
