import {
  csvRow,
  type TCooperationEvidence,
  type TCooperationPolicy,
  type TPublishedNonCooperative,
  type TScorecard,
  type TScorecardListQuery,
  type TScorecardRow,
  type TUpstreams,
  type TUpstreamsQuery,
} from '@hoptrace/contracts';
import {
  evidenceTracebacks,
  listScorecards as listScorecardRows,
  publishedNonCooperativeRows,
  refreshScorecardSnapshot,
  scorecardMonths,
  scorecardSnapshotAge,
  scorecardOf,
  upstreamsNamedBy,
  type Executor,
  type Page,
  type ScorecardDbRow,
} from '@hoptrace/db';
import type { Actor } from '../actor';
import { isStaff } from '../actor';
import type { CommandContext } from '../context';
import { NotFoundError } from '../errors';
import { authorize, policy } from '../policies';
import {
  assessCooperation,
  cooperationPolicy,
  levelOfStatus,
  levelPolicy,
  statusOfLevel,
} from '../cooperation/policy';

/** Reads of cooperation (issue 16, decision 0027): scorecards, evidence, a provider's upstreams. */

const DAY_MS = 86_400_000;
const EVIDENCE_PER_CRITERION = 50;
const round1 = (h: number | null) => (h === null ? null : Math.round(h * 10) / 10);
const shareOf = (n: number, of: number) => (of > 0 ? Math.round((n / of) * 1000) / 1000 : null);

/** First of the month (UTC) holding `at`. */
export function monthStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

/** Firsts of the months from the one holding `from` to the one holding `to`, oldest first. */
export function monthStarts(from: Date, to: Date): Date[] {
  const out: Date[] = [];
  let m = monthStart(from);
  while (m.getTime() <= to.getTime()) {
    out.push(m);
    m = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1));
  }
  return out;
}

function countsOf(r: ScorecardDbRow): TCooperationEvidence['counts'] {
  return {
    nonResponsive: r.never,
    refused: r.refused,
    noUpstreamNamed: r.noUpstreamNamed,
    origin: r.asOrigin,
    entryPoint: r.asEntryPoint,
    letters: r.letters,
  };
}

/**
 * A scorecard row as `actor` may see it. Staff see the status the policy computes now; a provider's own
 * users see the status staff confirmed (cooperative until one is), never an unreviewed computation.
 */
function presentRow(actor: Actor, r: ScorecardDbRow): TScorecardRow {
  const staff = isStaff(actor);
  const shown = staff ? r.determination : r.confirmed;
  return {
    providerId: r.providerId,
    providerName: r.providerName,
    country: r.country,
    requested: r.requested,
    answeredOnTime: r.answeredOnTime,
    late: r.late,
    never: r.never,
    neverShare: shareOf(r.never, r.requested),
    medianHours: round1(r.medianHours),
    p90Hours: round1(r.p90Hours),
    asOrigin: r.asOrigin,
    asEntryPoint: r.asEntryPoint,
    asHop: r.asHop,
    noUpstreamNamed: r.noUpstreamNamed,
    campaigns: r.campaigns,
    originActions: r.originActions,
    warnedOrTerminatedShare: shareOf(r.warnedOrTerminated, r.originActions),
    rmd: r.rmd,
    letters: r.letters,
    status: staff ? statusOfLevel(r.level) : (r.confirmed?.status ?? 'cooperative'),
    statusSource: staff ? 'computed' : 'confirmed',
    determination: shown
      ? {
          id: shown.id,
          status: shown.status,
          decision: shown.decision,
          published: shown.published,
          decidedAt: shown.decidedAt.toISOString(),
        }
      : null,
  };
}

/** The evidence behind a provider's computed status now: counts, reasons and tracebacks. */
export async function computeEvidence(
  db: Executor,
  p: TCooperationPolicy,
  providerId: string,
  now: Date,
): Promise<{ row: ScorecardDbRow; evidence: TCooperationEvidence; from: Date } | undefined> {
  const from = new Date(now.getTime() - p.windowDays * DAY_MS);
  const row = await scorecardOf(db, { providerId, from, now, policy: levelPolicy(p) });
  if (!row) return undefined;
  const counts = countsOf(row);
  const assessed = assessCooperation(p, counts, row.rmd);
  const tracebacks = await evidenceTracebacks(db, providerId, from, now, EVIDENCE_PER_CRITERION);
  return {
    row,
    from,
    evidence: {
      windowDays: p.windowDays,
      from: from.toISOString(),
      counts,
      rmd: row.rmd,
      reasons: assessed.reasons,
      tracebacks: tracebacks.map((t) => ({
        tracebackId: t.tracebackId,
        criterion: t.criterion,
        at: t.at.toISOString(),
      })),
    },
  };
}

