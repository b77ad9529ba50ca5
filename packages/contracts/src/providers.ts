import { z } from 'zod';
import { ZIsoDateTime, ZPageQuery, ZUuid } from './common';
import { ZProviderRmd } from './rmd';
import { storableText } from './text';

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const ZContact = z.object({
  name: z.string().trim().min(1).max(200),
  email: z.email().max(320),
  phone: z.string().trim().max(40).optional(),
});
export type TContact = z.infer<typeof ZContact>;

/** Operating Company Number / SHAKEN Service Provider Code: four characters, digits and letters. */
export const ZOcn = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[0-9A-Z]{4}$/, 'an OCN is four letters or digits, e.g. 1234 or 567F');

/** FCC Registration Number: ten digits; exports that dropped the leading zeros are padded back. */
export const ZFrn = z
  .string()
  .trim()
  .regex(/^\d{1,10}$/, 'an FRN is up to ten digits')
  .transform((v) => v.padStart(10, '0'));

export const ZRmdNumber = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^RMD\d{7,}$/, 'an RMD filing number looks like RMD0001234');

/** Area/Location names only: abbreviations such as EST are fixed offsets that ignore daylight saving. */
export const ZTimeZone = z
  .string()
  .trim()
  .refine(
    (tz) => (tz === 'UTC' || /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+$/.test(tz)) && isTimeZone(tz),
    'is not an IANA time zone (e.g. America/Chicago)',
  );

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
/** Business hours for the 24-hour rule; omitted fields take the default (Mon–Fri 08:00–17:00, US federal holidays). */
export const ZBusinessHours = z
  .object({
    days: z.array(z.number().int().min(1).max(7)).min(1).max(7).default([1, 2, 3, 4, 5]),
    open: z.string().regex(HHMM, 'is a time as HH:MM').default('08:00'),
    close: z
      .string()
      .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'is a time as HH:MM (24:00 for midnight)')
      .default('17:00'),
    holidays: z.enum(['us-federal', 'none']).default('us-federal'),
    extraClosedDates: z.array(z.iso.date()).max(366).optional(),
  })
  .refine((b) => b.close === '24:00' || b.close > b.open, { path: ['close'], message: 'must be after open' });
export type TBusinessHours = z.infer<typeof ZBusinessHours>;

export const ZCountry = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2}$/, 'a country is a two-letter ISO 3166 code, e.g. US');

// storableText: `hoptrace providers import` parses each CSV row with this schema, outside the API's request check.
export const ZProviderCreate = storableText(
  z.object({
    name: z.string().trim().min(1).max(300),
    dbaNames: z.array(z.string().trim().min(1).max(300)).max(50).default([]),
    country: ZCountry.default('US'),
    ocns: z.array(ZOcn).max(100).default([]),
    frn: ZFrn.optional(),
    rmdNumber: ZRmdNumber.optional(),
    timezone: ZTimeZone.optional(),
    contacts: z.array(ZContact).max(50).default([]),
    escalationContacts: z.array(ZContact).max(50).default([]),
    businessHours: ZBusinessHours.optional(),
    allowLinkAnswers: z.boolean().optional(),
    verified: z.boolean().optional(),
  }),
);
export type TProviderCreate = z.infer<typeof ZProviderCreate>;

export const ZProviderPatch = z
  .object({
    name: z.string().trim().min(1).max(300),
    dbaNames: z.array(z.string().trim().min(1).max(300)).max(50),
    country: ZCountry,
    ocns: z.array(ZOcn).max(100),
    frn: ZFrn.nullable(),
    rmdNumber: ZRmdNumber.nullable(),
    timezone: ZTimeZone,
    contacts: z.array(ZContact).max(50),
    escalationContacts: z.array(ZContact).max(50),
    businessHours: ZBusinessHours.nullable(),
    allowLinkAnswers: z.boolean(),
    verified: z.boolean(),
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'give at least one field to change');
export type TProviderPatch = z.infer<typeof ZProviderPatch>;

export const ZProviderListQuery = ZPageQuery.extend({ q: z.string().trim().max(200).optional() });

export const ZProvider = z.object({
  id: ZUuid,
  name: z.string(),
  dbaNames: z.array(z.string()),
  country: z.string(),
  ocns: z.array(z.string()),
  frn: z.string().nullable(),
  rmdNumber: z.string().nullable(),
  timezone: z.string(),
  /** Present only for staff and for the provider's own users. */
  contacts: z.array(ZContact).optional(),
  escalationContacts: z.array(ZContact).optional(),
  /** The calendar the 24-hour rule uses for this provider (defaults filled in). */
  businessHours: z.object({
    days: z.array(z.number().int()),
    open: z.string(),
    close: z.string(),
    holidays: z.enum(['us-federal', 'none']),
    extraClosedDates: z.array(z.string()).optional(),
  }),
  allowLinkAnswers: z.boolean(),
  verified: z.boolean(),
  createdAt: ZIsoDateTime,
  can: z.object({ update: z.boolean() }),
  /** The provider's RMD filing (issue 7); absent from responses that did not look it up. */
  rmd: ZProviderRmd.optional(),
  /** Set on a record merged into another: its history lives there now; this one stays so old links resolve. */
  mergedInto: z.object({ id: ZUuid, name: z.string(), mergedAt: ZIsoDateTime }).optional(),
});
export type TProvider = z.infer<typeof ZProvider>;

export const ZProviderMerge = z.object({ into: ZUuid });
export type TProviderMerge = z.infer<typeof ZProviderMerge>;

export const ZProviderMergeResult = z.object({
  provider: ZProvider,
  mergedFrom: ZProvider,
  moved: z.object({
    hops: z.number().int(),
    upstreamHops: z.number().int(),
    tracebacks: z.number().int(),
    users: z.number().int(),
    webhookEndpoints: z.number().int(),
    rmdLink: z.enum(['moved', 'kept', 'none']),
    rmdProposals: z.number().int(),
    shakenSigners: z.number().int(),
    outbox: z.number().int(),
  }),
  tracebackIds: z.array(ZUuid),
});
export type TProviderMergeResult = z.infer<typeof ZProviderMergeResult>;
