import {
  ATTENTION_HOURS,
  DUE_SOON_HOURS,
  RECENT_NON_RESPONSIVE_DAYS,
  OUTCOMES,
  type TApiKey,
  type TDashboard,
  type TProviderNames,
  type TResponseTimes,
  type TUserListItem,
  type TUserListQuery,
} from '@hoptrace/contracts';
import {
  campaignsByOpenTracebacks,
  countNonResponsiveSince,
  countOpenTracebacks,
  countPendingByDeadline,
  findProvider,
  findProviders,
  findUser,
  listApiKeysOfUser,
  listUsersWithProvider,
  outcomesSince,
  pendingHopsDueBy,
  providerResponseHistory,
  recentNonResponsiveHops,
  timeToClose,
  topOriginProviders,
  topUnansweredProviders,
  tracebacksClosedPerWeek,
  tracebacksOpenedPerWeek,
  type Page,
  type WeekCount,
} from '@hoptrace/db';
import { HOUR_MS } from '../clock/clock';
import type { CommandContext } from '../context';
import { NotFoundError } from '../errors';
import { policy } from '../policies';

/** Reads behind the web portal. Each checks access first; refusals are the same 404 as a missing thing. */

const WEEK_MS = 7 * 24 * HOUR_MS;
const TOP = 5;
const ATTENTION = 10;
const REPEAT = 10;

/** Monday 00:00 UTC of the week holding `at`. */
export function weekStart(at: Date): Date {
  const d = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const sinceMonday = (d.getUTCDay() + 6) % 7;
  return new Date(d.getTime() - sinceMonday * 24 * HOUR_MS);
}

/** The Mondays of the last `weeks` weeks, oldest first, ending with the current week. */
export function weekStarts(now: Date, weeks: number): Date[] {
  const current = weekStart(now).getTime();
  return Array.from({ length: weeks }, (_, i) => new Date(current - (weeks - 1 - i) * WEEK_MS));
}

const byWeek = (rows: WeekCount[]) => new Map(rows.map((r) => [Math.round(r.week * 1000), r.count]));
const round1 = (h: number | null) => (h === null ? null : Math.round(h * 10) / 10);

export async function getDashboard(ctx: CommandContext & { query: { weeks: number } }): Promise<TDashboard> {
  const { actor, db, clock } = ctx;
  if (!policy.readStatistics(actor)) throw new NotFoundError('route');
  const now = clock.now();
  const weeks = weekStarts(now, ctx.query.weeks);
  const from = weeks[0] ?? weekStart(now);
  const soon = new Date(now.getTime() + DUE_SOON_HOURS * HOUR_MS);
  const attentionBy = new Date(now.getTime() + ATTENTION_HOURS * HOUR_MS);
  const dayAgo = new Date(now.getTime() - 24 * HOUR_MS);
  const recentFrom = new Date(now.getTime() - RECENT_NON_RESPONSIVE_DAYS * 24 * HOUR_MS);
  const [
    open,
    pending,
    attention,
    opened,
    closed,
    ttc,
    outcomes,
    origins,
    unanswered,
    went24h,
    recent,
    campaignsOpen,
  ] = await Promise.all([
    countOpenTracebacks(db),
    countPendingByDeadline(db, now, soon),
    pendingHopsDueBy(db, attentionBy, ATTENTION),
    tracebacksOpenedPerWeek(db, weeks),
    tracebacksClosedPerWeek(db, weeks),
    timeToClose(db, from),
    outcomesSince(db, from),
    topOriginProviders(db, from, TOP),
    topUnansweredProviders(db, from, now, REPEAT),
    countNonResponsiveSince(db, dayAgo),
    recentNonResponsiveHops(db, recentFrom, ATTENTION),
    campaignsByOpenTracebacks(db, TOP),
  ]);
  const openedBy = byWeek(opened);
  const closedBy = byWeek(closed);
  const outcomeCount = new Map(outcomes.map((o) => [o.outcome, o.count]));
  return {
    generatedAt: now.toISOString(),
    weeks: weeks.length,
    openTracebacks: open,
    hopsOverdue: pending.overdue,
    hopsDueSoon: pending.dueSoon,
    attention: attention.map((a) => ({ ...a, dueAt: a.dueAt.toISOString() })),
    perWeek: weeks.map((w) => ({
      weekStart: w.toISOString(),
      opened: openedBy.get(w.getTime()) ?? 0,
      closed: closedBy.get(w.getTime()) ?? 0,
    })),
    timeToClose: { closed: ttc.n, medianHours: round1(ttc.medianHours), p90Hours: round1(ttc.p90Hours) },
    outcomes: OUTCOMES.map((outcome) => ({ outcome, count: outcomeCount.get(outcome) ?? 0 })),
    topOrigins: origins,
    topNonResponsive: unanswered.slice(0, TOP),
    wentNonResponsive24h: went24h,
    recentNonResponsive: recent.map((a) => ({ ...a, dueAt: a.dueAt.toISOString() })),
    repeatNonResponders: unanswered.filter((u) => u.count >= 2),
    campaignsByOpen: campaignsOpen,
  };
}

