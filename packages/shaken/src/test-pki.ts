import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import * as asn1X509 from '@peculiar/asn1-x509';
import { x509 } from './peculiar';
import { encodeTnAuthList } from './tn-auth-list';
import { Oid, ShakenPolicy, keyIdentifierFor, keyUsageFlags, toPem, type KeyUsageName } from './x509';

/**
 * A throwaway SHAKEN PKI for tests and the call simulator: an STI-CA root, an intermediate, SP
 * leaf certificates with a TNAuthList SPC, and an STI-PA that signs the CRL (as in the real
 * SHAKEN ecosystem, where CRLs name the STI-PA as cRLIssuer). Never use these outside tests.
 *
 * Certificates and CRLs are @peculiar/asn1-x509 structures with @peculiar/x509's extension
 * classes, assembled the way `X509CertificateGenerator` and `X509CrlGenerator` assemble them, but
 * signed with node:crypto's synchronous `sign`: the generators sign through WebCrypto and return
 * promises, while this API (and the simulator and benchmark built on it) is synchronous. Assembling
 * the structures ourselves also lets tests mint certificates that break one rule (odd serials,
 * missing extensions, extra ones).
 */

export interface TestKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface NameSpec {
  commonName?: string;
  organization?: string;
  country?: string;
  /** The subject serialNumber attribute (US SHAKEN CP §3.1). */
  serialNumber?: string;
  emailAddress?: string;
}

export interface TestCertificate {
  pem: string;
  der: Uint8Array;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SEC1 (`EC PRIVATE KEY`) PEM, the form openssl and secsipidx read. */
  privateKeyPem: string;
  /** The encoded subject Name. */
  name: Uint8Array;
  serialHex: string;
  keyId: Uint8Array;
}

export interface RawExtensionSpec {
  oid: string;
  critical?: boolean;
  value: Uint8Array;
}

export interface IssueOptions {
  subject: NameSpec;
  /** The issuing certificate; omit for a self-signed certificate. */
  issuer?: TestCertificate;
  keyPair?: TestKeyPair;
  notBefore?: Date;
  notAfter?: Date;
  /** Serial magnitude; default 16 random bytes with the top bits set so it always has > 64 bits. */
  serial?: Uint8Array;
  /** Basic Constraints: `true`/`false` for cA, `null` to leave the extension out. */
  ca?: boolean | null;
  keyUsage?: readonly KeyUsageName[] | null;
  policies?: readonly string[] | null;
  /** CRL distribution point URL and, optionally, the cRLIssuer name (DER). */
  crl?: { url: string; issuerName?: Uint8Array } | null;
  /** TNAuthList: an SPC, or a raw extension value, or null for none. */
  spc?: string | null;
  tnAuthListValue?: Uint8Array;
  /** Authority Key Identifier; default on for issued certificates, off for self-signed ones. */
  authorityKeyId?: boolean;
  subjectKeyId?: boolean;
  extraExtensions?: readonly RawExtensionSpec[];
}

export function generateTestKeyPair(): TestKeyPair {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

/** The subject Name, one attribute per RDN, with the string types openssl uses. */
export function encodeName(spec: NameSpec): Uint8Array {
  const rdns: x509.JsonNameParams = [];
  if (spec.country !== undefined) rdns.push({ [Oid.country]: [{ printableString: spec.country }] });
  if (spec.organization !== undefined) rdns.push({ [Oid.organization]: [{ utf8String: spec.organization }] });
  if (spec.commonName !== undefined) rdns.push({ [Oid.commonName]: [{ utf8String: spec.commonName }] });
  if (spec.serialNumber !== undefined)
    rdns.push({ [Oid.serialNumber]: [{ printableString: spec.serialNumber }] });
  if (spec.emailAddress !== undefined) rdns.push({ [Oid.emailAddress]: [{ ia5String: spec.emailAddress }] });
  return new Uint8Array(new x509.Name(rdns).toArrayBuffer());
}

const ECDSA_SHA256 = new asn1X509.AlgorithmIdentifier({ algorithm: Oid.ecdsaWithSha256 });
const DAY = 86_400_000;

function randomSerial(): Uint8Array {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] as number) & 0x3f) | 0x40;
  return new Uint8Array(bytes);
}

/** INTEGER content octets for a non-negative magnitude: no leading zeros, one if the top bit is set. */
function positiveInteger(magnitude: Uint8Array): ArrayBuffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  const octets = ((trimmed[0] ?? 0) & 0x80) !== 0 ? [0, ...trimmed] : trimmed.length ? [...trimmed] : [0];
  return Uint8Array.from(octets).buffer;
}

