import { unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  TEvidencePackageCreated,
  THop,
  TReferralResult,
  TTraceback,
  TTracebackRequest,
} from '@hoptrace/contracts';
import { verifyEvidencePackage } from '@hoptrace/core';
import { createHarness, type Caller, type Harness } from './testing/harness';

/**
 * The enforcement desk end to end (issue 15, Done when): an agency user submits a request, staff accept
 * it, the traceback runs to its origin, staff refer it to every agency at once, an agency user downloads
 * the evidence package, and it verifies, while a copy with one byte changed in any file does not.
 */

let h: Harness;
let officer: Caller;
let otherAgency: Caller;
const AGENCY = 'Fictional State AG Robocall Unit (e2e)';
const pdf = Buffer.from('%PDF-1.4\n% complaint (fictional)\n%%EOF\n', 'latin1');

beforeAll(async () => {
  h = await createHarness();
  officer = await h.user('enforcement', undefined, AGENCY);
  otherAgency = await h.user('enforcement', undefined, 'Fictional Federal Partner (e2e)');
});
afterAll(() => h.close());

describe('the enforcement desk, end to end', () => {
  it('request → accept → origin → refer to all → the agency downloads a package that verifies, and no tampered copy does', async () => {
    const terminating = await h.provider({ name: 'Fictional Terminating Co' });
    const origin = await h.provider({ name: 'Fictional Originating Co' });

    // The agency asks.
    const submitted = await officer.post('/api/v1/traceback-requests', {
      call: {
        startedAt: new Date(h.clock.now().getTime() - 2 * 86_400_000).toISOString(),
        callingNumber: '2025550143',
        calledNumber: '6145550177',
        terminatingProviderId: terminating.id,
      },
      reason: 'Impersonation of a fictional utility, many complaints',
      urgency: 'normal',
      attachments: [{ name: 'complaint.pdf', dataBase64: pdf.toString('base64') }],
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    const request = submitted.json<TTracebackRequest>();
    expect(request).toMatchObject({ status: 'pending', recentCall: true });

    // Staff accept: the traceback opens at the terminating provider, linked to the request.
    const accepted = await h.analyst.post(`/api/v1/traceback-requests/${request.id}/accept`, {});
    expect(accepted.statusCode, accepted.body).toBe(200);
    const tracebackId = accepted.json<TTracebackRequest>().traceback!.id;

    // The path runs to the origin: the terminating provider names its upstream, which answers origin.
    const first = (await h.analyst.get(`/api/v1/tracebacks/${tracebackId}`)).json<TTraceback>().hops[0]!;
    const up = await terminating.user.post(`/api/v1/hops/${first.id}/answer`, {
      kind: 'upstream',
      upstreamProviderId: origin.id,
    });
    expect(up.statusCode, up.body).toBe(200);
    const next = (await origin.user.get('/api/v1/hops?status=pending')).json<{ items: THop[] }>().items[0]!;
    const answered = await origin.user.post(`/api/v1/hops/${next.id}/answer`, {
      kind: 'origin',
      customer: { name: 'Fictional Dialer LLC', address: '1 Nowhere Rd', accountRef: 'ACCT-E2E' },
      action: 'terminated',
    });
    expect(answered.statusCode, answered.body).toBe(200);
    expect((await h.analyst.get(`/api/v1/tracebacks/${tracebackId}`)).json<TTraceback>()).toMatchObject({
      status: 'closed',
      outcome: 'origin_identified',
    });

    // Staff refer it to every agency at once; both agencies' users may read it.
    const referred = await h.analyst.post(`/api/v1/tracebacks/${tracebackId}/referrals`, { all: true });
    expect(referred.statusCode, referred.body).toBe(201);
    expect(referred.json<TReferralResult>().referred.length).toBeGreaterThanOrEqual(2);
    for (const u of [officer, otherAgency])
      expect((await u.get(`/api/v1/tracebacks/${tracebackId}`)).statusCode).toBe(200);
    // The agency sees its request's result.
    expect(
      (await officer.get(`/api/v1/traceback-requests/${request.id}`)).json<TTracebackRequest>(),
    ).toMatchObject({
      status: 'accepted',
      traceback: { id: tracebackId },
    });

    // The agency builds and downloads the evidence package.
    const built = await officer.post(`/api/v1/tracebacks/${tracebackId}/evidence-packages`, {});
    expect(built.statusCode, built.body).toBe(201);
    const created = built.json<TEvidencePackageCreated>();
    const download = await officer.get(created.downloadUrl);
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toMatch(/^application\/zip/);
    const zip = new Uint8Array(download.rawPayload);
    const publicKeyPem = (await h.anonymous({ method: 'GET', url: '/api/v1/evidence/public-key' })).body;
    expect(verifyEvidencePackage(zip, { publicKeyPem })).toMatchObject({ ok: true, keyFrom: 'given' });

    // One byte changed in any file: named.
    const files = unzipSync(zip);
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['report.pdf', 'traceback.json', 'manifest.json']),
    );
    for (const name of Object.keys(files)) {
      const copy = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, new Uint8Array(v)]));
      const bytes = copy[name]!;
      const at = Math.floor(bytes.length / 2);
      bytes[at] = bytes[at]! ^ 0x01;
      const verdict = verifyEvidencePackage(zipSync(copy), { publicKeyPem });
      expect(verdict.ok, `a byte changed in ${name}`).toBe(false);
      if (!verdict.ok) expect(verdict.file, `the file named for a byte changed in ${name}`).toBe(name);
    }
  });
});
