import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIdentityHeader } from './identity-header';
import { signJws, signPassport } from './passport';
import type { Check, CheckCode, VerificationResult } from './result';
import { createTestPki, issueTestCertificate } from './test-pki';
import { DEST, ORIG, startShakenFixture, type ShakenFixture } from './testing/fixture';
import { parseTrustStore } from './trust';
import { createVerifier } from './verify';
import { ShakenPolicy } from './x509';

function check(result: VerificationResult, code: CheckCode): Check {
  const found = result.checks.find((c) => c.code === code);
  if (!found) throw new Error(`no check ${code}`);
  return found;
}

function failedCodes(result: VerificationResult): string[] {
  return result.problems.map((c) => `${c.code}:${c.status}`);
}

let fx: ShakenFixture;

beforeAll(async () => {
  fx = await startShakenFixture('1234');
});

afterAll(async () => {
  await fx.close();
});

describe('verifyIdentity — a valid call', () => {
  it('passes every check and reports what it saw', async () => {
    const callTime = new Date();
    const identity = fx.identity({ now: callTime, origid: '123e4567-e89b-42d3-a456-426614174000' });
    const result = await fx
      .verifier()
      .verifyIdentity({ identity, callTime, orig: `+1 (202) 555-0143`, dest: `sip:+${DEST}@example.net` });

    expect(failedCodes(result)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.verstat).toBe('TN-Validation-Passed');
    expect(result.sip).toBeNull();
    expect(result.checks.every((c) => c.status === 'pass')).toBe(true);
    expect(result).toMatchObject({
      attestation: 'A',
      origTn: ORIG,
      destTns: [DEST],
      iat: Math.floor(callTime.getTime() / 1000),
      origid: '123e4567-e89b-42d3-a456-426614174000',
      x5u: fx.x5u,
      spc: '1234',
      revoked: false,
    });
    expect(result.certificate?.subject).toBe('C=US, O=Hoptrace Test SP, CN=SHAKEN 1234, serialNumber=1234');
    expect(result.certificate?.issuer).toBe('C=US, O=Hoptrace Test STI-CA, CN=SHAKEN Test Intermediate');
    expect(result.certificate?.serialNumber).toBe(fx.pki.leaf.serialHex);
    expect(result.certificate?.notAfter).toBeInstanceOf(Date);
  });

  it('accepts the header with its name, folded, and with the compact name y', async () => {
    const callTime = new Date();
    const value = fx.identity({ now: callTime });
    const [token, ...params] = value.split(';');
    const folded = `Identity: ${token ?? ''}\r\n ;${params.join(' ;\r\n\t')}`;
    const verifier = fx.verifier();
    expect((await verifier.verifyIdentity({ identity: folded, callTime })).ok).toBe(true);
    expect((await verifier.verifyIdentity({ identity: `y: ${value}`, callTime })).ok).toBe(true);
  });

  it('fetches the certificate once and then serves it from the cache', async () => {
    const server = fx.server;
    const before = server.hits('/sp.pem');
    const verifier = fx.verifier();
    const callTime = new Date();
    const first = await verifier.verifyIdentity({ identity: fx.identity({ now: callTime }), callTime });
    const second = await verifier.verifyIdentity({ identity: fx.identity({ now: callTime }), callTime });
    expect(first.ok && second.ok).toBe(true);
    expect(check(second, 'cert.fetch').detail).toBe('from cache');
    expect(server.hits('/sp.pem') - before).toBe(1);
  });

  it('verifies a bare PASSporT', async () => {
    const callTime = new Date();
    const passport = signPassport({
      privateKey: fx.pki.leaf.privateKey,
      x5u: fx.x5u,
      attest: 'B',
      origTn: ORIG,
      destTns: [DEST],
      iat: Math.floor(callTime.getTime() / 1000),
    });
    const result = await fx.verifier().verifyPassport({ passport, callTime });
    expect(result.ok).toBe(true);
    expect(check(result, 'identity.info').status).toBe('skip');
    expect(result.attestation).toBe('B');
  });
});

