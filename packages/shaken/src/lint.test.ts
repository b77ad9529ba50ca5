import { AsnConvert } from '@peculiar/asn1-schema';
import { ExtendedKeyUsage, id_kp_serverAuth } from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import { SHAKEN_LINT_RULES, lintShakenCertificate, type LintResult } from './lint';
import { createTestPki, issueTestCertificate, type IssueOptions } from './test-pki';
import { encodeTnAuthList } from './tn-auth-list';
import { ShakenPolicy } from './x509';

const pki = createTestPki({ spc: '1234', crlUrl: 'https://sti-pa.example/crl' });

function errors(result: LintResult): string[] {
  if (!result.parsed) throw new Error(result.reason);
  return result.errors.map((f) => f.rule);
}

/** A leaf that satisfies the whole profile, with one thing changed. */
function leaf(change: Partial<IssueOptions>): string {
  return issueTestCertificate({
    subject: { country: 'US', organization: 'SP', commonName: 'SHAKEN 1234', serialNumber: '1234' },
    issuer: pki.intermediate,
    ca: false,
    keyUsage: ['digitalSignature'],
    policies: [ShakenPolicy.v1_3],
    crl: { url: pki.crlUrl, issuerName: pki.crlSigner.name },
    spc: '1234',
    ...change,
  }).pem;
}

