import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import {
  DerError,
  Tag,
  children,
  content,
  decodeBitString,
  decodeBoolean,
  decodeInteger,
  decodeOid,
  decodeString,
  decodeTime,
  encoded,
  expectSequence,
  expectUniversal,
  isContext,
  isUniversal,
  readRoot,
  type DerNode,
} from './der';

export const Oid = {
  ecPublicKey: '1.2.840.10045.2.1',
  prime256v1: '1.2.840.10045.3.1.7',
  secp384r1: '1.3.132.0.34',
  ecdsaWithSha1: '1.2.840.10045.4.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  commonName: '2.5.4.3',
  serialNumber: '2.5.4.5',
  country: '2.5.4.6',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  emailAddress: '1.2.840.113549.1.9.1',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  crlNumber: '2.5.29.20',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extendedKeyUsage: '2.5.29.37',
  tnAuthList: '1.3.6.1.5.5.7.1.26',
} as const;

/** US SHAKEN Certificate Policy OIDs (2.16.840.1.114569.1.1.x, x = CP version 1.x). */
export const ShakenPolicy = {
  v1_1: '2.16.840.1.114569.1.1.1',
  v1_2: '2.16.840.1.114569.1.1.2',
  v1_3: '2.16.840.1.114569.1.1.3',
  v1_4: '2.16.840.1.114569.1.1.4',
} as const;

const ATTRIBUTE_NAMES: Record<string, string> = {
  [Oid.commonName]: 'CN',
  [Oid.serialNumber]: 'serialNumber',
  [Oid.country]: 'C',
  [Oid.organization]: 'O',
  [Oid.organizationalUnit]: 'OU',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  [Oid.emailAddress]: 'emailAddress',
};

export interface NameAttribute {
  oid: string;
  value: string;
}

export interface DistinguishedName {
  /** Attributes in encoded order, flattened across RDNs. */
  attributes: NameAttribute[];
  /** The encoded Name, used for issuer/subject matching. */
  der: Uint8Array;
}

export interface RawExtension {
  oid: string;
  critical: boolean;
  value: Uint8Array;
}

export interface ParsedCertificate {
  der: Uint8Array;
  tbsDer: Uint8Array;
  /** X.509 version as written (1, 2 or 3). */
  version: number;
  /** Content octets of the serialNumber INTEGER, two's complement, as encoded. */
  serialBytes: Uint8Array;
  serial: bigint;
  /** Upper-case hex of the serial's magnitude (how CRLs and people refer to it). */
  serialHex: string;
  signatureAlgorithm: string;
  tbsSignatureAlgorithm: string;
  signature: Uint8Array;
  issuer: DistinguishedName;
  subject: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  publicKeyAlgorithm: string;
  /** Named curve OID for EC keys. */
  publicKeyCurve: string | null;
  /** The subjectPublicKey BIT STRING contents. */
  publicKeyBits: Uint8Array;
  spkiDer: Uint8Array;
  extensions: RawExtension[];
}

function parseAlgorithm(
  node: DerNode | undefined,
  what: string,
): { oid: string; params: DerNode | undefined } {
  const parts = expectSequence(node, what);
  const oidNode = parts[0];
  if (!oidNode) throw new DerError(`${what} has no OID`);
  return { oid: decodeOid(oidNode), params: parts[1] };
}

export function parseName(node: DerNode | undefined): DistinguishedName {
  const rdns = expectSequence(node, 'a Name');
  const attributes: NameAttribute[] = [];
  for (const rdn of rdns) {
    if (!isUniversal(rdn, Tag.set)) throw new DerError('RDN must be a SET');
    for (const atv of children(rdn)) {
      const [type, value] = expectSequence(atv, 'an AttributeTypeAndValue');
      if (!type || !value) throw new DerError('incomplete AttributeTypeAndValue');
      attributes.push({ oid: decodeOid(type), value: decodeString(value) });
    }
  }
  return { attributes, der: encoded(node as DerNode) };
}