describe('verifyIdentity — freshness against the call time', () => {
  it('rejects a stale iat with 403 Stale Date, judged at the call time not the wall clock', async () => {
    // Two hours ago: inside the test certificates' validity, far outside the window from the wall clock.
    const callTime = new Date(Date.now() - 2 * 3_600_000);
    const verifier = fx.verifier();
    const stale = await verifier.verifyIdentity({
      identity: fx.identity({ now: new Date(callTime.getTime() - 61_000) }),
      callTime,
    });
    expect(stale.sip).toEqual({ code: 403, reason: 'Stale Date' });
    expect(failedCodes(stale)).toEqual(['passport.iat:fail']);
    const fresh = await verifier.verifyIdentity({
      identity: fx.identity({ now: new Date(callTime.getTime() - 59_000) }),
      callTime,
    });
    expect(fresh.ok).toBe(true);
  });

  it('treats iat in the future like iat in the past, and honours freshnessSeconds', async () => {
    const callTime = new Date();
    const future = fx.identity({ now: new Date(callTime.getTime() + 90_000) });
    expect((await fx.verifier().verifyIdentity({ identity: future, callTime })).sip?.code).toBe(403);
    expect(
      (await fx.verifier({ freshnessSeconds: 120 }).verifyIdentity({ identity: future, callTime })).ok,
    ).toBe(true);
  });
});

describe('verifyIdentity — orig/dest against the call', () => {
  const cases: [string, string, boolean][] = [
    ['12025550143', '12025550143', true],
    ['12025550143', '+1 202-555-0143', true],
    ['12025550143', '2025550143', true],
    ['2025550143', 'tel:+12025550143', true],
    ['12025550143', '12025550144', false],
    ['442079460958', '2079460958', false],
  ];
  it.each(cases)('orig.tn %s vs calling number %s → match=%s', async (origTn, callOrig, matches) => {
    const callTime = new Date();
    const result = await fx
      .verifier()
      .verifyIdentity({ identity: fx.identity({ now: callTime, origTn }), callTime, orig: callOrig });
    expect(check(result, 'call.orig').status).toBe(matches ? 'pass' : 'fail');
    expect(result.sip?.code ?? null).toBe(matches ? null : 403);
  });

  it('passes dest when any called number matches any dest.tn', async () => {
    const callTime = new Date();
    const identity = fx.identity({ now: callTime, destTns: ['13035550100', '13035550101'] });
    const ok = await fx
      .verifier()
      .verifyIdentity({ identity, callTime, dest: ['sip:nobody@example.net', '3035550101'] });
    expect(check(ok, 'call.dest').status).toBe('pass');
    const bad = await fx.verifier().verifyIdentity({ identity, callTime, dest: '13035550199' });
    expect(bad.sip).toEqual({ code: 403, reason: 'Forbidden' });
  });
});

describe('verifyIdentity — header and PASSporT failures (438)', () => {
  it('rejects a forged signature', async () => {
    const callTime = new Date();
    const other = createTestPki({ spc: '9999', crlUrl: fx.pki.crlUrl });
    const result = await fx
      .verifier()
      .verifyIdentity({ identity: fx.identity({ now: callTime, key: other.leaf.privateKey }), callTime });
    expect(result.sip).toEqual({ code: 438, reason: 'Invalid Identity Header' });
    expect(check(result, 'passport.signature').status).toBe('fail');
    // Everything about the credential itself is fine: the report says so.
    expect(check(result, 'cert.chain').status).toBe('pass');
    expect(result.spc).toBe('1234');
  });

  it('rejects info that differs from x5u, and unsupported alg/ppt parameters', async () => {
    const callTime = new Date();
    const value = fx.identity({ now: callTime });
    const token = value.split(';')[0] ?? '';
    const verifier = fx.verifier();
    const mismatch = await verifier.verifyIdentity({
      identity: buildIdentityHeader(token, { info: fx.server.url('/other.pem') }),
      callTime,
    });
    expect(check(mismatch, 'identity.info_matches_x5u').status).toBe('fail');
    expect(mismatch.sip?.code).toBe(438);
    const alg = await verifier.verifyIdentity({
      identity: buildIdentityHeader(token, { info: fx.x5u, alg: 'RS256' }),
      callTime,
    });
    expect(check(alg, 'identity.alg').status).toBe('fail');
    const ppt = await verifier.verifyIdentity({
      identity: buildIdentityHeader(token, { info: fx.x5u, ppt: 'div' }),
      callTime,
    });
    expect(check(ppt, 'identity.ppt').status).toBe('fail');
    const noAlg = await verifier.verifyIdentity({
      identity: `${token};info=<${fx.x5u}>;ppt=shaken`,
      callTime,
    });
    expect(noAlg.ok).toBe(true);
  });

  it('rejects the compact form, which cannot carry SHAKEN claims', async () => {
    const callTime = new Date();
    const [h, , s] = (fx.identity({ now: callTime }).split(';')[0] ?? '').split('.');
    const result = await fx
      .verifier()
      .verifyIdentity({ identity: `${h}..${s};info=<${fx.x5u}>;alg=ES256;ppt=shaken`, callTime });
    expect(check(result, 'identity.syntax').detail).toBe('compact form');
    expect(check(result, 'passport.encoding').status).toBe('fail');
    expect(result.sip?.code).toBe(438);
  });

  it('reports malformed claims precisely', async () => {
    const callTime = new Date();
    const iat = Math.floor(callTime.getTime() / 1000);
    const token = signJws(
      { alg: 'ES256', typ: 'passport', ppt: 'shaken', x5u: fx.x5u },
      { attest: 'D', orig: '{"tn":"12025550143"}', dest: { tn: '13035550100' }, iat, origid: 'ref' },
      fx.pki.leaf.privateKey,
    );
    const result = await fx
      .verifier()
      .verifyIdentity({ identity: buildIdentityHeader(token, { info: fx.x5u }), callTime });
    expect(failedCodes(result)).toEqual([
      'passport.attest:fail',
      'passport.orig:fail',
      'passport.dest:fail',
      'passport.origid:fail',
    ]);
    expect(check(result, 'passport.signature').status).toBe('pass');
    expect(result.sip?.code).toBe(438);
  });
});

