import { Detector, profileOf, templateSegments, DEFAULT_DETECTOR_OPTIONS } from '@hoptrace/campaigns';
import {
  ZAutoOpenPolicy,
  type TAutoOpenPolicy,
  type TAutoOpenPolicyInput,
  type TAutoOpenResult,
  type TCampaignCallSample,
  type TCampaignDetail,
  type TCampaignListQuery,
  type TCampaignPatch,
  type TCampaignRanked,
  type TOpenCallsResult,
  type TTracebackOpen,
} from '@hoptrace/contracts';
import {
  bumpDetectorVersion,
  campaignCalls,
  claimScheduledRun,
  campaignTracebackRows,
  countAutoOpenedSince,
  dailyVolumes,
  findCall,
  findCallSource,
  findCampaign,
  insertCampaign,
  InvalidCursorError,
  lastTracebackOpenedAt,
  listCallSources,
  mergeCampaignRows,
  moveCallsToCampaign,
  rankCampaignRows,
  readSetting,
  rebuildCampaignRollups,
  representativeCallOf,
  topCampaignNumbers,
  tracebacksOfCalls,
  writeSetting,
  schema,
  type CampaignCallSample,
  type CampaignRow,
  type Db,
  type Executor,
  type Page,
  type RankedCampaignRow,
} from '@hoptrace/db';
import { eq, sql } from 'drizzle-orm';
import { audit } from '../audit';
import type { CommandContext } from '../context';
import { ConflictError, DomainError, InvalidInputError, NotFoundError } from '../errors';
import { authorize, policy } from '../policies';
import { presentCampaign } from '../queries/present';
import { openTraceback, type DnoCheck } from '../commands/openTraceback';
import { forwardRequestsOf } from './forward';

const MAX_OFFSET = 10_000;
const offsetCursor = (offset: number) =>
  Buffer.from(JSON.stringify(['campaigns', offset])).toString('base64url');
function readOffset(cursor: string | undefined): number {
  if (!cursor) return 0;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v[0] === 'campaigns' &&
      Number.isSafeInteger(v[1]) &&
      v[1] > 0 &&
      v[1] <= MAX_OFFSET
    )
      return v[1] as number;
  } catch {
    // refused below
  }
  // The problems plugin answers it as 400 at query.cursor, like every other list.
  throw new InvalidCursorError('cursor is not one this server issued');
}

async function presentRanked(
  db: Executor,
  rows: RankedCampaignRow[],
  campaigns: Map<string, CampaignRow>,
  now: Date,
  offset: number,
): Promise<TCampaignRanked[]> {
  const ids = rows.map((r) => r.id);
  const [daily, callers, callbacks] = await Promise.all([
    dailyVolumes(db, ids, now),
    topCampaignNumbers(db, ids, 'caller'),
    topCampaignNumbers(db, ids, 'callback'),
  ]);
  return rows.map((r, i) => ({
    ...presentCampaign(campaigns.get(r.id)!),
    rank: offset + i + 1,
    callCount24h: r.calls24h,
    callCount7d: r.calls7d,
    callCountPrevious7d: r.callsPrev7d,
    growth: r.callsPrev7d > 0 ? (r.calls7d - r.callsPrev7d) / r.callsPrev7d : null,
    distinctCallerNumbers: r.distinctCallers,
    callerNumbers: (callers.get(r.id) ?? []).map((n) => n.number),
    callbackNumbers: (callbacks.get(r.id) ?? []).map((n) => n.number),
    signedAShare: r.calls7d > 0 ? r.signedA7d / r.calls7d : null,
    sources: r.sources7d,
    dailyVolume: daily.get(r.id) ?? [],
    openTracebacks: r.openTracebacks,
  }));
}

