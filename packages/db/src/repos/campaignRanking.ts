import { sql } from 'drizzle-orm';
import type { Executor } from '../client';
import { rowsOf } from './detection';

export interface RankedCampaignRow {
  id: string;
  calls24h: number;
  calls7d: number;
  callsPrev7d: number;
  signedA7d: number;
  sources7d: number;
  distinctCallers: number;
  openTracebacks: number;
}

export type CampaignSort = 'volume' | 'growth';

/**
 * Campaigns of these statuses ranked from the hourly rollup (`campaign_volume`): by calls in the
 * last 24 hours then 7 days (volume), or by the last 7 days against the 7 before (growth; a new
 * campaign, with none before, ranks by its volume above every campaign that only grew). Offset paging.
 */
export async function rankCampaignRows(
  db: Executor,
  opts: {
    statuses: string[];
    sort: CampaignSort | 'recent';
    now: Date;
    limit: number;
    offset: number;
    q?: string | undefined;
    ids?: string[] | undefined;
  },
): Promise<RankedCampaignRow[]> {
  const now = opts.now.getTime();
  const h24 = new Date(now - 24 * 3_600_000).toISOString();
  const d7 = new Date(now - 7 * 86_400_000).toISOString();
  const d14 = new Date(now - 14 * 86_400_000).toISOString();
  const nowIso = opts.now.toISOString();
  const order =
    opts.sort === 'recent'
      ? sql`created_at desc, id desc`
      : opts.sort === 'volume'
        ? sql`calls24h desc, calls7d desc, call_count desc, id`
        : sql`(callsPrev7d = 0 and calls7d > 0) desc, case when callsPrev7d > 0 then (calls7d - callsPrev7d)::float8 / callsPrev7d end desc nulls last, calls7d desc, id`;
  const like = opts.q ? `%${opts.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const result = await db.execute(sql`
    with v as (
      select campaign_id,
        sum(calls) filter (where hour >= ${h24}::timestamptz and hour <= ${nowIso}::timestamptz) as calls24h,
        sum(calls) filter (where hour >= ${d7}::timestamptz and hour <= ${nowIso}::timestamptz) as calls7d,
        sum(calls) filter (where hour >= ${d14}::timestamptz and hour < ${d7}::timestamptz) as callsPrev7d,
        sum(signed_a) filter (where hour >= ${d7}::timestamptz and hour <= ${nowIso}::timestamptz) as signedA7d,
        count(distinct source_id) filter (where hour >= ${d7}::timestamptz and hour <= ${nowIso}::timestamptz) as sources7d
      from campaign_volume where hour >= ${d14}::timestamptz
      group by campaign_id
    ),
    ranked as (
    select c.id, c.call_count, c.created_at,
      coalesce(v.calls24h, 0)::int as calls24h, coalesce(v.calls7d, 0)::int as calls7d,
      coalesce(v.callsPrev7d, 0)::int as callsPrev7d, coalesce(v.signedA7d, 0)::int as signedA7d,
      coalesce(v.sources7d, 0)::int as sources7d,
      (select count(*)::int from campaign_numbers n where n.campaign_id = c.id and n.role = 'caller') as distinctCallers,
      (select count(*)::int from tracebacks t where t.campaign_id = c.id and t.status = 'open' and t.kind = 'trace') as openTracebacks
    from campaigns c left join v on v.campaign_id = c.id
    where c.status = any(${sql.param(opts.statuses)}::text[])
      ${like ? sql`and (c.name ilike ${like} or c.description ilike ${like})` : sql``}
      ${opts.ids ? sql`and c.id = any(${sql.param(opts.ids)}::uuid[])` : sql``}
    )
    select * from ranked
    order by ${order}
    limit ${opts.limit} offset ${opts.offset}`);
  return rowsOf<Record<string, unknown>>(result).map((r) => ({
    id: r.id as string,
    calls24h: Number(r.calls24h),
    calls7d: Number(r.calls7d),
    callsPrev7d: Number(r.callsprev7d ?? r.callsPrev7d),
    signedA7d: Number(r.signeda7d ?? r.signedA7d),
    sources7d: Number(r.sources7d),
    distinctCallers: Number(r.distinctcallers ?? r.distinctCallers),
    openTracebacks: Number(r.opentracebacks ?? r.openTracebacks),
  }));
}

/** Calls a day over `days` UTC days ending with `now`'s day, per campaign (oldest first). */
export async function dailyVolumes(
  db: Executor,
  ids: string[],
  now: Date,
  days = 30,
): Promise<Map<string, number[]>> {
  const out = new Map(ids.map((id) => [id, new Array<number>(days).fill(0)]));
  if (!ids.length) return out;
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const from = new Date(today - (days - 1) * 86_400_000);
  const result = await db.execute(sql`
    select campaign_id, date_trunc('day', hour at time zone 'UTC') as day, sum(calls)::int as calls
    from campaign_volume
    where campaign_id = any(${sql.param(ids)}::uuid[]) and hour >= ${from.toISOString()}::timestamptz
    group by 1, 2`);
  for (const r of rowsOf<{ campaign_id: string; day: string | Date; calls: number }>(result)) {
    const day = new Date(typeof r.day === 'string' ? `${r.day.slice(0, 10)}T00:00:00Z` : r.day);
    const idx = Math.round(
      (Date.UTC(day.getFullYear(), day.getMonth(), day.getDate()) - from.getTime()) / 86_400_000,
    );
    const list = out.get(r.campaign_id);
    if (list && idx >= 0 && idx < days) list[idx] = Number(r.calls);
  }
  return out;
}

/** The most frequent numbers of a role per campaign (at most `limit` each). */
export async function topCampaignNumbers(
  db: Executor,
  ids: string[],
  role: 'caller' | 'callback',
  limit = 20,
): Promise<Map<string, Array<{ number: string; calls: number; lastSeenAt: Date }>>> {
  const out = new Map<string, Array<{ number: string; calls: number; lastSeenAt: Date }>>(
    ids.map((id) => [id, []]),
  );
  if (!ids.length) return out;
  const result = await db.execute(sql`
    select t.campaign_id, t.number, t.calls, t.last_seen_at
    from unnest(${sql.param(ids)}::uuid[]) as k(id)
    cross join lateral (
      select campaign_id, number, calls, last_seen_at from campaign_numbers
      where campaign_id = k.id and role = ${role}
      order by calls desc, last_seen_at desc limit ${limit}
    ) t`);
  for (const r of rowsOf<{ campaign_id: string; number: string; calls: number; last_seen_at: string | Date }>(
    result,
  ))
    out
      .get(r.campaign_id)
      ?.push({ number: r.number, calls: Number(r.calls), lastSeenAt: new Date(r.last_seen_at) });
  return out;
}

/**
 * Rebuilds the rollups (volume, numbers, count, first and last seen) of these campaigns from their
 * calls: after an analyst moves calls between campaigns (split), where adding would double count.
 */
export async function rebuildCampaignRollups(tx: Executor, ids: string[]): Promise<void> {
  if (!ids.length) return;
  const list = sql.param(ids);
  await tx.execute(sql`delete from campaign_volume where campaign_id = any(${list}::uuid[])`);
  await tx.execute(sql`
    insert into campaign_volume (campaign_id, source_id, hour, calls, signed_a, signed)
    select campaign_id, source_id, date_trunc('hour', started_at at time zone 'UTC') at time zone 'UTC',
      count(*)::int, (count(*) filter (where attestation = 'A'))::int, (count(*) filter (where identity_header is not null))::int
    from call_view where campaign_id = any(${list}::uuid[]) group by 1, 2, 3`);
  await tx.execute(sql`delete from campaign_numbers where campaign_id = any(${list}::uuid[])`);
  await tx.execute(sql`
    insert into campaign_numbers (campaign_id, role, number, calls, first_seen_at, last_seen_at)
    select campaign_id, 'caller', calling_number, count(*)::int, min(started_at), max(started_at)
    from call_view where campaign_id = any(${list}::uuid[]) and calling_number is not null group by 1, 3`);
  await tx.execute(sql`
    insert into campaign_numbers (campaign_id, role, number, calls, first_seen_at, last_seen_at)
    select c.campaign_id, 'callback', n, count(*)::int, min(c.started_at), max(c.started_at)
    from call_verdicts c cross join unnest(c.callback_numbers) as n
    where c.campaign_id = any(${list}::uuid[]) group by 1, 3`);
  await tx.execute(sql`
    update campaigns k set call_count = coalesce(s.n, 0), first_seen_at = s.first_seen, last_seen_at = s.last_seen
    from (select id, (select count(*)::int from call_verdicts where campaign_id = k2.id) as n,
                 (select min(started_at) from call_verdicts where campaign_id = k2.id) as first_seen,
                 (select max(started_at) from call_verdicts where campaign_id = k2.id) as last_seen
          from campaigns k2 where k2.id = any(${list}::uuid[])) s
    where k.id = s.id`);
}

/** Moves these calls of one campaign to another, as an analyst's decision detection keeps. */
export async function moveCallsToCampaign(
  tx: Executor,
  fromId: string,
  toId: string,
  callIds: string[],
): Promise<number> {
  const result = await tx.execute(sql`
    update call_verdicts set campaign_id = ${toId}, assigned_by = 'analyst', similarity = null
    where campaign_id = ${fromId} and id = any(${sql.param(callIds)}::uuid[])
    returning id`);
  return rowsOf(result).length;
}

export interface CampaignCallSample {
  id: string;
  startedAt: Date;
  startedAtPrecision: string;
  callingNumber: string | null;
  calledNumber: string | null;
  transcript: string | null;
  language: string | null;
  sourceId: number;
  attestation: string | null;
  shakenStatus: string | null;
  identityHeader: string | null;
}

const SAMPLE_COLUMNS = sql.raw(
  'id, started_at, started_at_precision, calling_number, called_number, transcript, language, source_id, attestation, shaken_status, identity_header',
);
const sampleOf = (r: Record<string, unknown>): CampaignCallSample => ({
  id: r.id as string,
  startedAt: new Date(r.started_at as string),
  startedAtPrecision: r.started_at_precision as string,
  callingNumber: r.calling_number as string | null,
  calledNumber: r.called_number as string | null,
  transcript: r.transcript as string | null,
  language: r.language as string | null,
  sourceId: Number(r.source_id),
  attestation: r.attestation as string | null,
  shakenStatus: r.shaken_status as string | null,
  identityHeader: r.identity_header as string | null,
});

/** The newest calls of a campaign (for samples, profiles and the choice of a call to trace). */
export async function campaignCalls(
  db: Executor,
  campaignId: string,
  opts: { limit: number; since?: Date | undefined },
): Promise<CampaignCallSample[]> {
  const result = await db.execute(sql`
    select ${SAMPLE_COLUMNS}
    from call_view where campaign_id = ${campaignId}
      ${opts.since ? sql`and started_at >= ${opts.since.toISOString()}::timestamptz` : sql``}
    order by started_at desc limit ${opts.limit}`);
  return rowsOf<Record<string, unknown>>(result).map(sampleOf);
}

/**
 * The call to trace for a campaign: within the window, an exact time, both numbers, no traceback of
 * it yet (tracing a call again asks the same providers the same question), and a verified Identity
 * header if any has one (then any header, then the newest).
 */
export async function representativeCallOf(
  db: Executor,
  campaignId: string,
  since: Date,
): Promise<CampaignCallSample | undefined> {
  const result = await db.execute(sql`
    select ${SAMPLE_COLUMNS}
    from call_view
    where campaign_id = ${campaignId} and started_at >= ${since.toISOString()}::timestamptz
      and started_at_precision = 'second' and calling_number is not null and called_number is not null
      and not exists (select 1 from tracebacks t where t.campaign_id = ${campaignId} and t.call_id = call_view.id)
    order by (shaken_status = 'valid') desc nulls last, (identity_header is not null) desc, started_at desc
    limit 1`);
  const r = rowsOf<Record<string, unknown>>(result)[0];
  return r ? sampleOf(r) : undefined;
}

/** How many tracebacks were opened automatically for a campaign's rank since `since` (auto-open's daily budget). */
export async function countAutoOpenedSince(db: Executor, since: Date): Promise<number> {
  const result = await db.execute(sql`
    select count(*)::int as n from tracebacks t
    where t.opened_at >= ${since.toISOString()}::timestamptz and t.campaign_id is not null
      and exists (select 1 from events e where e.traceback_id = t.id and e.type = 'traceback.opened'
        and e.data->'openedBecause'->>'kind' = 'campaign_rank')`);
  return Number(rowsOf<{ n: number }>(result)[0]?.n ?? 0);
}

/** Outcomes of a traceback that closed without an origin (nor an entry point abroad). */
export const UNRESOLVED_OUTCOMES = ['non_responsive', 'dead_end'] as const;

/**
 * The latest opening since `since` of a traceback of each of these campaigns (those without one are
 * left out); with `skipUnresolved`, tracebacks that closed without an origin are not counted.
 */
export async function lastTracebackOpenedAt(
  db: Executor,
  campaignIds: string[],
  since: Date,
  opts: { skipUnresolved?: boolean } = {},
): Promise<Map<string, Date>> {
  if (!campaignIds.length) return new Map();
  const result = await db.execute(sql`
    select campaign_id, max(opened_at) as at from tracebacks
    where campaign_id = any(${sql.param(campaignIds)}::uuid[]) and opened_at >= ${since.toISOString()}::timestamptz
      ${opts.skipUnresolved ? sql`and (status <> 'closed' or outcome is null or outcome <> all(${sql.param([...UNRESOLVED_OUTCOMES])}::text[]))` : sql``}
    group by campaign_id`);
  return new Map(
    rowsOf<{ campaign_id: string; at: string | Date }>(result).map((r) => [r.campaign_id, new Date(r.at)]),
  );
}

export interface CampaignTracebackRow {
  id: string;
  status: string;
  outcome: string | null;
  openedAt: Date;
  closedAt: Date | null;
  callStartedAt: Date;
  callingNumber: string;
  originProviderId: string | null;
  originProviderName: string | null;
  entryProviderId: string | null;
  entryProviderName: string | null;
  hops: number;
}

/**
 * A campaign's tracebacks of calls (not its forward requests) with where each ended: the provider that answered as origin, and for a
 * call from abroad the last US provider before the foreign one (the entry point).
 */
export async function campaignTracebackRows(
  db: Executor,
  campaignId: string,
  limit = 100,
): Promise<CampaignTracebackRow[]> {
  const result = await db.execute(sql`
    select t.id, t.status, t.outcome, t.opened_at, t.closed_at, t.call_started_at, t.calling_number,
      (select count(*)::int from hops h where h.traceback_id = t.id and h.line = 'path') as hops,
      o.provider_id as origin_id, op.name as origin_name, ep.id as entry_id, ep.name as entry_name
    from tracebacks t
    left join lateral (
      select h.provider_id from hops h where h.traceback_id = t.id and h.line = 'path' and h.answer_kind = 'origin'
      order by h.seq desc limit 1) o on true
    left join providers op on op.id = o.provider_id
    -- Stored since decision 0035; tracebacks closed abroad before it: the last US provider of the path.
    left join lateral (
      select h.provider_id from hops h join providers p on p.id = h.provider_id
      where h.traceback_id = t.id and h.line = 'path' and p.country = 'US' and t.outcome = 'foreign_origin'
        and t.entry_point_provider_id is null
      order by h.seq desc limit 1) e on true
    left join providers ep on ep.id = coalesce(t.entry_point_provider_id, e.provider_id)
    where t.campaign_id = ${campaignId} and t.kind = 'trace'
    order by t.opened_at desc limit ${limit}`);
  return rowsOf<Record<string, unknown>>(result).map((r) => ({
    id: r.id as string,
    status: r.status as string,
    outcome: r.outcome as string | null,
    openedAt: new Date(r.opened_at as string),
    closedAt: r.closed_at ? new Date(r.closed_at as string) : null,
    callStartedAt: new Date(r.call_started_at as string),
    callingNumber: r.calling_number as string,
    originProviderId: r.origin_id as string | null,
    originProviderName: r.origin_name as string | null,
    entryProviderId: r.entry_id as string | null,
    entryProviderName: r.entry_name as string | null,
    hops: Number(r.hops),
  }));
}