export function parseCertificateDer(der: Uint8Array): ParsedCertificate {
  const root = readRoot(der);
  const [tbs, sigAlg, sigValue] = expectSequence(root, 'a Certificate');
  if (!tbs || !sigAlg || !sigValue) throw new DerError('Certificate needs three parts');
  const fields = expectSequence(tbs, 'a TBSCertificate');
  let index = 0;
  let version = 1;
  const first = fields[0];
  if (first && isContext(first, 0)) {
    const [versionNode] = children(first);
    const value = decodeInteger(expectUniversal(versionNode, Tag.integer, 'a version INTEGER'));
    if (value < 0n || value > 2n) throw new DerError('unknown certificate version');
    version = Number(value) + 1;
    index++;
  }
  const serialNode = expectUniversal(fields[index++], Tag.integer, 'a serialNumber');
  const tbsSig = parseAlgorithm(fields[index++], 'the TBS signature algorithm');
  const issuer = parseName(fields[index++]);
  const validity = expectSequence(fields[index++], 'a Validity');
  const [nb, na] = validity;
  if (!nb || !na) throw new DerError('Validity needs two times');
  const subject = parseName(fields[index++]);
  const spkiNode = fields[index++];
  const [spkiAlgNode, spkiKey] = expectSequence(spkiNode, 'a SubjectPublicKeyInfo');
  const spkiAlg = parseAlgorithm(spkiAlgNode, 'the key algorithm');
  let publicKeyCurve: string | null = null;
  if (spkiAlg.oid === Oid.ecPublicKey && spkiAlg.params && isUniversal(spkiAlg.params, Tag.oid)) {
    publicKeyCurve = decodeOid(spkiAlg.params);
  }
  const publicKeyBits = decodeBitString(expectUniversal(spkiKey, Tag.bitString, 'a subjectPublicKey')).bytes;
  const extensions: RawExtension[] = [];
  for (; index < fields.length; index++) {
    const field = fields[index] as DerNode;
    if (isContext(field, 1) || isContext(field, 2)) continue;
    if (!isContext(field, 3)) throw new DerError('unexpected field in TBSCertificate');
    const [list] = children(field);
    for (const ext of expectSequence(list, 'Extensions')) {
      const parts = expectSequence(ext, 'an Extension');
      const oid = decodeOid(parts[0] as DerNode);
      let critical = false;
      let valueNode = parts[1];
      if (valueNode && isUniversal(valueNode, Tag.boolean)) {
        critical = decodeBoolean(valueNode);
        valueNode = parts[2];
      }
      const value = content(expectUniversal(valueNode, Tag.octetString, 'an extnValue'));
      extensions.push({ oid, critical, value });
    }
  }
  const serialBytes = content(serialNode);
  const serial = decodeInteger(serialNode);
  const magnitude = serial < 0n ? -serial : serial;
  return {
    der,
    tbsDer: encoded(tbs),
    version,
    serialBytes,
    serial,
    serialHex: magnitude.toString(16).toUpperCase().padStart(2, '0'),
    signatureAlgorithm: parseAlgorithm(sigAlg, 'the signature algorithm').oid,
    tbsSignatureAlgorithm: tbsSig.oid,
    signature: decodeBitString(sigValue).bytes,
    issuer,
    subject,
    notBefore: decodeTime(nb),
    notAfter: decodeTime(na),
    publicKeyAlgorithm: spkiAlg.oid,
    publicKeyCurve,
    publicKeyBits,
    spkiDer: encoded(spkiNode as DerNode),
    extensions,
  };
}

export function getExtension(cert: ParsedCertificate, oid: string): RawExtension | undefined {
  return cert.extensions.find((ext) => ext.oid === oid);
}

export function nameAttribute(name: DistinguishedName, oid: string): string[] {
  return name.attributes.filter((a) => a.oid === oid).map((a) => a.value);
}

const formattedNames = new WeakMap<DistinguishedName, string>();

export function formatName(name: DistinguishedName): string {
  let text = formattedNames.get(name);
  if (text === undefined) {
    text = name.attributes
      .map((a) => `${ATTRIBUTE_NAMES[a.oid] ?? a.oid}=${a.value.replace(/([,+"\\<>;])/g, '\\$1')}`)
      .join(', ');
    formattedNames.set(name, text);
  }
  return text;
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
// Extension decoders. Each throws DerError on malformed input; callers catch.

export interface BasicConstraints {
  ca: boolean;
  pathLength: number | null;
}

export function decodeBasicConstraints(value: Uint8Array): BasicConstraints {
  const parts = expectSequence(readRoot(value), 'BasicConstraints');
  let ca = false;
  let pathLength: number | null = null;
  for (const part of parts) {
    if (isUniversal(part, Tag.boolean)) ca = decodeBoolean(part);
    else if (isUniversal(part, Tag.integer)) pathLength = Number(decodeInteger(part));
    else throw new DerError('unexpected BasicConstraints field');
  }
  return { ca, pathLength };
}

export const KeyUsageBit = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
} as const;

