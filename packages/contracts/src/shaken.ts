import { z } from 'zod';
import { ZPhoneNumber } from './phone';

export const ZShakenVerify = z.object({
  /** The SIP Identity header value (with or without `Identity:`), folded or not. */
  identity: z.string().min(1).max(8192),
  /** When the call was received: iat freshness and certificate validity are judged then (default: now). */
  callTime: z.iso.datetime({ offset: true }).optional(),
  /** The calling number as signalled (any common format), compared with `orig.tn`. */
  orig: z.string().max(64).optional(),
  /** The called number(s), compared with `dest.tn`. */
  dest: z.union([z.string().max(64), z.array(z.string().max(64)).max(20)]).optional(),
});
export type TShakenVerify = z.infer<typeof ZShakenVerify>;

export const ZShakenCheck = z.object({
  code: z.string(),
  status: z.enum(['pass', 'fail', 'indeterminate', 'skip']),
  detail: z.string(),
  sip: z.number().int().nullable(),
});

export const ZShakenResult = z.object({
  ok: z.boolean(),
  verstat: z.string(),
  sip: z.object({ code: z.number().int(), reason: z.string() }).nullable(),
  attestation: z.string().nullable(),
  origTn: z.string().nullable(),
  destTns: z.array(z.string()),
  iat: z.number().nullable(),
  origid: z.string().nullable(),
  x5u: z.string().nullable(),
  /** The signer's Service Provider Code (OCN) from the certificate's TNAuthList. */
  spc: z.string().nullable(),
  certificate: z
    .object({
      subject: z.string(),
      issuer: z.string(),
      serialNumber: z.string(),
      notBefore: z.string(),
      notAfter: z.string(),
    })
    .nullable(),
  revoked: z.boolean().nullable(),
  checks: z.array(ZShakenCheck),
});
export type TShakenResult = z.infer<typeof ZShakenResult>;

/** Inconsistencies between a call's STIR/SHAKEN signature and what its traceback found. */
export const SHAKEN_INCONSISTENCIES = [
  'shaken_signer_not_in_path',
  'shaken_signer_not_origin',
  'shaken_attest_a_number_not_held',
  'shaken_cert_expired_or_revoked',
  'shaken_invalid_signature',
] as const;
export type TShakenInconsistency = (typeof SHAKEN_INCONSISTENCIES)[number];

export const SHAKEN_VERDICTS = ['valid', 'invalid', 'error'] as const;

/** What a provider says it received with the call (hop answer `received`): `identityHeader` "none" = no Identity header. */
export const ZReceivedSignalling = z
  .object({
    /** The SIP Identity header as received (with or without `Identity:`), or "none" when the call came without one. */
    identityHeader: z.string().trim().min(1).max(8192).optional(),
    /** The From number as received (any common format). */
    fromNumber: ZPhoneNumber.optional(),
    /** The P-Asserted-Identity number as received. */
    paiNumber: ZPhoneNumber.optional(),
  })
  .refine((v) => v.identityHeader !== undefined || v.fromNumber !== undefined || v.paiNumber !== undefined, {
    message: 'give identityHeader (or "none"), fromNumber or paiNumber',
    path: ['identityHeader'],
  });
export type TReceivedSignalling = z.infer<typeof ZReceivedSignalling>;

/** An Identity header value that says the call came without one. */
export const isNoIdentity = (v: string): boolean => v.trim().toLowerCase() === 'none';

/**
 * Flags from what the providers along the path received (decision 0034), each counted against a provider:
 * signed by a provider that is not the origin (the signer); A attestation on a number the origin's customer
 * does not hold (the signer); a signed header passed on without it, or re-signed (the provider that passed
 * it on); a certificate expired or revoked at the call time (the signer); an invalid signature (nobody).
 */
