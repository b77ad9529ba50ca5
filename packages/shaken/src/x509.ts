import { createHash, createPublicKey, type KeyObject, type webcrypto } from 'node:crypto';
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import * as asn1X509 from '@peculiar/asn1-x509';
import { x509 } from './peculiar';

/**
 * Certificates as this package sees them. @peculiar/asn1-x509 parses the DER; @peculiar/x509
 * wraps the result for names, keys, extensions, signatures and chains. The profile linter needs
 * a few facts that @peculiar/x509's `X509Certificate` does not expose (the version, the serial as
 * encoded, possibly negative, and the extension list even when one extension is malformed: its
 * `extensions` getter decodes every known extension and throws on the first bad one), so we keep
 * the asn1-x509 `Certificate` it was built from. See docs/decisions/0006-shaken-asn1.md.
 */

export const Oid = {
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  commonName: '2.5.4.3',
  serialNumber: '2.5.4.5',
  country: '2.5.4.6',
  organization: '2.5.4.10',
  emailAddress: '1.2.840.113549.1.9.1',
  subjectKeyIdentifier: asn1X509.id_ce_subjectKeyIdentifier,
  keyUsage: asn1X509.id_ce_keyUsage,
  basicConstraints: asn1X509.id_ce_basicConstraints,
  crlDistributionPoints: asn1X509.id_ce_cRLDistributionPoints,
  certificatePolicies: asn1X509.id_ce_certificatePolicies,
  authorityKeyIdentifier: asn1X509.id_ce_authorityKeyIdentifier,
  tnAuthList: '1.3.6.1.5.5.7.1.26',
} as const;

/** US SHAKEN Certificate Policy OIDs (2.16.840.1.114569.1.1.x, x = CP version 1.x). */
export const ShakenPolicy = {
  v1_1: '2.16.840.1.114569.1.1.1',
  v1_2: '2.16.840.1.114569.1.1.2',
  v1_3: '2.16.840.1.114569.1.1.3',
  v1_4: '2.16.840.1.114569.1.1.4',
} as const;

/** Labels @peculiar/x509's `Name` lacks (it knows CN, O, OU, C, L, ST, E, ...). */
const NAME_LABELS = { serialNumber: Oid.serialNumber, emailAddress: Oid.emailAddress };

export interface NameAttribute {
  oid: string;
  value: string;
}

export interface DistinguishedName {
  /** Attributes in encoded order, flattened across RDNs. */
  attributes: NameAttribute[];
  /** The encoded Name, used for issuer/subject matching. */
  der: Uint8Array;
  /** The name as text (`C=US, O=..., CN=...`), formatted by @peculiar/x509. */
  text: string;
}

export function toDistinguishedName(name: asn1X509.Name): DistinguishedName {
  let der: Uint8Array | undefined;
  let text: string | undefined;
  return {
    attributes: name.flatMap((rdn) => rdn.map((atv) => ({ oid: atv.type, value: atv.value.toString() }))),
    // Encoded and formatted on first use: most names are only ever compared by attributes.
    get der() {
      return (der ??= new Uint8Array(AsnConvert.serialize(name)));
    },
    get text() {
      return (text ??= new x509.Name(name, NAME_LABELS).toString());
    },
  };
}

export interface RawExtension {
  oid: string;
  critical: boolean;
  /** The extnValue contents. */
  value: Uint8Array;
  asn: asn1X509.Extension;
}

export interface ParsedCertificate {
  der: Uint8Array;
  asn: asn1X509.Certificate;
  x509: x509.X509Certificate;
  /** X.509 version as written (1, 2 or 3). */
  version: number;
  /** The serialNumber INTEGER as encoded (two's complement), so negative serials stay negative. */
  serial: bigint;
  /** Upper-case hex of the serial's magnitude (how CRLs and people refer to it). */
  serialHex: string;
  signatureAlgorithm: string;
  publicKeyAlgorithm: string;
  /** WebCrypto curve name for EC keys ('P-256', 'P-384', ...), null otherwise or when unreadable. */
  publicKeyCurve: string | null;
  issuer: DistinguishedName;
  subject: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  extensions: RawExtension[];
}

/** An INTEGER's content octets (two's complement, as asn1-schema hands them over) as a bigint. */
export function integerValue(content: ArrayBuffer): bigint {
  const bytes = new Uint8Array(content);
  if (bytes.length === 0) throw new Error('empty INTEGER');
  const magnitude = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
  return ((bytes[0] as number) & 0x80) !== 0 ? magnitude - (1n << BigInt(bytes.length * 8)) : magnitude;
}

