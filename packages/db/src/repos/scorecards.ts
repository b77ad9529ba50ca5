import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client';
import { cooperationDeterminations, providers } from '../schema';
import { encodeCursor, InvalidCursorError, type Page } from './cursor';
import { rowsOf } from './detection';

/**
 * Scorecards and cooperation evidence (issue 16, decision 0027): every figure is aggregated in one
 * statement over the hops of the window, grouped by provider; no per-provider loop. Instants go in as
 * ISO strings, counts come back as int and hours as float8, so PGlite and node-postgres agree.
 */

export type Level = 0 | 1 | 2;
export interface ThresholdsIn {
  watchAt: number | null;
  nonCooperativeAt: number | null;
}
/** The policy as the SQL needs it: thresholds per counted criterion, levels for the RMD standing. */
export interface LevelPolicy {
  nonResponsive: ThresholdsIn;
  refused: ThresholdsIn;
  noUpstreamNamed: ThresholdsIn;
  origin: ThresholdsIn;
  entryPoint: ThresholdsIn;
  letters: ThresholdsIn;
  rmdAbsent: Level;
  rmdRemoved: Level;
}

export interface ScorecardDbRow {
  providerId: string;
  providerName: string;
  country: string;
  requested: number;
  answeredOnTime: number;
  late: number;
  never: number;
  medianHours: number | null;
  p90Hours: number | null;
  asOrigin: number;
  asEntryPoint: number;
  asHop: number;
  noUpstreamNamed: number;
  campaigns: number;
  originActions: number;
  warnedOrTerminated: number;
  /** Refusals have no answer kind yet: 0 (decision 0027). Letters: cease-and-desist letters on file (decision 0029). */
  refused: number;
  letters: number;
  rmd: 'filed' | 'removed' | 'absent' | 'unknown';
  level: Level;
  /** The latest determination, whatever staff decided. */
  determination: DeterminationRef | null;
  /** The latest confirmed determination: what the provider itself, and the public when published, see. */
  confirmed: DeterminationRef | null;
}

export interface DeterminationRef {
  id: string;
  status: 'cooperative' | 'watch' | 'non_cooperative';
  decision: 'confirmed' | 'dismissed';
  published: boolean;
  decidedAt: Date;
}

const refOf = (r: Record<string, unknown>, p: 'd' | 'c'): DeterminationRef | null =>
  r[`${p}_id`]
    ? {
        id: r[`${p}_id`] as string,
        status: r[`${p}_status`] as DeterminationRef['status'],
        decision: r[`${p}_decision`] as DeterminationRef['decision'],
        published: r[`${p}_published`] === true || r[`${p}_published`] === 't',
        decidedAt: new Date(Number(r[`${p}_decided_at`]) * 1000),
      }
    : null;

/** Sort keys and the expressions (over the aggregated row `s`) they order by, id last. */
const SORTS: Record<string, { exprs: SQL[]; kinds: Array<'n' | 's'> }> = {
  name: { exprs: [sql`lower(s.provider_name)`], kinds: ['s'] },
  requested: { exprs: [sql`s.requested`], kinds: ['n'] },
  never: { exprs: [sql`s.never`], kinds: ['n'] },
  neverShare: {
    exprs: [sql`(case when s.requested > 0 then s.never::float8 / s.requested else -1 end)`],
    kinds: ['n'],
  },
  late: { exprs: [sql`s.late`], kinds: ['n'] },
  medianHours: { exprs: [sql`coalesce(s.median_h, -1)`], kinds: ['n'] },
  asOrigin: { exprs: [sql`s.as_origin`], kinds: ['n'] },
  asEntryPoint: { exprs: [sql`s.as_entry`], kinds: ['n'] },
  campaigns: { exprs: [sql`s.campaigns`], kinds: ['n'] },
  // The worst first, and among equals the one that left most requests unanswered.
  status: { exprs: [sql`s.level`, sql`s.never`], kinds: ['n', 'n'] },
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function encodeScoreCursor(sort: string, values: Array<number | string>, id: string): string {
  return Buffer.from(JSON.stringify([sort, values, id])).toString('base64url');
}

function decodeScoreCursor(cursor: string, sort: string): { values: Array<number | string>; id: string } {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const spec = SORTS[sort.replace(/^-/, '')];
    if (
      spec &&
      Array.isArray(v) &&
      v.length === 3 &&
      v[0] === sort &&
      Array.isArray(v[1]) &&
      v[1].length === spec.kinds.length &&
      (v[1] as unknown[]).every((x, i) =>
        spec.kinds[i] === 'n' ? typeof x === 'number' && Number.isFinite(x) : typeof x === 'string',
      ) &&
      typeof v[2] === 'string' &&
      UUID.test(v[2])
    )
      return { values: v[1] as Array<number | string>, id: v[2] };
  } catch {
    // below
  }
  throw new InvalidCursorError('cursor is not one this server issued for this sort');
}

