import type { Attestation } from './passport';

/** Every check a verification runs, in the order it runs them. */
export const CHECK_CODES = [
  'identity.present',
  'identity.syntax',
  'identity.info',
  'identity.alg',
  'identity.ppt',
  'passport.encoding',
  'passport.alg',
  'passport.typ',
  'passport.ppt',
  'passport.x5u',
  'identity.info_matches_x5u',
  'passport.iat',
  'passport.attest',
  'passport.orig',
  'passport.dest',
  'passport.origid',
  'call.time',
  'call.orig',
  'call.dest',
  'cert.fetch',
  'cert.parse',
  'cert.chain',
  'cert.validity',
  'cert.revocation',
  'cert.profile',
  'cert.spc',
  'passport.signature',
  'internal',
] as const;

export type CheckCode = (typeof CHECK_CODES)[number];

/**
 * `fail`: the header or its credential is bad (the verifier would reject).
 * `indeterminate`: validation could not be done for reasons that do not prove the header bad
 * (no credential URL, network failure, unreachable CRL); the call is treated as unsigned.
 * `skip`: not applicable or impossible because an earlier check failed.
 */
export type CheckStatus = 'pass' | 'fail' | 'indeterminate' | 'skip';

export type SipCode = 403 | 436 | 437 | 438;

export interface Check {
  code: CheckCode;
  status: CheckStatus;
  detail: string;
  /** The RFC 8224 response this failure maps to; null unless status is `fail`. */
  sip: SipCode | null;
}

export type Verstat = 'TN-Validation-Passed' | 'TN-Validation-Failed' | 'No-TN-Validation';

export interface CertificateSummary {
  subject: string;
  issuer: string;
  /** Upper-case hex. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 fingerprint, colon-separated hex as Node prints it. */
  fingerprint: string;
}

export interface VerificationResult {
  /** Every check passed (verstat TN-Validation-Passed). */
  ok: boolean;
  verstat: Verstat;
  /** The RFC 8224 rejection for the most fundamental failure; null when passed or indeterminate. */
  sip: { code: SipCode; reason: string } | null;
  checks: Check[];
  /** The checks with status `fail` or `indeterminate`. */
  problems: Check[];
  attestation: Attestation | null;
  origTn: string | null;
  destTns: string[];
  iat: number | null;
  origid: string | null;
  x5u: string | null;
  /** SPC (OCN) from the signing certificate's TNAuthList. */
  spc: string | null;
  certificate: CertificateSummary | null;
  /** True if a CRL lists the signing chain as revoked at the call time; null when not determined. */
  revoked: boolean | null;
}

export const SIP_REASONS: Record<SipCode, string> = {
  403: 'Stale Date',
  436: 'Bad Identity Info',
  437: 'Unsupported Credential',
  438: 'Invalid Identity Header',
};

/**
 * Which failure decides the SIP answer when several checks fail: problems with the header itself
 * first, then obtaining the credential (436), then the credential (437), then the signature (438),
 * then malformed claims (438), and last the 403s (stale iat, orig/dest missing or not matching).
 */
const RANK: Partial<Record<CheckCode, number>> = {
  'identity.syntax': 0,
  'identity.info': 1,
  'identity.alg': 2,
  'identity.ppt': 3,
  'passport.encoding': 4,
  'passport.alg': 5,
  'passport.typ': 6,
  'passport.ppt': 7,
  'passport.x5u': 8,
  'identity.info_matches_x5u': 9,
  'cert.fetch': 20,
  'cert.parse': 21,
  'cert.chain': 30,
  'cert.validity': 31,
  'cert.revocation': 32,
  'cert.profile': 33,
  'cert.spc': 34,
  'passport.signature': 40,
  'passport.attest': 50,
  'passport.orig': 51,
  'passport.dest': 52,
  'passport.origid': 53,
  'passport.iat': 60,
  'call.orig': 61,
  'call.dest': 62,
};

function rank(check: Check): number {
  return (check.sip === 403 ? 100 : 0) + (RANK[check.code] ?? 99);
}

export function decide(
  checks: readonly Check[],
): Pick<VerificationResult, 'ok' | 'verstat' | 'sip' | 'problems'> {
  const problems = checks.filter((c) => c.status === 'fail' || c.status === 'indeterminate');
  const failures = problems.filter((c) => c.status === 'fail' && c.sip !== null);
  if (failures.length > 0) {
    const decisive = failures.reduce((best, c) => (rank(c) < rank(best) ? c : best));
    const code = decisive.sip as SipCode;
    const reason = code === 403 && decisive.code !== 'passport.iat' ? 'Forbidden' : SIP_REASONS[code];
    return { ok: false, verstat: 'TN-Validation-Failed', sip: { code, reason }, problems };
  }
  if (problems.length > 0 || !checks.some((c) => c.code === 'passport.signature' && c.status === 'pass')) {
    return { ok: false, verstat: 'No-TN-Validation', sip: null, problems };
  }
  return { ok: true, verstat: 'TN-Validation-Passed', sip: null, problems };
}
