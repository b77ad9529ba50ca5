import { z } from 'zod';
import { ZIsoDateTime, ZUuid } from './common';

/**
 * Non-cooperation (issue 16, decision 0027): a provider's status is computed from evidence over a window
 * of days, criterion by criterion; each criterion has a count at which the provider is on watch and one
 * at which it is non-cooperative (null: the criterion never raises it that far). The worst criterion wins.
 */
export const COOPERATION_STATUSES = ['cooperative', 'watch', 'non_cooperative'] as const;
export type TCooperationStatus = (typeof COOPERATION_STATUSES)[number];

const threshold = z.number().int().min(1).max(1_000_000).nullable();
const ZThresholds = z
  .object({ watchAt: threshold, nonCooperativeAt: threshold })
  .refine((t) => t.watchAt === null || t.nonCooperativeAt === null || t.nonCooperativeAt >= t.watchAt, {
    path: ['nonCooperativeAt'],
    message: 'must be at least watchAt',
  });
export type TThresholds = z.infer<typeof ZThresholds>;
const ZLevel = z.enum(['none', 'watch', 'non_cooperative']);

/** The criteria in the order the portal and the evidence list them. */
export const COOPERATION_CRITERIA = [
  'nonResponsive',
  'refused',
  'noUpstreamNamed',
  'origin',
  'entryPoint',
  'letters',
] as const;
export type TCooperationCriterion = (typeof COOPERATION_CRITERIA)[number];

/** Defaults after the ITG's criteria; see docs/decisions/0027-non-cooperation-and-scorecards.md. */
export const ZCooperationPolicy = z.object({
  /** Evidence counts over requests made in the last this many days. */
  windowDays: z.number().int().min(1).max(3650).default(365),
  /** Requests left unanswered past the deadline (marked non-responsive, or still pending after it). */
  nonResponsive: ZThresholds.default({ watchAt: 2, nonCooperativeAt: 4 }),
  /**
   * Requests the provider refused to answer. hoptrace has no refusal answer yet, so this counts 0 until one
   * exists (decision 0027); the thresholds are kept so a policy set now holds then.
   */
  refused: ZThresholds.default({ watchAt: 1, nonCooperativeAt: 2 }),
  /** Answers that named neither an upstream nor an origin ("not found"). */
  noUpstreamNamed: ZThresholds.default({ watchAt: 3, nonCooperativeAt: 6 }),
  /** Times the provider answered as the origin of traced illegal traffic. */
  origin: ZThresholds.default({ watchAt: 3, nonCooperativeAt: 8 }),
  /** Times it was the entry point (the US provider that named a foreign upstream). */
  entryPoint: ZThresholds.default({ watchAt: 3, nonCooperativeAt: 8 }),
  /**
   * Cease-and-desist letters on file. Letters are built elsewhere; until a letters table exists this input
   * counts 0 (decision 0027).
   */
  letters: ZThresholds.default({ watchAt: 1, nonCooperativeAt: 1 }),
  /** A provider with no RMD filing (counted only once an RMD export has been imported). */
  rmdAbsent: ZLevel.default('watch'),
  /** A provider whose filing was removed from the RMD. */
  rmdRemoved: ZLevel.default('non_cooperative'),
});
export type TCooperationPolicy = z.infer<typeof ZCooperationPolicy>;
export type TCooperationPolicyInput = z.input<typeof ZCooperationPolicy>;

export const ZRmdStanding = z.enum(['filed', 'removed', 'absent', 'unknown']);