function toAsn(extension: x509.Extension): asn1X509.Extension {
  return AsnParser.parse(extension.rawData, asn1X509.Extension);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function signed(tbs: ArrayBuffer, key: KeyObject): ArrayBuffer {
  return new Uint8Array(sign('sha256', new Uint8Array(tbs), key)).buffer;
}

export function issueTestCertificate(options: IssueOptions): TestCertificate {
  const keyPair = options.keyPair ?? generateTestKeyPair();
  const spki = new Uint8Array(keyPair.publicKey.export({ type: 'spki', format: 'der' }));
  const keyId = keyIdentifierFor(spki);
  const name = encodeName(options.subject);
  const issuerName = options.issuer?.name ?? name;
  const signingKey = options.issuer?.privateKey ?? keyPair.privateKey;
  const serial = options.serial ?? randomSerial();

  const extensions: x509.Extension[] = [];
  if (options.ca !== null && options.ca !== undefined)
    extensions.push(new x509.BasicConstraintsExtension(options.ca, undefined, true));
  if (options.keyUsage) extensions.push(new x509.KeyUsagesExtension(keyUsageFlags(options.keyUsage), true));
  if (options.policies) extensions.push(new x509.CertificatePolicyExtension([...options.policies], false));
  if (options.subjectKeyId ?? true) extensions.push(new x509.SubjectKeyIdentifierExtension(hex(keyId)));
  if (options.authorityKeyId ?? options.issuer !== undefined)
    extensions.push(new x509.AuthorityKeyIdentifierExtension(hex(options.issuer?.keyId ?? keyId)));
  if (options.crl) {
    const point = new asn1X509.DistributionPoint({
      distributionPoint: new asn1X509.DistributionPointName({
        fullName: [new asn1X509.GeneralName({ uniformResourceIdentifier: options.crl.url })],
      }),
    });
    if (options.crl.issuerName)
      point.cRLIssuer = [
        new asn1X509.GeneralName({ directoryName: AsnParser.parse(options.crl.issuerName, asn1X509.Name) }),
      ];
    extensions.push(new x509.CRLDistributionPointsExtension([point]));
  }
  const tnAuthList =
    options.tnAuthListValue ??
    (options.spc === null || options.spc === undefined
      ? null
      : encodeTnAuthList([{ type: 'spc', spc: options.spc }]));
  if (tnAuthList) extensions.push(new x509.Extension(Oid.tnAuthList, false, tnAuthList));
  for (const extra of options.extraExtensions ?? [])
    extensions.push(new x509.Extension(extra.oid, extra.critical ?? false, extra.value));

  const tbs = new asn1X509.TBSCertificate({
    version: asn1X509.Version.v3,
    serialNumber: positiveInteger(serial),
    signature: ECDSA_SHA256,
    issuer: AsnParser.parse(issuerName, asn1X509.Name),
    validity: new asn1X509.Validity({
      notBefore: options.notBefore ?? new Date(Date.now() - DAY),
      notAfter: options.notAfter ?? new Date(Date.now() + 365 * DAY),
    }),
    subject: AsnParser.parse(name, asn1X509.Name),
    subjectPublicKeyInfo: AsnParser.parse(spki, asn1X509.SubjectPublicKeyInfo),
  });
  if (extensions.length > 0) tbs.extensions = new asn1X509.Extensions(extensions.map(toAsn));
  const certificate = new asn1X509.Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: ECDSA_SHA256,
    signatureValue: signed(AsnConvert.serialize(tbs), signingKey),
  });
  const der = new Uint8Array(AsnConvert.serialize(certificate));
  return {
    der,
    pem: toPem(der),
    privateKey: keyPair.privateKey,
    publicKey: keyPair.publicKey,
    privateKeyPem: keyPair.privateKey.export({ type: 'sec1', format: 'pem' }).toString(),
    name,
    serialHex: hex(serial)
      .toUpperCase()
      .replace(/^0+(?=.)/, ''),
    keyId,
  };
}

interface ValidityOptions {
  notBefore?: Date;
  notAfter?: Date;
}

export function createTestRootCa(options: ValidityOptions & { name?: NameSpec } = {}): TestCertificate {
  return issueTestCertificate({
    subject: options.name ?? {
      country: 'US',
      organization: 'Hoptrace Test STI-CA',
      commonName: 'SHAKEN Test Root',
    },
    ca: true,
    keyUsage: ['keyCertSign'],
    notBefore: options.notBefore ?? new Date(Date.now() - 30 * DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 10 * 365 * DAY),
    authorityKeyId: true,
  });
}

/** The STI-PA: signs the SHAKEN CRL that every STI certificate's CRL distribution point names. */
export function createTestCrlSigner(options: ValidityOptions & { name?: NameSpec } = {}): TestCertificate {
  return issueTestCertificate({
    subject: options.name ?? {
      country: 'US',
      organization: 'Hoptrace Test STI-PA',
      commonName: 'SHAKEN Test STI-PA CRL Root',
    },
    ca: true,
    keyUsage: ['keyCertSign', 'cRLSign'],
    notBefore: options.notBefore ?? new Date(Date.now() - 30 * DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 10 * 365 * DAY),
    authorityKeyId: true,
  });
}

export interface CrlPointer {
  /** CRL distribution point URL written into the certificate. */
  crlUrl: string;
  /** The certificate that signs that CRL (its subject becomes the cRLIssuer). */
  crlSigner: TestCertificate;
}

