import {
  AsnArray,
  AsnParser,
  AsnProp,
  AsnPropTypes,
  AsnSerializer,
  AsnType,
  AsnTypeTypes,
} from '@peculiar/asn1-schema';
import { Oid, describeError, getExtension, parseCertificateDer, pemCertificates } from './x509';

/**
 * RFC 8226 §9 (module TN-Module-2016, EXPLICIT TAGS):
 *
 *   TNAuthorizationList ::= SEQUENCE SIZE (1..MAX) OF TNEntry
 *   TNEntry ::= CHOICE {
 *     spc   [0] ServiceProviderCode,        -- IA5String
 *     range [1] TelephoneNumberRange,       -- SEQUENCE { start TelephoneNumber, count INTEGER }
 *     one   [2] TelephoneNumber }           -- IA5String (SIZE (1..15)) FROM ("0123456789#*")
 *
 * The schema below is @peculiar/asn1-schema's, declared by applying its decorator factories as
 * plain functions (which is what TypeScript's legacy decorator emit does). Decorator syntax would
 * need `experimentalDecorators` in whichever tsconfig the consumer's transpiler happens to find:
 * this package ships TypeScript sources, and tsx looks the tsconfig up from the working directory,
 * so `@AsnProp` would break as soon as the CLI runs from another directory. See
 * docs/decisions/0006-shaken-asn1.md.
 */
class TelephoneNumberRangeAsn {
  start = '';
  count = 0;
}
AsnProp({ type: AsnPropTypes.IA5String })(TelephoneNumberRangeAsn.prototype, 'start');
AsnProp({ type: AsnPropTypes.Integer })(TelephoneNumberRangeAsn.prototype, 'count');
AsnType({ type: AsnTypeTypes.Sequence })(TelephoneNumberRangeAsn);

class TnEntryAsn {
  spc?: string;
  range?: TelephoneNumberRangeAsn;
  one?: string;
}
AsnProp({ type: AsnPropTypes.IA5String, context: 0 })(TnEntryAsn.prototype, 'spc');
AsnProp({ type: TelephoneNumberRangeAsn, context: 1 })(TnEntryAsn.prototype, 'range');
AsnProp({ type: AsnPropTypes.IA5String, context: 2 })(TnEntryAsn.prototype, 'one');
AsnType({ type: AsnTypeTypes.Choice })(TnEntryAsn);

class TnAuthorizationListAsn extends AsnArray<TnEntryAsn> {}
AsnType({ type: AsnTypeTypes.Sequence, itemType: TnEntryAsn })(TnAuthorizationListAsn);

export type TnEntry =
  | { type: 'spc'; spc: string }
  | { type: 'range'; start: string; count: number }
  | { type: 'one'; tn: string };

export type TnAuthListResult = { ok: true; entries: TnEntry[] } | { ok: false; reason: string };

function fromAsn(entry: TnEntryAsn): TnEntry {
  if (entry.spc !== undefined) return { type: 'spc', spc: entry.spc };
  if (entry.one !== undefined) return { type: 'one', tn: entry.one };
  if (entry.range !== undefined) return { type: 'range', start: entry.range.start, count: entry.range.count };
  throw new Error('TNEntry must be an explicitly tagged spc [0], range [1] or one [2]');
}

export function decodeTnAuthList(value: Uint8Array): TnAuthListResult {
  try {
    if (!(value instanceof Uint8Array)) throw new TypeError('expected DER bytes');
    const entries = AsnParser.parse(value, TnAuthorizationListAsn).map(fromAsn);
    if (entries.length === 0) return { ok: false, reason: 'TNAuthList has no entries' };
    return { ok: true, entries };
  } catch (error) {
    return { ok: false, reason: `TNAuthList is not RFC 8226 encoded: ${describeError(error)}` };
  }
}

export function encodeTnAuthList(entries: readonly TnEntry[]): Uint8Array {
  const list = new TnAuthorizationListAsn(
    entries.map((entry) => {
      const asn = new TnEntryAsn();
      if (entry.type === 'spc') asn.spc = entry.spc;
      else if (entry.type === 'one') asn.one = entry.tn;
      else
        asn.range = Object.assign(new TelephoneNumberRangeAsn(), { start: entry.start, count: entry.count });
      return asn;
    }),
  );
  return new Uint8Array(AsnSerializer.serialize(list));
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
  try {
    derBytes = typeof certificate === 'string' ? pemCertificates(certificate)[0] : certificate;
    if (!derBytes) return { ok: false, reason: 'no certificate found' };
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