/** `GET /providers/:id/scorecard`: staff for any provider, a provider's own users for their own. */
export async function getScorecard(ctx: CommandContext & { providerId: string }): Promise<TScorecard> {
  const { actor, db, clock, providerId } = ctx;
  authorize(policy.readProviderHistory(actor, providerId), 'provider');
  const p = await cooperationPolicy(db);
  const now = clock.now();
  const computed = await computeEvidence(db, p, providerId, now);
  if (!computed) throw new NotFoundError('provider');
  const { row, evidence, from } = computed;
  const months = await scorecardMonths(db, providerId, from, now);
  const byMonth = new Map(months.map((m) => [m.month.getTime(), m]));
  const staff = isStaff(actor);
  return {
    ...presentRow(actor, row),
    windowDays: p.windowDays,
    from: from.toISOString(),
    // A provider's own users get the counts but not an unreviewed status's reasons or the traceback ids
    // (they cannot open tracebacks; their hops are in their inbox).
    evidence: staff ? evidence : { ...evidence, reasons: [], tracebacks: [] },
    months: monthStarts(from, now).map((m) => {
      const r = byMonth.get(m.getTime());
      return {
        month: m.toISOString(),
        requested: r?.requested ?? 0,
        answeredOnTime: r?.answeredOnTime ?? 0,
        late: r?.late ?? 0,
        never: r?.never ?? 0,
        medianHours: round1(r?.medianHours ?? null),
        asOrigin: r?.asOrigin ?? 0,
      };
    }),
  };
}

/** Scorecard figures older than this are recomputed by the worker's job (`cooperation.scorecards`). */
export const SCORECARD_MAX_AGE_MS = 5 * 60_000;

/**
 * Recomputes every provider's scorecard figures for the table (one aggregate over the window's hops; about
 * 2 s for a million hops on PostgreSQL, decision 0027). Staff ask for it from the table; the worker runs it
 * when the figures are older than SCORECARD_MAX_AGE_MS.
 */
export async function refreshScorecards(
  ctx: CommandContext,
): Promise<{ computedAt: string; providers: number }> {
  authorize(policy.readScorecards(ctx.actor), 'route');
  const p = await cooperationPolicy(ctx.db);
  const now = ctx.clock.now();
  const providers = await refreshScorecardSnapshot(
    ctx.db,
    new Date(now.getTime() - p.windowDays * DAY_MS),
    now,
  );
  return { computedAt: now.toISOString(), providers };
}

/** The worker's job: refreshes the figures when they are older than `maxAgeMs` (or were never computed). */
export async function refreshScorecardsIfStale(ctx: CommandContext & { maxAgeMs?: number }): Promise<number> {
  const age = await scorecardSnapshotAge(ctx.db);
  const now = ctx.clock.now();
  if (age && now.getTime() - age.computedAt.getTime() < (ctx.maxAgeMs ?? SCORECARD_MAX_AGE_MS)) return 0;
  return (await refreshScorecards(ctx)).providers;
}

/** `GET /scorecards`: every provider's scorecard, filtered, sorted, keyset-paged (staff). */
export async function listScorecards(
  ctx: CommandContext & { query: TScorecardListQuery },
): Promise<Page<TScorecardRow> & { windowDays: number; from: string; asOf: string }> {
  const { actor, db, clock, query } = ctx;
  authorize(policy.readScorecards(actor), 'route');
  const p = await cooperationPolicy(db);
  let age = await scorecardSnapshotAge(db);
  // Never computed, or over another window than the policy's (it changed): compute now, once.
  if (!age || Math.round((age.computedAt.getTime() - age.windowFrom.getTime()) / DAY_MS) !== p.windowDays) {
    await refreshScorecards(ctx);
    age = await scorecardSnapshotAge(db);
  }
  const now = age?.computedAt ?? clock.now();
  const from = age?.windowFrom ?? new Date(now.getTime() - p.windowDays * DAY_MS);
  const page = await listScorecardRows(db, {
    snapshot: true,
    from,
    now,
    policy: levelPolicy(p),
    level: query.status ? levelOfStatus(query.status) : undefined,
    country: query.country,
    q: query.q,
    minRequests: query.minRequests,
    sort: query.sort,
    cursor: query.cursor,
    limit: query.limit,
  });
  return {
    windowDays: p.windowDays,
    from: from.toISOString(),
    asOf: now.toISOString(),
    nextCursor: page.nextCursor,
    items: page.items.map((r) => presentRow(actor, r)),
  };
}

