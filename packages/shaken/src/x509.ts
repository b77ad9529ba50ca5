import { createHash, createPublicKey, type KeyObject, type webcrypto } from 'node:crypto';
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import * as asn1X509 from '@peculiar/asn1-x509';
import {
  Tag,
  bigintOf,
  booleanOf,
  children,
  contentOf,
  expectTag,
  oidOf,
  readWhole,
  stringOf,
  timeOf,
  type Tlv,
} from './der';
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

/** A Name read from its DER (SEQUENCE OF SET OF AttributeTypeAndValue); `der` is the bytes as encoded. */
function distinguishedNameFromDer(buf: Uint8Array, tlv: Tlv): DistinguishedName {
  expectTag(tlv, Tag.sequence, 'a Name');
  const attributes: NameAttribute[] = [];
  for (const rdn of children(buf, tlv)) {
    expectTag(rdn, Tag.set, 'a RelativeDistinguishedName');
    for (const atv of children(buf, rdn)) {
      const [type, value] = children(buf, expectTag(atv, Tag.sequence, 'an AttributeTypeAndValue'));
      if (!type || !value) throw new Error('DER: an AttributeTypeAndValue needs a type and a value');
      attributes.push({ oid: oidOf(buf, type), value: stringOf(buf, value) });
    }
  }
  const der = buf.slice(tlv.start, tlv.end);
  let text: string | undefined;
  return {
    attributes,
    der,
    get text() {
      return (text ??= new x509.Name(der, NAME_LABELS).toString());
    },
  };
}

