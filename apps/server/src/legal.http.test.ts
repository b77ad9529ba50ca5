import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  TLegalMatchList,
  TLegalRequest,
  TLegalRequestList,
  TLetter,
  TLetterList,
  TPublicStatistics,
  TTraceback,
} from '@hoptrace/contracts';
import { lettersOnFile, sendLegalReminders, verifyEvidencePackage } from '@hoptrace/core';
import { schema } from '@hoptrace/db';
import { eq } from 'drizzle-orm';
import { CALL, createHarness, expectProblem, type Caller, type Harness } from './testing/harness';

/**
 * The legal process register (subpoenas, CIDs) and cease-and-desist letters (decision 0029): staff only
 * for the register, bad input named and never half-written, the gather → package → respond flow, the
 * reminders before the due date, the yearly count in the public statistics, and the letters' red flag.
 */

const MAX = 64 * 1024;
const pdf = (text = 'Subpoena duces tecum') =>
  Buffer.from(`%PDF-1.4\n% ${text}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n`, 'latin1');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let h: Harness;
let p1: Awaited<ReturnType<Harness['provider']>>;
let p2: Awaited<ReturnType<Harness['provider']>>;
let enforcement: Caller;
let tbA: TTraceback;
let tbB: TTraceback;
let tbC: TTraceback;

const REQUEST = {
  kind: 'subpoena',
  issuingAgency: 'State AG Robocall Unit',
  number: 'SUB-2026-0042',
  receivedOn: '2026-11-02',
  dueOn: '2026-11-20',
  scope: { numbers: ['(202) 555-0143'] },
  notes: 'Served by mail',
};

const create = (body: unknown = REQUEST) => h.analyst.post('/api/v1/legal-requests', body);
const upload = (caller: Caller, id: string, body: Buffer, type = 'application/pdf') =>
  caller.request({
    method: 'PUT',
    url: `/api/v1/legal-requests/${id}/document?name=subpoena.pdf`,
    payload: body,
    headers: { 'content-type': type },
  });

beforeAll(async () => {
  h = await createHarness('2026-11-02T15:00:00Z', { attachmentMaxBytes: MAX });
  p1 = await h.provider();
  p2 = await h.provider();
  enforcement = await h.user('enforcement');
  tbA = await h.openTraceback(p1.id);
  tbB = await h.openTraceback(p1.id, { call: { ...CALL, callingNumber: '(202) 555-0199' } });
  tbC = await h.openTraceback(p2.id, {
    call: { ...CALL, startedAt: '2026-10-20T10:00:00Z', callingNumber: '(415) 555-0100' },
  });
});
afterAll(() => h.close());