function levelOf(count: SQL, t: ThresholdsIn): SQL {
  const parts: SQL[] = [];
  if (t.nonCooperativeAt !== null) parts.push(sql`when ${count} >= ${t.nonCooperativeAt}::int then 2`);
  if (t.watchAt !== null) parts.push(sql`when ${count} >= ${t.watchAt}::int then 1`);
  return parts.length ? sql`(case ${sql.join(parts, sql` `)} else 0 end)` : sql`0`;
}

export interface ScorecardFilter {
  from: Date;
  now: Date;
  policy: LevelPolicy;
  providerId?: string | undefined;
  level?: Level | undefined;
  country?: string | undefined;
  q?: string | undefined;
  minRequests?: number | undefined;
  /** Read the figures from `provider_scorecards` (the last refresh) instead of aggregating the hops. */
  snapshot?: boolean | undefined;
}

/** Every scorecard figure per provider over the hops requested since `from` (one grouped statement). */
function aggregateOfHops(f: { from: Date; now: Date; providerId?: string | undefined }): SQL {
  const now = f.now.toISOString();
  const only = f.providerId ? sql`and h.provider_id = ${f.providerId}` : sql``;
  return sql`
      select h.provider_id,
        count(*) filter (where h.status <> 'withdrawn')::int as requested,
        count(*) filter (where h.status = 'answered' and not h.late)::int as on_time,
        count(*) filter (where h.status = 'answered' and h.late)::int as late,
        count(*) filter (where h.status = 'non_responsive'
          or (h.status = 'pending' and h.due_at <= ${now}::timestamptz))::int as never,
        (percentile_cont(0.5) within group (order by case when h.answered_at is not null
          then greatest(0, extract(epoch from h.answered_at - h.received_at)) end) / 3600)::float8 as median_h,
        (percentile_cont(0.9) within group (order by case when h.answered_at is not null
          then greatest(0, extract(epoch from h.answered_at - h.received_at)) end) / 3600)::float8 as p90_h,
        count(*) filter (where h.answer_kind = 'origin' and h.line = 'path' and t.kind = 'trace')::int as as_origin,
        count(*) filter (where h.answer_kind = 'upstream' and h.line = 'path' and hp.country = 'US'
          and up.country <> 'US')::int as as_entry,
        count(*) filter (where h.answer_kind = 'upstream')::int as as_hop,
        count(*) filter (where h.answer_kind = 'not_found')::int as no_upstream,
        count(distinct t.campaign_id) filter (where t.kind = 'trace')::int as campaigns,
        count(o.hop_id)::int as origin_actions,
        count(o.hop_id) filter (where o.action in ('warned', 'terminated'))::int as warned_terminated
      from hops h
      join tracebacks t on t.id = h.traceback_id
      join providers hp on hp.id = h.provider_id
      left join providers up on up.id = h.upstream_provider_id
      left join origins o on o.hop_id = h.id and h.answer_kind = 'origin'
      where h.requested_at >= ${f.from.toISOString()}::timestamptz ${only}
      group by h.provider_id`;
}

