import { verify, type KeyObject } from 'node:crypto';
import {
  DerError,
  Tag,
  decodeBitString,
  decodeInteger,
  decodeOid,
  decodeTime,
  encoded,
  expectSequence,
  expectUniversal,
  isContext,
  isUniversal,
  readRoot,
  type DerNode,
} from './der';
import { describeError, parseName, type DistinguishedName } from './x509';

export interface ParsedCrl {
  issuer: DistinguishedName;
  thisUpdate: Date;
  nextUpdate: Date | null;
  /** Serial (upper-case hex magnitude) → revocation date. */
  revoked: Map<string, Date>;
  tbsDer: Uint8Array;
  signatureAlgorithm: string;
  signature: Uint8Array;
}

export type CrlParse = { ok: true; crl: ParsedCrl } | { ok: false; reason: string };

const HASH_FOR_SIGNATURE: Record<string, string> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};

function isTime(node: DerNode | undefined): node is DerNode {
  return node !== undefined && (isUniversal(node, Tag.utcTime) || isUniversal(node, Tag.generalizedTime));
}

export function serialKey(serial: bigint): string {
  return (serial < 0n ? -serial : serial).toString(16).toUpperCase().padStart(2, '0');
}

/** Parses a CRL in DER or PEM (`X509 CRL`) form. */
export function parseCrl(input: Uint8Array): CrlParse {
  try {
    let derBytes = input;
    const head = Buffer.from(input.subarray(0, 64)).toString('latin1');
    if (head.includes('-----BEGIN')) {
      const match = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(
        Buffer.from(input).toString('latin1'),
      );
      if (!match) return { ok: false, reason: 'no X509 CRL block in the PEM text' };
      derBytes = new Uint8Array(Buffer.from((match[1] ?? '').replace(/\s+/g, ''), 'base64'));
    }
    const [tbs, sigAlg, sigValue] = expectSequence(readRoot(derBytes), 'a CertificateList');
    if (!tbs || !sigAlg || !sigValue) throw new DerError('CertificateList needs three parts');
    const fields = expectSequence(tbs, 'a TBSCertList');
    let i = 0;
    if (fields[i] && isUniversal(fields[i] as DerNode, Tag.integer)) i++;
    expectSequence(fields[i++], 'the CRL signature algorithm');
    const issuer = parseName(fields[i++]);
    const thisUpdateNode = fields[i++];
    if (!isTime(thisUpdateNode)) throw new DerError('missing thisUpdate');
    const thisUpdate = decodeTime(thisUpdateNode);
    let nextUpdate: Date | null = null;
    if (isTime(fields[i])) nextUpdate = decodeTime(fields[i++] as DerNode);
    const revoked = new Map<string, Date>();
    const maybeList = fields[i];
    if (maybeList && isUniversal(maybeList, Tag.sequence)) {
      for (const entry of expectSequence(maybeList, 'revokedCertificates')) {
        const [serialNode, dateNode] = expectSequence(entry, 'a revoked certificate');
        const serial = decodeInteger(expectUniversal(serialNode, Tag.integer, 'userCertificate'));
        if (!isTime(dateNode)) throw new DerError('missing revocationDate');
        revoked.set(serialKey(serial), decodeTime(dateNode));
      }
      i++;
    }
    const rest = fields[i];
    if (rest && !isContext(rest, 0)) throw new DerError('unexpected field in TBSCertList');
    const [algOid] = expectSequence(sigAlg, 'the signature algorithm');
    return {
      ok: true,
      crl: {
        issuer,
        thisUpdate,
        nextUpdate,
        revoked,
        tbsDer: encoded(tbs),
        signatureAlgorithm: decodeOid(algOid as DerNode),
        signature: decodeBitString(sigValue).bytes,
      },
    };
  } catch (error) {
    return { ok: false, reason: `not a valid CRL (${describeError(error)})` };
  }
}

export function crlSignedBy(crl: ParsedCrl, key: KeyObject): boolean {
  const hash = HASH_FOR_SIGNATURE[crl.signatureAlgorithm];
  if (!hash) return false;
  try {
    return verify(hash, crl.tbsDer, key, crl.signature);
  } catch {
    return false;
  }
}
