import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CredentialFetcher } from './fetcher';
import { lintShakenCertificate } from './lint';
import type { CheckCode, VerificationResult } from './result';
import { extractSpc } from './tn-auth-list';
import { dataSuiteName, readCsvRecords, runDataSuite, shakenData } from './testing/shared-data';
import { parseTrustStore } from './trust';
import { createVerifier } from './verify';

/**
 * SignalWire libstirshaken's reference material (test/ref). Its PASSporTs are signed correctly but
 * do not follow SHAKEN strictly (see expected-results.csv): orig/dest are JSON strings, dest.tn is
 * not an array, origid is "ref", the TNAuthList is an IA5String URL rather than RFC 8226 DER, and
 * iat is from October 2020. The x5u host is on the internet, so a stub fetcher serves the PEM.
 */

const X5U = 'http://shaken.signalwire.cloud/sp.pem';
const ISSUED_AT = new Date(1603458131 * 1000);

function read(...parts: string[]): string {
  return readFileSync(shakenData('libstirshaken-ref', ...parts), 'utf8');
}

function tokensFromPassportTxt(): { bare: string; identity: string } {
  const text = read('sp', 'passport.txt');
  const bare = /PASSporT signed is:\s*\n(\S+)/.exec(text)?.[1];
  const identity = /SIP Identity Header with PASSporT is:\s*\n(\S+)/.exec(text)?.[1];
  if (!bare || !identity) throw new Error('passport.txt changed shape');
  return { bare, identity };
}

function stubFetcher(body: string): CredentialFetcher {
  return {
    fetch: (url) =>
      Promise.resolve(
        url === X5U
          ? { ok: true, url, body: new Uint8Array(Buffer.from(body)), fromCache: false, expiresAt: null }
          : {
              ok: false,
              url,
              kind: 'http-status',
              transient: false,
              reason: 'not served by the stub',
              status: 404,
              fromCache: false,
            },
      ),
  };
}

function status(result: VerificationResult, code: CheckCode): string {
  return result.checks.find((c) => c.code === code)?.status ?? 'absent';
}

describe.skipIf(!runDataSuite)(dataSuiteName('libstirshaken reference vector'), () => {
  const verifierWith = (certificateFile: string) => {
    const trust = parseTrustStore(read('ca', 'ca.pem'));
    if (!trust.ok) throw new Error(trust.reason);
    return createVerifier({ trust: trust.store, fetcher: stubFetcher(read('sp', certificateFile)) });
  };

  it('documents the expectations it is checked against', () => {
    const rows = readCsvRecords(read('expected-results.csv'));
    expect(rows.map((r) => [r.expected_signature, (r.expected_chain ?? '').split(' ')[0]])).toEqual([
      ['VALID', 'VALID'],
      ['VALID', 'VALID'],
      ['INVALID', 'FAIL'],
      ['n/a', 'n/a'],
    ]);
  });

  it.each([
    ['token #1 (bare PASSporT)', 'bare'],
    ['token #2 (Identity header)', 'identity'],
  ] as const)(
    '%s: the signature verifies and chains to ca.pem, but strict SHAKEN checks fail',
    async (_name, which) => {
      const tokens = tokensFromPassportTxt();
      const verifier = verifierWith('sp.pem');
      // Judged at its own iat so that staleness does not hide the other findings.
      const result =
        which === 'bare'
          ? await verifier.verifyPassport({ passport: tokens.bare, callTime: ISSUED_AT })
          : await verifier.verifyIdentity({ identity: tokens.identity, callTime: ISSUED_AT });
      expect(status(result, 'passport.signature')).toBe('pass');
      expect(status(result, 'cert.chain')).toBe('pass');
      expect(status(result, 'cert.validity')).toBe('pass');
      expect(status(result, 'passport.iat')).toBe('pass');
      // orig/dest are JSON-encoded strings, dest.tn is not an array, origid is not a UUID.
      expect(status(result, 'passport.orig')).toBe('fail');
      expect(status(result, 'passport.dest')).toBe('fail');
      expect(status(result, 'passport.origid')).toBe('fail');
      // The TNAuthList extension is an IA5String URL, not a TNAuthorizationList.
      expect(status(result, 'cert.spc')).toBe('fail');
      expect(result.checks.find((c) => c.code === 'cert.spc')?.detail).toContain('not RFC 8226');
      expect(status(result, 'cert.profile')).toBe('fail');
      expect(result.ok).toBe(false);
      expect(result.verstat).toBe('TN-Validation-Failed');
      expect(result.sip?.code).toBe(437);
      expect(result.attestation).toBe('A');
      expect(result.iat).toBe(1603458131);

      const today =
        which === 'bare'
          ? await verifier.verifyPassport({ passport: tokens.bare, callTime: new Date() })
          : await verifier.verifyIdentity({ identity: tokens.identity, callTime: new Date() });
      expect(status(today, 'passport.iat')).toBe('fail');
    },
  );

  it('the Identity header parameters of token #2 are well formed', async () => {
    const result = await verifierWith('sp.pem').verifyIdentity({
      identity: tokensFromPassportTxt().identity,
      callTime: ISSUED_AT,
    });
    for (const code of [
      'identity.syntax',
      'identity.info',
      'identity.alg',
      'identity.ppt',
      'identity.info_matches_x5u',
    ] as const) {
      expect(status(result, code), code).toBe('pass');
    }
  });

  it('rejects both tokens when wrongsp.pem is served: bad signature, no chain', async () => {
    const tokens = tokensFromPassportTxt();
    const verifier = verifierWith('wrongsp.pem');
    for (const result of [
      await verifier.verifyPassport({ passport: tokens.bare, callTime: ISSUED_AT }),
      await verifier.verifyIdentity({ identity: tokens.identity, callTime: ISSUED_AT }),
    ]) {
      expect(status(result, 'passport.signature')).toBe('fail');
      expect(status(result, 'cert.chain')).toBe('fail');
      expect(result.ok).toBe(false);
      expect(result.sip?.code).toBe(437);
    }
  });

  it('cannot extract an SPC from sp.pem, and lints it as non-SHAKEN', () => {
    const spc = extractSpc(read('sp', 'sp.pem'));
    expect(spc.ok).toBe(false);
    const lint = lintShakenCertificate(read('sp', 'sp.pem'));
    expect(lint.parsed && lint.errors.map((f) => f.rule)).toEqual(
      expect.arrayContaining(['e_atis_tn_auth_list', 'e_atis_basic_constraints', 'e_atis_extension_unknown']),
    );
  });
});