/** The aggregated scorecard rows as a subquery `s`, with the computed level. */
function scorecardSource(f: ScorecardFilter): SQL {
  const p = f.policy;
  const level = sql`greatest(
      ${levelOf(sql`coalesce(e.never, 0)`, p.nonResponsive)},
      ${levelOf(sql`0`, p.refused)},
      ${levelOf(sql`coalesce(e.no_upstream, 0)`, p.noUpstreamNamed)},
      ${levelOf(sql`coalesce(e.as_origin, 0)`, p.origin)},
      ${levelOf(sql`coalesce(e.as_entry, 0)`, p.entryPoint)},
      ${levelOf(sql`lt.n`, p.letters)},
      (case when r.any_import and f.id is null then ${p.rmdAbsent}::int
            when f.removed_at is not null then ${p.rmdRemoved}::int else 0 end))`;
  return sql`(
    with e as (${f.snapshot ? sql`select * from provider_scorecards` : aggregateOfHops(f)})
    select p.id as provider_id, p.name as provider_name, p.country,
      coalesce(e.requested, 0) as requested, coalesce(e.on_time, 0) as on_time, coalesce(e.late, 0) as late,
      coalesce(e.never, 0) as never, e.median_h, e.p90_h, coalesce(e.as_origin, 0) as as_origin,
      coalesce(e.as_entry, 0) as as_entry, coalesce(e.as_hop, 0) as as_hop,
      coalesce(e.no_upstream, 0) as no_upstream, coalesce(e.campaigns, 0) as campaigns,
      coalesce(e.origin_actions, 0) as origin_actions, coalesce(e.warned_terminated, 0) as warned_terminated,
      (case when not r.any_import then 'unknown' when f.id is null then 'absent'
            when f.removed_at is not null then 'removed' else 'filed' end) as rmd,
      lt.n as letters,
      ${level}::int as level,
      d.id as d_id, d.status as d_status, d.decision as d_decision, d.published as d_published,
      extract(epoch from d.decided_at)::float8 as d_decided_at,
      c.id as c_id, c.status as c_status, c.decision as c_decision, c.published as c_published,
      extract(epoch from c.decided_at)::float8 as c_decided_at
    from providers p
    cross join (select exists (select 1 from rmd_imports) as any_import) r
    left join e on e.provider_id = p.id
    left join provider_rmd_links l on l.provider_id = p.id
    left join rmd_filings f on f.id = l.filing_id
    left join lateral (
      select count(*)::int as n from provider_letters pl where pl.provider_id = p.id) lt on true
    left join lateral (
      select d.id, d.status, d.decision, d.published, d.decided_at from cooperation_determinations d
      where d.provider_id = p.id order by d.seq desc limit 1) d on true
    left join lateral (
      select c.id, c.status, c.decision, c.published, c.decided_at from cooperation_determinations c
      where c.provider_id = p.id and c.decision = 'confirmed' order by c.seq desc limit 1) c on true
    where p.merged_into_id is null ${f.providerId ? sql`and p.id = ${f.providerId}` : sql``}
  ) s`;
}

function toRow(r: Record<string, unknown>): ScorecardDbRow {
  const n = (k: string) => Number(r[k] ?? 0);
  const opt = (k: string) => (r[k] === null || r[k] === undefined ? null : Number(r[k]));
  return {
    providerId: r.provider_id as string,
    providerName: r.provider_name as string,
    country: r.country as string,
    requested: n('requested'),
    answeredOnTime: n('on_time'),
    late: n('late'),
    never: n('never'),
    medianHours: opt('median_h'),
    p90Hours: opt('p90_h'),
    asOrigin: n('as_origin'),
    asEntryPoint: n('as_entry'),
    asHop: n('as_hop'),
    noUpstreamNamed: n('no_upstream'),
    campaigns: n('campaigns'),
    originActions: n('origin_actions'),
    warnedOrTerminated: n('warned_terminated'),
    refused: 0,
    letters: n('letters'),
    rmd: r.rmd as ScorecardDbRow['rmd'],
    level: n('level') as Level,
    determination: refOf(r, 'd'),
    confirmed: refOf(r, 'c'),
  };
}

/** One provider's scorecard row (undefined: no such provider, or merged into another). */
export async function scorecardOf(
  db: Executor,
  f: Omit<ScorecardFilter, 'providerId'> & { providerId: string },
): Promise<ScorecardDbRow | undefined> {
  const rows = rowsOf<Record<string, unknown>>(await db.execute(sql`select * from ${scorecardSource(f)}`));
  return rows[0] ? toRow(rows[0]) : undefined;
}

/**
 * Scorecards of every provider, filtered, sorted by `sort` (`-key`: descending) and paged by keyset on
 * (sort values…, id): one aggregate over the window's hops, whatever the page.
 */