describe('verifyIdentity — the credential', () => {
  it('answers 436 when the certificate cannot be obtained or read', async () => {
    const callTime = new Date();
    fx.server.route('/garbage.pem', { body: 'a'.repeat(4097) });
    const verifier = fx.verifier();
    const notFound = await verifier.verifyIdentity({
      identity: fx.identity({ now: callTime, x5u: fx.server.url('/missing.pem') }),
      callTime,
    });
    expect(notFound.sip).toEqual({ code: 436, reason: 'Bad Identity Info' });
    expect(check(notFound, 'cert.fetch').detail).toContain('HTTP 404');
    const garbage = await verifier.verifyIdentity({
      identity: fx.identity({ now: callTime, x5u: fx.server.url('/garbage.pem') }),
      callTime,
    });
    expect(check(garbage, 'cert.parse').status).toBe('fail');
    expect(garbage.sip?.code).toBe(436);
  });

  it('refuses x5u on a private address unless configured for tests', async () => {
    const callTime = new Date();
    const identity = fx.identity({ now: callTime });
    const strict = createVerifier({ trust: fx.trust, fetch: { allowHttp: true } });
    const result = await strict.verifyIdentity({ identity, callTime });
    expect(check(result, 'cert.fetch').detail).toContain('non-public address');
    expect(result.sip?.code).toBe(436);
    const httpsOnly = await createVerifier({
      trust: fx.trust,
      fetch: { allowPrivateNetworks: true },
    }).verifyIdentity({ identity, callTime });
    expect(check(httpsOnly, 'cert.fetch').detail).toContain('https only');
  });

  it('treats an unresponsive x5u host as no validation (the call is handled as unsigned)', async () => {
    const callTime = new Date();
    fx.server.route('/hang.pem', { hang: true });
    const verifier = fx.verifier({ fetch: { allowHttp: true, allowPrivateNetworks: true, timeoutMs: 200 } });
    const result = await verifier.verifyIdentity({
      identity: fx.identity({ now: callTime, x5u: fx.server.url('/hang.pem') }),
      callTime,
    });
    expect(result.verstat).toBe('No-TN-Validation');
    expect(result.sip).toBeNull();
    expect(check(result, 'cert.fetch').status).toBe('indeterminate');
  });

  it('answers 437 for an untrusted chain, reporting who signed anyway', async () => {
    const callTime = new Date();
    const stranger = createTestPki({ spc: '777A', crlUrl: fx.pki.crlUrl });
    fx.server.route('/stranger.pem', { body: stranger.chainPem });
    const url = fx.server.url('/stranger.pem');
    const result = await fx.verifier().verifyIdentity({
      identity: fx.identity({ now: callTime, x5u: url, key: stranger.leaf.privateKey }),
      callTime,
    });
    expect(result.sip).toEqual({ code: 437, reason: 'Unsupported Credential' });
    expect(check(result, 'cert.chain').status).toBe('fail');
    expect(check(result, 'passport.signature').status).toBe('pass');
    expect(result.spc).toBe('777A');
  });

  it('answers 437 for a certificate outside its validity at the call time', async () => {
    const callTime = new Date();
    const expired = fx.pki.issueLeaf({
      spc: '1234',
      keyPair: { privateKey: fx.pki.leaf.privateKey, publicKey: fx.pki.leaf.publicKey },
      notBefore: new Date(callTime.getTime() - 400 * 86_400_000),
      notAfter: new Date(callTime.getTime() - 86_400_000),
    });
    fx.server.route('/expired.pem', { body: expired.pem + fx.pki.intermediate.pem });
    const url = fx.server.url('/expired.pem');
    const result = await fx
      .verifier()
      .verifyIdentity({ identity: fx.identity({ now: callTime, x5u: url }), callTime });
    expect(check(result, 'cert.validity').detail).toContain('expired');
    expect(result.sip?.code).toBe(437);
  });

  it('finds the intermediate in the trust store when x5u serves only the leaf', async () => {
    const callTime = new Date();
    fx.server.route('/leaf-only.pem', { body: fx.pki.leaf.pem });
    const url = fx.server.url('/leaf-only.pem');
    const identity = fx.identity({ now: callTime, x5u: url });
    expect(check(await fx.verifier().verifyIdentity({ identity, callTime }), 'cert.chain').status).toBe(
      'fail',
    );
    const parsed = parseTrustStore({
      anchors: fx.pki.root.pem,
      intermediates: fx.pki.intermediate.pem,
      crlSigners: fx.pki.crlSigner.pem,
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    const result = await fx.verifier({ trust: parsed.store }).verifyIdentity({ identity, callTime });
    expect(result.ok).toBe(true);
  });

  it('enforces the SHAKEN profile, with waivers per rule', async () => {
    const callTime = new Date();
    const lax = issueTestCertificate({
      subject: { country: 'US', organization: 'Lax SP', commonName: 'SHAKEN 1234', serialNumber: '1234' },
      issuer: fx.pki.intermediate,
      ca: false,
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      policies: [ShakenPolicy.v1_3],
      crl: { url: fx.pki.crlUrl, issuerName: fx.pki.crlSigner.name },
      spc: '1234',
    });
    fx.server.route('/lax.pem', { body: lax.pem + fx.pki.intermediate.pem });
    const identity = fx.identity({ now: callTime, x5u: fx.server.url('/lax.pem'), key: lax.privateKey });
    const strict = await fx.verifier().verifyIdentity({ identity, callTime });
    expect(check(strict, 'cert.profile').detail).toContain('e_atis_key_usage');
    expect(strict.sip?.code).toBe(437);
    const waived = await fx
      .verifier({ profile: { ignoreRules: ['e_atis_key_usage'] } })
      .verifyIdentity({ identity, callTime });
    expect(waived.ok).toBe(true);
  });

  it('fails cert.spc when the TNAuthList is missing', async () => {
    const callTime = new Date();
    const noTn = issueTestCertificate({
      subject: { country: 'US', organization: 'No TN SP', commonName: 'SHAKEN 1234', serialNumber: '1234' },
      issuer: fx.pki.intermediate,
      ca: false,
      keyUsage: ['digitalSignature'],
      policies: [ShakenPolicy.v1_3],
      crl: { url: fx.pki.crlUrl, issuerName: fx.pki.crlSigner.name },
    });
    fx.server.route('/notn.pem', { body: noTn.pem + fx.pki.intermediate.pem });
    const result = await fx.verifier().verifyIdentity({
      identity: fx.identity({ now: callTime, x5u: fx.server.url('/notn.pem'), key: noTn.privateKey }),
      callTime,
    });
    expect(check(result, 'cert.spc').status).toBe('fail');
    expect(result.spc).toBeNull();
    expect(result.sip?.code).toBe(437);
  });
});

describe('verifyIdentity — revocation', () => {
  it('reports revoked=true for a leaf on the STI-PA CRL and false otherwise', async () => {
    const callTime = new Date();
    const server = fx.server;
    const pki = createTestPki({ spc: '5555', crlUrl: server.url('/crl-a') });
    const parsed = parseTrustStore({ anchors: pki.root.pem, crlSigners: pki.crlSigner.pem });
    if (!parsed.ok) throw new Error(parsed.reason);
    server.route('/chain-a.pem', { body: pki.chainPem });
    const url = server.url('/chain-a.pem');
    const identity = buildIdentityHeader(
      signPassport({
        privateKey: pki.leaf.privateKey,
        x5u: url,
        attest: 'A',
        origTn: ORIG,
        destTns: [DEST],
        iat: Math.floor(callTime.getTime() / 1000),
      }),
      { info: url },
    );
    const verify = () =>
      fx
        .verifier({
          trust: parsed.store,
          fetch: { allowHttp: true, allowPrivateNetworks: true, defaultTtlSeconds: 0 },
        })
        .verifyIdentity({ identity, callTime });

    server.route('/crl-a', {
      body: pki.createCrl({
        revoked: [{ serialHex: pki.leaf.serialHex, revokedAt: new Date(callTime.getTime() - 60_000) }],
      }).der,
    });
    const revoked = await verify();
    expect(revoked.revoked).toBe(true);
    expect(revoked.sip?.code).toBe(437);
    expect(check(revoked, 'cert.revocation').detail).toContain(pki.leaf.serialHex);

    server.route('/crl-a', {
      body: pki.createCrl({ revoked: [{ serialHex: pki.intermediate.serialHex }] }).der,
    });
    const intermediateRevoked = await verify();
    expect(intermediateRevoked.revoked).toBe(true);

    server.route('/crl-a', {
      body: pki.createCrl({
        revoked: [{ serialHex: pki.leaf.serialHex, revokedAt: new Date(callTime.getTime() + 3_600_000) }],
      }).der,
    });
    const later = await verify();
    expect(later.ok).toBe(true);
    expect(later.revoked).toBe(false);
    expect(check(later, 'cert.revocation').detail).toContain('revoked later');

    server.route('/crl-a', { body: pki.createCrl().der });
    const clean = await verify();
    expect(clean.ok).toBe(true);
    expect(clean.revoked).toBe(false);
  });

  it('rejects a CRL not signed by the STI-PA, and treats an unreachable or outdated CRL as indeterminate', async () => {
    const callTime = new Date();
    const server = fx.server;
    const pki = createTestPki({ spc: '6666', crlUrl: server.url('/crl-b') });
    const impostor = createTestPki({ spc: '6666', crlUrl: server.url('/crl-b') });
    const parsed = parseTrustStore({ anchors: pki.root.pem, crlSigners: pki.crlSigner.pem });
    if (!parsed.ok) throw new Error(parsed.reason);
    server.route('/chain-b.pem', { body: pki.chainPem });
    const url = server.url('/chain-b.pem');
    const identity = buildIdentityHeader(
      signPassport({
        privateKey: pki.leaf.privateKey,
        x5u: url,
        attest: 'A',
        origTn: ORIG,
        destTns: [DEST],
        iat: Math.floor(callTime.getTime() / 1000),
      }),
      { info: url },
    );
    const verify = (timeoutMs = 1000) =>
      fx
        .verifier({
          trust: parsed.store,
          fetch: {
            allowHttp: true,
            allowPrivateNetworks: true,
            defaultTtlSeconds: 0,
            failureTtlSeconds: 0,
            timeoutMs,
          },
        })
        .verifyIdentity({ identity, callTime });

    server.route('/crl-b', { body: impostor.createCrl().der });
    const forged = await verify();
    expect(check(forged, 'cert.revocation').detail).toContain('signature does not verify');
    expect(forged.sip?.code).toBe(437);

    server.route('/crl-b', {
      body: pki.createCrl({
        thisUpdate: new Date(callTime.getTime() - 10 * 86_400_000),
        nextUpdate: new Date(callTime.getTime() - 86_400_000),
      }).der,
    });
    const outdated = await verify();
    expect(check(outdated, 'cert.revocation').status).toBe('indeterminate');
    expect(outdated.verstat).toBe('No-TN-Validation');

    server.route('/crl-b', { hang: true });
    const unreachable = await verify(200);
    expect(check(unreachable, 'cert.revocation').status).toBe('indeterminate');
    expect(unreachable.sip).toBeNull();

    server.route('/crl-b', { status: 404 });
    const missing = await verify();
    expect(check(missing, 'cert.revocation').status).toBe('fail');

    const off = await fx
      .verifier({ trust: parsed.store, revocation: 'off' })
      .verifyIdentity({ identity, callTime });
    expect(off.ok).toBe(true);
    expect(off.revoked).toBeNull();
  });
});

describe('verifyIdentity — no identity at all', () => {
  it('gives No-TN-Validation, not a rejection, for an empty header', async () => {
    for (const identity of ['', '   ', 'Identity:']) {
      const result = await fx.verifier().verifyIdentity({ identity, callTime: new Date() });
      expect(result.verstat).toBe('No-TN-Validation');
      expect(result.sip).toBeNull();
    }
  });

  it('returns a result, not an exception, for nonsense input types', async () => {
    const verifier = fx.verifier();
    const result = await verifier.verifyIdentity({
      identity: 42 as unknown as string,
      callTime: 'yesterday' as unknown as Date,
    });
    expect(result.ok).toBe(false);
    const bad = await verifier.verifyPassport({
      passport: fx.identity().split(';')[0] ?? '',
      callTime: new Date(Number.NaN),
    });
    expect(check(bad, 'call.time').status).toBe('indeterminate');
    expect(bad.ok).toBe(false);
  });
});