describe('legal process register', () => {
  it('is staff only: provider and enforcement users get 404, no credentials 401', async () => {
    const created = (await create()).json<TLegalRequest>();
    for (const caller of [p1.user, enforcement]) {
      expectProblem(await caller.get('/api/v1/legal-requests'), 404);
      expectProblem(await caller.get(`/api/v1/legal-requests/${created.id}`), 404);
      expectProblem(await caller.post('/api/v1/legal-requests', REQUEST), 404);
      expectProblem(await caller.patch(`/api/v1/legal-requests/${created.id}`, { notes: 'x' }), 404);
      expectProblem(await caller.get(`/api/v1/legal-requests/${created.id}/matches`), 404);
      expectProblem(await upload(caller, created.id, pdf()), 404);
    }
    const anon = await h.anonymous({ method: 'GET', url: '/api/v1/legal-requests' });
    expect(anon.statusCode).toBe(401);
    expect((await h.admin.get(`/api/v1/legal-requests/${created.id}`)).statusCode).toBe(200);
  });

  it('refuses bad input with a 400 naming the field and writes nothing', async () => {
    const before = await h.counts();
    const cases: Array<[unknown, string]> = [
      [{ ...REQUEST, kind: 'warrant' }, 'kind'],
      [{ ...REQUEST, issuingAgency: '  ' }, 'issuingAgency'],
      [{ ...REQUEST, dueOn: '2026-10-01' }, 'dueOn'],
      [{ ...REQUEST, receivedOn: '2026-13-40' }, 'receivedOn'],
      [{ ...REQUEST, scope: {} }, 'scope.tracebackIds'],
      [{ ...REQUEST, scope: { numbers: ['not a number'] } }, 'scope.numbers.0'],
      [{ ...REQUEST, scope: { from: '2026-11-02', to: '2026-11-01' } }, 'scope.to'],
      [{ ...REQUEST, number: 'SUB\u0000' }, 'number'],
      [{ ...REQUEST, extra: 1 }, ''],
    ];
    for (const [body, path] of cases) {
      const problem = expectProblem(await create(body), 400);
      if (path) expect(problem.errors?.map((e) => e.path)).toContain(path);
    }
    expect(await h.counts()).toEqual(before);
  });

  it('stores the document with its SHA-256; wrong files are 415, big ones 413, nothing written', async () => {
    const req = (await create()).json<TLegalRequest>();
    const before = await h.counts();
    expectProblem(await upload(h.analyst, req.id, Buffer.from('hello'), 'text/plain'), 415);
    expectProblem(await upload(h.analyst, req.id, Buffer.from('not a pdf at all')), 415);
    expectProblem(await upload(h.analyst, req.id, Buffer.concat([pdf(), Buffer.alloc(MAX)])), 413);
    expect(await h.counts()).toEqual(before);
    expect(
      (await h.analyst.get(`/api/v1/legal-requests/${req.id}`)).json<TLegalRequest>().document,
    ).toBeNull();

    const bytes = pdf();
    const res = await upload(h.analyst, req.id, bytes);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<TLegalRequest>().document).toMatchObject({
      name: 'subpoena.pdf',
      size: bytes.length,
      sha256: sha256(bytes),
    });
    const got = await h.analyst.get(`/api/v1/legal-requests/${req.id}/document`);
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('application/pdf');
    expect(got.rawPayload.equals(bytes)).toBe(true);
    expectProblem(await p1.user.get(`/api/v1/legal-requests/${req.id}/document`), 404);
  });

  it('gathers the matching tracebacks, builds a verifiable package over them and records the response', async () => {
    const req = (
      await create({
        ...REQUEST,
        number: 'CID-7',
        kind: 'cid',
        scope: { numbers: ['+12025550199'], tracebackIds: [tbC.id], from: '2026-11-01', to: '2026-11-01' },
      })
    ).json<TLegalRequest>();
    const matches = (await h.analyst.get(`/api/v1/legal-requests/${req.id}/matches`)).json<TLegalMatchList>();
    // tbB by its number within the range, tbC named explicitly (its call is outside the range); not tbA.
    expect(matches.items.map((m) => m.id).sort()).toEqual([tbB.id, tbC.id].sort());

    // A set outside the matches is refused, naming the item, and nothing changes.
    const before = await h.counts();
    expectProblem(
      await h.analyst.post(`/api/v1/legal-requests/${req.id}/gather`, { tracebackIds: [tbB.id, tbA.id] }),
      400,
      ['tracebackIds.1'],
    );
    expect(await h.counts()).toEqual(before);
    // Building before gathering is a conflict.
    expectProblem(await h.analyst.post(`/api/v1/legal-requests/${req.id}/evidence-packages`), 409);
    expect(await h.counts()).toEqual(before);

    const gathered = await h.analyst.post(`/api/v1/legal-requests/${req.id}/gather`, {
      tracebackIds: [tbB.id, tbC.id],
    });
    expect(gathered.statusCode, gathered.body).toBe(200);
    expect(gathered.json<TLegalRequest>()).toMatchObject({ status: 'gathering' });

    const built = await h.analyst.post(`/api/v1/legal-requests/${req.id}/evidence-packages`);
    expect(built.statusCode, built.body).toBe(201);
    const body = built.json<TLegalRequest & { package: { id: string; downloadUrl: string } }>();
    expect(body.packageId).toBe(body.package.id);
    const zip = (await h.analyst.get(body.package.downloadUrl)).rawPayload;
    const pem = (await h.anonymous({ method: 'GET', url: '/api/v1/evidence/public-key' })).body;
    const verified = verifyEvidencePackage(zip, { publicKeyPem: pem });
    expect(verified).toMatchObject({ ok: true });
    const row = await h.db.query.evidencePackages.findFirst({
      where: eq(schema.evidencePackages.id, body.package.id),
    });
    expect(row?.scope).toBe('tracebacks');
    expect([...(row?.tracebackIds ?? [])].sort()).toEqual([tbB.id, tbC.id].sort());

    // The response names only this request's package.
    expectProblem(
      await h.analyst.post(`/api/v1/legal-requests/${req.id}/response`, {
        respondedAt: '2026-11-02T15:00:00Z',
        method: 'secure portal',
        packageId: tbA.id,
      }),
      400,
      ['packageId'],
    );
    const responded = await h.analyst.post(`/api/v1/legal-requests/${req.id}/response`, {
      respondedAt: '2026-11-02T15:00:00Z',
      method: 'secure portal',
    });
    expect(responded.statusCode, responded.body).toBe(200);
    expect(responded.json<TLegalRequest>()).toMatchObject({
      status: 'responded',
      packageId: body.package.id,
      response: { at: '2026-11-02T15:00:00.000Z', method: 'secure portal' },
      overdue: false,
    });
    // Once responded the set no longer changes; `responded` comes only from recording the response.
    expectProblem(
      await h.analyst.post(`/api/v1/legal-requests/${req.id}/gather`, { tracebackIds: [tbB.id] }),
      409,
    );
    expectProblem(await h.analyst.patch(`/api/v1/legal-requests/${req.id}`, { status: 'responded' }), 400, [
      'status',
    ]);
    const audit = await h.db
      .select()
      .from(schema.auditLedger)
      .where(eq(schema.auditLedger.subjectId, req.id));
    expect(audit.map((a) => a.action)).toEqual([
      'legal_request.created',
      'legal_request.gathered',
      'legal_request.package_built',
      'legal_request.responded',
    ]);
  });

  it('lists by due date, overdue requests marked, and updates fields', async () => {
    const late = (
      await create({ ...REQUEST, number: 'LATE-1', receivedOn: '2026-10-01', dueOn: '2026-10-15' })
    ).json<TLegalRequest>();
    const list = (await h.analyst.get('/api/v1/legal-requests')).json<TLegalRequestList>().items;
    expect(list[0]!.id).toBe(late.id);
    expect(list[0]).toMatchObject({ overdue: true, daysLeft: -18 });
    expect(list.map((r) => r.dueOn)).toEqual([...list.map((r) => r.dueOn)].sort());
    const patched = await h.analyst.patch(`/api/v1/legal-requests/${late.id}`, { dueOn: '2026-12-01' });
    expect(patched.json<TLegalRequest>()).toMatchObject({ dueOn: '2026-12-01', overdue: false });
    expectProblem(await h.analyst.patch(`/api/v1/legal-requests/${late.id}`, { dueOn: '2026-09-01' }), 400, [
      'dueOn',
    ]);
    expect(
      (await h.analyst.patch(`/api/v1/legal-requests/${late.id}`, { status: 'closed' })).statusCode,
    ).toBe(200);
  });

  it('reminds every admin and analyst N days before the due date, once each, through the outbox', async () => {
    const req = (await create({ ...REQUEST, number: 'REM-1', dueOn: '2026-11-15' })).json<TLegalRequest>();
    const ctx = { db: h.db, clock: h.clock, days: [7, 2] };
    const reminders = async () =>
      (await h.db.select().from(schema.outbox).where(eq(schema.outbox.topic, 'legal.reminder'))).filter(
        (r) => (r.payload as { legalRequestId: string }).legalRequestId === req.id,
      );
    // 13 days before: nothing for this one.
    await sendLegalReminders(ctx);
    expect(await reminders()).toHaveLength(0);
    h.clock.advance(6 * 86_400_000); // 2026-11-08: 7 days left
    await sendLegalReminders(ctx);
    const first = await reminders();
    expect(first.map((r) => r.recipient).sort()).toEqual([h.admin.email, h.analyst.email].sort());
    expect(first[0]!.payload).toMatchObject({ number: 'REM-1', dueOn: '2026-11-15', daysLeft: 7 });
    // Running again (or in another worker) sends nothing new.
    await sendLegalReminders(ctx);
    expect(await reminders()).toHaveLength(2);
    h.clock.advance(3 * 86_400_000); // 4 days left: still the 7-day reminder
    await sendLegalReminders(ctx);
    expect(await reminders()).toHaveLength(2);
    h.clock.advance(2 * 86_400_000); // 2 days left
    await sendLegalReminders(ctx);
    expect(await reminders()).toHaveLength(4);
    // A responded request is reminded no more.
    await h.analyst.patch(`/api/v1/legal-requests/${req.id}`, { status: 'closed' });
    h.clock.advance(86_400_000);
    await sendLegalReminders({ ...ctx, days: [1] });
    expect(await reminders()).toHaveLength(4);
  });

  it('counts requests per year by received date in the public statistics', async () => {
    const stats = (await h.anonymous({ method: 'GET', url: '/api/v1/public/statistics?year=2026' })).json<
      TPublicStatistics & { months: Array<TPublicStatistics & { month: string }> }
    >();
    const all = (await h.analyst.get('/api/v1/legal-requests')).json<TLegalRequestList>().items;
    expect(stats.legalRequests).toBe(all.length);
    expect(stats.months.find((m) => m.month === '2026-10')?.legalRequests).toBe(
      all.filter((r) => r.receivedOn.startsWith('2026-10')).length,
    );
    expect(stats.months.find((m) => m.month === '2026-10')?.legalRequests).toBe(1);
    const y2025 = (
      await h.anonymous({ method: 'GET', url: '/api/v1/public/statistics?year=2025' })
    ).json<TPublicStatistics>();
    expect(y2025.legalRequests).toBe(0);
  });
});