export async function listScorecards(
  db: Executor,
  f: ScorecardFilter & { sort: string; cursor?: string | undefined; limit: number },
): Promise<Page<ScorecardDbRow>> {
  const descending = f.sort.startsWith('-');
  const key = f.sort.replace(/^-/, '');
  const spec = SORTS[key];
  if (!spec) throw new InvalidCursorError(`unknown sort ${key}`);
  const conds: SQL[] = [sql`s.requested >= ${f.minRequests ?? 0}::int`];
  if (f.level !== undefined) conds.push(sql`s.level = ${f.level}::int`);
  if (f.country) conds.push(sql`s.country = ${f.country}`);
  if (f.q) conds.push(sql`s.provider_name ilike ${`%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`);
  if (f.cursor) {
    const after = decodeScoreCursor(f.cursor, f.sort);
    const left = sql.join([...spec.exprs, sql`s.provider_id`], sql`, `);
    const right = sql.join(
      [
        ...after.values.map((v, i) => (spec.kinds[i] === 'n' ? sql`${v}::float8` : sql`${String(v)}::text`)),
        sql`${after.id}::uuid`,
      ],
      sql`, `,
    );
    conds.push(descending ? sql`(${left}) < (${right})` : sql`(${left}) > (${right})`);
  }
  const dir = descending ? sql`desc` : sql`asc`;
  const order = sql.join(
    [...spec.exprs, sql`s.provider_id`].map((e) => sql`${e} ${dir}`),
    sql`, `,
  );
  const keyCols = spec.exprs.map((e, i) => sql`${e} as k${sql.raw(String(i))}`);
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select s.*, ${sql.join(keyCols, sql`, `)} from ${scorecardSource(f)}
      where ${sql.join(conds, sql` and `)}
      order by ${order}
      limit ${f.limit + 1}`),
  );
  const more = rows.length > f.limit;
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toRow),
    nextCursor:
      more && last
        ? encodeScoreCursor(
            f.sort,
            spec.kinds.map((k, i) => (k === 'n' ? Number(last[`k${i}`]) : String(last[`k${i}`]))),
            last.provider_id as string,
          )
        : null,
  };
}

export interface MonthRow {
  month: Date;
  requested: number;
  answeredOnTime: number;
  late: number;
  never: number;
  medianHours: number | null;
  asOrigin: number;
}

/** One provider's requests per month of the request (UTC), from `from` on. */
export async function scorecardMonths(
  db: Executor,
  providerId: string,
  from: Date,
  now: Date,
): Promise<MonthRow[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select extract(epoch from date_trunc('month', h.requested_at at time zone 'UTC') at time zone 'UTC')::float8 as m,
        count(*) filter (where h.status <> 'withdrawn')::int as requested,
        count(*) filter (where h.status = 'answered' and not h.late)::int as on_time,
        count(*) filter (where h.status = 'answered' and h.late)::int as late,
        count(*) filter (where h.status = 'non_responsive'
          or (h.status = 'pending' and h.due_at <= ${now.toISOString()}::timestamptz))::int as never,
        (percentile_cont(0.5) within group (order by case when h.answered_at is not null
          then greatest(0, extract(epoch from h.answered_at - h.received_at)) end) / 3600)::float8 as median_h,
        count(*) filter (where h.answer_kind = 'origin' and h.line = 'path')::int as as_origin
      from hops h
      where h.provider_id = ${providerId} and h.requested_at >= ${from.toISOString()}::timestamptz
      group by 1`),
  );
  return rows.map((r) => ({
    month: new Date(Number(r.m) * 1000),
    requested: Number(r.requested),
    answeredOnTime: Number(r.on_time),
    late: Number(r.late),
    never: Number(r.never),
    medianHours: r.median_h === null ? null : Number(r.median_h),
    asOrigin: Number(r.as_origin),
  }));
}

export interface EvidenceTraceback {
  tracebackId: string;
  criterion: 'nonResponsive' | 'noUpstreamNamed' | 'origin' | 'entryPoint';
  at: Date;
}

/** The tracebacks behind a provider's evidence counts, newest first, at most `perCriterion` of each. */
export async function evidenceTracebacks(
  db: Executor,
  providerId: string,
  from: Date,
  now: Date,
  perCriterion: number,
): Promise<EvidenceTraceback[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select traceback_id, criterion, extract(epoch from at)::float8 as at from (
        select x.*, row_number() over (partition by criterion order by at desc, traceback_id) as rn from (
          select h.traceback_id,
            case
              when h.status = 'non_responsive' or (h.status = 'pending' and h.due_at <= ${now.toISOString()}::timestamptz)
                then 'nonResponsive'
              when h.answer_kind = 'not_found' then 'noUpstreamNamed'
              when h.answer_kind = 'origin' and h.line = 'path' and t.kind = 'trace' then 'origin'
              when h.answer_kind = 'upstream' and h.line = 'path' and hp.country = 'US' and up.country <> 'US'
                then 'entryPoint'
            end as criterion,
            coalesce(h.answered_at, h.due_at) as at
          from hops h
          join tracebacks t on t.id = h.traceback_id
          join providers hp on hp.id = h.provider_id
          left join providers up on up.id = h.upstream_provider_id
          where h.provider_id = ${providerId} and h.requested_at >= ${from.toISOString()}::timestamptz
        ) x where x.criterion is not null
      ) y where rn <= ${perCriterion}
      order by at desc, traceback_id`),
  );
  return rows.map((r) => ({
    tracebackId: r.traceback_id as string,
    criterion: r.criterion as EvidenceTraceback['criterion'],
    at: new Date(Number(r.at) * 1000),
  }));
}

