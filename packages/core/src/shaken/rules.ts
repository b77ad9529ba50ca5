import { isNoIdentity, type TShakenInconsistency, type TShakenPathFlag } from '@hoptrace/contracts';
import type { ShakenVerification } from './port';

/**
 * The STIR/SHAKEN rules of a traceback as pure functions: the verdict of a verification, the
 * inconsistencies its certificate and signature show at open, and those the path shows when it closes.
 */

export type ShakenVerdict = 'valid' | 'invalid' | 'error';

/** Inconsistencies that depend on the path: re-evaluated each time the traceback closes. */
export const PATH_INCONSISTENCIES: readonly TShakenInconsistency[] = [
  'shaken_signer_not_in_path',
  'shaken_signer_not_origin',
  'shaken_attest_a_number_not_held',
];

/** valid: every check passed; invalid: a check failed (the header or its credential is bad); error: could not be checked. */
export function verdictOf(result: ShakenVerification | null): ShakenVerdict {
  if (!result) return 'error';
  if (result.ok) return 'valid';
  return result.checks.some((c) => c.status === 'fail') ? 'invalid' : 'error';
}

/** Why a verification could not conclude: the first check that was indeterminate. */
export function errorReasonOf(result: ShakenVerification): string | null {
  const c = result.checks.find((x) => x.status === 'indeterminate');
  return c ? `${c.code}: ${c.detail}` : null;
}

/** What the signature and certificate alone say, known at open. */
export function credentialInconsistencies(result: ShakenVerification | null): TShakenInconsistency[] {
  if (!result) return [];
  const failed = (code: string) => result.checks.some((c) => c.code === code && c.status === 'fail');
  const found: TShakenInconsistency[] = [];
  if (failed('cert.validity') || failed('cert.revocation') || result.revoked === true)
    found.push('shaken_cert_expired_or_revoked');
  if (failed('passport.signature')) found.push('shaken_invalid_signature');
  return found;
}

/** Attestations that vouch for the caller enough to ask the signer first. */
export const signerAttestations = new Set(['A', 'B']);

export interface ShakenHop {
  id: string;
  line: string;
  providerId: string;
  status: string;
  answerKind: string | null;
}

/**
 * What the closed path says about the signature. The signer must appear in a path walked to its end
 * (origin identified or a foreign origin at the gateway); where the path names an origin, the signer
 * should be it; an A attestation vouches that the origin's customer holds the calling number.
 */
export function pathInconsistencies(input: {
  signerProviderId: string | null;
  attest: string | null;
  outcome: string | null;
  hops: readonly ShakenHop[];
  /** Origin answers that said whether the customer holds the calling number, by hop id. */
  numberHeld: Readonly<Record<string, boolean>>;
}): TShakenInconsistency[] {
  const { signerProviderId, hops, outcome } = input;
  if (!signerProviderId) return [];
  const path = hops.filter((h) => h.line === 'path' && h.status !== 'withdrawn');
  const found: TShakenInconsistency[] = [];
  const walkedToEnd = outcome === 'origin_identified' || outcome === 'foreign_origin';
  if (walkedToEnd && !path.some((h) => h.providerId === signerProviderId))
    found.push('shaken_signer_not_in_path');
  const origin = path.find((h) => h.status === 'answered' && h.answerKind === 'origin');
  if (origin && origin.providerId !== signerProviderId) found.push('shaken_signer_not_origin');
  const originAnswers = hops.filter((h) => h.status === 'answered' && h.answerKind === 'origin');
  if (input.attest === 'A' && originAnswers.some((h) => input.numberHeld[h.id] === false))
    found.push('shaken_attest_a_number_not_held');
  return found;
}

/** A path hop as the received-header rules read it (decision 0034). */
export interface ReceivedHop extends ShakenHop {
  namedByHopId: string | null;
  /** The Identity header its provider received, 'none', or null (not reported). */
  receivedIdentity: string | null;
  /** From its verification: the certificate's SPC, the provider holding it, the attestation. */
  spc: string | null;
  signerProviderId: string | null;
  attest: string | null;
  /** What the signature and certificate alone say (`credentialInconsistencies`). */
  credential: readonly string[];
  /** An origin answer's word on the calling number. */
  numberHeld: boolean | null;
}

export interface PathFlag {
  hopId: string;
  code: TShakenPathFlag;
  /** The provider the flag is counted against (null: nobody can be named). */
  providerId: string | null;
}

/** The PASSporT of an Identity header (before its parameters), to tell the same header from another. */
export function passportOf(header: string): string {
  return header
    .replace(/^\s*identity\s*:/i, '')
    .split(';')[0]!
    .replace(/\s+/g, '');
}

/**
 * What the headers received along the path say (decision 0034). At each hop that received a header:
 * its certificate expired or revoked at the call time (counted against the signer), an invalid
 * signature (nobody), and — once the path names its origin — a signer that is not the origin, or an A
 * attestation on a number the origin says its customer does not hold (the signer). Between a hop and
 * the hop that named it (its downstream): a signed header the upstream received that reached the
 * downstream without it (dropped) or as another PASSporT (replaced), counted against the upstream, the
 * provider that passed the call on. The terminating provider's header, when its hop reported none of
 * its own, is the traceback's Identity header.
 */
export function receivedPathFlags(input: {
  hops: readonly ReceivedHop[];
  terminatingHeader: string | null;
}): PathFlag[] {
  const path = input.hops.filter((h) => h.line === 'path' && h.status !== 'withdrawn');
  const origin = path.find((h) => h.status === 'answered' && h.answerKind === 'origin');
  const receivedOf = (h: ReceivedHop) =>
    h.receivedIdentity ?? (h.namedByHopId === null ? input.terminatingHeader : null);
  const out: PathFlag[] = [];
  const add = (hopId: string, code: TShakenPathFlag, providerId: string | null) => {
    if (!out.some((f) => f.hopId === hopId && f.code === code)) out.push({ hopId, code, providerId });
  };
  for (const h of path) {
    if (h.receivedIdentity && !isNoIdentity(h.receivedIdentity)) {
      if (h.credential.includes('shaken_cert_expired_or_revoked'))
        add(h.id, 'shaken_path_cert_expired_or_revoked', h.signerProviderId);
      const forged = h.credential.includes('shaken_invalid_signature');
      if (forged) add(h.id, 'shaken_path_invalid_signature', null);
      if (!forged && h.spc && origin && origin.providerId !== h.signerProviderId)
        add(h.id, 'shaken_path_signer_not_origin', h.signerProviderId);
      if (!forged && h.spc && h.attest === 'A' && origin?.numberHeld === false)
        add(h.id, 'shaken_path_attest_a_number_not_held', h.signerProviderId);
    }
    const downstream = path.find((d) => d.id === h.namedByHopId);
    if (!downstream) continue;
    const up = receivedOf(h);
    const down = receivedOf(downstream);
    if (!up || isNoIdentity(up) || !down) continue;
    if (isNoIdentity(down)) add(h.id, 'shaken_header_dropped', h.providerId);
    else if (passportOf(up) !== passportOf(down)) add(h.id, 'shaken_header_replaced', h.providerId);
  }
  return out;
}
