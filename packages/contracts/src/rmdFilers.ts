import { z } from 'zod';
import { ZIsoDateTime, ZPage, ZPageQuery, ZUuid } from './common';
import { ZContact, ZCountry, ZOcn, ZTimeZone } from './providers';

/** `GET /rmd/filings?q=`: a name, DBA name, FRN or filing number; typos are fine. */
export const ZRmdFilingQuery = ZPageQuery.extend({
  q: z.string().trim().min(2, 'give at least two characters to search for').max(200),
});
export type TRmdFilingQuery = z.infer<typeof ZRmdFilingQuery>;

/** One filer of the RMD as the search shows it. */
export const ZRmdFiler = z.object({
  id: ZUuid,
  filingNumber: z.string().nullable(),
  frn: z.string().nullable(),
  businessName: z.string().nullable(),
  dbaNames: z.array(z.string()),
  previousDbaNames: z.array(z.string()),
  otherFrns: z.array(z.string()),
  address: z.string().nullable(),
  country: z.string().nullable(),
  foreignProvider: z.boolean().nullable(),
  implementation: z.enum(['complete', 'partial', 'none', 'unknown']),
  providerTypes: z.object({
    voice: z.boolean().nullable(),
    gateway: z.boolean().nullable(),
    intermediate: z.boolean().nullable(),
  }),
  lastUpdated: z.string().nullable(),
  filingUrl: z.string().nullable(),
  /** `removed`: no longer in the latest export imported. */
  status: z.enum(['filed', 'removed']),
  removedAt: ZIsoDateTime.nullable(),
  /** The directory record linked to this filing, or null: not yet in the directory. */
  inDirectory: z.object({ id: ZUuid, name: z.string() }).nullable(),
  /** The filing's robocall mitigation contact: staff only. */
  contact: z
    .object({
      name: z.string().nullable(),
      title: z.string().nullable(),
      department: z.string().nullable(),
      phone: z.string().nullable(),
      extension: z.string().nullable(),
      email: z.string().nullable(),
      address: z.string().nullable(),
    })
    .optional(),
  can: z.object({ addToDirectory: z.boolean() }),
});
export type TRmdFiler = z.infer<typeof ZRmdFiler>;
export const ZRmdFilerPage = ZPage(ZRmdFiler);
export type TRmdFilerPage = z.infer<typeof ZRmdFilerPage>;

/**
 * `POST /rmd/filings/:id/provider` (staff): the directory record is made from the filing (name, DBA
 * names, FRN, filing number, country, the filing's contact when it has an email); these add what the
 * RMD does not hold.
 */
export const ZRmdFilingToProvider = z
  .object({
    ocns: z.array(ZOcn).max(100).optional(),
    /** When the filing's country name is not one the server knows. */
    country: ZCountry.optional(),
    timezone: ZTimeZone.optional(),
    /** Replaces the contact taken from the filing (the FCC export carries no email address). */
    contacts: z.array(ZContact).max(50).optional(),
    verified: z.boolean().optional(),
  })
  .strict();
export type TRmdFilingToProvider = z.infer<typeof ZRmdFilingToProvider>;

/** One change an RMD import saw in a provider's linked filing. */
export const ZRmdChange = z.object({
  id: z.number().int(),
  kind: z.enum(['added', 'changed', 'removed']),
  filingNumber: z.string(),
  fields: z.array(z.unknown()),
  at: ZIsoDateTime,
  importedAt: ZIsoDateTime,
  fileName: z.string().nullable(),
});
export type TRmdChange = z.infer<typeof ZRmdChange>;