// ---- Determinations ----

export type DeterminationRow = Omit<typeof cooperationDeterminations.$inferSelect, 'seq'> & {
  providerName: string;
  providerCountry: string;
};
export type DeterminationInsert = typeof cooperationDeterminations.$inferInsert;

const determinationCols = {
  id: cooperationDeterminations.id,
  providerId: cooperationDeterminations.providerId,
  status: cooperationDeterminations.status,
  evidence: cooperationDeterminations.evidence,
  computedAt: cooperationDeterminations.computedAt,
  decision: cooperationDeterminations.decision,
  decidedBy: cooperationDeterminations.decidedBy,
  decidedAt: cooperationDeterminations.decidedAt,
  note: cooperationDeterminations.note,
  published: cooperationDeterminations.published,
  publishedAt: cooperationDeterminations.publishedAt,
  publishedBy: cooperationDeterminations.publishedBy,
  providerName: providers.name,
  providerCountry: providers.country,
};

export async function insertDetermination(db: Executor, row: DeterminationInsert): Promise<string> {
  const [r] = await db
    .insert(cooperationDeterminations)
    .values(row)
    .returning({ id: cooperationDeterminations.id });
  return r!.id;
}

export async function findDetermination(db: Executor, id: string): Promise<DeterminationRow | undefined> {
  const [r] = await db
    .select(determinationCols)
    .from(cooperationDeterminations)
    .innerJoin(providers, eq(providers.id, cooperationDeterminations.providerId))
    .where(eq(cooperationDeterminations.id, id));
  return r;
}

/** Locks a determination row (publishing and withdrawing serialise per row). */
export async function lockDetermination(db: Executor, id: string): Promise<boolean> {
  const r = await db
    .select({ id: cooperationDeterminations.id })
    .from(cooperationDeterminations)
    .where(eq(cooperationDeterminations.id, id))
    .for('update');
  return r.length > 0;
}

export async function setDeterminationPublished(
  db: Executor,
  id: string,
  published: boolean,
  at: Date,
  by: string | null,
): Promise<void> {
  await db
    .update(cooperationDeterminations)
    .set(
      published
        ? { published, publishedAt: at, publishedBy: by }
        : { published, publishedAt: null, publishedBy: null },
    )
    .where(eq(cooperationDeterminations.id, id));
}

/** Determinations, newest decision first, keyset on (decided_at, id). */
export async function listDeterminations(
  db: Executor,
  filter: { providerId?: string | undefined; published?: boolean | undefined },
  page: { limit: number; after?: { at: string; id: string } | undefined },
): Promise<Page<DeterminationRow>> {
  const conds: SQL[] = [];
  if (filter.providerId) conds.push(eq(cooperationDeterminations.providerId, filter.providerId));
  if (filter.published !== undefined) conds.push(eq(cooperationDeterminations.published, filter.published));
  if (page.after)
    conds.push(
      sql`(${cooperationDeterminations.decidedAt}, ${cooperationDeterminations.id}) < (${page.after.at}::timestamptz, ${page.after.id}::uuid)`,
    );
  const rows = await db
    .select(determinationCols)
    .from(cooperationDeterminations)
    .innerJoin(providers, eq(providers.id, cooperationDeterminations.providerId))
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(cooperationDeterminations.decidedAt), desc(cooperationDeterminations.id))
    .limit(page.limit + 1);
  const more = rows.length > page.limit;
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: more && last ? encodeCursor({ at: last.decidedAt, id: last.id }) : null,
  };
}