describe('cease-and-desist letters', () => {
  const LETTER = {
    issuer: 'FCC',
    issuedOn: '2026-11-05',
    responseDueOn: '2026-11-19',
    url: 'https://example.test/letters/fictional.pdf',
    summary: 'Stop transmitting the fictional auto-warranty campaign',
  };

  it('staff record letters; the provider reads its own; others get 404; bad input writes nothing', async () => {
    const before = await h.counts();
    for (const [body, path] of [
      [{ ...LETTER, issuer: 'DOJ' }, 'issuer'],
      [{ ...LETTER, issuedOn: 'yesterday' }, 'issuedOn'],
      [{ ...LETTER, responseDueOn: '2026-11-01' }, 'responseDueOn'],
      [{ ...LETTER, url: 'javascript:alert(1)' }, 'url'],
      [{ ...LETTER, summary: '' }, 'summary'],
    ] as const)
      expectProblem(await h.analyst.post(`/api/v1/providers/${p1.id}/letters`, body), 400, [path]);
    for (const caller of [p1.user, enforcement])
      expectProblem(await caller.post(`/api/v1/providers/${p1.id}/letters`, LETTER), 404);
    expectProblem(await h.analyst.post(`/api/v1/providers/${tbA.id}/letters`, LETTER), 404);
    expect(await h.counts()).toEqual(before);

    const res = await h.analyst.post(`/api/v1/providers/${p1.id}/letters`, LETTER);
    expect(res.statusCode, res.body).toBe(201);
    const letter = res.json<TLetter>();
    expect(letter).toMatchObject({ providerId: p1.id, issuer: 'FCC', issuedOn: '2026-11-05' });
    for (const caller of [h.analyst, h.admin, p1.user]) {
      const list = await caller.get(`/api/v1/providers/${p1.id}/letters`);
      expect(list.statusCode).toBe(200);
      expect(list.json<TLetterList>()).toEqual({ items: [letter], count: 1 });
    }
    for (const caller of [p2.user, enforcement])
      expectProblem(await caller.get(`/api/v1/providers/${p1.id}/letters`), 404);
    expect(await lettersOnFile(h.db, p1.id)).toEqual({ count: 1, letters: [letter] });
    expect(await lettersOnFile(h.db, p2.id)).toEqual({ count: 0, letters: [] });
  });

  it("flags the provider's hops in calls on or after the letter's date, not before", async () => {
    // tbA's call was on 2026-11-01, before p1's letter of 2026-11-05: no flag.
    const early = (await h.analyst.get(`/api/v1/tracebacks/${tbA.id}`)).json<TTraceback>();
    expect(early.hops[0]!.letters).toEqual([]);
    const late = await h.openTraceback(p1.id, { call: { ...CALL, startedAt: '2026-11-05T09:00:00Z' } });
    const view = (await h.analyst.get(`/api/v1/tracebacks/${late.id}`)).json<TTraceback>();
    expect(view.hops[0]!.letters).toEqual([
      expect.objectContaining({ issuer: 'FCC', issuedOn: '2026-11-05' }),
    ]);
    // Another provider's hops carry nothing of it.
    const other = (await h.analyst.get(`/api/v1/tracebacks/${tbC.id}`)).json<TTraceback>();
    expect(other.hops[0]!.letters).toEqual([]);
  });
});

