import {
  DerError,
  Tag,
  children,
  decodeInteger,
  decodeString,
  der,
  expectSequence,
  isContext,
  isUniversal,
  readRoot,
} from './der';
import { Oid, getExtension, parseCertificateDer, pemCertificates, describeError } from './x509';

/**
 * RFC 8226 §9 (module TN-Module-2016, EXPLICIT TAGS):
 *
 *   TNAuthorizationList ::= SEQUENCE SIZE (1..MAX) OF TNEntry
 *   TNEntry ::= CHOICE {
 *     spc   [0] ServiceProviderCode,        -- IA5String
 *     range [1] TelephoneNumberRange,       -- SEQUENCE { start TelephoneNumber, count INTEGER }
 *     one   [2] TelephoneNumber }           -- IA5String (SIZE (1..15)) FROM ("0123456789#*")
 */
export type TnEntry =
  | { type: 'spc'; spc: string }
  | { type: 'range'; start: string; count: number }
  | { type: 'one'; tn: string };

export type TnAuthListResult = { ok: true; entries: TnEntry[] } | { ok: false; reason: string };

export function decodeTnAuthList(value: Uint8Array): TnAuthListResult {
  try {
    const root = readRoot(value);
    if (!isUniversal(root, Tag.sequence) || !root.constructed) {
      return { ok: false, reason: 'TNAuthList is not a SEQUENCE (not RFC 8226 encoded)' };
    }
    const entries = expectSequence(root, 'TNAuthorizationList').map((entry): TnEntry => {
      if (!entry.constructed || entry.tagClass !== 2)
        throw new DerError('TNEntry must be an explicitly tagged choice');
      const inner = children(entry);
      if (inner.length !== 1) throw new DerError('TNEntry must hold exactly one value');
      const value = inner[0];
      if (!value) throw new DerError('empty TNEntry');
      if (isContext(entry, 0)) {
        if (!isUniversal(value, Tag.ia5String)) throw new DerError('SPC must be an IA5String');
        return { type: 'spc', spc: decodeString(value) };
      }
      if (isContext(entry, 1)) {
        const [start, count] = expectSequence(value, 'TelephoneNumberRange');
        if (!start || !count || !isUniversal(count, Tag.integer))
          throw new DerError('bad TelephoneNumberRange');
        return { type: 'range', start: decodeString(start), count: Number(decodeInteger(count)) };
      }
      if (isContext(entry, 2)) {
        if (!isUniversal(value, Tag.ia5String)) throw new DerError('TelephoneNumber must be an IA5String');
        return { type: 'one', tn: decodeString(value) };
      }
      throw new DerError(`unknown TNEntry tag [${entry.tag}]`);
    });
    if (entries.length === 0) return { ok: false, reason: 'TNAuthList has no entries' };
    return { ok: true, entries };
  } catch (error) {
    return { ok: false, reason: `TNAuthList is not RFC 8226 encoded: ${describeError(error)}` };
  }
}

export function encodeTnAuthList(entries: readonly TnEntry[]): Uint8Array {
  return der.sequence(
    ...entries.map((entry) => {
      switch (entry.type) {
        case 'spc':
          return der.context(0, true, der.ia5(entry.spc));
        case 'one':
          return der.context(2, true, der.ia5(entry.tn));
        case 'range':
          return der.context(1, true, der.sequence(der.ia5(entry.start), der.smallInteger(entry.count)));
      }
    }),
  );
}

export type SpcResult = { ok: true; spc: string } | { ok: false; reason: string };

/**
 * The SPC (in the US, the OCN) of an STI certificate: ATIS-1000080 requires a TNAuthList with
 * exactly one entry, and that entry must be an SPC. Accepts a PEM text (first certificate) or DER.
 */
export function extractSpc(certificate: string | Uint8Array): SpcResult {
  if (typeof certificate !== 'string' && !(certificate instanceof Uint8Array)) {
    return { ok: false, reason: 'expected PEM text or DER bytes' };
  }
  let derBytes: Uint8Array | undefined;
  if (typeof certificate === 'string') derBytes = pemCertificates(certificate)[0];
  else derBytes = certificate;
  if (!derBytes) return { ok: false, reason: 'no certificate found' };
  try {
    return spcFromExtensionValue(getExtension(parseCertificateDer(derBytes), Oid.tnAuthList)?.value);
  } catch (error) {
    return { ok: false, reason: `not a valid X.509 certificate (${describeError(error)})` };
  }
}

export function spcFromExtensionValue(value: Uint8Array | undefined): SpcResult {
  if (!value) return { ok: false, reason: 'no TNAuthList extension (OID 1.3.6.1.5.5.7.1.26)' };
  const decoded = decodeTnAuthList(value);
  if (!decoded.ok) return decoded;
  if (decoded.entries.length !== 1) {
    return { ok: false, reason: `TNAuthList must hold exactly one entry, found ${decoded.entries.length}` };
  }
  const [entry] = decoded.entries;
  if (!entry || entry.type !== 'spc') return { ok: false, reason: 'the TNAuthList entry is not an SPC' };
  if (entry.spc.length === 0) return { ok: false, reason: 'the SPC is empty' };
  return { ok: true, spc: entry.spc };
}