/**
 * Providers whose latest confirmed determination is non-cooperative and published: the only providers the
 * public statistics may name. A later confirmed determination (cooperative, watch, or not published)
 * supersedes an earlier published one; dismissals change nothing.
 */
export async function publishedNonCooperativeRows(db: Executor): Promise<DeterminationRow[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select d.id from providers p
      join lateral (
        select d.id, d.status, d.published from cooperation_determinations d
        where d.provider_id = p.id and d.decision = 'confirmed'
        order by d.seq desc limit 1) d on true
      where p.merged_into_id is null and d.published and d.status = 'non_cooperative'`),
  );
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id as string);
  const found = await db
    .select(determinationCols)
    .from(cooperationDeterminations)
    .innerJoin(providers, eq(providers.id, cooperationDeterminations.providerId))
    .where(sql`${cooperationDeterminations.id} = any(${`{${ids.join(',')}}`}::uuid[])`)
    .orderBy(providers.name, cooperationDeterminations.id);
  return found;
}

// ---- Your upstreams ----

export interface UpstreamDbRow {
  providerId: string;
  providerName: string;
  country: string;
  named: number;
  originIdentified: number;
  nonResponsive: number;
  foreignOrigin: number;
  open: number;
  other: number;
}

/**
 * The upstreams a provider named in its OWN answers since `from`, with how those tracebacks ended; per
 * month and per campaign. Three grouped statements over the provider's hops (its index), nothing else's.
 */
export async function upstreamsNamedBy(
  db: Executor,
  providerId: string,
  from: Date,
): Promise<{
  rows: UpstreamDbRow[];
  months: Array<{ upstreamId: string; month: Date; count: number }>;
  campaigns: Array<{ upstreamId: string; campaignId: string; name: string; count: number }>;
}> {
  const base = sql`from hops h join tracebacks t on t.id = h.traceback_id
    where h.provider_id = ${providerId} and h.answer_kind = 'upstream'
      and h.answered_at >= ${from.toISOString()}::timestamptz`;
  const [rows, months, campaigns] = await Promise.all([
    db.execute(sql`
      select u.id, u.name, u.country, x.* from (
        select h.upstream_provider_id as up,
          count(*)::int as named,
          count(*) filter (where t.outcome = 'origin_identified')::int as origin_identified,
          count(*) filter (where t.outcome = 'non_responsive')::int as non_responsive,
          count(*) filter (where t.outcome = 'foreign_origin')::int as foreign_origin,
          count(*) filter (where t.status = 'open')::int as open
        ${base} group by 1) x
      join providers u on u.id = x.up
      order by x.named desc, u.name, u.id`),
    db.execute(sql`
      select h.upstream_provider_id as up,
        extract(epoch from date_trunc('month', h.answered_at at time zone 'UTC') at time zone 'UTC')::float8 as m,
        count(*)::int as n
      ${base} group by 1, 2`),
    db.execute(sql`
      select x.up, x.campaign_id, c.name, x.n from (
        select h.upstream_provider_id as up, t.campaign_id, count(*)::int as n
        ${base} and t.campaign_id is not null group by 1, 2) x
      join campaigns c on c.id = x.campaign_id
      order by x.n desc, c.name`),
  ]);
  return {
    rows: rowsOf<Record<string, unknown>>(rows).map((r) => {
      const named = Number(r.named);
      const oi = Number(r.origin_identified);
      const nr = Number(r.non_responsive);
      const fo = Number(r.foreign_origin);
      const open = Number(r.open);
      return {
        providerId: r.id as string,
        providerName: r.name as string,
        country: r.country as string,
        named,
        originIdentified: oi,
        nonResponsive: nr,
        foreignOrigin: fo,
        open,
        other: named - oi - nr - fo - open,
      };
    }),
    months: rowsOf<Record<string, unknown>>(months).map((r) => ({
      upstreamId: r.up as string,
      month: new Date(Number(r.m) * 1000),
      count: Number(r.n),
    })),
    campaigns: rowsOf<Record<string, unknown>>(campaigns).map((r) => ({
      upstreamId: r.up as string,
      campaignId: r.campaign_id as string,
      name: r.name as string,
      count: Number(r.n),
    })),
  };
}

// ---- Dashboard ----

export interface RecentNonResponsiveRow {
  hopId: string;
  tracebackId: string;
  seq: number;
  providerId: string;
  providerName: string;
  dueAt: Date;
}

/**
 * Hops that went non-responsive since `since`, newest first. A hop is marked at its deadline, so its
 * `due_at` is when it went: the (status, due_at, …) index answers.
 */
export async function recentNonResponsiveHops(
  db: Executor,
  since: Date,
  limit: number,
): Promise<RecentNonResponsiveRow[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select h.id, h.traceback_id, h.seq, h.provider_id, p.name, extract(epoch from h.due_at)::float8 as due
      from hops h join providers p on p.id = h.provider_id
      where h.status = 'non_responsive' and h.due_at >= ${since.toISOString()}::timestamptz
      order by h.due_at desc, h.id desc limit ${limit}`),
  );
  return rows.map((r) => ({
    hopId: r.id as string,
    tracebackId: r.traceback_id as string,
    seq: Number(r.seq),
    providerId: r.provider_id as string,
    providerName: r.name as string,
    dueAt: new Date(Number(r.due) * 1000),
  }));
}

