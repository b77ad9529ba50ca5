import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TEvent, TTraceback } from '@hoptrace/contracts';
import { CampaignDetection, renderHopEmail, type EmailPayload } from '@hoptrace/core';
import { schema } from '@hoptrace/db';
import { createVerifier } from '@hoptrace/shaken';
import { DEST, ORIG, startShakenFixture, type ShakenFixture } from '@hoptrace/shaken/testing';
import { and, eq } from 'drizzle-orm';
import { createHarness, type Harness } from './testing/harness';
import { JOBS } from './worker/jobs';

// The signer line's loose ends: what the signer is told (email, webhook data) and how its own origin
// answer is presented next to the path's (a traceback can hold two origin records).
let fx: ShakenFixture;
let h: Harness;
const SPC = '8C3D';
const ORIGID = '0f1e2d3c-4b5a-4978-8a69-5a4b3c2d1e0f';

beforeAll(async () => {
  fx = await startShakenFixture(SPC);
  const verifier = createVerifier({
    trust: fx.trust,
    fetch: { allowHttp: true, allowPrivateNetworks: true, timeoutMs: 1000 },
  });
  h = await createHarness(new Date().toISOString(), { settings: { shaken: { verifier } } });
}, 240_000);
afterAll(async () => {
  await h.close();
  await fx.close();
});

let spcs = 0;
async function openWithSigner() {
  const spc = `8${String(++spcs).padStart(3, '0')}`;
  const leaf = fx.pki.issueLeaf({ spc });
  fx.server.route(`/signer-${spc}.pem`, { body: leaf.pem + fx.pki.intermediate.pem });
  const terminating = await h.provider();
  const signer = await h.provider({ ocns: [spc] });
  const startedAt = new Date(h.clock.now().getTime() - 60_000);
  const identity = fx.identity({
    now: startedAt,
    x5u: fx.server.url(`/signer-${spc}.pem`),
    key: leaf.privateKey,
    origid: ORIGID,
  });
  const res = await h.analyst.post('/api/v1/tracebacks', {
    call: { startedAt: startedAt.toISOString(), callingNumber: `+${ORIG}`, calledNumber: `+${DEST}` },
    firstProviderId: terminating.id,
    identityHeader: identity,
  });
  expect(res.statusCode, res.body).toBe(201);
  const tb = res.json<TTraceback>();
  expect(tb.shaken?.verdict).toBe('valid');
  const signerHop = tb.hops.find((x) => x.line === 'signer')!;
  const pathHop = tb.hops.find((x) => x.line === 'path')!;
  expect(signerHop.providerId).toBe(signer.id);
  return { tb, terminating, signer, signerHop, pathHop, startedAt };
}

