import type { TEvent, THop, TTraceback, TTracebackListItem, TTracebackListQuery } from '@hoptrace/contracts';
import {
  appendEvents,
  countRmdImports,
  rmdFilingsOfProviders,
  findCampaign,
  findHop,
  findProviders,
  findTraceback,
  hopsOf,
  hopsOfMany,
  listEvents,
  listHops as listHopRows,
  listTracebacks as listTracebackRows,
  unsafeFindOriginOfHop,
  unsafeFindOriginOfTraceback,
  type Page,
} from '@hoptrace/db';
import type { CommandContext } from '../context';
import { NotFoundError } from '../errors';
import { policy } from '../policies';
import { decideAnswer } from '../workflow';
import { presentAnswer, presentTraceback, tracebackPermissions } from './present';
import { hopRmdAt } from './rmd';

async function namesOf(ctx: CommandContext, ids: string[]): Promise<Map<string, string>> {
  const rows = await findProviders(ctx.db, [...new Set(ids)]);
  return new Map(rows.map((p) => [p.id, p.name]));
}

export async function getTraceback(ctx: CommandContext & { tracebackId: string }): Promise<TTraceback> {
  const { actor, db, clock } = ctx;
  if (!policy.readTraceback(actor)) throw new NotFoundError('traceback');
  const t = await findTraceback(db, ctx.tracebackId);
  if (!t) throw new NotFoundError('traceback');
  const hops = await hopsOf(db, t.id);
  const names = await namesOf(
    ctx,
    hops.map((h) => h.providerId),
  );
  let origin;
  if (policy.readOrigin(actor)) {
    origin = await unsafeFindOriginOfTraceback(db, t.id);
    // Every read of customer data (CPNI) is recorded in the timeline.
    if (origin)
      await appendEvents(db, [
        {
          tracebackId: t.id,
          hopId: origin.hopId,
          at: clock.now(),
          actorUserId: actor.userId,
          actor: actor.label,
          type: 'origin.viewed',
          data: {},
        },
      ]);
  }
  const view = presentTraceback(actor, t, hops, names, origin);
  // Without an RMD import there is nothing to say about a hop's provider; with one, say it per hop.
  if ((await countRmdImports(db)) === 0) return view;
  const rmd = await rmdFilingsOfProviders(
    db,
    hops.map((h) => h.providerId),
  );
  return {
    ...view,
    hops: view.hops.map((h) => ({ ...h, rmd: hopRmdAt(rmd.get(h.providerId), t.callStartedAt) })),
  };
}

export async function listTracebacks(
  ctx: CommandContext & { query: TTracebackListQuery },
): Promise<Page<TTracebackListItem>> {
  const { actor, db, query } = ctx;
  if (!policy.readTraceback(actor)) return { items: [], nextCursor: null };
  const page = await listTracebackRows(db, query, query);
  const hops = await hopsOfMany(
    db,
    page.items.map((t) => t.id),
  );
  return {
    nextCursor: page.nextCursor,
    items: page.items.map((t) => {
      const own = hops.filter((h) => h.tracebackId === t.id);
      const path = own.filter((h) => h.line === 'path');
      const current = path.find((h) => h.status === 'pending') ?? path[path.length - 1];
      return {
        id: t.id,
        status: t.status,
        outcome: t.outcome,
        flags: t.flags,
        call: {
          startedAt: t.callStartedAt.toISOString(),
          callingNumber: t.callingNumber,
          calledNumber: t.calledNumber,
        },
        campaignId: t.campaignId,
        firstProviderId: t.firstProviderId,
        note: t.note,
        openedAt: t.openedAt.toISOString(),
        closedAt: t.closedAt ? t.closedAt.toISOString() : null,
        hopCount: path.filter((h) => h.status !== 'withdrawn').length,
        currentProviderId: current?.providerId ?? null,
        can: tracebackPermissions(actor, t, own),
      };
    }),
  };
}

export async function getTimeline(ctx: CommandContext & { tracebackId: string }): Promise<TEvent[]> {
  if (!policy.readTraceback(ctx.actor)) throw new NotFoundError('traceback');
  if (!(await findTraceback(ctx.db, ctx.tracebackId))) throw new NotFoundError('traceback');
  const rows = await listEvents(ctx.db, ctx.tracebackId);
  return rows.map((e) => ({
    id: e.id,
    at: e.at.toISOString(),
    type: e.type,
    actor: e.actor,
    hopId: e.hopId,
    data: e.data,
  }));
}

/** A hop as its provider sees it: the call, the campaign, who named it; nothing else of the path. */
export async function getHop(ctx: CommandContext & { hopId: string }): Promise<THop> {
  const { actor, db, clock } = ctx;
  const hop = await findHop(db, ctx.hopId);
  if (!hop || !policy.readHop(actor, hop)) throw new NotFoundError('hop');
  const t = await findTraceback(db, hop.tracebackId);
  if (!t) throw new NotFoundError('hop');
  const campaign = t.campaignId ? await findCampaign(db, t.campaignId) : undefined;
  const namedByHop = hop.namedByHopId ? await findHop(db, hop.namedByHopId) : undefined;
  const names = await namesOf(ctx, namedByHop ? [namedByHop.providerId] : []);
  // Only the action taken is read here. Customer details (CPNI) leave the core only through getTraceback,
  // for staff, where each read is recorded; a hop view (lists, answer replies) would hand them out unrecorded.
  const origin = hop.answerKind === 'origin' ? await unsafeFindOriginOfHop(db, hop.id) : undefined;
  const siblings = hop.status === 'pending' || hop.status === 'non_responsive' ? await hopsOf(db, t.id) : [];
  const answerable =
    policy.answerHop(actor, hop) &&
    (hop.status === 'pending' || hop.status === 'non_responsive') &&
    decideAnswer({ traceback: t, hop, hops: siblings, answer: { kind: 'not_found' }, now: clock.now() }).ok;
  return {
    id: hop.id,
    tracebackId: t.id,
    seq: hop.seq,
    line: hop.line,
    providerId: hop.providerId,
    status: hop.status,
    requestedAt: hop.requestedAt.toISOString(),
    receivedAt: hop.receivedAt.toISOString(),
    dueAt: hop.dueAt.toISOString(),
    answeredAt: hop.answeredAt ? hop.answeredAt.toISOString() : null,
    answeredVia: (hop.answeredVia as THop['answeredVia']) ?? null,
    late: hop.late,
    answer: presentAnswer(hop, origin),
    call: {
      startedAt: t.callStartedAt.toISOString(),
      callingNumber: t.callingNumber,
      calledNumber: t.calledNumber,
    },
    campaign: campaign
      ? { name: campaign.name, description: campaign.description, category: campaign.category }
      : null,
    namedBy: namedByHop
      ? { providerId: namedByHop.providerId, providerName: names.get(namedByHop.providerId) ?? '' }
      : null,
    can: { answer: answerable },
  };
}

export async function listHops(
  ctx: CommandContext & {
    query: { status?: THop['status'] | undefined; limit: number; cursor?: string | undefined };
  },
): Promise<Page<THop>> {
  const { actor, query } = ctx;
  const staff = policy.readTraceback(actor);
  if (!staff && !policy.listOwnHops(actor)) return { items: [], nextCursor: null };
  const providerId = staff ? undefined : (actor.providerId ?? undefined);
  const page = await listHopRows(ctx.db, { providerId, status: query.status }, query);
  const items: THop[] = [];
  for (const row of page.items) items.push(await getHop({ ...ctx, hopId: row.id }));
  return { items, nextCursor: page.nextCursor };
}
