import { z } from 'zod';
import { ZIsoDateTime, ZUuid } from './common';

/** An enforcement agency, named as staff write it (e.g. "State AG Robocall Unit"); compared exactly. */
export const ZAgency = z.string().trim().min(1, 'must not be blank').max(200);

/** Staff refer a traceback to an agency: its enforcement users may then read it (path, timeline, origin). */
export const ZReferralCreate = z
  .object({
    agency: ZAgency,
    note: z.string().trim().max(2000).optional(),
  })
  .strict();
export type TReferralCreate = z.infer<typeof ZReferralCreate>;

export const ZReferralParams = z.object({ id: ZUuid, referralId: ZUuid });

export const ZReferral = z.object({
  id: ZUuid,
  tracebackId: ZUuid,
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

/** Agencies known to the platform: those of enforcement users and those tracebacks were referred to. */
export const ZAgencyList = z.object({ items: z.array(z.string()) });
export type TAgencyList = z.infer<typeof ZAgencyList>;