async function campaignRows(db: Executor, ids: string[]): Promise<Map<string, CampaignRow>> {
  if (!ids.length) return new Map();
  const rows = await db
    .select()
    .from(schema.campaigns)
    .where(sql`${schema.campaigns.id} = any(${sql.param(ids)}::uuid[])`);
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * Campaigns ranked for the analyst: by volume (calls in the last 24 hours, then 7 days), by growth,
 * or newest first. With a ranking sort only active campaigns by default: candidates are not
 * campaigns yet and legitimate ones are never traced.
 */
export async function listCampaignsRanked(
  ctx: CommandContext & { query: TCampaignListQuery },
): Promise<Page<TCampaignRanked>> {
  authorize(policy.readCampaigns(ctx.actor), 'route');
  const { query } = ctx;
  const offset = readOffset(query.cursor);
  const statuses =
    query.status === 'all'
      ? ['candidate', 'active', 'legitimate']
      : query.status
        ? [query.status]
        : query.sort === 'recent'
          ? ['active', 'legitimate']
          : ['active'];
  const now = ctx.clock.now();
  const rows = await rankCampaignRows(ctx.db, {
    statuses,
    sort: query.sort,
    now,
    limit: query.limit + 1,
    offset,
    q: query.q,
  });
  const more = rows.length > query.limit;
  const page = more ? rows.slice(0, query.limit) : rows;
  const items = await presentRanked(
    ctx.db,
    page,
    await campaignRows(
      ctx.db,
      page.map((r) => r.id),
    ),
    now,
    offset,
  );
  return {
    items,
    nextCursor: more && offset + query.limit <= MAX_OFFSET ? offsetCursor(offset + query.limit) : null,
  };
}

async function sourceNames(db: Executor): Promise<Map<number, string>> {
  return new Map((await listCallSources(db)).map((s) => [s.id, s.name]));
}

function presentSample(c: CampaignCallSample, sources: Map<number, string>): TCampaignCallSample {
  return {
    id: c.id,
    startedAt: c.startedAt.toISOString(),
    startedAtPrecision: c.startedAtPrecision,
    callingNumber: c.callingNumber,
    calledNumber: c.calledNumber,
    attestation: c.attestation,
    shakenStatus: c.shakenStatus,
    source: sources.get(c.sourceId) ?? '',
    segments: c.transcript ? templateSegments(c.transcript) : [],
  };
}

/** Window of the ITG's preference for fresh calls: a call older than this is not traced automatically. */
export const DEFAULT_TRACE_WINDOW_DAYS = 10;

export async function getCampaignDetail(
  ctx: CommandContext & { campaignId: string },
): Promise<TCampaignDetail> {
  authorize(policy.readCampaigns(ctx.actor), 'route');
  const row = await findCampaign(ctx.db, ctx.campaignId);
  if (!row) throw new NotFoundError('campaign');
  const now = ctx.clock.now();
  const [ranked] = await rankCampaignRows(ctx.db, {
    statuses: [row.status],
    sort: 'volume',
    now,
    limit: 1,
    offset: 0,
    ids: [row.id],
  });
  const base = (await presentRanked(ctx.db, ranked ? [ranked] : [], new Map([[row.id, row]]), now, 0))[0];
  const policyNow = await autoOpenPolicy(ctx.db);
  const [samples, tracebacks, callers, callbacks, representative, sources, forwardRequests] =
    await Promise.all([
      campaignCalls(ctx.db, row.id, { limit: 12 }),
      campaignTracebackRows(ctx.db, row.id),
      topCampaignNumbers(ctx.db, [row.id], 'caller', 50),
      topCampaignNumbers(ctx.db, [row.id], 'callback', 50),
      representativeCallOf(ctx.db, row.id, new Date(now.getTime() - policyNow.windowDays * 86_400_000)),
      sourceNames(ctx.db),
      forwardRequestsOf(ctx, row.id),
    ]);
  const tally = (pick: (t: (typeof tracebacks)[number]) => { id: string | null; name: string | null }) => {
    const counts = new Map<string, { id: string; name: string; tracebacks: number }>();
    for (const t of tracebacks) {
      const p = pick(t);
      if (!p.id) continue;
      const c = counts.get(p.id) ?? { id: p.id, name: p.name ?? '', tracebacks: 0 };
      c.tracebacks++;
      counts.set(p.id, c);
    }
    return [...counts.values()].sort((a, b) => b.tracebacks - a.tracebacks);
  };
  const empty: TCampaignRanked = {
    ...presentCampaign(row),
    rank: 1,
    callCount24h: 0,
    callCount7d: 0,
    callCountPrevious7d: 0,
    growth: null,
    distinctCallerNumbers: 0,
    callerNumbers: [],
    callbackNumbers: [],
    signedAShare: null,
    sources: 0,
    dailyVolume: new Array<number>(30).fill(0),
    openTracebacks: 0,
  };
  return {
    ...(base ?? empty),
    keptApart: row.keptApart,
    samples: samples.map((s) => presentSample(s, sources)),
    callerNumberCounts: (callers.get(row.id) ?? []).map((n) => ({ number: n.number, calls: n.calls })),
    callbackNumberCounts: (callbacks.get(row.id) ?? []).map((n) => ({ number: n.number, calls: n.calls })),
    tracebacks: tracebacks.map((t) => ({
      id: t.id,
      status: t.status,
      outcome: t.outcome,
      openedAt: t.openedAt.toISOString(),
      closedAt: t.closedAt?.toISOString() ?? null,
      callStartedAt: t.callStartedAt.toISOString(),
      callingNumber: t.callingNumber,
      hops: t.hops,
      origin: t.originProviderId ? { id: t.originProviderId, name: t.originProviderName ?? '' } : null,
      entryPoint: t.entryProviderId ? { id: t.entryProviderId, name: t.entryProviderName ?? '' } : null,
    })),
    forwardRequests,
    origins: tally((t) => ({ id: t.originProviderId, name: t.originProviderName })),
    entryPoints: tally((t) => ({ id: t.entryProviderId, name: t.entryProviderName })),
    representativeCall: representative ? presentSample(representative, sources) : null,
  };
}

/** Rename, describe, categorise, or mark as legitimate (and back): an analyst's word, kept by detection. */
export async function updateCampaign(ctx: CommandContext & { campaignId: string; input: TCampaignPatch }) {
  authorize(policy.manageCampaigns(ctx.actor), 'route');
  const row = await findCampaign(ctx.db, ctx.campaignId);
  if (!row) throw new NotFoundError('campaign');
  if (row.status === 'merged')
    throw new ConflictError(
      `this campaign was merged into ${row.mergedIntoId ?? 'another'}; change that one`,
    );
  const { input } = ctx;
  const at = ctx.clock.now();
  const status =
    input.legitimate === undefined
      ? row.status
      : input.legitimate
        ? 'legitimate'
        : row.status === 'legitimate'
          ? row.callCount >= DEFAULT_DETECTOR_OPTIONS.minCalls || row.origin === 'manual'
            ? 'active'
            : 'candidate'
          : row.status;
  await ctx.db.transaction(async (tx) => {
    await tx
      .update(schema.campaigns)
      .set({
        ...(input.name !== undefined ? { name: input.name, namedByAnalyst: true } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.category !== undefined ? { category: input.category } : {}),
        status,
        updatedAt: at,
      })
      .where(eq(schema.campaigns.id, row.id));
    if (status !== row.status) await bumpDetectorVersion(tx, at);
    await audit(tx, ctx, {
      action: 'campaign.updated',
      subject: 'campaign',
      subjectId: row.id,
      details: {
        changed: Object.keys(input).filter((k) => input[k as keyof typeof input] !== undefined),
        ...(input.name !== undefined ? { name: { from: row.name, to: input.name } } : {}),
        ...(status !== row.status ? { status: { from: row.status, to: status } } : {}),
      },
    });
  });
  return getCampaignDetail(ctx);
}

/** The detector's profile of two clusters as one (null when neither has one). */
function mergedProfile(keep: CampaignRow, absorb: CampaignRow): Record<string, unknown> | null {
  if (!keep.profile && !absorb.profile) return null;
  if (!keep.profile || !absorb.profile) return (keep.profile ?? absorb.profile)!;
  const d = new Detector();
  d.load([
    { id: keep.id, profile: keep.profile as never, size: keep.callCount },
    { id: absorb.id, profile: absorb.profile as never, size: absorb.callCount },
  ]);
  d.merge(keep.id, absorb.id);
  return d.takeChanges().find((c) => c.id === keep.id)?.profile ?? keep.profile;
}

/** An analyst folds campaigns into one: calls, numbers, volume and tracebacks move to `campaignId`. */
export async function mergeCampaigns(ctx: CommandContext & { campaignId: string; absorb: string[] }) {
  authorize(policy.manageCampaigns(ctx.actor), 'route');
  const at = ctx.clock.now();
  await ctx.db.transaction(async (tx) => {
    // Lock order: the campaigns by id, so two merges over the same campaigns serialise.
    const ids = [ctx.campaignId, ...ctx.absorb].sort();
    await tx.execute(
      sql`select id from campaigns where id = any(${sql.param(ids)}::uuid[]) order by id for update`,
    );
    let keep = await findCampaign(tx, ctx.campaignId);
    if (!keep || keep.status === 'merged') throw new NotFoundError('campaign');
    for (const id of new Set(ctx.absorb)) {
      if (id === keep.id) throw InvalidInputError.field('absorb', 'a campaign cannot absorb itself');
      const absorb = await findCampaign(tx, id);
      if (!absorb || absorb.status === 'merged')
        throw InvalidInputError.field('absorb', `${id} is not a campaign that can be merged`);
      await mergeCampaignRows(
        tx,
        keep.id,
        absorb.id,
        mergedProfile(keep, absorb),
        at,
        DEFAULT_DETECTOR_OPTIONS.minCalls,
      );
      keep = (await findCampaign(tx, keep.id))!;
    }
    await tx
      .update(schema.campaigns)
      .set({
        keptApart: sql`array(select x from unnest(${schema.campaigns.keptApart}) x where x <> all(${sql.param(ctx.absorb)}::uuid[]))`,
      })
      .where(eq(schema.campaigns.id, keep.id));
    await bumpDetectorVersion(tx, at);
    await audit(tx, ctx, {
      action: 'campaign.merged',
      subject: 'campaign',
      subjectId: keep.id,
      details: { absorbed: [...new Set(ctx.absorb)] },
    });
  });
  return getCampaignDetail(ctx);
}

/** Calls a profile is rebuilt from after a split (the newest; a profile keeps the most frequent features anyway). */
const PROFILE_SAMPLE = 5000;

/**
 * An analyst splits calls off a campaign into a new one: the calls move (placed by the analyst, so
 * detection never moves them back), both campaigns' profiles and rollups are rebuilt from their
 * calls, and the two are kept apart: detection never proposes to merge them again.
 */
export async function splitCampaign(
  ctx: CommandContext & {
    campaignId: string;
    input: { callIds: string[]; name: string; category?: string | undefined };
  },
): Promise<TCampaignDetail> {
  authorize(policy.manageCampaigns(ctx.actor), 'route');
  const at = ctx.clock.now();
  const created = await ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select id from campaigns where id = ${ctx.campaignId} for update`);
    const from = await findCampaign(tx, ctx.campaignId);
    if (!from || from.status === 'merged') throw new NotFoundError('campaign');
    const part = await insertCampaign(tx, {
      name: ctx.input.name,
      description: `Split from "${from.name}" by ${ctx.actor.label}.`,
      category: ctx.input.category ?? from.category,
      createdBy: ctx.actor.userId,
      createdAt: at,
      status: from.status === 'legitimate' ? 'legitimate' : 'active',
      origin: 'detected',
      namedByAnalyst: true,
      keptApart: [from.id],
      updatedAt: at,
    });
    const moved = await moveCallsToCampaign(tx, from.id, part.id, [...new Set(ctx.input.callIds)]);
    if (moved === 0) throw InvalidInputError.field('callIds', 'none of these calls belongs to this campaign');
    await rebuildCampaignRollups(tx, [from.id, part.id]);
    for (const c of [from, part]) {
      const calls = await campaignCalls(tx, c.id, { limit: PROFILE_SAMPLE });
      const profile = calls.length
        ? profileOf(
            calls.map((k) => ({
              id: k.id,
              transcript: k.transcript,
              language: k.language,
              startedAt: k.startedAt,
            })),
          )
        : null;
      await tx
        .update(schema.campaigns)
        .set({
          profile,
          ...(c.id === from.id
            ? {
                keptApart: sql`array(select distinct unnest(${schema.campaigns.keptApart} || array[${part.id}::uuid]))`,
              }
            : {}),
          updatedAt: at,
        })
        .where(eq(schema.campaigns.id, c.id));
    }
    await bumpDetectorVersion(tx, at);
    await audit(tx, ctx, {
      action: 'campaign.split',
      subject: 'campaign',
      subjectId: from.id,
      details: { into: part.id, name: part.name, calls: moved },
    });
    return part;
  });
  return getCampaignDetail({ ...ctx, campaignId: created.id });
}

const POLICY_KEY = 'campaigns.auto_open';

export async function autoOpenPolicy(db: Executor): Promise<TAutoOpenPolicy> {
  return ZAutoOpenPolicy.parse((await readSetting<unknown>(db, POLICY_KEY)) ?? {});
}

export async function readAutoOpenPolicy(ctx: CommandContext): Promise<TAutoOpenPolicy> {
  authorize(policy.manageCampaigns(ctx.actor), 'route');
  return autoOpenPolicy(ctx.db);
}

export async function setAutoOpenPolicy(
  ctx: CommandContext & { input: TAutoOpenPolicyInput },
): Promise<TAutoOpenPolicy> {
  authorize(policy.manageCampaigns(ctx.actor), 'route');
  const value = ZAutoOpenPolicy.parse(ctx.input);
  await ctx.db.transaction(async (tx) => {
    await writeSetting(tx, POLICY_KEY, value, ctx.clock.now(), ctx.actor.userId);
    await audit(tx, ctx, {
      action: 'settings.changed',
      subject: 'settings',
      subjectId: POLICY_KEY,
      details: value,
    });
  });
  return value;
}

/**
 * Opens tracebacks for the campaigns ranked highest by volume (policy `topK`), at most one open
 * traceback per campaign, none for a campaign traced in the last `retraceAfterHours` (unless that
 * traceback closed without an origin and the policy says `retraceUnresolved`), and at most
 * `maxPerDay` opened automatically in any 24 hours: for each, the representative call of the last
 * `windowDays`, its first hop the provider that terminated it (the source's carrier). Each says on
 * its timeline why it was opened. `dryRun` lists what would be opened and why the others are
 * skipped, and opens nothing.
 */
export async function autoOpenTracebacks(
  ctx: CommandContext & { dryRun: boolean; policy?: TAutoOpenPolicy | undefined },
): Promise<TAutoOpenResult> {
  authorize(policy.openTraceback(ctx.actor), 'route');
  const p = ctx.policy ?? (await autoOpenPolicy(ctx.db));
  const now = ctx.clock.now();
  const ranked = await rankCampaignRows(ctx.db, {
    statuses: ['active'],
    sort: 'volume',
    now,
    limit: p.topK,
    offset: 0,
  });
  const rows = await campaignRows(
    ctx.db,
    ranked.map((r) => r.id),
  );
  const items: TAutoOpenResult['items'] = [];
  const describe = `top ${p.topK} by volume, calls under ${p.windowDays} days old, every ${p.everyMinutes} min, at most ${p.maxPerDay} a day`;
  const [openedToday, lastOpened] = await Promise.all([
    countAutoOpenedSince(ctx.db, new Date(now.getTime() - 86_400_000)),
    lastTracebackOpenedAt(
      ctx.db,
      ranked.map((r) => r.id),
      new Date(now.getTime() - p.retraceAfterHours * 3_600_000),
      { skipUnresolved: p.retraceUnresolved },
    ),
  ]);
  let budget = p.maxPerDay - openedToday;
  for (const [i, r] of ranked.entries()) {
    const campaign = rows.get(r.id)!;
    const item = {
      campaignId: r.id,
      campaignName: campaign.name,
      rank: i + 1,
      calls24h: r.calls24h,
      calls7d: r.calls7d,
      callId: null as string | null,
      firstProviderId: null as string | null,
      tracebackId: null as string | null,
    };
    const skip = (reason: string) => items.push({ ...item, action: 'skip', reason });
    if (r.calls24h < p.minCalls24h) {
      skip(`${r.calls24h} calls in the last 24 hours, under the policy's ${p.minCalls24h}`);
      continue;
    }
    if (r.openTracebacks > 0) {
      skip('a traceback of this campaign is open already');
      continue;
    }
    const last = lastOpened.get(r.id);
    if (last && p.retraceAfterHours > 0) {
      skip(
        `a traceback of this campaign was opened at ${last.toISOString()}, under the policy's ${p.retraceAfterHours} hours ago`,
      );
      continue;
    }
    if (budget <= 0) {
      skip(`the policy's ${p.maxPerDay} tracebacks in 24 hours are opened already`);
      continue;
    }
    const call = await representativeCallOf(
      ctx.db,
      r.id,
      new Date(now.getTime() - p.windowDays * 86_400_000),
    );
    if (!call) {
      skip(
        `no call of the last ${p.windowDays} days with an exact time and both numbers that is not traced yet`,
      );
      continue;
    }
    const first = await firstHopOfCall(ctx.db, call);
    if (!first.ok) {
      skip(first.reason);
      continue;
    }
    item.callId = call.id;
    item.firstProviderId = first.providerId;
    budget--;
    if (ctx.dryRun) {
      items.push({
        ...item,
        action: 'open',
        reason: `rank ${i + 1}: ${r.calls24h} calls in 24 h, ${r.calls7d} in 7 days`,
      });
      continue;
    }
    const traceback = await openTracebackOfCall(ctx, {
      call,
      firstProviderId: first.providerId,
      campaignId: r.id,
      input: {
        note: `Opened automatically for campaign "${campaign.name}": rank ${i + 1} by volume, ${r.calls24h} calls in the last 24 hours, ${r.calls7d} in 7 days (policy: ${describe}).`,
        openedBecause: {
          kind: 'campaign_rank',
          rank: i + 1,
          calls24h: r.calls24h,
          calls7d: r.calls7d,
          policy: describe,
        },
      },
    });
    items.push({
      ...item,
      tracebackId: traceback.id,
      action: 'open',
      reason: `rank ${i + 1}: ${r.calls24h} calls in 24 h, ${r.calls7d} in 7 days`,
    });
  }
  return { dryRun: ctx.dryRun, items };
}