describe('legal requests linked to the agencies directory', () => {
  interface Issued {
    items: Array<Record<string, unknown> & { id: string; status: string }>;
  }
  const agencyIdNamed = async (name: string) => {
    const list = (await h.admin.get('/api/v1/agencies')).json<{
      items: Array<{ id: string; name: string }>;
    }>();
    const found = list.items.find((a) => a.name === name);
    expect(found, name).toBeDefined();
    return found!.id;
  };
  const issued = async (caller: Caller) => {
    const res = await caller.get('/api/v1/agency/legal-requests');
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Issued>().items;
  };

  it("an agency's enforcement users see the requests it issued, status only; others see none or 404", async () => {
    const other = await h.user('enforcement', undefined, 'Other Agency (test)');
    const agencyId = await agencyIdNamed('Test Agency');
    const linked = (
      await create({ ...REQUEST, number: 'SUB-LINKED-1', issuingAgencyId: agencyId })
    ).json<TLegalRequest>();
    expect(linked.issuingAgencyId).toBe(agencyId);
    const unlinked = (await create({ ...REQUEST, number: 'SUB-UNLINKED-1' })).json<TLegalRequest>();
    expect(unlinked.issuingAgencyId).toBeNull();
    await upload(h.analyst, linked.id, pdf());

    const mine = await issued(enforcement);
    expect(mine.map((r) => r.id)).toEqual([linked.id]);
    // What it is and where it stands; no scope (numbers), notes, document or package.
    expect(Object.keys(mine[0]!).sort()).toEqual(
      ['dueOn', 'id', 'kind', 'number', 'overdue', 'receivedOn', 'respondedAt', 'status'].sort(),
    );
    expect(mine[0]).toMatchObject({ number: 'SUB-LINKED-1', status: 'received', respondedAt: null });
    expect(await issued(other)).toEqual([]);
    // The register itself stays staff only.
    expectProblem(await enforcement.get(`/api/v1/legal-requests/${linked.id}`), 404);
    expectProblem(await enforcement.get(`/api/v1/legal-requests/${linked.id}/document`), 404);
    // Staff have the register; providers nothing: the agency view is 404 for both.
    for (const caller of [h.analyst, h.admin, p1.user])
      expectProblem(await caller.get('/api/v1/agency/legal-requests'), 404);
    expect((await h.anonymous({ method: 'GET', url: '/api/v1/agency/legal-requests' })).statusCode).toBe(401);

    // Linked to another agency, it moves; unlinked, nobody outside staff sees it.
    const otherId = await agencyIdNamed('Other Agency (test)');
    const moved = await h.analyst.patch(`/api/v1/legal-requests/${linked.id}`, { issuingAgencyId: otherId });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(await issued(enforcement)).toEqual([]);
    expect((await issued(other)).map((r) => r.id)).toEqual([linked.id]);
    await h.analyst.patch(`/api/v1/legal-requests/${linked.id}`, { issuingAgencyId: null });
    expect(await issued(other)).toEqual([]);
  });

  it('an agency not in the directory is a 400 at issuingAgencyId, nothing written', async () => {
    const before = await h.counts();
    const missing = '00000000-0000-4000-8000-000000000001';
    const problem = expectProblem(await create({ ...REQUEST, issuingAgencyId: missing }), 400);
    expect(problem.errors?.map((e) => e.path)).toContain('issuingAgencyId');
    expectProblem(await create({ ...REQUEST, issuingAgencyId: 'nope' }), 400);
    const req = (await h.analyst.get('/api/v1/legal-requests')).json<TLegalRequestList>().items[0]!;
    const before2 = await h.counts();
    expect(before2).toEqual(before);
    const patched = expectProblem(
      await h.analyst.patch(`/api/v1/legal-requests/${req.id}`, { issuingAgencyId: missing, notes: 'x' }),
      400,
    );
    expect(patched.errors?.map((e) => e.path)).toContain('issuingAgencyId');
    expect(await h.counts()).toEqual(before);
  });

  it('an agency a legal request points at stays in the directory (409)', async () => {
    const res = await h.admin.post('/api/v1/agencies', {
      name: 'County DA (test)',
      kind: 'local',
      contacts: [],
    });
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json<{ id: string }>();
    await create({ ...REQUEST, number: 'SUB-DA-1', issuingAgencyId: id });
    const before = await h.counts();
    expectProblem(await h.admin.request({ method: 'DELETE', url: `/api/v1/agencies/${id}` }), 409);
    expect(await h.counts()).toEqual(before);
  });
});