export const SCORECARD_CSV_COLUMNS = [
  'provider_id',
  'provider_name',
  'country',
  'status',
  'requested',
  'answered_on_time',
  'late',
  'never',
  'never_share',
  'median_hours',
  'p90_hours',
  'as_origin',
  'as_entry_point',
  'as_hop',
  'no_upstream_named',
  'campaigns',
  'origin_actions',
  'warned_or_terminated_share',
  'rmd',
  'letters',
  'determination',
  'published',
] as const;

/** Every scorecard the filter selects, as CSV lines (header first), read page by page in the query's order. */
export async function* scorecardsCsv(
  ctx: CommandContext & { query: TScorecardListQuery },
): AsyncGenerator<string> {
  yield `${SCORECARD_CSV_COLUMNS.join(',')}\r\n`;
  let cursor: string | undefined;
  do {
    const page = await listScorecards({ ...ctx, query: { ...ctx.query, cursor, limit: 500 } });
    yield page.items
      .map(
        (r) =>
          `${csvRow([
            r.providerId,
            r.providerName,
            r.country,
            r.status,
            r.requested,
            r.answeredOnTime,
            r.late,
            r.never,
            r.neverShare,
            r.medianHours,
            r.p90Hours,
            r.asOrigin,
            r.asEntryPoint,
            r.asHop,
            r.noUpstreamNamed,
            r.campaigns,
            r.originActions,
            r.warnedOrTerminatedShare,
            r.rmd,
            r.letters,
            r.determination ? `${r.determination.decision} ${r.determination.status}` : '',
            r.determination?.published ?? false,
          ])}\r\n`,
      )
      .join('');
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/**
 * The providers the public may see named: each one's latest confirmed determination is non-cooperative and
 * published (a later confirmed determination supersedes; dismissals change nothing). No access check: what
 * it returns is public by the staff's decision. For the public statistics and the yearly report.
 */
export async function publishedNonCooperative(db: Executor): Promise<TPublishedNonCooperative[]> {
  const rows = await publishedNonCooperativeRows(db);
  return rows.map((d) => {
    const evidence = d.evidence as Partial<TCooperationEvidence>;
    return {
      determinationId: d.id,
      providerId: d.providerId,
      providerName: d.providerName,
      country: d.providerCountry,
      publishedAt: d.publishedAt!.toISOString(),
      decidedAt: d.decidedAt.toISOString(),
      reasons: (evidence.reasons ?? []).map((r) => r.text),
    };
  });
}

/** `GET /providers/:id/upstreams`: from the provider's OWN answers only (its users, and staff). */
export async function getUpstreams(
  ctx: CommandContext & { providerId: string; query: TUpstreamsQuery },
): Promise<TUpstreams> {
  const { actor, db, clock, providerId } = ctx;
  authorize(policy.readUpstreams(actor, providerId), 'provider');
  const now = clock.now();
  const first = monthStart(now);
  const from = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() - (ctx.query.months - 1), 1));
  const months = monthStarts(from, now);
  const data = await upstreamsNamedBy(db, providerId, from);
  const index = new Map(months.map((m, i) => [m.getTime(), i]));
  const perMonth = new Map<string, number[]>();
  for (const m of data.months) {
    const row = perMonth.get(m.upstreamId) ?? months.map(() => 0);
    const i = index.get(m.month.getTime());
    if (i !== undefined) row[i] = m.count;
    perMonth.set(m.upstreamId, row);
  }
  const campaigns = new Map<string, TUpstreams['items'][number]['campaigns']>();
  for (const c of data.campaigns) {
    const list = campaigns.get(c.upstreamId) ?? [];
    if (list.length < 5) list.push({ id: c.campaignId, name: c.name, count: c.count });
    campaigns.set(c.upstreamId, list);
  }
  return {
    providerId,
    months: months.map((m) => m.toISOString()),
    items: data.rows.map((r) => ({
      ...r,
      campaigns: campaigns.get(r.providerId) ?? [],
      perMonth: perMonth.get(r.providerId) ?? months.map(() => 0),
    })),
  };
}

/** The upstreams as CSV lines (header first); campaign names joined by "; ". */
export function* upstreamsCsv(u: TUpstreams): Generator<string> {
  yield `${csvRow([
    'upstream_provider_id',
    'upstream_name',
    'country',
    'named',
    'origin_identified',
    'non_responsive',
    'foreign_origin',
    'open',
    'other',
    'campaigns',
    ...u.months.map((m) => m.slice(0, 7)),
  ])}\r\n`;
  for (const r of u.items)
    yield `${csvRow([
      r.providerId,
      r.providerName,
      r.country,
      r.named,
      r.originIdentified,
      r.nonResponsive,
      r.foreignOrigin,
      r.open,
      r.other,
      r.campaigns.map((c) => `${c.name} (${c.count})`).join('; '),
      ...r.perMonth,
    ])}\r\n`;
}