describe('lintShakenCertificate', () => {
  it('passes the test PKI: leaf, intermediate and root, each in its inferred role', () => {
    for (const [cert, role] of [
      [pki.leaf, 'leaf'],
      [pki.intermediate, 'ca'],
      [pki.root, 'root'],
    ] as const) {
      const result = lintShakenCertificate(cert.pem);
      expect(result.parsed && result.role).toBe(role);
      expect(errors(result)).toEqual([]);
      expect(
        result.parsed && result.findings.filter((f) => f.status === 'warn' || f.status === 'notice'),
      ).toEqual([]);
    }
    expect(errors(lintShakenCertificate(leaf({})))).toEqual([]);
  });

  it.each<[string, Partial<IssueOptions>, string[]]>([
    [
      'no TNAuthList',
      { spc: null },
      ['e_us_cp_ambiguous_identifier', 'e_atis_subject_cn', 'e_atis_tn_auth_list'],
    ],
    [
      'two SPCs',
      {
        tnAuthListValue: encodeTnAuthList([
          { type: 'spc', spc: '1234' },
          { type: 'spc', spc: '1234' },
        ]),
      },
      ['e_us_cp_ambiguous_identifier', 'e_atis_subject_cn', 'e_atis_tn_auth_list'],
    ],
    [
      'a lower-case SPC',
      {
        spc: '12ab',
        subject: { country: 'US', organization: 'SP', commonName: 'SHAKEN 12ab', serialNumber: '1' },
      },
      ['e_atis_tn_auth_list_spc_format'],
    ],
    [
      'CN not naming the SPC',
      { subject: { country: 'US', organization: 'SP', commonName: 'SHAKEN 9999', serialNumber: '1' } },
      ['e_atis_subject_cn', 'e_us_cp_ambiguous_identifier'],
    ],
    [
      'a CN with extra text',
      { subject: { country: 'US', organization: 'SP', commonName: 'Acme SHAKEN 1234', serialNumber: '1' } },
      ['e_us_cp_ambiguous_identifier'],
    ],
    [
      'no O',
      { subject: { country: 'US', commonName: 'SHAKEN 1234', serialNumber: '1' } },
      ['e_atis_subject'],
    ],
    [
      'no serialNumber attribute',
      { subject: { country: 'US', organization: 'SP', commonName: 'SHAKEN 1234' } },
      ['e_us_cp_subject_sn'],
    ],
    [
      'a lower-case country',
      { subject: { country: 'us', organization: 'SP', commonName: 'SHAKEN 1234', serialNumber: '1' } },
      ['e_atis_subject_c_iso'],
    ],
    ['keyEncipherment too', { keyUsage: ['digitalSignature', 'keyEncipherment'] }, ['e_atis_key_usage']],
    ['no basic constraints', { ca: null }, ['e_atis_basic_constraints']],
    ['two policies', { policies: [ShakenPolicy.v1_3, ShakenPolicy.v1_4] }, ['e_atis_certificate_policies']],
    ['a foreign policy', { policies: ['1.2.3.4'] }, ['e_atis_certificate_policies']],
    ['no cRLIssuer under CP v1.3', { crl: { url: 'https://sti-pa.example/crl' } }, []],
    [
      'no cRLIssuer under CP v1.4',
      { crl: { url: 'https://sti-pa.example/crl' }, policies: [ShakenPolicy.v1_4] },
      ['e_atis_crl_distribution_struct'],
    ],
    [
      'no serialNumber attribute under CP v1.4',
      {
        subject: { country: 'US', organization: 'SP', commonName: 'SHAKEN 1234' },
        policies: [ShakenPolicy.v1_4],
      },
      [],
    ],
    [
      'no serialNumber attribute, issued before CP v1.3 bound leaves',
      {
        subject: { country: 'US', organization: 'SP', commonName: 'SHAKEN 1234' },
        notBefore: new Date('2021-12-01T00:00:00Z'),
      },
      [],
    ],
    [
      'the CP v1.2 OID, issued after 2022-01-10',
      { policies: [ShakenPolicy.v1_2] },
      ['e_atis_certificate_policies'],
    ],
    [
      'the CP v1.1 OID, issued before 2022-01-10',
      { policies: [ShakenPolicy.v1_1], notBefore: new Date('2021-06-01T00:00:00Z') },
      [],
    ],
    [
      'KeyUsage digitalSignature with 0 unused bits',
      {
        keyUsage: null,
        extraExtensions: [{ oid: '2.5.29.15', critical: true, value: Uint8Array.of(0x03, 0x02, 0x00, 0x80) }],
      },
      ['e_incorrect_ku_encoding'],
    ],
    [
      'an ldap CRL URL',
      { crl: { url: 'ldap://x/crl', issuerName: pki.crlSigner.name } },
      ['e_atis_crl_distribution'],
    ],
    ['no AKI', { authorityKeyId: false }, ['e_atis_authority_key_identifier']],
    ['no SKI', { subjectKeyId: false }, ['e_atis_subject_key_identifier']],
    ['a 56-bit serial', { serial: Uint8Array.of(0x80, 0, 0, 0, 0, 0, 1) }, ['e_atis_serial_number']],
    [
      'an extra extension',
      {
        extraExtensions: [
          {
            oid: '2.5.29.37',
            value: new Uint8Array(AsnConvert.serialize(new ExtendedKeyUsage([id_kp_serverAuth]))),
          },
        ],
      },
      ['e_atis_extension_unknown'],
    ],
  ])('a leaf with %s fails exactly %j', (_name, change, expected) => {
    expect(errors(lintShakenCertificate(leaf(change))).sort()).toEqual([...expected].sort());
  });

  it('flags intermediate problems with the CA rules', () => {
    const intermediate = issueTestCertificate({
      subject: { country: 'US', organization: 'CA', commonName: 'Intermediate' },
      issuer: pki.root,
      ca: true,
      keyUsage: ['keyCertSign', 'cRLSign'],
      policies: [ShakenPolicy.v1_3],
      spc: '1234',
    });
    expect(errors(lintShakenCertificate(intermediate.pem)).sort()).toEqual(
      [
        'e_atis_ca_subject_cn',
        'e_us_cp_ca_key_usage_crl_sign',
        'e_atis_ca_crl_distribution',
        'e_atis_ca_extension_unknown',
      ].sort(),
    );
  });

  it('accepts DER, and says why it cannot lint junk', () => {
    expect(errors(lintShakenCertificate(pki.leaf.der))).toEqual([]);
    expect(lintShakenCertificate('hello')).toEqual({ parsed: false, reason: 'no CERTIFICATE block found' });
    expect(lintShakenCertificate(Uint8Array.of(0x30, 0x00)).parsed).toBe(false);
  });

  it('publishes its rules with levels, roles and citations', () => {
    expect(new Set(SHAKEN_LINT_RULES.map((r) => r.rule)).size).toBe(SHAKEN_LINT_RULES.length);
    for (const rule of SHAKEN_LINT_RULES) {
      expect(rule.rule.startsWith(rule.level[0] ?? '?'), rule.rule).toBe(true);
      expect(rule.citation.length).toBeGreaterThan(5);
      expect(rule.roles.length).toBeGreaterThan(0);
    }
  });
});
