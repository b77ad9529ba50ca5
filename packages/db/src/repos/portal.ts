import { and, asc, eq, ilike, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Executor } from '../client';
import { agencies, apiKeys, hops, providers, tracebacks, userTotp, users } from '../schema';
import { decodeCursor, decodeTextCursor, encodeTextCursor, type Page } from './cursor';
import { pageOf } from './providers';
import type { ApiKeyRow, UserRow } from './users';

/**
 * Reads behind the portal's dashboard, provider history and admin lists. Weeks
 * are bucketed on Monday 00:00 UTC; instants go in as ISO strings and come back
 * as epoch seconds (float8), so PGlite and node-postgres return the same types.
 */

const HOUR_S = 3600;

/**
 * Traceback statistics count traces of calls: forward requests (decision 0016) are another kind of
 * question. They are few, so their ids, read once from their small partial index, are hashed and each
 * row is checked against them: the covering indexes of these reads keep answering alone. Reads of
 * requests and deadlines (pending, overdue, a provider's history) count every request: the clock is the same.
 */
const notForward = (tracebackId: SQLWrapper) =>
  sql`${tracebackId} NOT IN (SELECT f.id FROM tracebacks f WHERE f.kind = 'forward')`;
const weekOf = (col: SQL) =>
  sql<number>`extract(epoch from date_trunc('week', ${col} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')::float8`;

export interface WeekCount {
  /** Epoch seconds of the week's Monday 00:00 UTC. */
  week: number;
  count: number;
}

export async function countOpenTracebacks(db: Executor): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(tracebacks)
    .where(and(eq(tracebacks.status, 'open'), notForward(tracebacks.id)));
  return row?.n ?? 0;
}

/** Pending hops of open tracebacks: how many are overdue, how many fall due before `soon`. */
export async function countPendingByDeadline(
  db: Executor,
  now: Date,
  soon: Date,
): Promise<{ overdue: number; dueSoon: number }> {
  const [row] = await db
    .select({
      overdue: sql<number>`count(*) FILTER (WHERE ${hops.dueAt} <= ${now.toISOString()})::int`,
      dueSoon: sql<number>`count(*) FILTER (WHERE ${hops.dueAt} > ${now.toISOString()} AND ${hops.dueAt} <= ${soon.toISOString()})::int`,
    })
    .from(hops)
    .innerJoin(tracebacks, eq(tracebacks.id, hops.tracebackId))
    .where(and(eq(hops.status, 'pending'), eq(tracebacks.status, 'open')));
  return { overdue: row?.overdue ?? 0, dueSoon: row?.dueSoon ?? 0 };
}

export interface AttentionRow {
  hopId: string;
  tracebackId: string;
  seq: number;
  providerId: string;
  providerName: string;
  dueAt: Date;
}

/** Pending hops of open tracebacks due before `until` (overdue ones included), soonest first. */
export async function pendingHopsDueBy(db: Executor, until: Date, limit: number): Promise<AttentionRow[]> {
  return db
    .select({
      hopId: hops.id,
      tracebackId: hops.tracebackId,
      seq: hops.seq,
      providerId: hops.providerId,
      providerName: providers.name,
      dueAt: hops.dueAt,
    })
    .from(hops)
    .innerJoin(tracebacks, eq(tracebacks.id, hops.tracebackId))
    .innerJoin(providers, eq(providers.id, hops.providerId))
    .where(
      and(
        eq(hops.status, 'pending'),
        eq(tracebacks.status, 'open'),
        sql`${hops.dueAt} <= ${until.toISOString()}`,
      ),
    )
    .orderBy(asc(hops.dueAt), asc(hops.id))
    .limit(limit);
}

/**
 * Counts per week of `column` from the first of `weeks` (Mondays 00:00 UTC, oldest first) on:
 * each row is placed by a binary search among the weeks' starts (`width_bucket`), which costs
 * a third of truncating every row's instant to its week.
 */
async function perWeek(db: Executor, column: SQL, weeks: Date[], where: SQL[]): Promise<WeekCount[]> {
  if (weeks.length === 0) return [];
  const starts = sql`ARRAY[${sql.join(
    weeks.map((w) => sql`${w.toISOString()}::timestamptz`),
    sql`, `,
  )}]`;
  const bucket = sql<number>`width_bucket(${column}, ${starts})`;
  const rows = await db
    .select({ bucket, count: sql<number>`count(*)::int` })
    .from(tracebacks)
    .where(and(sql`${column} >= ${weeks[0]!.toISOString()}`, notForward(tracebacks.id), ...where))
    // By position: the expression's parameters would be sent twice and PostgreSQL could not match them.
    .groupBy(sql`1`);
  // Bucket i holds the instants from the i-th start to the next (the last: from the last start on).
  return rows.map((r) => ({ week: weeks[Number(r.bucket) - 1]!.getTime() / 1000, count: r.count }));
}