/** What the status was computed from: counts per criterion and the tracebacks behind them. */
export const ZCooperationEvidence = z.object({
  windowDays: z.number().int(),
  from: ZIsoDateTime,
  counts: z.object({
    nonResponsive: z.number().int(),
    refused: z.number().int(),
    noUpstreamNamed: z.number().int(),
    origin: z.number().int(),
    entryPoint: z.number().int(),
    letters: z.number().int(),
  }),
  rmd: ZRmdStanding,
  /** One line per criterion that raised the status, e.g. "5 requests unanswered past the deadline (≥ 4)". */
  reasons: z.array(
    z.object({
      criterion: z.string(),
      level: z.enum(['watch', 'non_cooperative']),
      text: z.string(),
    }),
  ),
  /** Tracebacks behind the counts (newest first, at most 50 per criterion). */
  tracebacks: z.array(z.object({ tracebackId: ZUuid, criterion: z.string(), at: ZIsoDateTime })),
});
export type TCooperationEvidence = z.infer<typeof ZCooperationEvidence>;

export const ZDetermination = z.object({
  id: ZUuid,
  providerId: ZUuid,
  providerName: z.string(),
  status: z.enum(COOPERATION_STATUSES),
  evidence: ZCooperationEvidence,
  computedAt: ZIsoDateTime,
  decision: z.enum(['confirmed', 'dismissed']),
  decidedBy: ZUuid.nullable(),
  decidedAt: ZIsoDateTime,
  note: z.string().nullable(),
  published: z.boolean(),
  publishedAt: ZIsoDateTime.nullable(),
});
export type TDetermination = z.infer<typeof ZDetermination>;

/** Staff review: confirm (optionally publishing at once) or dismiss the status computed now. */
export const ZDeterminationCreate = z
  .object({
    decision: z.enum(['confirmed', 'dismissed']),
    /** The status staff saw; refused with 409 when the evidence moved since (review again). */
    expectedStatus: z.enum(COOPERATION_STATUSES),
    note: z.string().trim().max(2000).optional(),
    publish: z.boolean().default(false),
  })
  .refine((d) => !d.publish || d.decision === 'confirmed', {
    path: ['publish'],
    message: 'only a confirmed determination can be published',
  });
export type TDeterminationCreate = z.input<typeof ZDeterminationCreate>;

export const ZDeterminationPatch = z.object({ published: z.boolean() });

