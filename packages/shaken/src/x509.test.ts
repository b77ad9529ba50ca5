import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { crlSignedBy, parseCrl } from './crl';
import { lintShakenCertificate } from './lint';
import { x509 } from './peculiar';
import { createTestPki, issueTestCertificate } from './test-pki';
import { decodeTnAuthList } from './tn-auth-list';
import {
  Oid,
  ShakenPolicy,
  integerValue,
  parseCertificateDer,
  parseCertificates,
  serialKey,
  toPem,
} from './x509';

const pki = createTestPki({ spc: '1234', crlUrl: 'https://sti-pa.example/crl' });

describe('reading DER with @peculiar/asn1-x509', () => {
  it.each([
    ['a truncated header', Uint8Array.of(0x30)],
    ['a length past the end', Uint8Array.of(0x30, 0x05, 0x00)],
    ['a truncated certificate', pki.leaf.der.subarray(0, 120)],
  ])('rejects %s everywhere DER is read', (_name, bytes) => {
    expect(parseCertificates(bytes).ok).toBe(false);
    expect(lintShakenCertificate(bytes).parsed).toBe(false);
    expect(parseCrl(bytes).ok).toBe(false);
    expect(decodeTnAuthList(bytes).ok).toBe(false);
  });

  it('reads integers as encoded: negative, and wider than 64 bits', () => {
    expect(integerValue(Uint8Array.of(0xff).buffer)).toBe(-1n);
    expect(serialKey(-1n)).toBe('01');
    expect(integerValue(Uint8Array.of(0x00, 0x80, 0, 0, 0, 0, 0, 0, 1).buffer)).toBe(0x8000000000000001n);
    const wide = issueTestCertificate({
      subject: { commonName: 'x' },
      serial: Uint8Array.of(0x80, 0, 0, 0, 0, 0, 0, 0, 1),
    });
    expect(parseCertificateDer(wide.der).serial).toBe(0x800000000000000001n);
    expect(parseCertificateDer(wide.der).serialHex).toBe(wide.serialHex);
  });

  it('round-trips validity times across the UTCTime / GeneralizedTime boundary', () => {
    for (const iso of ['1999-12-31T23:59:59.000Z', '2049-12-31T23:59:59.000Z', '2050-01-01T00:00:00.000Z']) {
      const cert = issueTestCertificate({
        subject: { commonName: 'x' },
        notBefore: new Date('1990-01-01T00:00:00Z'),
        notAfter: new Date(iso),
      });
      expect(parseCertificateDer(cert.der).notAfter.toISOString()).toBe(iso);
    }
  });

  it('reads a CRL beyond the default node limit of asn1js (about 3,300 entries)', () => {
    const revoked = Array.from({ length: 5000 }, (_, i) => ({
      serialHex: (0x4000_0000_0000n + BigInt(i)).toString(16),
    }));
    revoked.push({ serialHex: pki.leaf.serialHex });
    const parsed = parseCrl(pki.createCrl({ revoked }).der);
    expect(parsed.ok && parsed.crl.revoked.size).toBe(5001);
    expect(parsed.ok && parsed.crl.revoked.has(pki.leaf.serialHex)).toBe(true);
  });

  it('reads a CRL in PEM as openssl writes it (BEGIN X509 CRL), as BEGIN CRL, and in DER', () => {
    const { der } = pki.createCrl({ revoked: [{ serialHex: pki.leaf.serialHex }] });
    for (const bytes of [der, Buffer.from(toPem(der, 'X509 CRL')), Buffer.from(toPem(der, 'CRL'))]) {
      const parsed = parseCrl(bytes);
      expect(parsed.ok && parsed.crl.revoked.has(pki.leaf.serialHex)).toBe(true);
    }
    expect(parseCrl(Buffer.from(toPem(der, 'CERTIFICATE')))).toEqual({
      ok: false,
      reason: 'no CRL block (BEGIN X509 CRL) in the PEM text',
    });
  });

  const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).error === undefined;
  it.skipIf(!hasOpenssl && process.env.CI !== 'true')(
    'reads a CRL made by the openssl binary (PEM, BEGIN X509 CRL), with its revoked serial, and checks its signature',
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'hoptrace-crl-'));
      try {
        const run = (...args: string[]) => {
          const done = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
          if (done.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${done.stderr}`);
        };
        writeFileSync(path.join(dir, 'ca.key'), pki.crlSigner.privateKeyPem);
        writeFileSync(path.join(dir, 'ca.pem'), pki.crlSigner.pem);
        // openssl ca's database: one revoked entry (status R, expiry, revocation time, serial).
        writeFileSync(
          path.join(dir, 'index.txt'),
          `R\t301231235959Z\t250601000000Z\t${pki.leaf.serialHex}\tunknown\t/CN=SHAKEN 1234\n`,
        );
        writeFileSync(path.join(dir, 'crlnumber'), '01\n');
        writeFileSync(
          path.join(dir, 'ca.cnf'),
          '[ca]\ndefault_ca = sti_pa\n[sti_pa]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 7\n',
        );
        run('ca', '-config', 'ca.cnf', '-gencrl', '-keyfile', 'ca.key', '-cert', 'ca.pem', '-out', 'crl.pem');
        const pem = readFileSync(path.join(dir, 'crl.pem'));
        expect(pem.toString('latin1')).toMatch(/^-----BEGIN X509 CRL-----/);
        const parsed = parseCrl(pem);
        if (!parsed.ok) throw new Error(parsed.reason);
        expect([...parsed.crl.revoked.keys()]).toEqual([pki.leaf.serialHex]);
        expect(parsed.crl.revoked.get(pki.leaf.serialHex)?.toISOString()).toBe('2025-06-01T00:00:00.000Z');
        expect(parsed.crl.issuer.text).toBe(new x509.X509Certificate(pki.crlSigner.pem).subject);
        expect(await crlSignedBy(parsed.crl, new x509.X509Certificate(pki.crlSigner.pem))).toBe(true);
        expect(await crlSignedBy(parsed.crl, new x509.X509Certificate(pki.root.pem))).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('lints a certificate whose extension list @peculiar/x509 refuses as a whole', () => {
    // A Key Usage that is not a BIT STRING: X509Certificate#extensions throws for every extension,
    // the linter reports that one as malformed and judges the rest.
    const { pem } = issueTestCertificate({
      subject: { country: 'US', organization: 'SP', commonName: 'SHAKEN 1234', serialNumber: '1234' },
      issuer: pki.intermediate,
      ca: false,
      keyUsage: null,
      extraExtensions: [{ oid: Oid.keyUsage, critical: true, value: Uint8Array.of(0x05, 0x00) }],
      policies: [ShakenPolicy.v1_3],
      crl: { url: pki.crlUrl, issuerName: pki.crlSigner.name },
      spc: '1234',
    });
    expect(() => new x509.X509Certificate(pem).extensions).toThrow();
    const result = lintShakenCertificate(pem);
    if (!result.parsed) throw new Error(result.reason);
    expect(result.errors.map((f) => f.rule)).toEqual(['e_atis_key_usage']);
    expect(result.errors[0]?.message).toContain('malformed');
  });
});
