import { asc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../client';
import { publishedStatistics, users } from '../schema';
import { rowsOf } from './detection';
import { countLegalRequestsReceived } from './legal';

/**
 * The ITG's key metrics, computed from the data (decision 0028). A traceback belongs to the period
 * (UTC) it was opened in; forward requests (decision 0016) and cancelled tracebacks are left out.
 */
export interface KeyFigures {
  tracebacks: number;
  /** Distinct providers asked in the period's tracebacks (withdrawn requests left out). */
  providersIdentified: number;
  /** Of those, the ones never asked in a traceback opened before (their first period is this one). */
  newProvidersIdentified: number;
  /** Distinct providers with a request in the period's tracebacks marked non-responsive. */
  nonResponsiveProviders: number;
  /** Of the tracebacks with an origin answer, the share whose origin warned or terminated the caller. */
  callerWarnedOrTerminatedShare: number | null;
  /** Requests along the path per traceback. */
  averageHops: number | null;
  /** Of the tracebacks that ended at an origin or abroad, the share that ended abroad (a gateway). */
  foreignOriginShare: number | null;
  /** From opening to closing, over the period's closed tracebacks. */
  medianHoursToOutcome: number | null;
}

export interface YearFigures {
  year: KeyFigures;
  /** Months 1–12 that hold a traceback; a month missing here had none. */
  months: Map<number, KeyFigures>;
}

interface FigureRow {
  month: number | null;
  tracebacks: number;
  providers_identified: number | null;
  new_providers: number | null;
  non_responsive: number | null;
  with_origin: number;
  warned_or_terminated: number;
  path_hops: number;
  ended_somewhere: number;
  foreign_origin: number;
  median_hours: number | null;
}

const EMPTY: KeyFigures = {
  tracebacks: 0,
  providersIdentified: 0,
  newProvidersIdentified: 0,
  nonResponsiveProviders: 0,
  callerWarnedOrTerminatedShare: null,
  averageHops: null,
  foreignOriginShare: null,
  medianHoursToOutcome: null,
};

const share = (part: number, whole: number) => (whole > 0 ? part / whole : null);

/**
 * The key metrics of one year and of each of its months, in one statement: the year's tracebacks are
 * read once by their opening index, their hops by (traceback_id, line, seq), and the year total is a
 * grouping set beside the months (distinct providers of a year are not the sum of its months'). A
 * provider is new in the month of its first traceback of the year when no earlier traceback asked it:
 * one probe per provider of the year on (provider_id, traceback_id).
 */
export async function keyFiguresOfYear(db: Executor, year: number): Promise<YearFigures> {
  const from = new Date(Date.UTC(year, 0, 1)).toISOString();
  const to = new Date(Date.UTC(year + 1, 0, 1)).toISOString();
  const monthOf = (col: string) => sql.raw(`extract(month from ${col} AT TIME ZONE 'UTC')::int`);
  const result = await db.execute(sql`
    WITH t AS MATERIALIZED (
      SELECT tb.id, tb.opened_at, tb.closed_at, tb.status, tb.outcome, ${monthOf('tb.opened_at')} AS month
      FROM tracebacks tb
      WHERE tb.opened_at >= ${from}::timestamptz AND tb.opened_at < ${to}::timestamptz
        AND tb.kind = 'trace' AND tb.outcome IS DISTINCT FROM 'cancelled'
    ),
    asked AS MATERIALIZED (
      SELECT t.month, t.opened_at, h.provider_id, h.status, h.line
      FROM t JOIN hops h ON h.traceback_id = t.id
      WHERE h.status <> 'withdrawn'
    ),
    per_traceback AS (
      SELECT t.month, t.status, t.outcome, t.closed_at - t.opened_at AS took,
        (SELECT count(*) FROM hops h
          WHERE h.traceback_id = t.id AND h.line = 'path' AND h.status <> 'withdrawn') AS path_hops,
        EXISTS (SELECT 1 FROM origins o WHERE o.traceback_id = t.id) AS with_origin,
        EXISTS (SELECT 1 FROM origins o
          WHERE o.traceback_id = t.id AND o.action IN ('warned', 'terminated')) AS warned_or_terminated
      FROM t
    ),
    by_traceback AS (
      SELECT month, grouping(month) AS total,
        count(*)::int AS tracebacks,
        count(*) FILTER (WHERE with_origin)::int AS with_origin,
        count(*) FILTER (WHERE warned_or_terminated)::int AS warned_or_terminated,
        coalesce(sum(path_hops), 0)::int AS path_hops,
        count(*) FILTER (WHERE outcome IN ('origin_identified', 'foreign_origin'))::int AS ended_somewhere,
        count(*) FILTER (WHERE outcome = 'foreign_origin')::int AS foreign_origin,
        (extract(epoch from percentile_cont(0.5) WITHIN GROUP (ORDER BY took)
          FILTER (WHERE status = 'closed')) / 3600)::float8 AS median_hours
      FROM per_traceback
      GROUP BY GROUPING SETS ((month), ())
    ),
    by_provider AS (
      SELECT month, grouping(month) AS total,
        count(DISTINCT provider_id)::int AS providers_identified,
        count(DISTINCT provider_id) FILTER (WHERE status = 'non_responsive')::int AS non_responsive
      FROM asked
      GROUP BY GROUPING SETS ((month), ())
    ),
    first_seen AS (
      SELECT provider_id, min(opened_at) AS first_at FROM asked GROUP BY provider_id
    ),
    new_firsts AS (
      SELECT ${monthOf('f.first_at')} AS month
      FROM first_seen f
      WHERE NOT EXISTS (
        SELECT 1 FROM hops h2 JOIN tracebacks t2 ON t2.id = h2.traceback_id
        WHERE h2.provider_id = f.provider_id AND h2.status <> 'withdrawn'
          AND t2.opened_at < ${from}::timestamptz AND t2.kind = 'trace'
          AND t2.outcome IS DISTINCT FROM 'cancelled')
    ),
    new_providers AS (
      SELECT month, grouping(month) AS total, count(*)::int AS new_providers
      FROM new_firsts
      GROUP BY GROUPING SETS ((month), ())
    )
    SELECT b.month, b.tracebacks, p.providers_identified, n.new_providers, p.non_responsive,
      b.with_origin, b.warned_or_terminated, b.path_hops, b.ended_somewhere, b.foreign_origin, b.median_hours
    FROM by_traceback b
    LEFT JOIN by_provider p ON p.total = b.total AND p.month IS NOT DISTINCT FROM b.month
    LEFT JOIN new_providers n ON n.total = b.total AND n.month IS NOT DISTINCT FROM b.month
  `);
  const figures = (r: FigureRow): KeyFigures => ({
    tracebacks: r.tracebacks,
    providersIdentified: r.providers_identified ?? 0,
    newProvidersIdentified: r.new_providers ?? 0,
    nonResponsiveProviders: r.non_responsive ?? 0,
    callerWarnedOrTerminatedShare: share(r.warned_or_terminated, r.with_origin),
    averageHops: r.tracebacks > 0 ? r.path_hops / r.tracebacks : null,
    foreignOriginShare: share(r.foreign_origin, r.ended_somewhere),
    medianHoursToOutcome: r.median_hours === null ? null : Number(r.median_hours),
  });
  const out: YearFigures = { year: { ...EMPTY }, months: new Map() };
  for (const r of rowsOf<FigureRow>(result)) {
    if (r.month === null) out.year = figures(r);
    else out.months.set(Number(r.month), figures(r));
  }
  return out;
}

/**
 * Subpoenas and civil investigative demands received in [from, to): the legal process register's
 * requests by their received date (decision 0029), the one place every figure reads it from (decision 0028).
 */
export function countLegalRequests(db: Executor, from: Date, to: Date): Promise<number> {
  return countLegalRequestsReceived(db, from, to);
}

export type PublishedStatisticsRow = typeof publishedStatistics.$inferSelect;

/** The published periods of a year (the year itself and its months). */
export async function publishedPeriodsOfYear(db: Executor, year: number): Promise<PublishedStatisticsRow[]> {
  return db
    .select()
    .from(publishedStatistics)
    .where(eq(publishedStatistics.year, year))
    .orderBy(asc(publishedStatistics.period));
}

/** Every published period with the name of who published it, newest period first. */
export async function listPublishedPeriods(
  db: Executor,
): Promise<Array<PublishedStatisticsRow & { publishedByName: string | null }>> {
  const rows = await db
    .select({ row: publishedStatistics, name: users.name })
    .from(publishedStatistics)
    .leftJoin(users, eq(users.id, publishedStatistics.publishedBy))
    .orderBy(sql`${publishedStatistics.period} DESC`);
  return rows.map((r) => ({ ...r.row, publishedByName: r.name }));
}

/**
 * Stores the periods' snapshots; a period already published is kept as it was (its row is not
 * touched). Returns the periods written.
 */
export async function insertPublishedPeriods(
  db: Executor,
  rows: Array<typeof publishedStatistics.$inferInsert>,
): Promise<string[]> {
  if (rows.length === 0) return [];
  const written = await db
    .insert(publishedStatistics)
    .values(rows)
    .onConflictDoNothing({ target: publishedStatistics.period })
    .returning({ period: publishedStatistics.period });
  return written.map((w) => w.period);
}

export interface ReportProviderRow {
  providerId: string;
  providerName: string;
  country: string;
  requests: number;
  answered: number;
  late: number;
  notFound: number;
  nonResponsive: number;
}

/**
 * Every provider asked in the year's tracebacks (same selection as the key metrics) with what it did:
 * for the yearly report's lists of providers that took part and that did not.
 */
export async function providerParticipationOfYear(db: Executor, year: number): Promise<ReportProviderRow[]> {
  const from = new Date(Date.UTC(year, 0, 1)).toISOString();
  const to = new Date(Date.UTC(year + 1, 0, 1)).toISOString();
  const result = await db.execute(sql`
    SELECT p.id AS "providerId", p.name AS "providerName", p.country,
      count(*)::int AS requests,
      count(*) FILTER (WHERE h.status = 'answered')::int AS answered,
      count(*) FILTER (WHERE h.status = 'answered' AND h.late)::int AS late,
      count(*) FILTER (WHERE h.answer_kind = 'not_found')::int AS "notFound",
      count(*) FILTER (WHERE h.status = 'non_responsive')::int AS "nonResponsive"
    FROM tracebacks t
    JOIN hops h ON h.traceback_id = t.id
    JOIN providers p ON p.id = h.provider_id
    WHERE t.opened_at >= ${from}::timestamptz AND t.opened_at < ${to}::timestamptz
      AND t.kind = 'trace' AND t.outcome IS DISTINCT FROM 'cancelled' AND h.status <> 'withdrawn'
    GROUP BY p.id, p.name, p.country
    ORDER BY p.name, p.id
  `);
  return rowsOf<ReportProviderRow>(result);
}