export interface RawExtension {
  oid: string;
  critical: boolean;
  /** The extnValue contents. */
  value: Uint8Array;
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

/** DER of the named-curve OIDs of id-ecPublicKey keys that SHAKEN meets, by hex. */
const NAMED_CURVES: Record<string, string> = {
  '06082a8648ce3d030107': 'P-256',
  '06052b81040022': 'P-384',
  '06052b81040023': 'P-521',
};

/**
 * Parses one DER certificate. Throws on malformed input; the exported entry points wrap it. The
 * fields the linter reads come from a direct DER walk (./der.ts); the @peculiar/asn1-x509 structure
 * and the @peculiar/x509 view are built on first use (the verifier's keys and chains).
 */
export function parseCertificateDer(der: Uint8Array): ParsedCertificate {
  const [tbsTlv, outerAlg, signature, extra] = children(
    der,
    expectTag(readWhole(der), Tag.sequence, 'a Certificate'),
  );
  if (extra || !signature)
    throw new Error('DER: a Certificate is tbsCertificate, signatureAlgorithm, signature');
  expectTag(signature, Tag.bitString, 'the signature BIT STRING');
  const parts = children(der, expectTag(tbsTlv, Tag.sequence, 'a TBSCertificate'));
  let at = 0;
  let version = 1;
  if (parts[0]?.tag === 0xa0) {
    const [v] = children(der, parts[0]);
    const n = bigintOf(der, expectTag(v, Tag.integer, 'the version'));
    if (n < 0n || n > 2n) throw new Error(`unknown certificate version ${n}`);
    version = Number(n) + 1;
    at++;
  }
  const take = (tag: number, what: string) => expectTag(parts[at++], tag, what);
  const serial = bigintOf(der, take(Tag.integer, 'the serialNumber'));
  take(Tag.sequence, 'the signature AlgorithmIdentifier');
  const issuer = distinguishedNameFromDer(der, take(Tag.sequence, 'the issuer'));
  const [notBefore, notAfter] = children(der, take(Tag.sequence, 'the validity'));
  if (!notBefore || !notAfter) throw new Error('DER: validity needs notBefore and notAfter');
  const subject = distinguishedNameFromDer(der, take(Tag.sequence, 'the subject'));
  const spkiTlv = take(Tag.sequence, 'the subjectPublicKeyInfo');
  const [spkiAlg, spkiKey] = children(der, spkiTlv);
  expectTag(spkiKey, Tag.bitString, 'the subjectPublicKey');
  const [keyOid, keyParams] = children(der, expectTag(spkiAlg, Tag.sequence, 'the key AlgorithmIdentifier'));
  const publicKeyAlgorithm = oidOf(der, expectTag(keyOid, Tag.oid, 'the key algorithm'));
  const extensions: RawExtension[] = [];
  for (const part of parts.slice(at)) {
    if (part.tag === 0x81 || part.tag === 0x82) continue; // issuerUniqueID, subjectUniqueID
    if (part.tag !== 0xa3) throw new Error('DER: unexpected field in the TBSCertificate');
    const [list, more] = children(der, part);
    if (more) throw new Error('DER: one Extensions list');
    for (const ext of children(der, expectTag(list, Tag.sequence, 'the Extensions'))) {
      const fields = children(der, expectTag(ext, Tag.sequence, 'an Extension'));
      const critical = fields.length === 3 ? booleanOf(der, fields[1] as Tlv) : false;
      const value = expectTag(fields[fields.length - 1], Tag.octetString, 'the extnValue');
      if (fields.length < 2 || fields.length > 3)
        throw new Error('DER: an Extension is extnID, critical, extnValue');
      extensions.push({ oid: oidOf(der, fields[0] as Tlv), critical, value: contentOf(der, value) });
    }
  }
  const [sigOid] = children(der, expectTag(outerAlg, Tag.sequence, 'the signatureAlgorithm'));
  const signatureAlgorithm = oidOf(der, expectTag(sigOid, Tag.oid, 'the signature algorithm'));
  let curve: string | null | undefined =
    publicKeyAlgorithm !== Oid.ecPublicKey
      ? null
      : keyParams
        ? NAMED_CURVES[Buffer.from(der.subarray(keyParams.start, keyParams.end)).toString('hex')]
        : undefined;
  let asn: asn1X509.Certificate | undefined;
  let wrapped: x509.X509Certificate | undefined;
  return {
    der,
    get asn() {
      return (asn ??= AsnParser.parse(der, asn1X509.Certificate));
    },
    get x509() {
      return (wrapped ??= new x509.X509Certificate(this.asn));
    },
    version,
    serial,
    serialHex: serialKey(serial),
    signatureAlgorithm,
    publicKeyAlgorithm,
    get publicKeyCurve() {
      return curve === undefined ? (curve = curveOf(this.asn.tbsCertificate.subjectPublicKeyInfo)) : curve;
    },
    issuer,
    subject,
    notBefore: timeOf(der, notBefore),
    notAfter: timeOf(der, notAfter),
    extensions,
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

/** The SEQUENCE that fills an extension's value, and its elements. */
function sequenceValue(ext: RawExtension, what: string): Tlv[] {
  return children(ext.value, expectTag(readWhole(ext.value), Tag.sequence, what));
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export interface BasicConstraints {
  ca: boolean;
  pathLength: number | null;
}

export function decodeBasicConstraints(ext: RawExtension): BasicConstraints {
  const buf = ext.value;
  const fields = sequenceValue(ext, 'BasicConstraints');
  let at = 0;
  const ca = fields[0]?.tag === Tag.boolean ? booleanOf(buf, fields[at++] as Tlv) : false;
  const length = fields[at] ? bigintOf(buf, fields[at++] as Tlv) : null;
  if (at !== fields.length) throw new Error('DER: BasicConstraints is cA, pathLenConstraint');
  return { ca, pathLength: length === null ? null : Number(length) };
}

export type KeyUsageName = keyof typeof x509.KeyUsageFlags;

const KEY_USAGE_NAMES = Object.keys(x509.KeyUsageFlags).filter((k) =>
  Number.isNaN(Number(k)),
) as KeyUsageName[];

export function keyUsageFlags(usages: readonly KeyUsageName[]): x509.KeyUsageFlags {
  return usages.reduce<number>((flags, name) => flags | x509.KeyUsageFlags[name], 0);
}

export function decodeKeyUsage(ext: RawExtension): Set<KeyUsageName> {
  const tlv = expectTag(readWhole(ext.value), Tag.bitString, 'KeyUsage (a BIT STRING)');
  const bits = contentOf(ext.value, tlv);
  if (bits.length === 0 || (bits[0] as number) > 7) throw new Error('DER: a malformed BIT STRING');
  // RFC 5280 bit i (the most significant bit of the first octet is bit 0) is KeyUsageFlags' 1 << i.
  let usages = 0;
  for (let i = 1; i < bits.length && i < 4; i++)
    for (let b = 0; b < 8; b++) if (((bits[i] as number) >> (7 - b)) & 1) usages |= 1 << ((i - 1) * 8 + b);
  return new Set(KEY_USAGE_NAMES.filter((name) => (usages & x509.KeyUsageFlags[name]) !== 0));
}

export function decodeCertificatePolicies(ext: RawExtension): string[] {
  return sequenceValue(ext, 'CertificatePolicies').map((info) => {
    const [id] = children(ext.value, expectTag(info, Tag.sequence, 'a PolicyInformation'));
    return oidOf(ext.value, expectTag(id, Tag.oid, 'a policyIdentifier'));
  });
}

export interface DistributionPoint {
  /** uniformResourceIdentifier names of the fullName form. */
  uris: string[];
  /** directoryName entries of cRLIssuer. */
  crlIssuers: DistinguishedName[];
}

/** GeneralNames (implicitly tagged): the URIs ([6] IA5String) and directory names ([4] Name). */
function generalNames(buf: Uint8Array, tlv: Tlv): { uris: string[]; names: DistinguishedName[] } {
  const uris: string[] = [];
  const names: DistinguishedName[] = [];
  for (const name of children(buf, tlv)) {
    if (name.tag === 0x86) uris.push(Buffer.from(contentOf(buf, name)).toString('latin1'));
    else if (name.tag === 0xa4) {
      const [inner, more] = children(buf, name);
      if (!inner || more) throw new Error('DER: a directoryName holds one Name');
      names.push(distinguishedNameFromDer(buf, inner));
    }
  }
  return { uris, names };
}

export function decodeCrlDistributionPoints(ext: RawExtension): DistributionPoint[] {
  const buf = ext.value;
  return sequenceValue(ext, 'CRLDistributionPoints').map((dp) => {
    const point: DistributionPoint = { uris: [], crlIssuers: [] };
    for (const field of children(buf, expectTag(dp, Tag.sequence, 'a DistributionPoint'))) {
      if (field.tag === 0xa0) {
        const [name, more] = children(buf, field);
        if (!name || more) throw new Error('DER: a DistributionPointName holds one name');
        if (name.tag === 0xa0) point.uris = generalNames(buf, name).uris;
        else if (name.tag !== 0xa1) throw new Error('DER: a malformed DistributionPointName');
      } else if (field.tag === 0xa2) point.crlIssuers = generalNames(buf, field).names;
      else if (field.tag !== 0x81) throw new Error('DER: unexpected field in a DistributionPoint');
    }
    return point;
  });
}

/** The keyIdentifier of an Authority Key Identifier, as hex; null when it has none. */
export function decodeAuthorityKeyIdentifier(ext: RawExtension): string | null {
  const keyId = sequenceValue(ext, 'AuthorityKeyIdentifier').find((f) => f.tag === 0x80);
  return keyId ? hexOf(contentOf(ext.value, keyId)) : null;
}

/** The Subject Key Identifier as hex. */
export function decodeSubjectKeyIdentifier(ext: RawExtension): string {
  return hexOf(
    contentOf(ext.value, expectTag(readWhole(ext.value), Tag.octetString, 'SubjectKeyIdentifier')),
  );
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
      // The common case, a bare base64 body, is decoded by Buffer; anything else (headers such as
      // Proc-Type, odd line breaks) goes through PemConverter as before.
      const simple = SIMPLE_PEM.exec(block);
      if (simple && simple[1] === label && simple[1] === simple[3])
        return [new Uint8Array(Buffer.from((simple[2] ?? '').replace(/\r?\n/g, ''), 'base64'))];
      try {
        return x509.PemConverter.decodeWithHeaders(block)
          .filter((pem) => pem.type === label)
          .map((pem) => new Uint8Array(pem.rawData));
      } catch {
        return [];
      }
    });
}

/** One PEM block whose body is nothing but base64 lines (groups: label, body, end label). */
const SIMPLE_PEM =
  /-----BEGIN ([A-Z0-9 ]+)-----\r?\n((?:[A-Za-z0-9+/]+\r?\n)*[A-Za-z0-9+/]*={0,2}\r?\n)-----END ([A-Z0-9 ]+)-----$/;

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
