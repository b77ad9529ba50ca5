import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TEvent, THop, TProviderShakenCounts, TTraceback } from '@hoptrace/contracts';
import { schema } from '@hoptrace/db';
import { createVerifier, generateTestKeyPair } from '@hoptrace/shaken';
import { DEST, ORIG, startShakenFixture, type ShakenFixture } from '@hoptrace/shaken/testing';
import { eq } from 'drizzle-orm';
import { createHarness, type Harness } from './testing/harness';

// A real loopback STI-CR serving a test PKI; the verifier fetches over HTTP like in production.
let fx: ShakenFixture;
let auto: Harness;
let manual: Harness;
let unconfigured: Harness;
const SPC = '7A2B';

beforeAll(async () => {
  fx = await startShakenFixture(SPC);
  const verifier = createVerifier({
    trust: fx.trust,
    fetch: { allowHttp: true, allowPrivateNetworks: true, timeoutMs: 1000 },
  });
  const start = new Date().toISOString();
  auto = await createHarness(start, { settings: { shaken: { verifier } } });
  manual = await createHarness(start, { settings: { shaken: { verifier, signerHops: 'manual' } } });
  unconfigured = await createHarness(start);
}, 240_000);
afterAll(async () => {
  await Promise.all([auto.close(), manual.close(), unconfigured.close()]);
  await fx.close();
});

const ORIGID = '123e4567-e89b-42d3-a456-426614174000';

/** A call received now (the test PKI's certificates are valid around the wall clock). */
function callNow(h: Harness) {
  const startedAt = new Date(h.clock.now().getTime() - 60_000);
  return { startedAt: startedAt.toISOString(), callingNumber: `+${ORIG}`, calledNumber: `+${DEST}` };
}

