import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  TAgency,
  TEvent,
  THop,
  TReferralResult,
  TTraceback,
  TTracebackRequest,
  TTracebackRequestList,
} from '@hoptrace/contracts';
import { createHarness, expectProblem, type Caller, type Harness } from './testing/harness';
import { startMailbox } from './testing/mailbox';
import { createEmailTransport } from './worker/email';
import { startWorker, type RunningWorker } from './worker/jobs';

/**
 * The enforcement desk (decision 0026): the agencies directory, a referral to many agencies at once with an
 * email to each agency's contacts (delivered to a real SMTP mailbox), agencies' traceback requests with
 * accept / decline, and the urgent clock.
 */

const HOUR = 3_600_000;
// Saturday 28 November 2026, 23:00 in New York (EST, UTC-5): a weekend night, far outside business hours.
const SATURDAY_NIGHT = '2026-11-29T04:00:00Z';
const PUBLIC_URL = 'https://hoptrace.example';

let h: Harness;
let mailbox: Awaited<ReturnType<typeof startMailbox>>;
let worker: RunningWorker;
let agencyUser: Caller;
let otherAgencyUser: Caller;
let terminating: Awaited<ReturnType<Harness['provider']>>;
let upstream: Awaited<ReturnType<Harness['provider']>>;
let ag: TAgency;
let fcc: TAgency;
let ftc: TAgency;

const pdf = Buffer.from('%PDF-1.4\n% complaint\n%%EOF\n', 'latin1');
const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.from('fictional screenshot')]);
const wav = Buffer.concat([
  Buffer.from('RIFF', 'latin1'),
  Buffer.from([36, 0, 0, 0]),
  Buffer.from('WAVEfmt ', 'latin1'),
  Buffer.alloc(24),
]);
const b64 = (b: Buffer) => b.toString('base64');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// A new contact's welcome (issue 19.5) has its own test (welcome.http.test.ts); these read the notices after it.
const mailTo = (addr: string) =>
  mailbox.received.filter(
    (m) => m.to.includes(addr) && !m.subject?.endsWith('traceback contact on hoptrace'),
  );

function requestBody(over: Record<string, unknown> = {}) {
  return {
    call: {
      startedAt: '2026-11-28T20:15:00Z',
      callingNumber: '2025550143',
      calledNumber: '6145550177',
      terminatingProviderId: terminating.id,
    },
    reason: 'Caller threatens a school in progress (fictional test case)',
    urgency: 'normal',
    ...over,
  };
}