/** The slot of `everyMinutes` that `at` falls in, named by its start (slots of a day start at midnight UTC). */
/** A call of a campaign to trace: what auto-open and opening from selected calls read of it. */
type TraceableCall = Pick<
  CampaignCallSample,
  'id' | 'startedAt' | 'callingNumber' | 'calledNumber' | 'sourceId' | 'identityHeader'
> & { startedAtPrecision?: string | null };

/** The first hop of a call's traceback: the provider that terminated it (its source's carrier), or why there is none. */
async function firstHopOfCall(
  db: Executor,
  call: TraceableCall,
): Promise<{ ok: true; providerId: string } | { ok: false; reason: string }> {
  if (!call.callingNumber || !call.calledNumber)
    return { ok: false, reason: 'the call record lacks the calling or the called number' };
  if (call.startedAtPrecision && call.startedAtPrecision !== 'second')
    return { ok: false, reason: 'the call record has no exact time (to the second)' };
  const source = await findCallSource(db, call.sourceId);
  if (!source?.terminatingProviderId)
    return {
      ok: false,
      reason: `source "${source?.name ?? call.sourceId}" has no terminating provider: set it to trace its calls`,
    };
  return { ok: true, providerId: source.terminatingProviderId };
}

/** Opens the traceback of one call record, at its first hop, with its Identity header when it has one. */
async function openTracebackOfCall(
  ctx: CommandContext,
  opts: {
    call: TraceableCall;
    firstProviderId: string;
    campaignId: string;
    input: Pick<TTracebackOpen, 'note' | 'openedBecause'>;
    dno?: DnoCheck | undefined;
  },
) {
  const { call } = opts;
  return openTraceback({
    ...ctx,
    dno: opts.dno,
    input: {
      call: {
        startedAt: call.startedAt,
        callingNumber: call.callingNumber!,
        calledNumber: call.calledNumber!,
      },
      firstProviderId: opts.firstProviderId,
      campaignId: opts.campaignId,
      callId: call.id,
      ...(call.identityHeader ? { identityHeader: call.identityHeader } : {}),
      ...opts.input,
    },
  });
}