export const SHAKEN_PATH_FLAGS = [
  'shaken_path_signer_not_origin',
  'shaken_path_attest_a_number_not_held',
  'shaken_header_dropped',
  'shaken_header_replaced',
  'shaken_path_cert_expired_or_revoked',
  'shaken_path_invalid_signature',
] as const;
export type TShakenPathFlag = (typeof SHAKEN_PATH_FLAGS)[number];

/** What a hop's provider received, as verified at the call time (staff view of the path). */
export const ZHopReceived = z.object({
  /** `signed`: an Identity header was received; `none`: the provider says none came; null: not reported. */
  identity: z.enum(['signed', 'none']).nullable(),
  identityHeader: z.string().nullable(),
  fromNumber: z.string().nullable(),
  paiNumber: z.string().nullable(),
  /** The verification at the call time (null without a header). */
  verdict: z.enum(SHAKEN_VERDICTS).nullable(),
  reason: z.string().nullable(),
  attest: z.string().nullable(),
  origTn: z.string().nullable(),
  spc: z.string().nullable(),
  /** The directory provider holding the certificate's SPC as an OCN. */
  signer: z.object({ providerId: z.string(), name: z.string() }).nullable(),
  certificate: z
    .object({ subject: z.string(), issuer: z.string(), notBefore: z.string(), notAfter: z.string() })
    .nullable(),
  failedChecks: z.array(z.object({ code: z.string(), status: z.string(), detail: z.string() })),
  /** Path flags raised at this hop, each with the provider it is counted against (null: nobody). */
  flags: z.array(z.object({ code: z.enum(SHAKEN_PATH_FLAGS), providerId: z.string().nullable() })),
});
export type THopReceived = z.infer<typeof ZHopReceived>;

/** A traceback's Identity header as hoptrace verified it at the call time (staff view). */
export const ZTracebackShaken = z.object({
  verifiedAt: z.string(),
  /** valid; invalid (the header or its certificate is bad); error (could not be checked: see `reason`). */
  verdict: z.enum(SHAKEN_VERDICTS),
  reason: z.string().nullable(),
  sipCode: z.number().int().nullable(),
  verstat: z.string(),
  attest: z.string().nullable(),
  origTn: z.string().nullable(),
  destTns: z.array(z.string()),
  origid: z.string().nullable(),
  x5u: z.string().nullable(),
  spc: z.string().nullable(),
  /** The directory provider holding the SPC as an OCN (null: nobody does). */
  signer: z.object({ providerId: z.string(), name: z.string() }).nullable(),
  certificate: ZShakenResult.shape.certificate,
  /** Checks that did not pass (fail or indeterminate). */
  failedChecks: z.array(ZShakenCheck),
  checks: z.object({ passed: z.number().int(), failed: z.number().int(), indeterminate: z.number().int() }),
  inconsistencies: z.array(z.string()),
  /** The hop to the signer on the `signer` line, if one was opened. */
  signerHopId: z.string().nullable(),
  can: z.object({ requestSignerHop: z.boolean() }),
});
export type TTracebackShaken = z.infer<typeof ZTracebackShaken>;

/** What the signer is shown on its hop: the claims to look the call up by. */
export const ZSignerRequest = z.object({
  attest: z.string().nullable(),
  origTn: z.string().nullable(),
  destTns: z.array(z.string()),
  origid: z.string().nullable(),
  iat: z.number().nullable(),
});
export type TSignerRequest = z.infer<typeof ZSignerRequest>;

/** Inconsistencies counted on tracebacks where a provider was the signer. */
export const ZProviderShakenCounts = z.object({
  providerId: z.string(),
  /** Tracebacks whose verified header names this provider as the signer. */
  signed: z.number().int(),
  byVerdict: z.record(z.string(), z.number().int()),
  byAttest: z.record(z.string(), z.number().int()),
  inconsistencies: z.record(z.string(), z.number().int()),
  /** Path flags (SHAKEN_PATH_FLAGS) counted against this provider: tracebacks per flag. */
  path: z.record(z.string(), z.number().int()),
});
export type TProviderShakenCounts = z.infer<typeof ZProviderShakenCounts>;
