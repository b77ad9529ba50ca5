import { z } from 'zod';
import { ZIsoDateTime, ZPageQuery, ZUuid } from './common';
import { OUTCOMES } from './tracebacks';
import { ROLES } from './users';

/** Reads the portal needs beyond the workflow API: statistics, histories, user and key listings. */

export const DUE_SOON_HOURS = 2;
/**
 * The dashboard's "Needs attention" lists pending hops due within this many hours: an overdue hop is marked
 * non-responsive by the clock within a minute, so a list of overdue hops is always empty (issue 16).
 */
export const ATTENTION_HOURS = 24;
/** "Went non-responsive recently": hops marked non-responsive in this many days. */
export const RECENT_NON_RESPONSIVE_DAYS = 7;

export const ZWeeksQuery = z.object({
  /** How many weeks back, counting the current one. */
  weeks: z.coerce.number().int().min(1).max(104).default(12),
});
export type TWeeksQuery = z.infer<typeof ZWeeksQuery>;

const count = z.number().int().min(0);
const hours = z.number().min(0).nullable();

export const ZProviderCount = z.object({ providerId: ZUuid, providerName: z.string(), count });
export type TProviderCount = z.infer<typeof ZProviderCount>;

/** A pending hop that is past its deadline or due within DUE_SOON_HOURS. */
export const ZAttentionHop = z.object({
  hopId: ZUuid,
  tracebackId: ZUuid,
  seq: z.number().int(),
  providerId: ZUuid,
  providerName: z.string(),
  dueAt: ZIsoDateTime,
});
export type TAttentionHop = z.infer<typeof ZAttentionHop>;

export const ZDashboard = z.object({
  generatedAt: ZIsoDateTime,
  weeks: z.number().int(),
  openTracebacks: count,
  hopsOverdue: count,
  /** Pending, not yet overdue, due within DUE_SOON_HOURS. */
  hopsDueSoon: count,
  /** Pending hops due within ATTENTION_HOURS (any already past it too), soonest deadline first (at most 10). */
  attention: z.array(ZAttentionHop),
  /** Hops that went non-responsive in the last 24 hours (the clock marks an overdue hop within a minute). */
  wentNonResponsive24h: count,
  /** Hops that went non-responsive in the last RECENT_NON_RESPONSIVE_DAYS days, newest first (at most 10); `dueAt` is when. */
  recentNonResponsive: z.array(ZAttentionHop),
  /** Providers that left two or more requests unanswered past the deadline in the period, most first. */
  repeatNonResponders: z.array(ZProviderCount),
  /** Campaigns with the most open tracebacks (at most 5). */
  campaignsByOpen: z.array(z.object({ campaignId: ZUuid, campaignName: z.string(), count })),
  /** Weeks start on Monday 00:00 UTC; oldest first, every week present. */
  perWeek: z.array(z.object({ weekStart: ZIsoDateTime, opened: count, closed: count })),
  /** Over tracebacks closed in the period, cancelled ones left out (they say nothing about tracing speed). */
  timeToClose: z.object({ closed: count, medianHours: hours, p90Hours: hours }),
  /** Tracebacks closed in the period, by outcome; every outcome present. */
  outcomes: z.array(z.object({ outcome: z.enum(OUTCOMES), count })),
  /** Providers that answered "origin" most often in the period. */
  topOrigins: z.array(ZProviderCount),
  /** Providers with the most requests left unanswered past their deadline in the period (marked non-responsive or still pending). */
  topNonResponsive: z.array(ZProviderCount),
});
export type TDashboard = z.infer<typeof ZDashboard>;

const ZResponseCounts = z.object({
  requested: count,
  answered: count,
  late: count,
  /** Past the deadline with no answer: marked non-responsive, or still pending. */
  unanswered: count,
  /** Hours from receipt to answer, over answered requests. */
  medianHours: hours,
  p90Hours: hours,
});

export const ZResponseTimes = z.object({
  providerId: ZUuid,
  weeks: z.number().int(),
  summary: ZResponseCounts,
  /** By week of the request (Monday 00:00 UTC), oldest first, every week present. */
  perWeek: z.array(ZResponseCounts.extend({ weekStart: ZIsoDateTime })),
});
export type TResponseTimes = z.infer<typeof ZResponseTimes>;

/** `ids=uuid,uuid,…`: names for ids seen in other answers (list rows carry ids only). */
export const ZProviderNamesQuery = z.object({
  ids: z
    .string()
    .max(100 * 37)
    .transform((s) => [...new Set(s.split(',').map((x) => x.trim()))].filter(Boolean))
    .pipe(z.array(ZUuid).min(1, 'give at least one provider id').max(100)),
});
export const ZProviderNames = z.object({ items: z.array(z.object({ id: ZUuid, name: z.string() })) });
export type TProviderNames = z.infer<typeof ZProviderNames>;

/** `added`: newest first (the default); `name`, `email`: A to Z, case ignored. */
export const USER_SORTS = ['added', 'name', 'email'] as const;
export type TUserSort = (typeof USER_SORTS)[number];

export const ZUserListQuery = ZPageQuery.extend({
  role: z.enum(ROLES).optional(),
  sort: z.enum(USER_SORTS).optional().describe('added (default): newest first; name, email: A to Z'),
  /** Part of the email or the name. */
  q: z.string().trim().max(200).optional(),
});
export type TUserListQuery = z.infer<typeof ZUserListQuery>;

export const ZUserListItem = z.object({
  id: ZUuid,
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  providerId: ZUuid.nullable(),
  providerName: z.string().nullable(),
  /** The agency of an enforcement user (id and name); null for other roles. */
  agencyId: ZUuid.nullable(),
  agency: z.string().nullable(),
  disabled: z.boolean(),
  /** A TOTP second factor is enabled. */
  twoFactor: z.boolean(),
  createdAt: ZIsoDateTime,
});
export type TUserListItem = z.infer<typeof ZUserListItem>;

/** An API key as listed: never the key itself, which is shown once at creation. */
export const ZApiKey = z.object({
  id: ZUuid,
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  createdAt: ZIsoDateTime,
  revokedAt: ZIsoDateTime.nullable(),
});
export type TApiKey = z.infer<typeof ZApiKey>;
export const ZApiKeyList = z.object({ items: z.array(ZApiKey) });