export const ZDeterminationListQuery = z.object({
  providerId: ZUuid.optional(),
  published: z.enum(['true', 'false']).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type TDeterminationListQuery = z.infer<typeof ZDeterminationListQuery>;

/** A published non-cooperative determination: what the public statistics may name. */
export const ZPublishedNonCooperative = z.object({
  determinationId: ZUuid,
  providerId: ZUuid,
  providerName: z.string(),
  country: z.string(),
  publishedAt: ZIsoDateTime,
  decidedAt: ZIsoDateTime,
  reasons: z.array(z.string()),
});
export type TPublishedNonCooperative = z.infer<typeof ZPublishedNonCooperative>;
export const ZPublishedNonCooperativeList = z.object({ items: z.array(ZPublishedNonCooperative) });
export type TPublishedNonCooperativeList = z.infer<typeof ZPublishedNonCooperativeList>;

// ---- Scorecards ----

const count = z.number().int().min(0);
const hours = z.number().min(0).nullable();
const share = z.number().min(0).max(1).nullable();

export const ZScorecardCounts = z.object({
  requested: count,
  answeredOnTime: count,
  late: count,
  /** Never answered: past the deadline with no answer (marked non-responsive, or still pending after it). */
  never: count,
  /** Share of requests never answered (null with no request). */
  neverShare: share,
  medianHours: hours,
  p90Hours: hours,
  asOrigin: count,
  asEntryPoint: count,
  /** Answers naming an upstream (the provider was a hop in the middle of the path). */
  asHop: count,
  noUpstreamNamed: count,
  campaigns: count,
  /** Origin answers with an action recorded, and the share of them that warned or terminated the caller. */
  originActions: count,
  warnedOrTerminatedShare: share,
});

export const ZScorecardRow = ZScorecardCounts.extend({
  providerId: ZUuid,
  providerName: z.string(),
  country: z.string(),
  rmd: ZRmdStanding,
  letters: count,
  /**
   * For staff, computed by the policy now (`statusSource: computed`); for a provider's own users, the status
   * staff confirmed (`confirmed`; cooperative until one is), never an unreviewed computation.
   */
  status: z.enum(COOPERATION_STATUSES),
  statusSource: z.enum(['computed', 'confirmed']),
  /** The latest staff determination, if any. */
  determination: z
    .object({
      id: ZUuid,
      status: z.enum(COOPERATION_STATUSES),
      decision: z.enum(['confirmed', 'dismissed']),
      published: z.boolean(),
      decidedAt: ZIsoDateTime,
    })
    .nullable(),
});
export type TScorecardRow = z.infer<typeof ZScorecardRow>;

export const ZScorecard = ZScorecardRow.extend({
  windowDays: z.number().int(),
  from: ZIsoDateTime,
  evidence: ZCooperationEvidence,
  /** Per month of the request (first of the month, UTC), oldest first, every month of the window present. */
  months: z.array(
    z.object({
      month: ZIsoDateTime,
      requested: count,
      answeredOnTime: count,
      late: count,
      never: count,
      medianHours: hours,
      asOrigin: count,
    }),
  ),
});
export type TScorecard = z.infer<typeof ZScorecard>;

/** A page of the scorecard table: the figures as computed at `asOf` (refreshed every few minutes). */
export const ZScorecardPage = z.object({
  items: z.array(ZScorecardRow),
  nextCursor: z.string().nullable(),
  windowDays: z.number().int(),
  from: ZIsoDateTime,
  asOf: ZIsoDateTime,
});
export type TScorecardPage = z.infer<typeof ZScorecardPage>;

export const SCORECARD_SORTS = [
  'name',
  'requested',
  'never',
  'neverShare',
  'late',
  'medianHours',
  'asOrigin',
  'asEntryPoint',
  'campaigns',
  'status',
] as const;
export type TScorecardSort = (typeof SCORECARD_SORTS)[number];

export const ZScorecardListQuery = z.object({
  /** A key, or `-key` for descending (default `-status`: the worst first, then most never answered). */
  sort: z
    .string()
    .max(40)
    .default('-status')
    .refine((s) => (SCORECARD_SORTS as readonly string[]).includes(s.replace(/^-/, '')), {
      message: `sort by one of ${SCORECARD_SORTS.join(', ')} (prefix - for descending)`,
    }),
  status: z.enum(COOPERATION_STATUSES).optional(),
  country: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'a two-letter country code')
    .optional(),
  /** Part of the provider's name. */
  q: z.string().trim().max(200).optional(),
  /** Only providers with at least this many requests in the window. */
  minRequests: z.coerce.number().int().min(0).max(1_000_000).default(1),
  cursor: z.string().max(300).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  format: z.enum(['json', 'csv']).default('json'),
});
export type TScorecardListQuery = z.infer<typeof ZScorecardListQuery>;

// ---- Your upstreams ----

export const ZUpstreamsQuery = z.object({
  /** Months back, counting the current one. */
  months: z.coerce.number().int().min(1).max(36).default(12),
  format: z.enum(['json', 'csv']).default('json'),
});
export type TUpstreamsQuery = z.infer<typeof ZUpstreamsQuery>;

export const ZUpstreamRow = z.object({
  providerId: ZUuid,
  providerName: z.string(),
  country: z.string(),
  /** Answers of yours that named it. */
  named: count,
  /** Of those tracebacks: ended at an identified origin, non-responsive, abroad, still open, otherwise. */
  originIdentified: count,
  nonResponsive: count,
  foreignOrigin: count,
  open: count,
  other: count,
  campaigns: z.array(z.object({ id: ZUuid, name: z.string(), count })),
  /** Per month of your answer, aligned with `months`. */
  perMonth: z.array(count),
});
export type TUpstreamRow = z.infer<typeof ZUpstreamRow>;

export const ZUpstreams = z.object({
  providerId: ZUuid,
  /** First of each month (UTC), oldest first. */
  months: z.array(ZIsoDateTime),
  items: z.array(ZUpstreamRow),
});
export type TUpstreams = z.infer<typeof ZUpstreams>;