async function openSigned(h: Harness, firstProviderId: string, identity: string | undefined) {
  const call = callNow(h);
  const res = await h.analyst.post('/api/v1/tracebacks', {
    call,
    firstProviderId,
    ...(identity ? { identityHeader: identity } : {}),
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<TTraceback>();
}

const detail = async (h: Harness, id: string) =>
  (await h.analyst.get(`/api/v1/tracebacks/${id}`)).json<TTraceback>();

let spcs = 0;
/** Three providers; the signer holds a fresh SPC with its own certificate, served by the loopback STI-CR. */
async function setup(h: Harness) {
  const spc = `9${String(++spcs).padStart(3, '0')}`;
  const leaf = fx.pki.issueLeaf({ spc });
  fx.server.route(`/sp-${spc}.pem`, { body: leaf.pem + fx.pki.intermediate.pem });
  const terminating = await h.provider();
  const transit = await h.provider();
  const signer = await h.provider({ ocns: [spc] });
  const identity = (o: Parameters<ShakenFixture['identity']>[0] = {}) =>
    fx.identity({
      now: new Date(callNow(h).startedAt),
      x5u: fx.server.url(`/sp-${spc}.pem`),
      key: leaf.privateKey,
      ...o,
    });
  return { terminating, transit, signer, spc, identity };
}

describe('a traceback opened with an Identity header', () => {
  it('verifies a valid A attestation at the call time, names the signer and opens a hop to it on the signer line', async () => {
    const { terminating, signer, spc, identity } = await setup(auto);
    const tb = await openSigned(auto, terminating.id, identity({ origid: ORIGID }));
    expect(tb.shaken).toMatchObject({
      verdict: 'valid',
      attest: 'A',
      spc,
      origid: ORIGID,
      signer: { providerId: signer.id, name: signer.name },
      inconsistencies: [],
      failedChecks: [],
      can: { requestSignerHop: false },
    });
    expect(tb.shaken!.checks.failed).toBe(0);
    const signerHop = tb.hops.find((h) => h.line === 'signer')!;
    expect(signerHop).toMatchObject({ seq: 1, providerId: signer.id, status: 'pending' });
    expect(tb.shaken!.signerHopId).toBe(signerHop.id);
    expect(tb.hops.find((h) => h.line === 'path')).toMatchObject({ seq: 1, providerId: terminating.id });
    const timeline = (await auto.analyst.get(`/api/v1/tracebacks/${tb.id}/events`)).json<{
      items: TEvent[];
    }>().items;
    expect(timeline.find((e) => e.type === 'shaken.verified')?.data).toMatchObject({
      verdict: 'valid',
      signerProviderId: signer.id,
    });

    // The signer sees the claims it needs (origid) on its own hop, nothing of the path.
    const asSigner = (await signer.user.get(`/api/v1/hops/${signerHop.id}`)).json<THop>();
    expect(asSigner).toMatchObject({ line: 'signer', signer: { origid: ORIGID, attest: 'A' } });
    expect(asSigner).not.toHaveProperty('shaken');
    // The path provider's hop carries no signer claims; neither provider may read the traceback.
    const pathHop = tb.hops.find((h) => h.line === 'path')!;
    const asTerminating = (await terminating.user.get(`/api/v1/hops/${pathHop.id}`)).json<THop>();
    expect(asTerminating.signer).toBeUndefined();
    expect((await terminating.user.get(`/api/v1/hops/${signerHop.id}`)).statusCode).toBe(404);
    expect((await signer.user.get(`/api/v1/tracebacks/${tb.id}`)).statusCode).toBe(404);
    expect((await signer.user.get(`/api/v1/providers/${signer.id}/shaken`)).statusCode).toBe(404);

    // The signer confirms the origin on its line: recorded, the main path goes on by itself.
    const ans = await signer.user.post(`/api/v1/hops/${signerHop.id}/answer`, {
      kind: 'origin',
      customer: { name: 'Fictional Dialer LLC' },
      action: 'investigating',
    });
    expect(ans.statusCode, ans.body).toBe(200);
    const after = await detail(auto, tb.id);
    expect(after.status).toBe('open');
    expect(after.hops.find((h) => h.line === 'path')!.status).toBe('pending');
    expect(after.hops.filter((h) => h.line === 'signer')).toHaveLength(1);
  });

  it('flags a signer that never appears in the path and is not the origin, and counts it on the signer', async () => {
    const { terminating, transit, signer, identity } = await setup(auto);
    const tb = await openSigned(auto, terminating.id, identity());
    const pathHop = tb.hops.find((h) => h.line === 'path')!;
    // An upstream answer on the signer line names a provider but opens nothing further there.
    const signerHop = tb.hops.find((h) => h.line === 'signer')!;
    expect(
      (
        await signer.user.post(`/api/v1/hops/${signerHop.id}/answer`, {
          kind: 'upstream',
          upstreamProviderId: transit.id,
          comment: 'we signed it for our wholesale customer',
        })
      ).statusCode,
    ).toBe(200);
    expect((await detail(auto, tb.id)).hops.filter((h) => h.line === 'signer')).toHaveLength(1);

    await terminating.user.post(`/api/v1/hops/${pathHop.id}/answer`, {
      kind: 'upstream',
      upstreamProviderId: transit.id,
    });
    const transitHop = (await detail(auto, tb.id)).hops.find((h) => h.line === 'path' && h.seq === 2)!;
    const res = await transit.user.post(`/api/v1/hops/${transitHop.id}/answer`, {
      kind: 'origin',
      customer: { name: 'Fictional Robodialer Inc' },
      action: 'terminated',
    });
    expect(res.statusCode, res.body).toBe(200);
    const closed = await detail(auto, tb.id);
    expect(closed).toMatchObject({ status: 'closed', outcome: 'origin_identified' });
    expect(closed.flags).toEqual(
      expect.arrayContaining(['shaken_signer_not_in_path', 'shaken_signer_not_origin']),
    );
    expect(closed.shaken!.inconsistencies).toEqual(
      expect.arrayContaining(['shaken_signer_not_in_path', 'shaken_signer_not_origin']),
    );
    const counts = await auto.analyst.get(`/api/v1/providers/${signer.id}/shaken`);
    expect(counts.statusCode, counts.body).toBe(200);
    expect(counts.json<TProviderShakenCounts>()).toMatchObject({
      providerId: signer.id,
      byVerdict: { valid: 1 },
      inconsistencies: { shaken_signer_not_in_path: 1, shaken_signer_not_origin: 1 },
    });
    expect((await auto.analyst.get(`/api/v1/providers/${transit.id}/shaken`)).json()).toMatchObject({
      signed: 0,
      inconsistencies: {},
    });
  });

  it('flags an A attestation when the origin says its customer does not hold the number, and withdraws the pending signer hop on close', async () => {
    const { terminating, signer, identity } = await setup(auto);
    const tb = await openSigned(auto, terminating.id, identity());
    const pathHop = tb.hops.find((h) => h.line === 'path')!;
    await terminating.user.post(`/api/v1/hops/${pathHop.id}/answer`, {
      kind: 'upstream',
      upstreamProviderId: signer.id,
    });
    const signerPathHop = (await detail(auto, tb.id)).hops.find((h) => h.line === 'path' && h.seq === 2)!;
    const res = await signer.user.post(`/api/v1/hops/${signerPathHop.id}/answer`, {
      kind: 'origin',
      customer: { name: 'Fictional Spoofer LLC' },
      action: 'warned',
      numberHeld: false,
    });
    expect(res.statusCode, res.body).toBe(200);
    const closed = await detail(auto, tb.id);
    expect(closed.flags).toContain('shaken_attest_a_number_not_held');
    expect(closed.flags).not.toContain('shaken_signer_not_origin');
    expect(closed.flags).not.toContain('shaken_signer_not_in_path');
    expect(closed.hops.find((h) => h.line === 'signer')!.status).toBe('withdrawn');
    const bad = await signer.user.post(`/api/v1/hops/${signerPathHop.id}/answer`, {
      kind: 'origin',
      customer: { name: 'x' },
      action: 'warned',
      numberHeld: 'no',
    });
    expect(bad.statusCode).toBe(400);
  });

  it('flags an invalid signature and opens no signer hop', async () => {
    const { terminating, identity } = await setup(auto);
    const forged = identity({ key: generateTestKeyPair().privateKey });
    const tb = await openSigned(auto, terminating.id, forged);
    expect(tb.shaken).toMatchObject({ verdict: 'invalid', sipCode: 438 });
    expect(tb.flags).toContain('shaken_invalid_signature');
    expect(tb.shaken!.failedChecks.map((c) => c.code)).toContain('passport.signature');
    expect(tb.hops.filter((h) => h.line === 'signer')).toHaveLength(0);
  });

  it('flags an expired certificate', async () => {
    const { terminating } = await setup(auto);
    const now = auto.clock.now().getTime();
    const expired = fx.pki.issueLeaf({
      spc: SPC,
      notBefore: new Date(now - 30 * 86_400_000),
      notAfter: new Date(now - 2 * 86_400_000),
    });
    fx.server.route('/expired.pem', { body: expired.pem + fx.pki.intermediate.pem });
    const tb = await openSigned(
      auto,
      terminating.id,
      fx.identity({
        now: new Date(callNow(auto).startedAt),
        x5u: fx.server.url('/expired.pem'),
        key: expired.privateKey,
      }),
    );
    expect(tb.shaken!.verdict).toBe('invalid');
    expect(tb.flags).toContain('shaken_cert_expired_or_revoked');
    expect(tb.hops.filter((h) => h.line === 'signer')).toHaveLength(0);
  });

  it('records nothing for a traceback without a header', async () => {
    const { terminating } = await setup(auto);
    const tb = await openSigned(auto, terminating.id, undefined);
    expect(tb.shaken).toBeUndefined();
    const rows = await auto.db
      .select()
      .from(schema.tracebackShaken)
      .where(eq(schema.tracebackShaken.tracebackId, tb.id));
    expect(rows).toHaveLength(0);
  });

  it('never fails the open: no verifier, or an unreachable certificate, is verdict error with the reason', async () => {
    const p = await unconfigured.provider();
    const tb = await openSigned(
      unconfigured,
      p.id,
      fx.identity({ now: new Date(callNow(unconfigured).startedAt) }),
    );
    expect(tb.shaken).toMatchObject({ verdict: 'error', reason: 'no STIR/SHAKEN verifier is configured' });
    const { terminating } = await setup(auto);
    const gone = await openSigned(
      auto,
      terminating.id,
      fx.identity({ now: new Date(callNow(auto).startedAt), x5u: fx.server.url('/missing.pem') }),
    );
    expect(gone.shaken!.verdict).not.toBe('valid');
    expect(gone.status).toBe('open');
  });
});

describe('manual signer hops (HOPTRACE_SHAKEN_SIGNER_HOPS=manual)', () => {
  it('waits for an analyst to ask the signer, once', async () => {
    const { terminating, signer, identity } = await setup(manual);
    const tb = await openSigned(manual, terminating.id, identity());
    expect(tb.hops.filter((h) => h.line === 'signer')).toHaveLength(0);
    expect(tb.shaken).toMatchObject({ verdict: 'valid', can: { requestSignerHop: true } });
    const res = await manual.analyst.post(`/api/v1/tracebacks/${tb.id}/actions`, {
      action: 'request_signer_hop',
    });
    expect(res.statusCode, res.body).toBe(200);
    const view = res.json<TTraceback>();
    expect(view.hops.find((h) => h.line === 'signer')).toMatchObject({ providerId: signer.id, seq: 1 });
    expect(view.shaken!.can.requestSignerHop).toBe(false);
    const again = await manual.analyst.post(`/api/v1/tracebacks/${tb.id}/actions`, {
      action: 'request_signer_hop',
    });
    expect(again.statusCode).toBe(409);
    // A provider user cannot steer.
    expect(
      (await signer.user.post(`/api/v1/tracebacks/${tb.id}/actions`, { action: 'request_signer_hop' }))
        .statusCode,
    ).toBe(404);
  });

  it('refuses when no verified signer is known', async () => {
    const p = await manual.provider();
    const tb = await openSigned(manual, p.id, undefined);
    const res = await manual.analyst.post(`/api/v1/tracebacks/${tb.id}/actions`, {
      action: 'request_signer_hop',
    });
    expect(res.statusCode).toBe(409);
    expect(res.json<{ detail: string }>().detail).toMatch(/signature/);
  });
});