/** Tracebacks opened per week, over these weeks (Mondays 00:00 UTC, oldest first). */
export function tracebacksOpenedPerWeek(db: Executor, weeks: Date[]): Promise<WeekCount[]> {
  return perWeek(db, sql`${tracebacks.openedAt}`, weeks, []);
}

/** Tracebacks closed per week (a reopened one counts where it closed last), over these weeks. */
export function tracebacksClosedPerWeek(db: Executor, weeks: Date[]): Promise<WeekCount[]> {
  // The status lets the closed index (which covers the instants and the outcome) answer alone.
  return perWeek(db, sql`${tracebacks.closedAt}`, weeks, [eq(tracebacks.status, 'closed')]);
}

export interface Percentiles {
  n: number;
  medianHours: number | null;
  p90Hours: number | null;
}

const percentilesOf = (seconds: SQL) => ({
  n: sql<number>`count(${seconds})::int`,
  medianHours: sql<
    number | null
  >`(percentile_cont(0.5) WITHIN GROUP (ORDER BY ${seconds}) / ${HOUR_S})::float8`,
  p90Hours: sql<number | null>`(percentile_cont(0.9) WITHIN GROUP (ORDER BY ${seconds}) / ${HOUR_S})::float8`,
});

/** Time from opening to closing over tracebacks closed since `from`, cancelled ones left out. */
export async function timeToClose(db: Executor, from: Date): Promise<Percentiles> {
  // Ordered as intervals, not as seconds: `extract` gives numeric, whose sort costs twice as much.
  const took = sql`${tracebacks.closedAt} - ${tracebacks.openedAt}`;
  const at = (fraction: number) =>
    sql<
      number | null
    >`(extract(epoch from percentile_cont(${sql.raw(String(fraction))}) WITHIN GROUP (ORDER BY ${took})) / ${HOUR_S})::float8`;
  const [row] = await db
    .select({ n: sql<number>`count(*)::int`, medianHours: at(0.5), p90Hours: at(0.9) })
    .from(tracebacks)
    .where(
      and(
        eq(tracebacks.status, 'closed'),
        sql`${tracebacks.outcome} <> 'cancelled'`,
        sql`${tracebacks.closedAt} >= ${from.toISOString()}`,
        notForward(tracebacks.id),
      ),
    );
  return row ?? { n: 0, medianHours: null, p90Hours: null };
}

export async function outcomesSince(
  db: Executor,
  from: Date,
): Promise<Array<{ outcome: NonNullable<(typeof tracebacks.$inferSelect)['outcome']>; count: number }>> {
  const rows = await db
    .select({ outcome: tracebacks.outcome, count: sql<number>`count(*)::int` })
    .from(tracebacks)
    .where(
      and(
        eq(tracebacks.status, 'closed'),
        sql`${tracebacks.closedAt} >= ${from.toISOString()}`,
        notForward(tracebacks.id),
      ),
    )
    .groupBy(tracebacks.outcome);
  return rows.flatMap((r) => (r.outcome ? [{ outcome: r.outcome, count: r.count }] : []));
}

export interface ProviderCountRow {
  providerId: string;
  providerName: string;
  count: number;
}

/** Providers whose answer was "origin" most often, among answers given since `from` (to traces of calls). */
export async function topOriginProviders(
  db: Executor,
  from: Date,
  limit: number,
): Promise<ProviderCountRow[]> {
  const n = sql<number>`count(*)::int`;
  return db
    .select({ providerId: providers.id, providerName: providers.name, count: n })
    .from(hops)
    .innerJoin(providers, eq(providers.id, hops.providerId))
    .where(
      and(
        eq(hops.answerKind, 'origin'),
        sql`${hops.answeredAt} >= ${from.toISOString()}`,
        notForward(hops.tracebackId),
      ),
    )
    .groupBy(providers.id, providers.name)
    .orderBy(sql`count(*) DESC`, asc(providers.name))
    .limit(limit);
}

/**
 * A request left unanswered past its deadline: marked non-responsive, or still pending after it.
 * Written as one range of statuses, so the (status, due_at, provider_id, …) index answers it alone.
 */
const unanswered = (now: Date) =>
  sql`(${hops.status} IN ('non_responsive', 'pending') AND (${hops.status} = 'non_responsive' OR ${hops.dueAt} <= ${now.toISOString()}))`;

/** Providers with the most requests left unanswered past a deadline that fell since `from`. */
export async function topUnansweredProviders(
  db: Executor,
  from: Date,
  now: Date,
  limit: number,
): Promise<ProviderCountRow[]> {
  return db
    .select({ providerId: providers.id, providerName: providers.name, count: sql<number>`count(*)::int` })
    .from(hops)
    .innerJoin(providers, eq(providers.id, hops.providerId))
    .where(and(unanswered(now), sql`${hops.dueAt} >= ${from.toISOString()}`))
    .groupBy(providers.id, providers.name)
    .orderBy(sql`count(*) DESC`, asc(providers.name))
    .limit(limit);
}