export async function countNonResponsiveSince(db: Executor, since: Date): Promise<number> {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select count(*)::int as n from hops h
      where h.status = 'non_responsive' and h.due_at >= ${since.toISOString()}::timestamptz`),
  );
  return Number(rows[0]?.n ?? 0);
}

/** Campaigns with the most open tracebacks (traces of calls). */
export async function campaignsByOpenTracebacks(
  db: Executor,
  limit: number,
): Promise<Array<{ campaignId: string; campaignName: string; count: number }>> {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select c.id, c.name, x.n from (
        select t.campaign_id, count(*)::int as n from tracebacks t
        where t.status = 'open' and t.kind = 'trace' and t.campaign_id is not null
        group by 1) x
      join campaigns c on c.id = x.campaign_id
      order by x.n desc, c.name, c.id limit ${limit}`),
  );
  return rows.map((r) => ({
    campaignId: r.id as string,
    campaignName: r.name as string,
    count: Number(r.n),
  }));
}

/**
 * Recomputes every provider's figures into `provider_scorecards` in one transaction (one aggregate over the
 * window's hops). Readers keep reading the old rows until it commits; two refreshes run one after the other.
 */
export async function refreshScorecardSnapshot(db: Executor, from: Date, now: Date): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`lock table provider_scorecards in share row exclusive mode`);
    await tx.execute(sql`delete from provider_scorecards`);
    const rows = rowsOf<{ n: number }>(
      await tx.execute(sql`
        with e as (${aggregateOfHops({ from, now })}),
        ins as (
          insert into provider_scorecards (provider_id, computed_at, window_from, requested, on_time, late, never,
            median_h, p90_h, as_origin, as_entry, as_hop, no_upstream, campaigns, origin_actions, warned_terminated)
          select e.provider_id, ${now.toISOString()}::timestamptz, ${from.toISOString()}::timestamptz, e.requested,
            e.on_time, e.late, e.never, e.median_h, e.p90_h, e.as_origin, e.as_entry, e.as_hop, e.no_upstream,
            e.campaigns, e.origin_actions, e.warned_terminated
          from e returning 1)
        select count(*)::int as n from ins`),
    );
    return Number(rows[0]?.n ?? 0);
  });
}

/** When the scorecard figures were last computed, and over which window (null: never). */
export async function scorecardSnapshotAge(
  db: Executor,
): Promise<{ computedAt: Date; windowFrom: Date } | null> {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select extract(epoch from max(computed_at))::float8 as at, extract(epoch from min(window_from))::float8 as w
      from provider_scorecards`),
  );
  const r = rows[0];
  if (!r || r.at === null || r.at === undefined) return null;
  return { computedAt: new Date(Number(r.at) * 1000), windowFrom: new Date(Number(r.w) * 1000) };
}