/** Upper-case hex of a serial's magnitude, the key CRL entries and certificates are matched by. */
export function serialKey(serial: bigint): string {
  return (serial < 0n ? -serial : serial).toString(16).toUpperCase().padStart(2, '0');
}

function curveOf(spki: asn1X509.SubjectPublicKeyInfo): string | null {
  try {
    const algorithm = new x509.PublicKey(spki).algorithm as Partial<webcrypto.EcKeyAlgorithm>;
    return typeof algorithm.namedCurve === 'string' ? algorithm.namedCurve : null;
  } catch {
    return null;
  }
}

/** Parses one DER certificate. Throws on malformed input; the exported entry points wrap it. */
export function parseCertificateDer(der: Uint8Array): ParsedCertificate {
  const asn = AsnParser.parse(der, asn1X509.Certificate);
  const tbs = asn.tbsCertificate;
  const serial = integerValue(tbs.serialNumber);
  return {
    der,
    asn,
    x509: new x509.X509Certificate(asn),
    version: tbs.version + 1,
    serial,
    serialHex: serialKey(serial),
    signatureAlgorithm: asn.signatureAlgorithm.algorithm,
    publicKeyAlgorithm: tbs.subjectPublicKeyInfo.algorithm.algorithm,
    publicKeyCurve: curveOf(tbs.subjectPublicKeyInfo),
    issuer: toDistinguishedName(tbs.issuer),
    subject: toDistinguishedName(tbs.subject),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    extensions: (tbs.extensions ?? []).map((ext) => ({
      oid: ext.extnID,
      critical: ext.critical,
      value: new Uint8Array(ext.extnValue.buffer),
      asn: ext,
    })),
  };
}

export function getExtension(cert: ParsedCertificate, oid: string): RawExtension | undefined {
  return cert.extensions.find((ext) => ext.oid === oid);
}

export function nameAttribute(name: DistinguishedName, oid: string): string[] {
  return name.attributes.filter((a) => a.oid === oid).map((a) => a.value);
}

export function formatName(name: DistinguishedName): string {
  return name.text;
}

export function sameName(a: DistinguishedName, b: DistinguishedName): boolean {
  if (Buffer.compare(a.der, b.der) === 0) return true;
  // Encoders differ on string types (PrintableString vs UTF8String); RFC 5280 §7.1 compares values.
  if (a.attributes.length !== b.attributes.length) return false;
  return a.attributes.every((attr, i) => {
    const other = b.attributes[i];
    return (
      other !== undefined &&
      other.oid === attr.oid &&
      normaliseDnValue(other.value) === normaliseDnValue(attr.value)
    );
  });
}

function normaliseDnValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ').toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Extensions, decoded by @peculiar/x509's extension classes. Each throws on malformed input;
// callers catch.

type ExtensionClass<T> = new (raw: ArrayBuffer) => T;

function decodeWith<T>(ext: RawExtension, type: ExtensionClass<T>): T {
  return new type(AsnConvert.serialize(ext.asn));
}

export interface BasicConstraints {
  ca: boolean;
  pathLength: number | null;
}

export function decodeBasicConstraints(ext: RawExtension): BasicConstraints {
  const bc = decodeWith(ext, x509.BasicConstraintsExtension);
  return { ca: bc.ca, pathLength: bc.pathLength ?? null };
}

export type KeyUsageName = keyof typeof x509.KeyUsageFlags;

const KEY_USAGE_NAMES = Object.keys(x509.KeyUsageFlags).filter((k) =>
  Number.isNaN(Number(k)),
) as KeyUsageName[];

export function keyUsageFlags(usages: readonly KeyUsageName[]): x509.KeyUsageFlags {
  return usages.reduce<number>((flags, name) => flags | x509.KeyUsageFlags[name], 0);
}

export function decodeKeyUsage(ext: RawExtension): Set<KeyUsageName> {
  const { usages } = decodeWith(ext, x509.KeyUsagesExtension);
  return new Set(KEY_USAGE_NAMES.filter((name) => (usages & x509.KeyUsageFlags[name]) !== 0));
}

export function decodeCertificatePolicies(ext: RawExtension): string[] {
  return [...decodeWith(ext, x509.CertificatePolicyExtension).policies];
}

