import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unzipSync } from 'fflate';
import { createCampaign, systemActor, verifyEvidencePackage } from '@hoptrace/core';
import {
  ZEvidenceManifest,
  ZEvidenceTracebackFile,
  type TEvent,
  type TEvidenceKey,
  type TEvidencePackageCreated,
  type THop,
  type TTraceback,
} from '@hoptrace/contracts';
import { createHarness, expectProblem, type Caller, type Harness } from './testing/harness';

/**
 * Evidence packages over HTTP: who may build and download them (staff, the agency a traceback is referred
 * to; never a provider, nor an agency without a referral), what the ZIP holds, the public key and its
 * rotation (old packages still verify with the retired key; new ones use the new key).
 */

const AGENCY = 'State AG Evidence Desk (test)';
const customer = {
  name: 'Brindlewood Outbound Dialing LLC',
  address: '7 Imaginary Quay, Nowhere',
  contact: 'noc@brindlewood.example',
  accountRef: 'ACCT-BW-7731',
};
const loa = Buffer.from('%PDF-1.4\n% letter of authority (test)\n%%EOF\n', 'latin1');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let h: Harness;
let a: Awaited<ReturnType<Harness['provider']>>;
let b: Awaited<ReturnType<Harness['provider']>>;
let officer: Caller;
let otherAgency: Caller;
let closed: TTraceback;
let referralId: string;

const build = (caller: Caller, id: string) => caller.post(`/api/v1/tracebacks/${id}/evidence-packages`, {});
const download = (caller: Caller, url: string) => caller.get(url);
const publicKey = async () => (await h.anonymous({ method: 'GET', url: '/api/v1/evidence/public-key' })).body;

beforeAll(async () => {
  h = await createHarness();
  a = await h.provider();
  b = await h.provider();
  officer = await h.user('enforcement', undefined, AGENCY);
  otherAgency = await h.user('enforcement', undefined, 'Another Agency (test)');
  closed = await h.openTraceback(a.id);
  const hopA = closed.hops[0]!.id;
  const up = await a.user.post(`/api/v1/hops/${hopA}/answer`, { kind: 'upstream', upstreamProviderId: b.id });
  expect(up.statusCode, up.body).toBe(200);
  const hopB = (await b.user.get('/api/v1/hops?status=pending')).json<{ items: THop[] }>().items[0]!.id;
  const att = await b.user.request({
    method: 'POST',
    url: `/api/v1/hops/${hopB}/attachments?name=LOA.pdf`,
    payload: loa,
    headers: { 'content-type': 'application/pdf' },
  });
  expect(att.statusCode, att.body).toBe(201);
  const origin = await b.user.post(`/api/v1/hops/${hopB}/answer`, {
    kind: 'origin',
    customer,
    action: 'terminated',
  });
  expect(origin.statusCode, origin.body).toBe(200);
  const referral = await h.analyst.post(`/api/v1/tracebacks/${closed.id}/referrals`, {
    agencyIds: [await h.agencyId(AGENCY)],
  });
  expect(referral.statusCode, referral.body).toBe(201);
  referralId = referral.json<{ referred: { id: string }[] }>().referred[0]!.id;
});
afterAll(() => h.close());