export function createTestIntermediateCa(
  root: TestCertificate,
  options: CrlPointer & ValidityOptions & { name?: NameSpec },
): TestCertificate {
  return issueTestCertificate({
    subject: options.name ?? {
      country: 'US',
      organization: 'Hoptrace Test STI-CA',
      commonName: 'SHAKEN Test Intermediate',
    },
    issuer: root,
    ca: true,
    keyUsage: ['keyCertSign'],
    policies: [ShakenPolicy.v1_3],
    crl: { url: options.crlUrl, issuerName: options.crlSigner.name },
    notBefore: options.notBefore ?? new Date(Date.now() - 7 * DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 5 * 365 * DAY),
  });
}

export interface LeafOptions extends CrlPointer, ValidityOptions {
  spc: string;
  organization?: string;
  keyPair?: TestKeyPair;
}

export function createTestLeaf(issuer: TestCertificate, options: LeafOptions): TestCertificate {
  return issueTestCertificate({
    subject: {
      country: 'US',
      organization: options.organization ?? 'Hoptrace Test SP',
      commonName: `SHAKEN ${options.spc}`,
      serialNumber: options.spc,
    },
    issuer,
    ...(options.keyPair ? { keyPair: options.keyPair } : {}),
    ca: false,
    keyUsage: ['digitalSignature'],
    policies: [ShakenPolicy.v1_3],
    crl: { url: options.crlUrl, issuerName: options.crlSigner.name },
    spc: options.spc,
    notBefore: options.notBefore ?? new Date(Date.now() - DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 365 * DAY),
  });
}

export interface CrlOptions {
  revoked?: readonly { serialHex: string; revokedAt?: Date }[];
  thisUpdate?: Date;
  nextUpdate?: Date;
}

export function createTestCrl(
  signer: TestCertificate,
  options: CrlOptions = {},
): { der: Uint8Array; pem: string } {
  const thisUpdate = options.thisUpdate ?? new Date(Date.now() - 60_000);
  const nextUpdate = options.nextUpdate ?? new Date(Date.now() + 7 * DAY);
  const tbs = new asn1X509.TBSCertList({
    version: asn1X509.Version.v2,
    signature: ECDSA_SHA256,
    issuer: AsnParser.parse(signer.name, asn1X509.Name),
    thisUpdate: new asn1X509.Time(thisUpdate),
    nextUpdate: new asn1X509.Time(nextUpdate),
    crlExtensions: new asn1X509.Extensions(
      [
        new x509.AuthorityKeyIdentifierExtension(hex(signer.keyId)),
        new x509.Extension(
          asn1X509.id_ce_cRLNumber,
          false,
          AsnConvert.serialize(new asn1X509.CRLNumber(Math.floor(thisUpdate.getTime() / 1000))),
        ),
      ].map(toAsn),
    ),
  });
  if (options.revoked?.length) {
    tbs.revokedCertificates = options.revoked.map(
      (entry) =>
        new asn1X509.RevokedCertificate({
          userCertificate: positiveInteger(
            Buffer.from(entry.serialHex.length % 2 ? `0${entry.serialHex}` : entry.serialHex, 'hex'),
          ),
          revocationDate: new asn1X509.Time(entry.revokedAt ?? thisUpdate),
        }),
    );
  }
  const crl = new asn1X509.CertificateList({
    tbsCertList: tbs,
    signatureAlgorithm: ECDSA_SHA256,
    signature: signed(AsnConvert.serialize(tbs), signer.privateKey),
  });
  const der = new Uint8Array(AsnConvert.serialize(crl));
  return { der, pem: toPem(der, x509.PemConverter.CrlTag) };
}

export interface TestPki {
  root: TestCertificate;
  intermediate: TestCertificate;
  leaf: TestCertificate;
  crlSigner: TestCertificate;
  /** What an STI-AS publishes at its x5u: the leaf followed by the intermediate. */
  chainPem: string;
  crlUrl: string;
  /** Mints another leaf under the same intermediate. */
  issueLeaf(options: Omit<LeafOptions, 'crlUrl' | 'crlSigner'>): TestCertificate;
  /** The STI-PA CRL, revoking the given certificates. */
  createCrl(options?: CrlOptions): { der: Uint8Array; pem: string };
}

/** Root → intermediate → leaf for `spc`, all naming one STI-PA CRL at `crlUrl`. */
export function createTestPki(options: { spc: string; crlUrl: string }): TestPki {
  const root = createTestRootCa();
  const crlSigner = createTestCrlSigner();
  const pointer = { crlUrl: options.crlUrl, crlSigner };
  const intermediate = createTestIntermediateCa(root, pointer);
  const issueLeaf = (leafOptions: Omit<LeafOptions, 'crlUrl' | 'crlSigner'>) =>
    createTestLeaf(intermediate, { ...leafOptions, ...pointer });
  const leaf = issueLeaf({ spc: options.spc });
  return {
    root,
    intermediate,
    leaf,
    crlSigner,
    chainPem: leaf.pem + intermediate.pem,
    crlUrl: options.crlUrl,
    issueLeaf,
    createCrl: (crlOptions) => createTestCrl(crlSigner, crlOptions),
  };
}