export interface DistributionPoint {
  /** uniformResourceIdentifier names of the fullName form. */
  uris: string[];
  /** directoryName entries of cRLIssuer. */
  crlIssuers: DistinguishedName[];
}

export function decodeCrlDistributionPoints(ext: RawExtension): DistributionPoint[] {
  return decodeWith(ext, x509.CRLDistributionPointsExtension).distributionPoints.map((dp) => ({
    uris: (dp.distributionPoint?.fullName ?? []).flatMap((n) =>
      n.uniformResourceIdentifier ? [n.uniformResourceIdentifier] : [],
    ),
    crlIssuers: (dp.cRLIssuer ?? []).flatMap((n) =>
      n.directoryName ? [toDistinguishedName(n.directoryName)] : [],
    ),
  }));
}

/** The keyIdentifier of an Authority Key Identifier, as hex; null when it has none. */
export function decodeAuthorityKeyIdentifier(ext: RawExtension): string | null {
  return decodeWith(ext, x509.AuthorityKeyIdentifierExtension).keyId ?? null;
}

/** The Subject Key Identifier as hex. */
export function decodeSubjectKeyIdentifier(ext: RawExtension): string {
  return decodeWith(ext, x509.SubjectKeyIdentifierExtension).keyId;
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits of a DER SubjectPublicKeyInfo. */
export function keyIdentifierFor(spki: Uint8Array): Uint8Array {
  const { subjectPublicKey } = AsnParser.parse(spki, asn1X509.SubjectPublicKeyInfo);
  return new Uint8Array(createHash('sha1').update(new Uint8Array(subjectPublicKey)).digest());
}

// ---------------------------------------------------------------------------------------------
// PEM

/**
 * DER of every PEM block with the given label, decoded by @peculiar/x509's PemConverter. Its
 * grammar wants each base64 line bare, so indentation and trailing blanks are dropped first, and
 * each block is decoded on its own so that one it cannot read (not base64) is skipped, not fatal.
 */
export function pemDecode(text: string, label: string): Uint8Array[] {
  return text
    .replace(/^[ \t]+|[ \t]+$/gm, '')
    .split(/(?<=-----END [^-\n]+-----)/)
    .flatMap((block) => {
      try {
        return x509.PemConverter.decodeWithHeaders(block)
          .filter((pem) => pem.type === label)
          .map((pem) => new Uint8Array(pem.rawData));
      } catch {
        return [];
      }
    });
}

export function pemCertificates(text: string): Uint8Array[] {
  return pemDecode(text, x509.PemConverter.CertificateTag);
}

export function toPem(der: Uint8Array, label = x509.PemConverter.CertificateTag): string {
  return `${x509.PemConverter.encode(der, label)}\n`;
}

/**
 * A certificate ready for the verifier: its parsed view, Node's KeyObject for the PASSporT
 * signature (checked with node:crypto in verify.ts) and the SHA-256 fingerprint.
 */
export interface Certificate {
  parsed: ParsedCertificate;
  publicKey: KeyObject;
  fingerprint: string;
}

export function loadCertificate(der: Uint8Array): Certificate {
  const parsed = parseCertificateDer(der);
  const spki = Buffer.from(parsed.x509.publicKey.rawData);
  const fingerprint = (createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g) ?? []).join(
    ':',
  );
  return { parsed, publicKey: createPublicKey({ key: spki, format: 'der', type: 'spki' }), fingerprint };
}

export type ParseCertificatesResult =
  { ok: true; certificates: Certificate[] } | { ok: false; reason: string };

/** Reads one or more certificates from PEM text or a single DER certificate. */
export function parseCertificates(input: string | Uint8Array, maxCount = 8): ParseCertificatesResult {
  try {
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
    let blocks: Uint8Array[];
    if (text.includes('-----BEGIN')) {
      blocks = pemCertificates(text);
      if (blocks.length === 0) return { ok: false, reason: 'no CERTIFICATE block in the PEM text' };
    } else if (typeof input !== 'string' && input.length > 0 && input[0] === 0x30) {
      blocks = [input];
    } else if (text.trim() === '') {
      return { ok: false, reason: 'the credential is empty' };
    } else {
      return { ok: false, reason: 'neither PEM nor DER' };
    }
    if (blocks.length > maxCount) return { ok: false, reason: `more than ${maxCount} certificates` };
    return { ok: true, certificates: blocks.map((block) => loadCertificate(block)) };
  } catch (error) {
    return { ok: false, reason: `not a valid X.509 certificate (${describeError(error)})` };
  }
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
