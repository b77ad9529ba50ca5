import type { TShakenInconsistency } from '@hoptrace/contracts';
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
