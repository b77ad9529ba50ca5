import { KeyObject, webcrypto } from 'node:crypto';
import { AsnParser } from '@peculiar/asn1-schema';
import * as asn1X509 from '@peculiar/asn1-x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIdentityHeader } from './identity-header';
import { lintShakenCertificate, type LintResult } from './lint';
import { signPassport } from './passport';
// './peculiar' imports 'reflect-metadata' before @peculiar/x509, as the library needs.
import { x509 } from './peculiar';
import { startLoopbackServer, type LoopbackServer } from './testing/loopback-server';
import { encodeTnAuthList } from './tn-auth-list';
import { parseTrustStore } from './trust';
import { createVerifier } from './verify';
import { ShakenPolicy } from './x509';

/**
 * Certificates made with @peculiar/x509's own generator (not this package's test PKI), one
 * root → intermediate → leaf chain per SHAKEN CP version, each meeting the rules of the version
 * and the date it is issued under and nothing newer: v1.1 and v1.2 leaves with no subject
 * serialNumber and no cRLIssuer, a v1.3 leaf with the serialNumber and no cRLIssuer, a v1.4 leaf
 * with a cRLIssuer and no serialNumber, signed with ECDSA P-384/SHA-384 (which v1.4 allows).
 * Each is accepted by the linter and by the verifier at a call time when the chain is in force,
 * and each breaks when a rule of its own version is broken.
 */

const DAY = 86_400_000;
const ORIG = '12025550143';
const DEST = '13035550100';

type Curve = 'P-256' | 'P-384';
interface Made {
  cert: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
  curve: Curve;
}

async function keyPair(curve: Curve): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: curve }, true, ['sign', 'verify']);
}

const STI_PA_NAME = 'C=US, O=Test STI-PA, CN=SHAKEN Test STI-PA CRL';

interface MakeOptions {
  subject: x509.JsonName | string;
  issuer?: Made;
  curve?: Curve;
  notBefore: Date;
  days: number;
  ca: boolean;
  policy?: string | null;
  criticalPolicy?: boolean;
  crl?: { url: string; issuer: boolean } | null;
  spc?: string;
  keyUsage?: Uint8Array;
}

async function make(options: MakeOptions): Promise<Made> {
  const curve = options.curve ?? 'P-256';
  const keys = await keyPair(curve);
  const signer = options.issuer ?? { keys, curve, cert: undefined };
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(options.ca, undefined, true),
    options.keyUsage
      ? new x509.Extension('2.5.29.15', true, options.keyUsage)
      : new x509.KeyUsagesExtension(
          options.ca ? x509.KeyUsageFlags.keyCertSign : x509.KeyUsageFlags.digitalSignature,
          true,
        ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(signer.keys.publicKey),
  ];
  if (options.policy)
    extensions.push(new x509.CertificatePolicyExtension([options.policy], options.criticalPolicy ?? false));
  if (options.crl) {
    const point = new asn1X509.DistributionPoint({
      distributionPoint: new asn1X509.DistributionPointName({
        fullName: [new asn1X509.GeneralName({ uniformResourceIdentifier: options.crl.url })],
      }),
    });
    if (options.crl.issuer) {
      const name = AsnParser.parse(new x509.Name(STI_PA_NAME).toArrayBuffer(), asn1X509.Name);
      point.cRLIssuer = [new asn1X509.GeneralName({ directoryName: name })];
    }
    extensions.push(new x509.CRLDistributionPointsExtension([point]));
  }
  if (options.spc)
    extensions.push(
      new x509.Extension('1.3.6.1.5.5.7.1.26', false, encodeTnAuthList([{ type: 'spc', spc: options.spc }])),
    );
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
  serial[0] = ((serial[0] as number) & 0x3f) | 0x40;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString('hex'),
    subject: options.subject,
    issuer: options.issuer ? options.issuer.cert.subjectName : options.subject,
    notBefore: options.notBefore,
    notAfter: new Date(options.notBefore.getTime() + options.days * DAY),
    publicKey: keys.publicKey,
    signingKey: signer.keys.privateKey,
    signingAlgorithm: { name: 'ECDSA', hash: signer.curve === 'P-384' ? 'SHA-384' : 'SHA-256' },
    extensions,
  });
  return { cert, keys, curve };
}

interface VersionCase {
  version: string;
  policy: string;
  issued: Date;
  /** Whether the leaf carries a subject serialNumber / the CRL distribution point a cRLIssuer. */
  serialNumber: boolean;
  crlIssuer: boolean;
  intermediateCurve: Curve;
}

const VERSIONS: VersionCase[] = [
  {
    version: '1.1',
    policy: ShakenPolicy.v1_1,
    issued: new Date('2020-08-01T00:00:00Z'),
    serialNumber: false,
    crlIssuer: false,
    intermediateCurve: 'P-256',
  },
  {
    version: '1.2',
    policy: ShakenPolicy.v1_2,
    issued: new Date('2021-08-01T00:00:00Z'),
    serialNumber: false,
    crlIssuer: false,
    intermediateCurve: 'P-256',
  },
  {
    version: '1.3',
    policy: ShakenPolicy.v1_3,
    issued: new Date('2023-03-01T00:00:00Z'),
    serialNumber: true,
    crlIssuer: false,
    intermediateCurve: 'P-256',
  },
  {
    version: '1.4',
    policy: ShakenPolicy.v1_4,
    issued: new Date('2025-06-01T00:00:00Z'),
    serialNumber: false,
    crlIssuer: true,
    intermediateCurve: 'P-384',
  },
];

