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

describe('STIR/SHAKEN along the path (what each provider received)', () => {
  it('verifies a header a hop received, flags a signer that is not the origin and counts it on that provider', async () => {
    const { terminating, transit, signer, spc, identity } = await setup(auto);
    const origin = await auto.provider();
    // The terminating provider's header was signed by the signer; so was the one the transit received.
    const header = identity({ attest: 'A' });
    const tb = await openSigned(auto, terminating.id, header);
    const first = tb.hops.find((h) => h.line === 'path')!;
    const a1 = await terminating.user.post(`/api/v1/hops/${first.id}/answer`, {
      kind: 'upstream',
      upstreamProviderId: transit.id,
      received: { identityHeader: header, fromNumber: `+${ORIG}` },
    });
    expect(a1.statusCode, a1.body).toBe(200);
    const transitHop = (await detail(auto, tb.id)).hops.find((h) => h.line === 'path' && h.seq === 2)!;
    const a2 = await transit.user.post(`/api/v1/hops/${transitHop.id}/answer`, {
      kind: 'upstream',
      upstreamProviderId: origin.id,
      received: { identityHeader: `Identity: ${header}`, paiNumber: `+${ORIG}` },
    });
    expect(a2.statusCode, a2.body).toBe(200);
    const originHop = (await detail(auto, tb.id)).hops.find((h) => h.line === 'path' && h.seq === 3)!;
    // The origin received the call from its customer without a header.
    const a3 = await origin.user.post(`/api/v1/hops/${originHop.id}/answer`, {
      kind: 'origin',
      customer: { name: 'Fictional Dialer LLC' },
      action: 'warned',
      received: { identityHeader: 'none' },
    });
    expect(a3.statusCode, a3.body).toBe(200);

    const closed = await detail(auto, tb.id);
    expect(closed.outcome).toBe('origin_identified');
    expect(closed.flags).toContain('shaken_path_signer_not_origin');
    expect(closed.flags).not.toContain('shaken_header_dropped');
    expect(closed.flags).not.toContain('shaken_header_replaced');
    const onTransit = closed.hops.find((h) => h.id === transitHop.id)!;
    expect(onTransit.received).toMatchObject({
      identity: 'signed',
      paiNumber: `+${ORIG}`,
      verdict: 'valid',
      attest: 'A',
      spc,
      signer: { providerId: signer.id, name: signer.name },
      flags: [{ code: 'shaken_path_signer_not_origin', providerId: signer.id }],
    });
    expect(onTransit.received!.certificate!.notAfter).toBeTruthy();
    expect(closed.hops.find((h) => h.id === originHop.id)!.received).toMatchObject({
      identity: 'none',
      verdict: null,
      flags: [],
    });
    const counts = (
      await auto.analyst.get(`/api/v1/providers/${signer.id}/shaken`)
    ).json<TProviderShakenCounts>();
    expect(counts.path).toEqual({ shaken_path_signer_not_origin: 1 });
    expect(
      (await auto.analyst.get(`/api/v1/providers/${transit.id}/shaken`)).json<TProviderShakenCounts>().path,
    ).toEqual({});
    // Providers never read the path.
    expect((await transit.user.get(`/api/v1/tracebacks/${tb.id}`)).statusCode).toBe(404);
  });

  it('flags a header dropped or replaced by the provider that passed the call on, and an A attestation on a number not held', async () => {
    const { terminating, transit, signer, identity } = await setup(auto);
    const other = await setup(auto);
    const tb = await openSigned(auto, terminating.id, identity({ attest: 'A' }));
    const first = tb.hops.find((h) => h.line === 'path')!;
    // The terminating provider got a header signed by another provider than the one the transit received.
    await terminating.user.post(`/api/v1/hops/${first.id}/answer`, {
      kind: 'upstream',
      upstreamProviderId: transit.id,
    });
    const transitHop = (await detail(auto, tb.id)).hops.find((h) => h.line === 'path' && h.seq === 2)!;
    const a2 = await transit.user.post(`/api/v1/hops/${transitHop.id}/answer`, {
      kind: 'upstream',
      upstreamProviderId: signer.id,
      received: { identityHeader: other.identity({ attest: 'A' }) },
    });
    expect(a2.statusCode, a2.body).toBe(200);
    const signerHop = (await detail(auto, tb.id)).hops.find((h) => h.line === 'path' && h.seq === 3)!;
    const a3 = await signer.user.post(`/api/v1/hops/${signerHop.id}/answer`, {
      kind: 'origin',
      customer: { name: 'Fictional Spoofer LLC' },
      action: 'warned',
      numberHeld: false,
      received: { identityHeader: 'NONE', fromNumber: `+${ORIG}` },
    });
    expect(a3.statusCode, a3.body).toBe(200);
    const closed = await detail(auto, tb.id);
    expect(closed.flags).toEqual(
      expect.arrayContaining([
        'shaken_header_replaced',
        'shaken_path_signer_not_origin',
        'shaken_path_attest_a_number_not_held',
      ]),
    );
    expect(closed.hops.find((h) => h.id === transitHop.id)!.received!.flags).toEqual(
      expect.arrayContaining([
        { code: 'shaken_header_replaced', providerId: transit.id },
        { code: 'shaken_path_signer_not_origin', providerId: other.signer.id },
        { code: 'shaken_path_attest_a_number_not_held', providerId: other.signer.id },
      ]),
    );
    expect(
      (await auto.analyst.get(`/api/v1/providers/${transit.id}/shaken`)).json<TProviderShakenCounts>().path,
    ).toEqual({ shaken_header_replaced: 1 });
    const timeline = (await auto.analyst.get(`/api/v1/tracebacks/${tb.id}/events`)).json<{
      items: TEvent[];
    }>().items;
    expect(timeline.filter((e) => e.type === 'traceback.flagged').map((e) => e.data.flag)).toEqual(
      expect.arrayContaining(['shaken_header_replaced', 'shaken_path_attest_a_number_not_held']),
    );
  });

  it('flags a signed header passed on without it, and an expired certificate at the call time', async () => {
    const { terminating, transit } = await setup(auto);
    const now = auto.clock.now().getTime();
    const expired = fx.pki.issueLeaf({
      spc: '9EXP',
      notBefore: new Date(now - 30 * 86_400_000),
      notAfter: new Date(now - 2 * 86_400_000),
    });
    fx.server.route('/expired-path.pem', { body: expired.pem + fx.pki.intermediate.pem });
    const stale = fx.identity({
      now: new Date(callNow(auto).startedAt),
      x5u: fx.server.url('/expired-path.pem'),
      key: expired.privateKey,
    });
    // No header at the terminating provider, though its upstream received one.
    const tb2 = await openSigned(auto, terminating.id, undefined);
    await terminating.user.post(`/api/v1/hops/${tb2.hops[0]!.id}/answer`, {
      kind: 'upstream',
      upstreamProviderId: transit.id,
      received: { identityHeader: 'none' },
    });
    const t2 = (await detail(auto, tb2.id)).hops.find((h) => h.seq === 2)!;
    const a = await transit.user.post(`/api/v1/hops/${t2.id}/answer`, {
      kind: 'origin',
      customer: { name: 'Fictional Caller Co' },
      action: 'investigating',
      received: { identityHeader: stale },
    });
    expect(a.statusCode, a.body).toBe(200);
    const closed = await detail(auto, tb2.id);
    expect(closed.flags).toEqual(
      expect.arrayContaining(['shaken_header_dropped', 'shaken_path_cert_expired_or_revoked']),
    );
    expect(closed.hops.find((h) => h.id === t2.id)!.received).toMatchObject({ verdict: 'invalid' });
  });

  it('takes what was received from a bulk answers file (optional columns), refusing a bad row by its column', async () => {
    const { signer, identity } = await setup(auto);
    const origin = await auto.provider();
    const a = await openSigned(auto, origin.id, undefined);
    const b = await openSigned(auto, origin.id, undefined);
    const header = identity();
    const csv = [
      'hop_id,kind,customer_name,action,received_identity,received_from,received_pai',
      `${a.hops[0]!.id},origin,Fictional Dialer LLC,warned,"${header}",+${ORIG},`,
      `${b.hops[0]!.id},origin,Fictional Dialer LLC,warned,none,,12`,
    ].join('\n');
    const res = await origin.user.request({
      method: 'POST',
      url: '/api/v1/hops/bulk-answers',
      payload: csv,
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json<{
      applied: number;
      refused: number;
      rows: { status: string; errors?: { path: string }[] }[];
    }>();
    expect(report).toMatchObject({ applied: 1, refused: 1 });
    expect(report.rows.find((r) => r.status === 'refused')!.errors![0]!.path).toBe('received_pai');
    const view = await detail(auto, a.id);
    expect(view.hops[0]!.received).toMatchObject({
      identity: 'signed',
      fromNumber: `+${ORIG}`,
      verdict: 'valid',
      signer: { providerId: signer.id },
    });
    expect(view.flags).toContain('shaken_path_signer_not_origin');
  });

  it('refuses a bad received field naming it', async () => {
    const { terminating, transit } = await setup(auto);
    const tb = await openSigned(auto, terminating.id, undefined);
    const res = await terminating.user.post(`/api/v1/hops/${tb.hops[0]!.id}/answer`, {
      kind: 'upstream',
      upstreamProviderId: transit.id,
      received: { paiNumber: 'not a number' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('paiNumber');
    const empty = await terminating.user.post(`/api/v1/hops/${tb.hops[0]!.id}/answer`, {
      kind: 'upstream',
      upstreamProviderId: transit.id,
      received: {},
    });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('identityHeader');
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