const detail = async (id: string) => {
  const res = await h.analyst.get(`/api/v1/tracebacks/${id}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<TTraceback>();
};

describe("the signer's request notice", () => {
  it('tells the signer it signed the call, with the origid and attestation, instead of asking who handed it over', async () => {
    const { tb, signerHop, pathHop, startedAt } = await openWithSigner();
    const rows = await h.db
      .select()
      .from(schema.outbox)
      .where(and(eq(schema.outbox.tracebackId, tb.id), eq(schema.outbox.topic, 'hop.assigned')));
    const email = (hopId: string) => rows.find((r) => r.hopId === hopId && r.channel === 'email')!;
    const signerPayload = email(signerHop.id).payload as unknown as EmailPayload;
    expect(signerPayload.signer).toEqual({
      attest: 'A',
      origid: ORIGID,
      origTn: ORIG,
      destTns: [DEST],
      iat: Math.floor(startedAt.getTime() / 1000),
    });
    const signerMail = renderHopEmail('hop.assigned', signerPayload, 'https://hoptrace.example/hop/x#t=y');
    expect(signerMail.subject).toContain('confirm the origin of a call you signed');
    expect(signerMail.subject).toContain(ORIGID);
    expect(signerMail.text).toContain('you signed this call (STIR/SHAKEN, attestation A)');
    expect(signerMail.text).toContain(`Origination ID (origid): ${ORIGID}`);
    expect(signerMail.text).toContain(`Signed calling → called: ${ORIG} → ${DEST}`);
    expect(signerMail.text).not.toContain('who handed you this call');
    expect(signerMail.html).toContain(ORIGID);
    const reminder = renderHopEmail('hop.reminder', { ...signerPayload, hoursBeforeDue: 4 }, null);
    expect(reminder.subject).toContain('Reminder: confirm the origin of a call you signed');

    // The path provider's notice is unchanged: no signer claims, the usual question.
    const pathPayload = email(pathHop.id).payload as unknown as EmailPayload;
    expect(pathPayload.signer).toBeUndefined();
    const pathMail = renderHopEmail('hop.assigned', pathPayload, null);
    expect(pathMail.text).toContain('who handed you this call');
    expect(pathMail.text).not.toContain('origid');
  });
});

describe('two origin records: the path origin and the signer claim', () => {
  it('takes the traceback origin from the path only and shows the signer answer as its claim', async () => {
    const { tb, terminating, signer, signerHop, pathHop } = await openWithSigner();
    // The signer confirms on its line first (the path's final answer then closes the traceback and
    // withdraws whatever still waits on the signer line).
    const signerAnswer = await signer.user.post(`/api/v1/hops/${signerHop.id}/answer`, {
      kind: 'origin',
      customer: { name: 'Signer Customer Fictional Inc', address: '1 Example Way' },
      action: 'investigating',
    });
    expect(signerAnswer.statusCode, signerAnswer.body).toBe(200);
    const pathAnswer = await terminating.user.post(`/api/v1/hops/${pathHop.id}/answer`, {
      kind: 'origin',
      customer: { name: 'Path Customer Fictional LLC', accountRef: 'PATH-1' },
      action: 'terminated',
    });
    expect(pathAnswer.statusCode, pathAnswer.body).toBe(200);

    const after = await detail(tb.id);
    expect(after.outcome).toBe('origin_identified');
    expect(after.origin).toMatchObject({
      hopId: pathHop.id,
      providerId: terminating.id,
      customer: { name: 'Path Customer Fictional LLC', accountRef: 'PATH-1' },
      action: 'terminated',
    });
    expect(after.signerOrigin).toMatchObject({
      hopId: signerHop.id,
      providerId: signer.id,
      customer: { name: 'Signer Customer Fictional Inc', address: '1 Example Way' },
      action: 'investigating',
    });
    // Each hop summary carries its own action.
    expect(after.hops.find((x) => x.id === pathHop.id)!.answer).toMatchObject({ action: 'terminated' });
    expect(after.hops.find((x) => x.id === signerHop.id)!.answer).toMatchObject({ action: 'investigating' });

    // The read of both customers is recorded, once for this one view, naming both hops.
    const events = (await h.analyst.get(`/api/v1/tracebacks/${tb.id}/events`)).json<{ items: TEvent[] }>()
      .items;
    const viewed = events.filter((e) => e.type === 'origin.viewed');
    expect(viewed).toHaveLength(1);
    expect(viewed[0]!.hopId).toBe(pathHop.id);
    expect(viewed[0]!.data).toEqual({ hops: [pathHop.id, signerHop.id] });

    // Providers never see the traceback (nor either customer); their hop views carry the action only.
    expect((await signer.user.get(`/api/v1/tracebacks/${tb.id}`)).statusCode).toBe(404);
    const own = await signer.user.get(`/api/v1/hops/${signerHop.id}`);
    expect(own.body).not.toContain('Signer Customer');
    expect(own.body).not.toContain('Path Customer');
  });

  it('never presents a signer-only origin answer as the traceback origin', async () => {
    const { tb, signer, signerHop } = await openWithSigner();
    const res = await signer.user.post(`/api/v1/hops/${signerHop.id}/answer`, {
      kind: 'origin',
      customer: { name: 'Only Signer Customer Fictional' },
      action: 'warned',
    });
    expect(res.statusCode, res.body).toBe(200);
    const after = await detail(tb.id);
    expect(after.status).toBe('open');
    expect(after.origin).toBeUndefined();
    expect(after.signerOrigin).toMatchObject({
      hopId: signerHop.id,
      customer: { name: 'Only Signer Customer Fictional' },
    });
  });
});

describe('auto-open, as the worker runs it', () => {
  it("verifies the traced call's Identity header and asks its signer, as a traceback opened by hand", async () => {
    const spc = '8900';
    const leaf = fx.pki.issueLeaf({ spc });
    fx.server.route(`/signer-${spc}.pem`, { body: leaf.pem + fx.pki.intermediate.pem });
    const terminating = await h.provider();
    const signer = await h.provider({ ocns: [spc] });
    const source = await h.analyst.post('/api/v1/call-sources', {
      name: 'hp-signed',
      terminatingProviderId: terminating.id,
    });
    expect(source.statusCode, source.body).toBe(201);
    // Six honeypot calls of one script, each signed by the provider holding SPC 8900.
    const now = h.clock.now().getTime();
    const records = Array.from({ length: 6 }, (_, i) => {
      const startedAt = new Date(now - (10 - i) * 60_000);
      return {
        externalId: `signed-${i}`,
        startedAt: startedAt.toISOString(),
        callingNumber: `+${ORIG}`,
        calledNumber: `+${DEST}`,
        transcript: `This is the final notice about the extended warranty on your vehicle. Press one to speak to a specialist now, reference ${4100 + i}.`,
        identityHeader: fx.identity({
          now: startedAt,
          x5u: fx.server.url(`/signer-${spc}.pem`),
          key: leaf.privateKey,
          origid: ORIGID,
        }),
      };
    });
    const sent = await h.analyst.post('/api/v1/calls?source=hp-signed', records);
    expect(sent.statusCode, sent.body).toBe(200);
    const settings = h.app.settings;
    await new CampaignDetection(h.db, h.clock, { verifier: settings.shaken!.verifier! }).runToCompletion();
    const policy = await h.analyst.request({
      method: 'PUT',
      url: '/api/v1/campaigns/auto-open',
      payload: { enabled: true, topK: 10 },
    });
    expect(policy.statusCode, policy.body).toBe(200);

    const job = JOBS.find((j) => j.id === 'campaigns.auto-open')!;
    expect(await job.run({ db: h.db, clock: h.clock, dispatcher: {} as never, settings })).toBe(1);
    const [opened] = await h.db
      .select()
      .from(schema.tracebacks)
      .where(eq(schema.tracebacks.firstProviderId, terminating.id));
    const tb = await detail(opened!.id);
    expect(tb.shaken?.verdict).toBe('valid');
    expect(tb.hops.find((x) => x.line === 'signer')?.providerId).toBe(signer.id);
    expect(tb.hops.find((x) => x.line === 'path')?.providerId).toBe(terminating.id);
  });
});
