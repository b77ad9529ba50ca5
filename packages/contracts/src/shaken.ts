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