describe('evidence packages', () => {
  let staffPackage: TEvidencePackageCreated;
  let staffZip: Buffer;

  it('refuses providers (even one on the path), agencies without a referral and bad ids, writing nothing', async () => {
    const before = await h.counts();
    for (const caller of [a.user, b.user, otherAgency]) expectProblem(await build(caller, closed.id), 404);
    expectProblem(await build(h.analyst, '00000000-0000-4000-8000-000000000000'), 404);
    const bad = await build(h.analyst, 'not-a-uuid');
    expectProblem(bad, 400);
    expect(bad.body).toContain('id');
    expectProblem(
      await h.anonymous({ method: 'POST', url: `/api/v1/tracebacks/${closed.id}/evidence-packages` }),
      401,
    );
    expect(await h.counts()).toEqual(before);
  });

  it('staff build one: 201 with its hashes and a download URL; the ZIP is those bytes, signed, complete', async () => {
    const res = await build(h.analyst, closed.id);
    expect(res.statusCode, res.body).toBe(201);
    staffPackage = res.json<TEvidencePackageCreated>();
    expect(staffPackage.downloadUrl).toBe(`/api/v1/evidence-packages/${staffPackage.id}/download`);
    const got = await download(h.analyst, staffPackage.downloadUrl);
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('application/zip');
    expect(got.headers['content-disposition']).toMatch(/^attachment; filename="evidence-[0-9a-f-]+\.zip"$/);
    staffZip = got.rawPayload;
    expect(sha256(staffZip)).toBe(staffPackage.sha256);
    // A second download is byte-identical: the stored file, not a rebuild.
    expect(sha256((await download(h.analyst, staffPackage.downloadUrl)).rawPayload)).toBe(
      staffPackage.sha256,
    );

    const files = unzipSync(staffZip);
    const manifest = ZEvidenceManifest.parse(JSON.parse(Buffer.from(files['manifest.json']!).toString()));
    expect(sha256(files['manifest.json']!)).toBe(staffPackage.manifestSha256);
    expect(manifest).toMatchObject({
      packageId: staffPackage.id,
      scope: 'traceback',
      tracebackIds: [closed.id],
    });
    expect(manifest.builtBy.label).toBe(h.analyst.email);
    const attachmentPath = manifest.files.find((f) => f.path.startsWith('attachments/'))!.path;
    expect(manifest.files.map((f) => f.path).sort()).toEqual(
      ['report.pdf', 'traceback.json', 'schema.json', attachmentPath, 'public-key.pem'].sort(),
    );
    expect(Object.keys(files).sort()).toEqual(
      [...manifest.files.map((f) => f.path), 'manifest.json', 'manifest.sig'].sort(),
    );
    expect(Buffer.from(files[attachmentPath]!).equals(loa)).toBe(true);
    expect(attachmentPath).toMatch(/\/LOA\.pdf$/);

    const tb = ZEvidenceTracebackFile.parse(JSON.parse(Buffer.from(files['traceback.json']!).toString()));
    expect(tb.traceback.origin).toMatchObject({ providerId: b.id, customer, action: 'terminated' });
    expect(tb.traceback.hops.map((x) => x.providerId)).toEqual([a.id, b.id]);
    expect(tb.attachments).toEqual([
      expect.objectContaining({ path: attachmentPath, sha256: sha256(loa), size: loa.length }),
    ]);
    expect(tb.timeline.map((e) => e.type)).toContain('hop.answered');
    const schema = JSON.parse(Buffer.from(files['schema.json']!).toString()) as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['traceback', 'timeline', 'attachments']),
    );

    const pem = await publicKey();
    expect(Buffer.from(files['public-key.pem']!).toString()).toBe(pem);
    const verified = verifyEvidencePackage(staffZip, { publicKeyPem: pem });
    expect(verified).toMatchObject({
      ok: true,
      files: 5,
      fingerprint: manifest.key.fingerprint,
      keyFrom: 'given',
    });
  });

  it('building is on the timeline: who, when, the package and its manifest hash', async () => {
    const events = (await h.analyst.get(`/api/v1/tracebacks/${closed.id}/events`)).json<{ items: TEvent[] }>()
      .items;
    expect(events.filter((e) => e.type === 'evidence.built').at(-1)).toMatchObject({
      actor: h.analyst.email,
      at: h.clock.now().toISOString(),
      data: {
        packageId: staffPackage.id,
        manifestSha256: staffPackage.manifestSha256,
        sha256: staffPackage.sha256,
      },
    });
  });

  it('the referred agency builds and downloads; other agencies and providers get 404 on the download too', async () => {
    const res = await build(officer, closed.id);
    expect(res.statusCode, res.body).toBe(201);
    const mine = res.json<TEvidencePackageCreated>();
    const files = unzipSync((await download(officer, mine.downloadUrl)).rawPayload);
    const tb = ZEvidenceTracebackFile.parse(JSON.parse(Buffer.from(files['traceback.json']!).toString()));
    // Customer details go to the agency the traceback is referred to.
    expect(tb.traceback.origin?.customer).toEqual(customer);
    expect((await download(officer, staffPackage.downloadUrl)).statusCode).toBe(200);
    for (const caller of [a.user, b.user, otherAgency]) {
      const got = await download(caller, mine.downloadUrl);
      expectProblem(got, 404);
      expect(got.body).not.toContain(customer.name);
    }
    expectProblem(await download(h.analyst, '/api/v1/evidence-packages/nope/download'), 400);
    expectProblem(
      await download(h.analyst, '/api/v1/evidence-packages/00000000-0000-4000-8000-000000000000/download'),
      404,
    );
  });

  it('a withdrawn referral takes the packages away from the agency', async () => {
    const w = await h.analyst.request({
      method: 'DELETE',
      url: `/api/v1/tracebacks/${closed.id}/referrals/${referralId}`,
    });
    expect(w.statusCode, w.body).toBe(200);
    expectProblem(await download(officer, staffPackage.downloadUrl), 404);
    expectProblem(await build(officer, closed.id), 404);
  });

  it("a campaign's package holds each of its tracebacks; staff only; a campaign with none is a conflict", async () => {
    const system = { db: h.db, clock: h.clock, actor: systemActor('test') };
    const campaign = await createCampaign({
      ...system,
      input: { name: 'Fictional warranty', description: 'Test script' },
    });
    const empty = await createCampaign({ ...system, input: { name: 'Empty', description: 'No tracebacks' } });
    const t1 = await h.openTraceback(a.id, { campaignId: campaign.id });
    const t2 = await h.openTraceback(b.id, { campaignId: campaign.id });
    expectProblem(await h.analyst.post(`/api/v1/campaigns/${empty.id}/evidence-packages`, {}), 409);
    for (const caller of [officer, a.user])
      expectProblem(await caller.post(`/api/v1/campaigns/${campaign.id}/evidence-packages`, {}), 404);
    const res = await h.analyst.post(`/api/v1/campaigns/${campaign.id}/evidence-packages`, {});
    expect(res.statusCode, res.body).toBe(201);
    const zip = (await download(h.analyst, res.json<TEvidencePackageCreated>().downloadUrl)).rawPayload;
    const files = unzipSync(zip);
    expect(
      Object.keys(files)
        .filter((f) => f.startsWith('tracebacks/'))
        .sort(),
    ).toEqual([`tracebacks/${t1.id}.json`, `tracebacks/${t2.id}.json`].sort());
    expect(files['traceback.json']).toBeUndefined();
    expect(verifyEvidencePackage(zip, { publicKeyPem: await publicKey() }).ok).toBe(true);
    for (const t of [t1, t2]) {
      const events = (await h.analyst.get(`/api/v1/tracebacks/${t.id}/events`)).json<{ items: TEvent[] }>()
        .items;
      expect(events.at(-1)).toMatchObject({ type: 'evidence.built', data: { scope: 'campaign' } });
    }
  });

  it('the public key needs no credentials; keys are listed for staff and agencies; admins rotate, and old packages still verify', async () => {
    const res = await h.anonymous({ method: 'GET', url: '/api/v1/evidence/public-key' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-pem-file/);
    expect(res.body).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    const oldPem = res.body;
    const oldFingerprint = String(res.headers['x-key-fingerprint']);

    expectProblem(await a.user.get('/api/v1/evidence/keys'), 404);
    expect((await otherAgency.get('/api/v1/evidence/keys')).statusCode).toBe(200);
    for (const caller of [h.analyst, officer, a.user])
      expectProblem(await caller.post('/api/v1/evidence/keys/rotate', {}), 404);

    const rotated = await h.admin.post('/api/v1/evidence/keys/rotate', {});
    expect(rotated.statusCode, rotated.body).toBe(201);
    const { current, retired } = rotated.json<{ current: TEvidenceKey; retired: TEvidenceKey }>();
    expect(retired).toMatchObject({ fingerprint: oldFingerprint, publicKeyPem: oldPem, current: false });
    expect(current.fingerprint).not.toBe(oldFingerprint);
    const keys = (await h.analyst.get('/api/v1/evidence/keys')).json<{ items: TEvidenceKey[] }>().items;
    expect(keys.map((k) => [k.fingerprint, k.current])).toEqual([
      [current.fingerprint, true],
      [oldFingerprint, false],
    ]);
    const newPem = await publicKey();
    expect(newPem).toBe(current.publicKeyPem);

    // The old package verifies with the retired key, not with the new one.
    expect(verifyEvidencePackage(staffZip, { publicKeyPem: oldPem }).ok).toBe(true);
    expect(verifyEvidencePackage(staffZip, { publicKeyPem: newPem })).toMatchObject({
      ok: false,
      file: 'manifest.sig',
    });
    // A new package is signed with the new key.
    const fresh = (await build(h.analyst, closed.id)).json<TEvidencePackageCreated>();
    const zip = (await download(h.analyst, fresh.downloadUrl)).rawPayload;
    expect(verifyEvidencePackage(zip, { publicKeyPem: newPem })).toMatchObject({
      ok: true,
      fingerprint: current.fingerprint,
    });
    expect(verifyEvidencePackage(zip, { publicKeyPem: oldPem }).ok).toBe(false);
  });
});
