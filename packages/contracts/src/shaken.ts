import { z } from 'zod';

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
});
export type TProviderShakenCounts = z.infer<typeof ZProviderShakenCounts>;
