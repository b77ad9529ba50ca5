import {
  csvRow,
  FIRST_STATISTICS_YEAR,
  PUBLIC_STATISTICS_CSV_COLUMNS,
  type TKeyMetrics,
  type TPublicMonth,
  type TPublicStatistics,
} from '@hoptrace/contracts';
import {
  countLegalRequests,
  keyFiguresOfYear,
  publishedPeriodsOfYear,
  type Executor,
  type KeyFigures,
  type PublishedStatisticsRow,
} from '@hoptrace/db';
import type { Clock } from '../clock/clock';
import { InvalidInputError } from '../errors';

/**
 * Public statistics (decision 0028). They name no provider, so they need no actor: anyone may read
 * them. A period staff published is served from its snapshot; a period that has begun but is not
 * published is computed now and marked provisional.
 */

const round = (value: number | null, places: number) =>
  value === null ? null : Math.round(value * 10 ** places) / 10 ** places;

/** The figures as they are shown and stored: shares to 4 places, hops to 2, hours to 1. */
export function keyMetricsOf(f: KeyFigures, legalRequests: number): TKeyMetrics {
  return {
    tracebacks: f.tracebacks,
    providersIdentified: f.providersIdentified,
    newProvidersIdentified: f.newProvidersIdentified,
    nonResponsiveProviders: f.nonResponsiveProviders,
    callerWarnedOrTerminatedShare: round(f.callerWarnedOrTerminatedShare, 4),
    averageHops: round(f.averageHops, 2),
    legalRequests,
    foreignOriginShare: round(f.foreignOriginShare, 4),
    medianHoursToOutcome: round(f.medianHoursToOutcome, 1),
  };
}

const NO_FIGURES: KeyFigures = {
  tracebacks: 0,
  providersIdentified: 0,
  newProvidersIdentified: 0,
  nonResponsiveProviders: 0,
  callerWarnedOrTerminatedShare: null,
  averageHops: null,
  foreignOriginShare: null,
  medianHoursToOutcome: null,
};

export const monthPeriod = (year: number, month: number) => `${year}-${String(month).padStart(2, '0')}`;
const monthStart = (year: number, month: number) => new Date(Date.UTC(year, month - 1, 1));

/** The current figures of a year and its months, with the legal requests of each period. */
export async function computeKeyMetrics(
  db: Executor,
  year: number,
): Promise<{ year: TKeyMetrics; months: Map<number, TKeyMetrics> }> {
  const figures = await keyFiguresOfYear(db, year);
  const legal = (from: Date, to: Date) => countLegalRequests(db, from, to);
  const months = new Map<number, TKeyMetrics>();
  for (let m = 1; m <= 12; m++)
    months.set(
      m,
      keyMetricsOf(
        figures.months.get(m) ?? NO_FIGURES,
        await legal(monthStart(year, m), monthStart(year, m + 1)),
      ),
    );
  return {
    year: keyMetricsOf(figures.year, await legal(monthStart(year, 1), monthStart(year + 1, 1))),
    months,
  };
}

/** The year asked for, checked against the clock: a year that has not begun has no figures. */
export function statisticsYear(clock: Clock, year: number | undefined): number {
  const current = clock.now().getUTCFullYear();
  const y = year ?? current;
  if (y < FIRST_STATISTICS_YEAR || y > current)
    throw InvalidInputError.field('year', `must be between ${FIRST_STATISTICS_YEAR} and ${current}`);
  return y;
}

const snapshotOf = (row: PublishedStatisticsRow) => row.figures as unknown as TKeyMetrics;

export async function publicStatistics(ctx: {
  db: Executor;
  clock: Clock;
  year?: number | undefined;
}): Promise<TPublicStatistics> {
  const now = ctx.clock.now();
  const year = statisticsYear(ctx.clock, ctx.year);
  const published = new Map((await publishedPeriodsOfYear(ctx.db, year)).map((r) => [r.period, r]));
  const begun = Array.from({ length: 12 }, (_, i) => i + 1).filter(
    (m) => monthStart(year, m).getTime() <= now.getTime(),
  );
  const allPublished = published.has(String(year)) && begun.every((m) => published.has(monthPeriod(year, m)));
  // Published periods are read, not computed: a year whose every period is published costs one index read.
  const live = allPublished ? null : await computeKeyMetrics(ctx.db, year);
  const state = (row: PublishedStatisticsRow | undefined) =>
    row
      ? { status: 'published' as const, publishedAt: row.publishedAt.toISOString() }
      : { status: 'provisional' as const, publishedAt: null };
  const yearRow = published.get(String(year));
  const months: TPublicMonth[] = begun.map((m) => {
    const row = published.get(monthPeriod(year, m));
    return {
      month: monthPeriod(year, m),
      ...(row ? snapshotOf(row) : live!.months.get(m)!),
      ...state(row),
    };
  });
  return {
    year,
    ...(yearRow ? snapshotOf(yearRow) : live!.year),
    ...state(yearRow),
    generatedAt: now.toISOString(),
    months,
  };
}

/** The statistics as CSV (RFC 4180, every cell through csvCell): the year's row, then one per month. */
export function publicStatisticsCsv(s: TPublicStatistics): string {
  const row = (period: string, f: TKeyMetrics & { status: string; publishedAt: string | null }) =>
    csvRow([
      period,
      f.status,
      f.publishedAt,
      f.tracebacks,
      f.providersIdentified,
      f.newProvidersIdentified,
      f.nonResponsiveProviders,
      f.callerWarnedOrTerminatedShare,
      f.averageHops,
      f.legalRequests,
      f.foreignOriginShare,
      f.medianHoursToOutcome,
    ]);
  return [
    PUBLIC_STATISTICS_CSV_COLUMNS.join(','),
    row(String(s.year), s),
    ...s.months.map((m) => row(m.month, m)),
  ]
    .map((line) => `${line}\r\n`)
    .join('');
}