/** At most this many calls are opened in one request (each is its own traceback and transaction). */
export const MAX_CALLS_TO_OPEN = 100;

/**
 * One traceback for each selected call of a campaign, its first hop the provider that terminated the call,
 * as auto-open does. A call that already has a traceback is reported with it (asking twice opens nothing
 * twice); a call of another campaign, unknown, or that cannot be traced is refused with the reason, without
 * stopping the others.
 */
export async function openTracebacksOfCalls(
  ctx: CommandContext & {
    campaignId: string;
    callIds: string[];
    note?: string | undefined;
    dno?: DnoCheck | undefined;
  },
): Promise<TOpenCallsResult> {
  authorize(policy.openTraceback(ctx.actor), 'route');
  const campaign = await findCampaign(ctx.db, ctx.campaignId);
  if (!campaign) throw new NotFoundError('campaign');
  const ids = [...new Set(ctx.callIds)];
  const traced = await tracebacksOfCalls(ctx.db, campaign.id, ids);
  const items: TOpenCallsResult['items'] = [];
  for (const callId of ids) {
    const existing = traced.get(callId);
    if (existing) {
      items.push({
        callId,
        status: 'existing',
        tracebackId: existing,
        reason: 'this call already has a traceback',
      });
      continue;
    }
    const call = await findCall(ctx.db, callId);
    if (!call || call.campaignId !== campaign.id) {
      items.push({ callId, status: 'refused', tracebackId: null, reason: 'not a call of this campaign' });
      continue;
    }
    const first = await firstHopOfCall(ctx.db, call);
    if (!first.ok) {
      items.push({ callId, status: 'refused', tracebackId: null, reason: first.reason });
      continue;
    }
    try {
      const tb = await openTracebackOfCall(ctx, {
        call,
        firstProviderId: first.providerId,
        campaignId: campaign.id,
        dno: ctx.dno,
        input: {
          note: ctx.note ?? `Opened from the calls of campaign "${campaign.name}".`,
        },
      });
      items.push({ callId, status: 'opened', tracebackId: tb.id });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      items.push({ callId, status: 'refused', tracebackId: null, reason: err.message });
    }
  }
  const count = (s: string) => items.filter((i) => i.status === s).length;
  return { opened: count('opened'), existing: count('existing'), refused: count('refused'), items };
}

export function autoOpenSlot(at: Date, everyMinutes: number): string {
  const ms = everyMinutes * 60_000;
  const day = Math.floor(at.getTime() / 86_400_000) * 86_400_000;
  return new Date(day + Math.floor((at.getTime() - day) / ms) * ms).toISOString();
}

/**
 * The worker's scheduled run (the job ticks every minute): once per `everyMinutes` slot while the
 * policy is enabled, claimed by one worker. Null when there was nothing to run: the policy is off,
 * or this slot was run already (here or by another worker).
 */
export async function autoOpenScheduled(ctx: CommandContext & { db: Db }): Promise<TAutoOpenResult | null> {
  const p = await autoOpenPolicy(ctx.db);
  if (!p.enabled) return null;
  const now = ctx.clock.now();
  // Several workers: one of them runs each slot.
  if (!(await claimScheduledRun(ctx.db, 'campaigns.auto_open_last', autoOpenSlot(now, p.everyMinutes), now)))
    return null;
  return autoOpenTracebacks({ ...ctx, dryRun: false, policy: p });
}

/** How many tracebacks a run opened. */
export const openedBy = (result: TAutoOpenResult | null): number =>
  result?.items.filter((i) => i.action === 'open' && i.tracebackId).length ?? 0;