export type KeyUsageName = keyof typeof KeyUsageBit;

export function decodeKeyUsage(value: Uint8Array): Set<KeyUsageName> {
  const bits = decodeBitString(readRoot(value));
  const set = new Set<KeyUsageName>();
  for (const [name, bit] of Object.entries(KeyUsageBit) as [KeyUsageName, number][]) {
    const byte = bits.bytes[bit >> 3];
    if (byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0) set.add(name);
  }
  return set;
}

export function decodeCertificatePolicies(value: Uint8Array): string[] {
  return expectSequence(readRoot(value), 'CertificatePolicies').map((info) => {
    const [oid] = expectSequence(info, 'PolicyInformation');
    return decodeOid(oid as DerNode);
  });
}

export interface DistributionPoint {
  /** uniformResourceIdentifier names of the fullName form. */
  uris: string[];
  hasOtherNames: boolean;
  /** directoryName entries of cRLIssuer. */
  crlIssuers: DistinguishedName[];
  hasCrlIssuerField: boolean;
}

export function decodeCrlDistributionPoints(value: Uint8Array): DistributionPoint[] {
  return expectSequence(readRoot(value), 'CRLDistributionPoints').map((dp) => {
    const point: DistributionPoint = {
      uris: [],
      hasOtherNames: false,
      crlIssuers: [],
      hasCrlIssuerField: false,
    };
    for (const field of expectSequence(dp, 'DistributionPoint')) {
      if (isContext(field, 0)) {
        const [nameChoice] = children(field);
        if (!nameChoice || !isContext(nameChoice, 0)) {
          point.hasOtherNames = true;
          continue;
        }
        for (const generalName of children(nameChoice)) {
          if (isContext(generalName, 6) && !generalName.constructed) {
            point.uris.push(new TextDecoder('latin1').decode(content(generalName)));
          } else {
            point.hasOtherNames = true;
          }
        }
      } else if (isContext(field, 2)) {
        point.hasCrlIssuerField = true;
        for (const generalName of children(field)) {
          if (isContext(generalName, 4)) point.crlIssuers.push(parseName(children(generalName)[0]));
        }
      }
    }
    return point;
  });
}

export function decodeAuthorityKeyIdentifier(value: Uint8Array): Uint8Array | null {
  for (const field of expectSequence(readRoot(value), 'AuthorityKeyIdentifier')) {
    if (isContext(field, 0) && !field.constructed) return content(field);
  }
  return null;
}

export function decodeSubjectKeyIdentifier(value: Uint8Array): Uint8Array {
  return content(expectUniversal(readRoot(value), Tag.octetString, 'SubjectKeyIdentifier'));
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifierFor(publicKeyBits: Uint8Array): Uint8Array {
  return createHash('sha1').update(publicKeyBits).digest();
}

// ---------------------------------------------------------------------------------------------
// PEM

const PEM_CERT = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/** DER blocks of every CERTIFICATE in a PEM text; bodies that are not base64 are skipped. */
export function pemCertificates(text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const match of text.matchAll(PEM_CERT)) {
    const body = (match[1] ?? '').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length === 0) continue;
    out.push(new Uint8Array(Buffer.from(body, 'base64')));
  }
  return out;
}

export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * A certificate parsed both ways: our DER view for the profile and Node's for signatures and keys.
 * Throws on malformed input; the exported entry points wrap it.
 */
export interface Certificate {
  parsed: ParsedCertificate;
  node: X509Certificate;
  publicKey: KeyObject;
  fingerprint: string;
}

export function loadCertificate(der: Uint8Array): Certificate {
  const parsed = parseCertificateDer(der);
  const node = new X509Certificate(der);
  return { parsed, node, publicKey: node.publicKey, fingerprint: node.fingerprint256 };
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
