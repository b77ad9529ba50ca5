import { z } from 'zod';
import { ZIsoDateTime, ZUuid } from './common';

/**
 * Public statistics (decision 0028): the ITG's key metrics per year and per month, computed from the
 * data. A period staff published is served as its snapshot; one not yet published is provisional.
 */

/** The earliest year the statistics answer for (before any traceback platform of this kind). */
export const FIRST_STATISTICS_YEAR = 2000;

const ZYear = z
  .string()
  .regex(/^\d{4}$/, 'must be a year of four digits (YYYY)')
  .transform(Number)
  .pipe(z.number().int().min(FIRST_STATISTICS_YEAR, `must be ${FIRST_STATISTICS_YEAR} or later`));

export const ZPublicStatisticsQuery = z.object({
  /** The year (UTC); absent: the current year. */
  year: ZYear.optional(),
  /** `csv` answers the same figures as `text/csv` (as does `/public/statistics.csv`). */
  format: z.enum(['json', 'csv']).default('json'),
});
export type TPublicStatisticsQuery = z.infer<typeof ZPublicStatisticsQuery>;

export const ZPublicStatisticsCsvQuery = ZPublicStatisticsQuery.omit({ format: true });

const count = z.number().int().min(0);
const ratio = z.number().min(0).max(1).nullable();

/** The ITG's key-metrics table, for one period. */
export const ZKeyMetrics = z.object({
  /** Tracebacks opened in the period (traces of calls; forward requests and cancelled ones left out). */
  tracebacks: count,
  /** Distinct providers asked in those tracebacks. */
  providersIdentified: count,
  /** Of those, providers no earlier traceback had asked. */
  newProvidersIdentified: count,
  /** Distinct providers with a request in those tracebacks left unanswered past its deadline. */
  nonResponsiveProviders: count,
  /** Of the tracebacks with an origin answer, the share whose origin warned or terminated the caller (0–1). */
  callerWarnedOrTerminatedShare: ratio,
  /** Requests along the path per traceback. */
  averageHops: z.number().min(0).nullable(),
  /** Subpoenas and civil investigative demands received in the period. */
  legalRequests: count,
  /** Of the tracebacks that ended at an origin or abroad, the share that ended abroad (0–1). */
  foreignOriginShare: ratio,
  /** Median hours from opening to outcome over the period's closed tracebacks. */
  medianHoursToOutcome: z.number().min(0).nullable(),
});
export type TKeyMetrics = z.infer<typeof ZKeyMetrics>;

/** `published`: a snapshot later data does not change; `provisional`: computed now, may still change. */
export const PERIOD_STATUSES = ['published', 'provisional'] as const;
const ZPeriodState = z.object({
  status: z.enum(PERIOD_STATUSES),
  publishedAt: ZIsoDateTime.nullable(),
});

export const ZPublicMonth = ZKeyMetrics.extend({
  /** `YYYY-MM` (UTC). */
  month: z.string().regex(/^\d{4}-\d{2}$/),
}).extend(ZPeriodState.shape);
export type TPublicMonth = z.infer<typeof ZPublicMonth>;

export const ZPublicStatistics = z
  .object({ year: z.number().int() })
  .extend(ZKeyMetrics.shape)
  .extend(ZPeriodState.shape)
  .extend({
    /** When these figures were read (provisional ones are computed then). */
    generatedAt: ZIsoDateTime,
    /** The months of the year that have begun, January first. */
    months: z.array(ZPublicMonth),
  });
export type TPublicStatistics = z.infer<typeof ZPublicStatistics>;

/** A period to publish: `YYYY` (the year, and each of its months not yet published) or `YYYY-MM`. */
export const ZStatisticsPublish = z.object({
  period: z.string().regex(/^\d{4}(-(0[1-9]|1[0-2]))?$/, 'must be a year (YYYY) or a month (YYYY-MM)'),
});
export type TStatisticsPublish = z.infer<typeof ZStatisticsPublish>;

export const ZPublishedPeriod = z.object({
  period: z.string(),
  publishedAt: ZIsoDateTime,
  publishedBy: ZUuid.nullable(),
  publishedByName: z.string().nullable(),
  figures: ZKeyMetrics,
});
export type TPublishedPeriod = z.infer<typeof ZPublishedPeriod>;

export const ZPublishedPeriods = z.object({ items: z.array(ZPublishedPeriod) });
export type TPublishedPeriods = z.infer<typeof ZPublishedPeriods>;

export const ZPublishResult = z.object({
  /** The periods this publication wrote (a month published before keeps its snapshot). */
  published: z.array(z.string()),
});
export type TPublishResult = z.infer<typeof ZPublishResult>;

/** The CSV's columns, in order: one row for the year, then one per month. */
export const PUBLIC_STATISTICS_CSV_COLUMNS = [
  'period',
  'status',
  'published_at',
  'tracebacks',
  'providers_identified',
  'new_providers_identified',
  'non_responsive_providers',
  'caller_warned_or_terminated_share',
  'average_hops',
  'legal_requests',
  'foreign_origin_share',
  'median_hours_to_outcome',
] as const;

/** The yearly report (TRACED Act §13), as `hoptrace report annual --out FILE.json` writes it. */
export const ZReportProvider = z.object({
  providerId: ZUuid,
  name: z.string(),
  country: z.string(),
  requests: count,
  answered: count,
  late: count,
  notFound: count,
  nonResponsive: count,
});

export const ZAnnualReport = z.object({
  title: z.string(),
  year: z.number().int(),
  generatedAt: ZIsoDateTime,
  /** The same figures as `GET /api/v1/public/statistics?year=` at the time of the report. */
  statistics: ZPublicStatistics,
  /** Providers that answered at least one request in the year's tracebacks. */
  participated: z.array(ZReportProvider),
  /** Providers that left at least one request unanswered past its deadline, with the reasons recorded. */
  didNotParticipate: z.array(
    ZReportProvider.extend({ reasons: z.array(z.object({ reason: z.string(), count })) }),
  ),
});
export type TAnnualReport = z.infer<typeof ZAnnualReport>;