export interface ResponseCountsRow extends Percentiles {
  requested: number;
  answered: number;
  late: number;
  unanswered: number;
}

function responseCounts(now: Date) {
  return {
    requested: sql<number>`count(*) FILTER (WHERE ${hops.status} <> 'withdrawn')::int`,
    answered: sql<number>`count(*) FILTER (WHERE ${hops.status} = 'answered')::int`,
    late: sql<number>`count(*) FILTER (WHERE ${hops.status} = 'answered' AND ${hops.late})::int`,
    unanswered: sql<number>`count(*) FILTER (WHERE ${unanswered(now)})::int`,
    // An answer given before the request counts as received (outside business hours) took no time on the clock.
    ...percentilesOf(
      sql`CASE WHEN ${hops.answeredAt} IS NOT NULL THEN greatest(0, extract(epoch from ${hops.answeredAt} - ${hops.receivedAt})) END`,
    ),
  };
}

/**
 * One provider's requests since `from`: totals, and the same per week of the
 * request. Response time runs from receipt to answer; withdrawn requests (the
 * provider was never really asked) are not counted as requested.
 */
export async function providerResponseHistory(
  db: Executor,
  providerId: string,
  from: Date,
  now: Date,
): Promise<{ total: ResponseCountsRow; perWeek: Array<ResponseCountsRow & { week: number }> }> {
  const where = and(eq(hops.providerId, providerId), sql`${hops.requestedAt} >= ${from.toISOString()}`);
  const [total] = await db.select(responseCounts(now)).from(hops).where(where);
  const week = weekOf(sql`${hops.requestedAt}`);
  const perWeek = await db
    .select({ week, ...responseCounts(now) })
    .from(hops)
    .where(where)
    .groupBy(week);
  return {
    total: total ?? {
      requested: 0,
      answered: 0,
      late: 0,
      unanswered: 0,
      n: 0,
      medianHours: null,
      p90Hours: null,
    },
    perWeek,
  };
}

export type UserListRow = UserRow & {
  providerName: string | null;
  agencyName: string | null;
  twoFactor: boolean;
};

export async function listUsersWithProvider(
  db: Executor,
  filter: {
    role?: UserRow['role'] | undefined;
    q?: string | undefined;
    /** `added` (default): newest first; `name`, `email`: A to Z, case ignored (keyset on the key and the id). */
    sort?: 'added' | 'name' | 'email' | undefined;
  },
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<UserListRow>> {
  const conds: SQL[] = [];
  if (filter.role) conds.push(eq(users.role, filter.role));
  if (filter.q) {
    const like = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const cond = or(ilike(users.email, like), ilike(users.name, like));
    if (cond) conds.push(cond);
  }
  const byText = filter.sort === 'name' || filter.sort === 'email' ? filter.sort : null;
  const textKey = byText === 'email' ? sql`lower(${users.email})` : sql`lower(${users.name})`;
  if (byText) {
    const after = decodeTextCursor(page.cursor);
    if (after) conds.push(sql`(${textKey}, ${users.id}) > (${after.key}, ${after.id})`);
  } else {
    const after = decodeCursor(page.cursor);
    if (after) conds.push(sql`(${users.createdAt}, ${users.id}) < (${after.at}, ${after.id})`);
  }
  const rows = await db
    .select({
      user: users,
      providerName: providers.name,
      agencyName: agencies.name,
      totpEnabledAt: userTotp.enabledAt,
      // The key as PostgreSQL lowers it, so the next page starts exactly where this one ended.
      sortKey: sql<string>`${textKey}`,
    })
    .from(users)
    .leftJoin(providers, eq(providers.id, users.providerId))
    .leftJoin(agencies, eq(agencies.id, users.agencyId))
    .leftJoin(userTotp, eq(userTotp.userId, users.id))
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(byText ? sql`${textKey} ASC, ${users.id} ASC` : sql`${users.createdAt} DESC, ${users.id} DESC`)
    .limit(page.limit + 1);
  const items = rows.map((r) => ({
    ...r.user,
    providerName: r.providerName,
    agencyName: r.agencyName,
    twoFactor: r.totpEnabledAt !== null,
  }));
  if (!byText) return pageOf(items, page.limit, (r) => ({ at: r.createdAt, id: r.id }));
  const last = rows[page.limit - 1];
  return {
    items: items.slice(0, page.limit),
    nextCursor:
      rows.length > page.limit && last ? encodeTextCursor({ key: last.sortKey, id: last.user.id }) : null,
  };
}

/** A user's API keys, newest first; the rows hold only hashes. */
export async function listApiKeysOfUser(db: Executor, userId: string): Promise<ApiKeyRow[]> {
  return db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.userId, userId))
    .orderBy(sql`${apiKeys.createdAt} DESC, ${apiKeys.id} DESC`);
}