export async function getProviderResponseTimes(
  ctx: CommandContext & { providerId: string; query: { weeks: number } },
): Promise<TResponseTimes> {
  const { actor, db, clock, providerId } = ctx;
  if (!policy.readProviderHistory(actor, providerId)) throw new NotFoundError('provider');
  if (!(await findProvider(db, providerId))) throw new NotFoundError('provider');
  const now = clock.now();
  const weeks = weekStarts(now, ctx.query.weeks);
  const from = weeks[0] ?? weekStart(now);
  const history = await providerResponseHistory(db, providerId, from, now);
  const shape = (r: typeof history.total) => ({
    requested: r.requested,
    answered: r.answered,
    late: r.late,
    unanswered: r.unanswered,
    medianHours: round1(r.medianHours),
    p90Hours: round1(r.p90Hours),
  });
  const perWeek = new Map(history.perWeek.map((r) => [Math.round(r.week * 1000), r]));
  const empty = {
    requested: 0,
    answered: 0,
    late: 0,
    unanswered: 0,
    n: 0,
    medianHours: null,
    p90Hours: null,
  };
  return {
    providerId,
    weeks: weeks.length,
    summary: shape(history.total),
    perWeek: weeks.map((w) => ({ weekStart: w.toISOString(), ...shape(perWeek.get(w.getTime()) ?? empty) })),
  };
}

export async function getProviderNames(ctx: CommandContext & { ids: string[] }): Promise<TProviderNames> {
  if (!policy.searchDirectory(ctx.actor)) return { items: [] };
  const rows = await findProviders(ctx.db, ctx.ids);
  return { items: rows.map((p) => ({ id: p.id, name: p.name })) };
}

export async function listUsers(
  ctx: CommandContext & { query: TUserListQuery },
): Promise<Page<TUserListItem>> {
  if (!policy.manageUsers(ctx.actor)) throw new NotFoundError('route');
  const page = await listUsersWithProvider(ctx.db, ctx.query, ctx.query);
  return {
    nextCursor: page.nextCursor,
    items: page.items.map((u) => ({
      id: u.id,
      email: u.email,
      name: u.name,
      role: u.role,
      providerId: u.providerId,
      providerName: u.providerName,
      agencyId: u.agencyId,
      agency: u.agencyName,
      disabled: u.disabledAt !== null,
      twoFactor: u.twoFactor,
      createdAt: u.createdAt.toISOString(),
    })),
  };
}

export async function listApiKeys(ctx: CommandContext & { userId: string }): Promise<TApiKey[]> {
  if (!policy.readApiKeys(ctx.actor, ctx.userId)) throw new NotFoundError('user');
  if (!(await findUser(ctx.db, ctx.userId))) throw new NotFoundError('user');
  const rows = await listApiKeysOfUser(ctx.db, ctx.userId);
  return rows.map((k) => ({
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    createdAt: k.createdAt.toISOString(),
    revokedAt: k.revokedAt ? k.revokedAt.toISOString() : null,
  }));
}