interface Chain {
  root: Made;
  intermediate: Made;
  leaf: (change?: Partial<MakeOptions> & { serialNumber?: boolean }) => Promise<Made>;
}

async function chainFor(v: VersionCase, crlUrl: string): Promise<Chain> {
  const root = await make({
    subject: `C=US, O=Test STI-CA ${v.version}, CN=SHAKEN Test ROOT ${v.version}`,
    notBefore: new Date(v.issued.getTime() - 30 * DAY),
    days: 3650,
    ca: true,
  });
  const intermediate = await make({
    subject: `C=US, O=Test STI-CA ${v.version}, CN=SHAKEN Test Intermediate ${v.version}`,
    issuer: root,
    curve: v.intermediateCurve,
    notBefore: new Date(v.issued.getTime() - 7 * DAY),
    days: 1825,
    ca: true,
    policy: v.policy,
    crl: { url: crlUrl, issuer: v.crlIssuer },
  });
  const leaf = async (change: Partial<MakeOptions> & { serialNumber?: boolean } = {}) => {
    const { serialNumber = v.serialNumber, ...rest } = change;
    const subject: x509.JsonName = [
      { C: ['US'] },
      { O: [`Test SP ${v.version}`] },
      { CN: ['SHAKEN 1001'] },
      ...(serialNumber ? [{ '2.5.4.5': ['1001'] }] : []),
    ];
    return make({
      subject,
      issuer: intermediate,
      notBefore: v.issued,
      days: 365,
      ca: false,
      policy: v.policy,
      crl: { url: crlUrl, issuer: v.crlIssuer },
      spc: '1001',
      ...rest,
    });
  };
  return { root, intermediate, leaf };
}

function errors(result: LintResult): string[] {
  if (!result.parsed) throw new Error(result.reason);
  return result.errors.map((f) => `${f.rule}: ${f.message}`);
}

let server: LoopbackServer;
beforeAll(async () => {
  server = await startLoopbackServer();
});
afterAll(async () => {
  await server.close();
});

describe('certificates of every SHAKEN CP version, each under its own rules', () => {
  it.each(VERSIONS)('CP v$version: the chain lints clean and a call signed with it verifies', async (v) => {
    const chain = await chainFor(v, 'https://sti-pa.example/crl');
    const leaf = await chain.leaf();
    expect(errors(lintShakenCertificate(leaf.cert.toString('pem'))), 'leaf').toEqual([]);
    expect(errors(lintShakenCertificate(chain.intermediate.cert.toString('pem'))), 'intermediate').toEqual(
      [],
    );
    expect(errors(lintShakenCertificate(chain.root.cert.toString('pem'))), 'root').toEqual([]);

    const path = `/v${v.version}/sp.pem`;
    server.route(path, {
      body: `${leaf.cert.toString('pem')}\n${chain.intermediate.cert.toString('pem')}\n`,
    });
    const trust = parseTrustStore({ anchors: chain.root.cert.toString('pem') });
    if (!trust.ok) throw new Error(trust.reason);
    const verifier = createVerifier({
      trust: trust.store,
      revocation: 'off',
      fetch: { allowHttp: true, allowPrivateNetworks: true },
    });
    const callTime = new Date(v.issued.getTime() + 10 * DAY);
    const x5u = server.url(path);
    const privateKey = KeyObject.from(leaf.keys.privateKey);
    const identity = buildIdentityHeader(
      signPassport({
        privateKey,
        x5u,
        attest: 'A',
        origTn: ORIG,
        destTns: [DEST],
        iat: Math.floor(callTime.getTime() / 1000),
      }),
      { info: x5u },
    );
    const result = await verifier.verifyIdentity({ identity, callTime, orig: ORIG, dest: DEST });
    expect(result.problems).toEqual([]);
    expect(result.verstat).toBe('TN-Validation-Passed');
  });

  it('still refuses what a version does require', async () => {
    const rules = async (made: Promise<Made>) =>
      errors(lintShakenCertificate((await made).cert.toString('pem'))).map((e) => e.split(':')[0]);
    const [v11, , v13, v14] = await Promise.all(
      VERSIONS.map((v) => chainFor(v, 'https://sti-pa.example/crl')),
    );
    // CP v1.3 (issued after 2022-01-10): the subject serialNumber.
    expect(await rules(v13!.leaf({ serialNumber: false }))).toEqual(['e_us_cp_subject_sn']);
    // CP v1.4: the cRLIssuer.
    expect(await rules(v14!.leaf({ crl: { url: 'https://sti-pa.example/crl', issuer: false } }))).toEqual([
      'e_atis_crl_distribution_struct',
    ]);
    // CP v1.1's OID on a certificate issued after 2022-01-10.
    expect(await rules(v11!.leaf({ notBefore: new Date('2022-02-01T00:00:00Z') }))).toEqual([
      'e_atis_certificate_policies',
    ]);
    // A critical Certificate Policies extension, in any version.
    expect(await rules(v13!.leaf({ criticalPolicy: true }))).toEqual(['e_atis_certificate_policies']);
    // KeyUsage digitalSignature encoded with 0 unused bits (03 02 00 80), as some CAs did.
    expect(await rules(v14!.leaf({ keyUsage: Uint8Array.of(0x03, 0x02, 0x00, 0x80) }))).toEqual([
      'e_incorrect_ku_encoding',
    ]);
  });
});