async function createAgency(body: Record<string, unknown>): Promise<TAgency> {
  const res = await h.admin.post('/api/v1/agencies', body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<TAgency>();
}

beforeAll(async () => {
  h = await createHarness(SATURDAY_NIGHT);
  mailbox = await startMailbox();
  worker = startWorker(
    {
      db: h.db,
      clock: h.clock,
      dispatcher: {
        db: h.db,
        clock: h.clock,
        email: createEmailTransport({ smtpUrl: mailbox.url, mailDir: '/nonexistent' }),
        mailFrom: 'hoptrace <noreply@hoptrace.test>',
        publicUrl: PUBLIC_URL,
        webhookPolicy: { allowHttp: true, allowPrivateNetworks: true },
      },
    },
    { jobs: undefined },
  );
  ag = await createAgency({
    name: 'State AG Robocall Unit (test)',
    kind: 'state',
    jurisdiction: 'Ohio',
    contacts: [
      { name: 'Unit desk', email: 'desk@ag.agency.example' },
      { name: 'Duty investigator', email: 'duty@ag.agency.example', escalation: true },
    ],
  });
  fcc = await createAgency({
    name: 'Federal Communications Commission, Enforcement Bureau',
    kind: 'federal',
    jurisdiction: 'United States',
    contacts: [{ name: 'TCD (test)', email: 'tcd@fcc.agency.example' }],
  });
  ftc = await createAgency({ name: 'Federal Trade Commission', kind: 'federal', contacts: [] });
  agencyUser = await h.user('enforcement', undefined, ag.name);
  otherAgencyUser = await h.user('enforcement', undefined, fcc.name);
  terminating = await h.provider({
    timezone: 'America/New_York',
    contacts: [{ name: 'Traceback desk', email: 'tb@terminating.example' }],
    escalationContacts: [{ name: 'NOC on call', email: 'noc@terminating.example' }],
  });
  upstream = await h.provider({ timezone: 'America/New_York' });
});
afterAll(async () => {
  await worker.stop();
  await mailbox.stop();
  await h.close();
});

describe('the agencies directory', () => {
  it('admins add, change and remove agencies; staff read them; nobody else sees the directory', async () => {
    const list = (await h.analyst.get('/api/v1/agencies')).json<{ items: TAgency[] }>().items;
    expect(list.map((a) => a.name)).toEqual([fcc.name, ftc.name, ag.name]);
    expect(list.find((a) => a.id === ag.id)).toMatchObject({
      kind: 'state',
      jurisdiction: 'Ohio',
      contacts: [
        { name: 'Unit desk', email: 'desk@ag.agency.example', escalation: false },
        { name: 'Duty investigator', email: 'duty@ag.agency.example', escalation: true },
      ],
    });
    const before = await h.counts();
    expectProblem(await h.analyst.post('/api/v1/agencies', { name: 'X', kind: 'local' }), 404);
    expectProblem(await agencyUser.get('/api/v1/agencies'), 404);
    expectProblem(await terminating.user.get(`/api/v1/agencies/${ag.id}`), 404);
    expectProblem(
      await h.admin.post('/api/v1/agencies', { name: 'federal trade commission', kind: 'federal' }),
      409,
    );
    expectProblem(await h.admin.post('/api/v1/agencies', { name: ' ', kind: 'federal' }), 400, ['name']);
    expectProblem(await h.admin.post('/api/v1/agencies', { name: 'County DA', kind: 'galactic' }), 400, [
      'kind',
    ]);
    expectProblem(
      await h.admin.post('/api/v1/agencies', {
        name: 'County DA',
        kind: 'local',
        contacts: [{ name: 'DA', email: 'not-an-email' }],
      }),
      400,
      ['contacts.0.email'],
    );
    expectProblem(await h.admin.post('/api/v1/agencies', { name: 'County\u0000DA', kind: 'local' }), 400, [
      'name',
    ]);
    expect(await h.counts()).toEqual(before);

    const da = await createAgency({
      name: 'Travis County DA (test)',
      kind: 'local',
      jurisdiction: 'Travis County, TX',
    });
    const patched = await h.admin.patch(`/api/v1/agencies/${da.id}`, {
      jurisdiction: null,
      contacts: [{ name: 'Intake', email: 'Intake@DA.agency.example' }],
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json<TAgency>()).toMatchObject({
      jurisdiction: null,
      contacts: [{ name: 'Intake', email: 'intake@da.agency.example', escalation: false }],
    });
    expectProblem(await h.admin.patch(`/api/v1/agencies/${da.id}`, { name: ftc.name }), 409);
    expectProblem(await h.admin.patch(`/api/v1/agencies/${da.id}`, {}), 400);
    expectProblem(await h.analyst.patch(`/api/v1/agencies/${da.id}`, { kind: 'state' }), 404);
    // An agency with users (or referrals, or requests) stays; one nobody points at may go.
    expectProblem(await h.admin.request({ method: 'DELETE', url: `/api/v1/agencies/${ag.id}` }), 409);
    expect((await h.admin.request({ method: 'DELETE', url: `/api/v1/agencies/${da.id}` })).statusCode).toBe(
      204,
    );
    expectProblem(await h.admin.get(`/api/v1/agencies/${da.id}`), 404);
  });
});

describe('agency traceback requests', () => {
  let normal: TTracebackRequest;

  it('an enforcement user submits a request with evidence (PDF, image, audio), stored with SHA-256', async () => {
    const res = await agencyUser.post(
      '/api/v1/traceback-requests',
      requestBody({
        attachments: [
          { name: 'complaint.pdf', dataBase64: b64(pdf) },
          { name: 'C:\\Users\\me\\screenshot.png', dataBase64: b64(png) },
          { name: 'voicemail.wav', dataBase64: b64(wav) },
        ],
      }),
    );
    expect(res.statusCode, res.body).toBe(201);
    normal = res.json<TTracebackRequest>();
    expect(normal).toMatchObject({
      agencyId: ag.id,
      agency: ag.name,
      submittedBy: agencyUser.email,
      status: 'pending',
      urgency: 'normal',
      recentCall: true,
      traceback: null,
      call: { terminatingProviderId: terminating.id, callingNumber: '+12025550143' },
      can: { accept: false, decline: false },
    });
    expect(normal.attachments.map((a) => [a.name, a.contentType, a.size, a.sha256])).toEqual([
      ['complaint.pdf', 'application/pdf', pdf.length, sha(pdf)],
      ['screenshot.png', 'image/png', png.length, sha(png)],
      ['voicemail.wav', 'audio/wav', wav.length, sha(wav)],
    ]);
    const file = await agencyUser.get(
      `/api/v1/traceback-requests/${normal.id}/attachments/${normal.attachments[2]!.id}`,
    );
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('audio/wav');
    expect(file.rawPayload.equals(wav)).toBe(true);
  });

  it('bad input is a 400 naming the field, and writes nothing', async () => {
    const before = await h.counts();
    const bad = async (body: unknown, path: string) =>
      expectProblem(await agencyUser.post('/api/v1/traceback-requests', body), 400, [path]);
    await bad(requestBody({ reason: '  ' }), 'reason');
    await bad(requestBody({ urgency: 'whenever' }), 'urgency');
    await bad(
      { ...requestBody(), call: { ...requestBody().call, calledNumber: 'abc' } },
      'call.calledNumber',
    );
    await bad(
      { ...requestBody(), call: { ...requestBody().call, startedAt: '2027-01-01T00:00:00Z' } },
      'call.startedAt',
    );
    await bad(
      {
        ...requestBody(),
        call: { ...requestBody().call, terminatingProviderId: '00000000-0000-4000-8000-000000000000' },
      },
      'call.terminatingProviderId',
    );
    await bad(
      requestBody({ attachments: [{ name: 'a.pdf', dataBase64: 'not base64!' }] }),
      'attachments.0.dataBase64',
    );
    await bad(
      requestBody({
        attachments: [
          { name: 'ok.pdf', dataBase64: b64(pdf) },
          { name: 'evil.exe', dataBase64: b64(Buffer.from('MZ\x90\x00 fictional', 'latin1')) },
        ],
      }),
      'attachments.1.dataBase64',
    );
    await bad(requestBody({ attachments: [{ name: '..', dataBase64: b64(pdf) }] }), 'attachments.0.name');
    await bad(
      requestBody({
        attachments: Array.from({ length: 6 }, (_, i) => ({ name: `${i}.pdf`, dataBase64: b64(pdf) })),
      }),
      'attachments',
    );
    await bad(requestBody({ reason: 'bad\u0000byte' }), 'reason');
    expect(await h.counts()).toEqual(before);
  });

  it('who may see what: an agency its own requests; another agency and providers get 404; staff see all', async () => {
    expectProblem(await terminating.user.post('/api/v1/traceback-requests', requestBody()), 404);
    expectProblem(await h.analyst.post('/api/v1/traceback-requests', requestBody()), 404);
    for (const caller of [otherAgencyUser, terminating.user]) {
      expectProblem(await caller.get(`/api/v1/traceback-requests/${normal.id}`), 404);
      expectProblem(
        await caller.get(`/api/v1/traceback-requests/${normal.id}/attachments/${normal.attachments[0]!.id}`),
        404,
      );
    }
    expect(
      (await otherAgencyUser.get('/api/v1/traceback-requests')).json<TTracebackRequestList>().items,
    ).toEqual([]);
    expectProblem(await terminating.user.get('/api/v1/traceback-requests'), 404);
    const mine = (await agencyUser.get('/api/v1/traceback-requests')).json<TTracebackRequestList>().items;
    expect(mine.map((r) => r.id)).toEqual([normal.id]);
    const staff = (await h.analyst.get(`/api/v1/traceback-requests/${normal.id}`)).json<TTracebackRequest>();
    expect(staff.can).toEqual({ accept: true, decline: true });
    // Nobody but staff decides.
    expectProblem(await agencyUser.post(`/api/v1/traceback-requests/${normal.id}/accept`, {}), 404);
    expectProblem(
      await terminating.user.post(`/api/v1/traceback-requests/${normal.id}/decline`, { reason: 'x' }),
      404,
    );
  });

  it("staff's queue puts pending, urgent and calls under ten days old first", async () => {
    const old = await agencyUser.post(
      '/api/v1/traceback-requests',
      requestBody({ call: { ...requestBody().call, startedAt: '2026-10-01T12:00:00Z' } }),
    );
    expect(old.statusCode, old.body).toBe(201);
    const urgent = await otherAgencyUser.post(
      '/api/v1/traceback-requests',
      requestBody({ urgency: 'urgent' }),
    );
    expect(urgent.statusCode, urgent.body).toBe(201);
    const queue = (
      await h.analyst.get('/api/v1/traceback-requests?status=pending')
    ).json<TTracebackRequestList>().items;
    expect(queue.map((r) => r.id)).toEqual([
      urgent.json<TTracebackRequest>().id,
      normal.id,
      old.json<TTracebackRequest>().id,
    ]);
    expect(queue.map((r) => r.recentCall)).toEqual([true, true, false]);
    // Decline the old one with a reason the agency reads; the reason is required; twice is a conflict.
    const oldId = old.json<TTracebackRequest>().id;
    const before = await h.counts();
    expectProblem(await h.analyst.post(`/api/v1/traceback-requests/${oldId}/decline`, {}), 400, ['reason']);
    expectProblem(await h.analyst.post(`/api/v1/traceback-requests/${oldId}/decline`, { reason: ' ' }), 400, [
      'reason',
    ]);
    expect(await h.counts()).toEqual(before);
    const declined = await h.analyst.post(`/api/v1/traceback-requests/${oldId}/decline`, {
      reason: 'Call records for October are no longer held by the terminating provider',
    });
    expect(declined.statusCode, declined.body).toBe(200);
    expectProblem(
      await h.analyst.post(`/api/v1/traceback-requests/${oldId}/decline`, { reason: 'again' }),
      409,
    );
    expectProblem(await h.analyst.post(`/api/v1/traceback-requests/${oldId}/accept`, {}), 409);
    const seen = (await agencyUser.get(`/api/v1/traceback-requests/${oldId}`)).json<TTracebackRequest>();
    expect(seen).toMatchObject({
      status: 'declined',
      declineReason: 'Call records for October are no longer held by the terminating provider',
    });
  });

  it('accepting opens the traceback linked to the request; twice is 409; the agency sees the result once referred', async () => {
    const res = await h.analyst.post(`/api/v1/traceback-requests/${normal.id}/accept`, {});
    expect(res.statusCode, res.body).toBe(200);
    const accepted = res.json<TTracebackRequest>();
    expect(accepted).toMatchObject({ status: 'accepted', traceback: { status: 'open' } });
    const tb = (await h.analyst.get(`/api/v1/tracebacks/${accepted.traceback!.id}`)).json<TTraceback>();
    expect(tb).toMatchObject({
      urgent: false,
      firstProviderId: terminating.id,
      call: { callingNumber: '+12025550143', calledNumber: '+16145550177' },
    });
    // A normal request keeps the FCC business-hours rule: Saturday night counts from Monday 08:00.
    expect(tb.hops[0]).toMatchObject({
      receivedAt: '2026-11-30T13:00:00.000Z',
      dueAt: '2026-12-01T13:00:00.000Z',
    });
    const events = (await h.analyst.get(`/api/v1/tracebacks/${tb.id}/events`)).json<{ items: TEvent[] }>()
      .items;
    expect(events[0]).toMatchObject({ type: 'traceback.opened', data: { requestId: normal.id } });
    const before = await h.counts();
    expectProblem(await h.analyst.post(`/api/v1/traceback-requests/${normal.id}/accept`, {}), 409);
    expectProblem(
      await h.analyst.post(`/api/v1/traceback-requests/${normal.id}/decline`, { reason: 'no' }),
      409,
    );
    expect(await h.counts()).toEqual(before);
    // The agency sees it accepted and the traceback's state, but not the outcome nor the traceback itself yet.
    let seen = (await agencyUser.get(`/api/v1/traceback-requests/${normal.id}`)).json<TTracebackRequest>();
    expect(seen.traceback).toEqual({ id: tb.id, status: 'open', outcome: null, referredToYou: false });
    expectProblem(await agencyUser.get(`/api/v1/tracebacks/${tb.id}`), 404);
    // The provider answers origin; staff refer it to the agency; the agency then sees the outcome.
    const answer = await terminating.user.post(`/api/v1/hops/${tb.hops[0]!.id}/answer`, {
      kind: 'origin',
      customer: { name: 'Fictional Dialer Co' },
      action: 'terminated',
    });
    expect(answer.statusCode, answer.body).toBe(200);
    expect(
      (await h.analyst.post(`/api/v1/tracebacks/${tb.id}/referrals`, { agencyIds: [ag.id] })).statusCode,
    ).toBe(201);
    seen = (await agencyUser.get(`/api/v1/traceback-requests/${normal.id}`)).json<TTracebackRequest>();
    expect(seen.traceback).toEqual({
      id: tb.id,
      status: 'closed',
      outcome: 'origin_identified',
      referredToYou: true,
    });
    expect((await agencyUser.get(`/api/v1/tracebacks/${tb.id}`)).statusCode).toBe(200);
  });

  it('a request without a known terminating provider needs one named at accept (400 at the field)', async () => {
    const { terminatingProviderId: _drop, ...call } = requestBody().call;
    const res = await agencyUser.post('/api/v1/traceback-requests', requestBody({ call }));
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json<TTracebackRequest>().id;
    const before = await h.counts();
    expectProblem(await h.analyst.post(`/api/v1/traceback-requests/${id}/accept`, {}), 400, [
      'firstProviderId',
    ]);
    expectProblem(
      await h.analyst.post(`/api/v1/traceback-requests/${id}/accept`, {
        firstProviderId: '00000000-0000-4000-8000-000000000000',
      }),
      400,
      ['firstProviderId'],
    );
    expect(await h.counts()).toEqual(before);
    const ok = await h.analyst.post(`/api/v1/traceback-requests/${id}/accept`, {
      firstProviderId: upstream.id,
    });
    expect(ok.statusCode, ok.body).toBe(200);
  });
});

describe('urgent requests', () => {
  it('accepted on a Saturday night at 23:00 New York time, every hop is due exactly 4 hours after it is asked, and the escalation contacts hear at once', async () => {
    const urgentReq = (
      await agencyUser.post('/api/v1/traceback-requests', requestBody({ urgency: 'urgent' }))
    ).json<TTracebackRequest>();
    const now = h.clock.now();
    expect(now.toISOString()).toBe(new Date(SATURDAY_NIGHT).toISOString());
    const res = await h.analyst.post(`/api/v1/traceback-requests/${urgentReq.id}/accept`, {});
    expect(res.statusCode, res.body).toBe(200);
    const tbId = res.json<TTracebackRequest>().traceback!.id;
    const tb = (await h.analyst.get(`/api/v1/tracebacks/${tbId}`)).json<TTraceback>();
    expect(tb.urgent).toBe(true);
    expect(tb.hops[0]).toMatchObject({
      requestedAt: '2026-11-29T04:00:00.000Z',
      receivedAt: '2026-11-29T04:00:00.000Z',
      dueAt: '2026-11-29T08:00:00.000Z', // 03:00 Sunday in New York: business hours do not apply
    });
    // Marked in the lists and in the provider's inbox.
    const listed = (await h.analyst.get('/api/v1/tracebacks?limit=100')).json<{
      items: Array<{ id: string; urgent: boolean }>;
    }>().items;
    expect(listed.find((t) => t.id === tbId)?.urgent).toBe(true);
    expect(listed.filter((t) => t.id !== tbId).every((t) => !t.urgent)).toBe(true);
    const inbox = (await terminating.user.get('/api/v1/hops?status=pending&limit=100')).json<{
      items: THop[];
    }>().items;
    expect(inbox.find((x) => x.tracebackId === tbId)?.urgent).toBe(true);
    // The escalation contacts get it at once, marked urgent, with the deadline.
    await worker.tick();
    const noc = mailTo('noc@terminating.example');
    expect(noc.map((m) => m.subject)).toEqual([
      expect.stringMatching(/^URGENT Traceback request: call from/),
    ]);
    expect(noc[0]!.text).toContain('URGENT (a live threat): answer within 4 hours');
    expect(noc[0]!.text).toContain('You are listed as an escalation contact');
    expect(mailTo('tb@terminating.example').some((m) => m.subject?.startsWith('URGENT'))).toBe(true);

    // An hour later the provider names its upstream: that hop too is due 4 hours after it is asked.
    h.clock.set(new Date(now.getTime() + HOUR));
    const up = await terminating.user.post(`/api/v1/hops/${tb.hops[0]!.id}/answer`, {
      kind: 'upstream',
      upstreamProviderId: upstream.id,
    });
    expect(up.statusCode, up.body).toBe(200);
    const after = (await h.analyst.get(`/api/v1/tracebacks/${tbId}`)).json<TTraceback>();
    expect(after.hops[1]).toMatchObject({
      providerId: upstream.id,
      requestedAt: '2026-11-29T05:00:00.000Z',
      dueAt: '2026-11-29T09:00:00.000Z',
    });
    h.clock.set(now);
  });
});

describe('referral to many agencies at once', () => {
  it('refers to all agencies in one action: each agency user sees it, each contact gets an email with the link', async () => {
    const closed = await h.openTraceback(terminating.id);
    const hop = closed.hops[0]!;
    expect(
      (
        await terminating.user.post(`/api/v1/hops/${hop.id}/answer`, {
          kind: 'origin',
          customer: { name: 'Fictional Dialer Co' },
          action: 'warned',
        })
      ).statusCode,
    ).toBe(200);
    // First to one agency, then to all: the one already referred is reported, the rest referred.
    const first = await h.analyst.post(`/api/v1/tracebacks/${closed.id}/referrals`, {
      agencyIds: [ag.id, ag.id],
    });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json<TReferralResult>().referred.map((r) => r.agencyId)).toEqual([ag.id]);
    const firstReferral = first.json<TReferralResult>().referred[0]!;
    const all = await h.analyst.post(`/api/v1/tracebacks/${closed.id}/referrals`, {
      all: true,
      note: 'Shared with every enforcement partner',
    });
    expect(all.statusCode, all.body).toBe(201);
    const result = all.json<TReferralResult>();
    expect(result.alreadyReferred).toEqual([
      { agencyId: ag.id, agency: ag.name, referralId: firstReferral.id },
    ]);
    expect(result.referred.map((r) => r.agencyId).sort()).toEqual([fcc.id, ftc.id].sort());
    // Sending again changes nothing and reports every agency.
    const again = await h.analyst.post(`/api/v1/tracebacks/${closed.id}/referrals`, { all: true });
    expect(again.statusCode).toBe(200);
    expect(again.json<TReferralResult>().referred).toEqual([]);

    for (const u of [agencyUser, otherAgencyUser])
      expect((await u.get(`/api/v1/tracebacks/${closed.id}`)).statusCode).toBe(200);
    expectProblem(await upstream.user.get(`/api/v1/tracebacks/${closed.id}`), 404);

    await worker.tick();
    const link = `${PUBLIC_URL}/tracebacks/${closed.id}`;
    for (const addr of ['desk@ag.agency.example', 'duty@ag.agency.example', 'tcd@fcc.agency.example']) {
      const mails = mailTo(addr).filter((m) => m.text.includes(link));
      expect(mails, addr).toHaveLength(1);
      expect(mails[0]!.subject).toMatch(/^Traceback referred to /);
      // No customer details in an email: those are behind the link.
      expect(mails[0]!.text).not.toContain('Fictional Dialer Co');
    }
    expect(mailTo('tcd@fcc.agency.example')[0]!.text).toContain('Shared with every enforcement partner');

    // Withdrawal is per agency: the FCC loses it, the state AG keeps it; both on the timeline.
    const fccReferral = result.referred.find((r) => r.agencyId === fcc.id)!;
    const w = await h.analyst.request({
      method: 'DELETE',
      url: `/api/v1/tracebacks/${closed.id}/referrals/${fccReferral.id}`,
    });
    expect(w.statusCode, w.body).toBe(200);
    expectProblem(await otherAgencyUser.get(`/api/v1/tracebacks/${closed.id}`), 404);
    expect((await agencyUser.get(`/api/v1/tracebacks/${closed.id}`)).statusCode).toBe(200);
    const events = (await h.analyst.get(`/api/v1/tracebacks/${closed.id}/events`)).json<{ items: TEvent[] }>()
      .items;
    const referred = events.filter((e) => e.type === 'traceback.referred').map((e) => e.data.agencyId);
    expect(referred).toEqual(expect.arrayContaining([ag.id, fcc.id, ftc.id]));
    expect(referred).toHaveLength(new Set(referred).size);
    expect(events.filter((e) => e.type === 'traceback.referral_withdrawn')).toMatchObject([
      { actor: h.analyst.email, data: { agencyId: fcc.id, referralId: fccReferral.id } },
    ]);
  });
});
