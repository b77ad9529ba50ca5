import { z } from 'zod';
import { ZIsoDateTime, ZUuid } from './common';

/**
 * Staff refer a traceback to agencies of the directory, several at once (`agencyIds`) or every one (`all`):
 * their enforcement users may then read it (path, timeline, origin) and their contacts are emailed a link.
 */
export const ZReferralCreate = z
  .object({
    agencyIds: z.array(ZUuid).min(1, 'name at least one agency').max(500).optional(),
    all: z.literal(true).optional(),
    note: z.string().trim().max(2000).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (!v.agencyIds && !v.all)
      ctx.addIssue({ code: 'custom', path: ['agencyIds'], message: 'name the agencies, or send all: true' });
    if (v.agencyIds && v.all)
      ctx.addIssue({ code: 'custom', path: ['all'], message: 'send either agencyIds or all, not both' });
  });
export type TReferralCreate = z.infer<typeof ZReferralCreate>;

export const ZReferralParams = z.object({ id: ZUuid, referralId: ZUuid });

export const ZReferral = z.object({
  id: ZUuid,
  tracebackId: ZUuid,
  agencyId: ZUuid,
  /** The agency's name when it was referred. */
  agency: z.string(),
  note: z.string().nullable(),
  referredAt: ZIsoDateTime,
  /** Who referred it (email), null for the system. */
  referredBy: z.string().nullable(),
  withdrawnAt: ZIsoDateTime.nullable(),
  withdrawnBy: z.string().nullable(),
  can: z.object({ withdraw: z.boolean() }),
});
export type TReferral = z.infer<typeof ZReferral>;

export const ZReferralList = z.object({
  items: z.array(ZReferral),
  /** Whether the caller may refer this traceback to an agency. */
  can: z.object({ refer: z.boolean() }),
});
export type TReferralList = z.infer<typeof ZReferralList>;

/** What one referral action did: the new referrals, and the agencies that already had a live one (not an error). */
export const ZReferralResult = z.object({
  referred: z.array(ZReferral),
  alreadyReferred: z.array(z.object({ agencyId: ZUuid, agency: z.string(), referralId: ZUuid })),
});
export type TReferralResult = z.infer<typeof ZReferralResult>;
