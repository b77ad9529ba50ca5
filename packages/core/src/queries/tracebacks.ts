import type { Actor } from '../actor';
import type { TEvent, THop, TTraceback, TTracebackListItem, TTracebackListQuery } from '@hoptrace/contracts';
import {
  appendEvents,
  attachmentsOfHops,
  countRmdImports,
  rmdFilingsOfProviders,
  findProviders,
  findTraceback,
  hopsOf,
  hopsOfMany,
  hopViews,
  listEvents,
  listHops as listHopRows,
  listTracebacks as listTracebackRows,
  unsafeFindOriginOfHop,
  type AttachmentMeta,
  type HopRow,
  type HopViewRow,
  type OriginRow,
  type Page,
} from '@hoptrace/db';
import type { CommandContext } from '../context';
import { presentAttachment } from '../commands/attachments';
import { referredToActor } from '../commands/referrals';
import { NotFoundError } from '../errors';
import { policy } from '../policies';
import { decideAnswer, MAIN_LINE, SIGNER_LINE } from '../workflow';
import { presentAnswer, presentEntryPoint, presentTraceback, tracebackPermissions } from './present';
import { hopRmdAt } from './rmd';
import { lettersAtCall } from '../commands/letters';
import { presentTracebackShaken, signerRequestsOf } from '../shaken/queries';
import { presentReceived } from '../shaken/received';

async function namesOf(ctx: CommandContext, ids: string[]): Promise<Map<string, string>> {
  const rows = await findProviders(ctx.db, [...new Set(ids)]);
  return new Map(rows.map((p) => [p.id, p.name]));
}

export async function getTraceback(ctx: CommandContext & { tracebackId: string }): Promise<TTraceback> {
  const { actor, db, clock } = ctx;
  // An enforcement user reads a traceback referred to its agency; staff read all; anyone else: not found.
  const referred = await referredToActor(db, actor, ctx.tracebackId);
  if (!policy.readTraceback(actor, referred)) throw new NotFoundError('traceback');
  const t = await findTraceback(db, ctx.tracebackId);
  if (!t) throw new NotFoundError('traceback');
  const hops = await hopsOf(db, t.id);
  const names = await namesOf(
    ctx,
    hops.map((h) => h.providerId),
  );
  let origin: OriginRow | undefined;
  let signerOrigin: OriginRow | undefined;
  if (policy.readOrigin(actor, referred)) {
    // The traceback's origin (its outcome) comes from the path only; the signer's own origin answer on
    // its line is the signer's claim, presented apart (a traceback can hold both).
    const latestOriginOn = (line: string) =>
      hops
        .filter((h) => h.line === line && h.answerKind === 'origin')
        .sort((a, b) => (a.answeredAt?.getTime() ?? 0) - (b.answeredAt?.getTime() ?? 0))
        .pop();
    const pathHop = latestOriginOn(MAIN_LINE);
    const signerHop = latestOriginOn(SIGNER_LINE);
    origin = pathHop ? await unsafeFindOriginOfHop(db, pathHop.id) : undefined;
    signerOrigin = signerHop ? await unsafeFindOriginOfHop(db, signerHop.id) : undefined;
    // Every read of customer data (CPNI) is recorded in the timeline: one event per read, naming each
    // hop whose customer it showed (the path's origin and the signer's own answer are one view).
    const read = [origin, signerOrigin].filter((o) => o !== undefined);
    if (read.length)
      await appendEvents(db, [
        {
          tracebackId: t.id,
          hopId: read[0]!.hopId,
          at: clock.now(),
          actorUserId: actor.userId,
          actor: actor.label,
          type: 'origin.viewed',
          data: read.length > 1 ? { hops: read.map((o) => o.hopId) } : {},
        },
      ]);
  }
  const attachments = await attachmentsOfHops(
    db,
    hops.map((h) => h.id),
  );
  const shaken = await presentTracebackShaken(db, actor, t, hops, referred);
  const view = {
    ...presentTraceback(actor, t, hops, names, origin, attachments, signerOrigin),
    ...(shaken ? { shaken } : {}),
    evidence: { can: { build: policy.evidencePackage(actor, referred) } },
  };
  // Cease-and-desist letters to a hop's provider dated on or before the call are a red flag on the hop.
  const letters = await lettersAtCall(
    db,
    hops.map((h) => h.providerId),
    t.callStartedAt,
  );
  // What each provider received with the call (STIR/SHAKEN along the path), where it said.
  const received = await presentReceived(db, t.id, hops);
  const flagged = {
    ...view,
    hops: view.hops.map((h) => {
      const r = received.get(h.id);
      return { ...h, letters: letters.get(h.providerId) ?? [], ...(r ? { received: r } : {}) };
    }),
  };
  // Without an RMD import there is nothing to say about a hop's provider; with one, say it per hop.
  if ((await countRmdImports(db)) === 0) return flagged;
  const rmd = await rmdFilingsOfProviders(
    db,
    hops.map((h) => h.providerId),
  );
  return {
    ...flagged,
    hops: flagged.hops.map((h) => ({ ...h, rmd: hopRmdAt(rmd.get(h.providerId), t.callStartedAt) })),
  };
}

export async function listTracebacks(
  ctx: CommandContext & { query: TTracebackListQuery },
): Promise<Page<TTracebackListItem>> {
  const { actor, db, query } = ctx;
  const now = ctx.clock.now();
  // Staff list every traceback; an enforcement user those live-referred to its agency (filtered in SQL).
  const referredOnly = actor.role === 'enforcement' && actor.userId && !actor.hopScope;
  if (!policy.readAnyTraceback(actor) && !referredOnly) return { items: [], nextCursor: null };
  const page = await listTracebackRows(
    db,
    referredOnly ? { ...query, referredToUserId: actor.userId ?? undefined } : query,
    query,
  );
  const hops = await hopsOfMany(
    db,
    page.items.map((t) => t.id),
  );
  return {
    nextCursor: page.nextCursor,
    items: page.items.map((t) => {
      const own = hops.filter((h) => h.tracebackId === t.id);
      const path = own.filter((h) => h.line === 'path');
      const pending = path.find((h) => h.status === 'pending');
      const current = pending ?? path[path.length - 1];
      return {
        id: t.id,
        kind: t.kind,
        status: t.status,
        outcome: t.outcome,
        flags: t.flags,
        urgent: t.urgentHours !== null,
        call: {
          startedAt: t.callStartedAt.toISOString(),
          callingNumber: t.callingNumber,
          calledNumber: t.calledNumber,
        },
        campaignId: t.campaignId,
        firstProviderId: t.firstProviderId,
        entryPointProviderId: presentEntryPoint(t, own),
        note: t.note,
        openedAt: t.openedAt.toISOString(),
        closedAt: t.closedAt ? t.closedAt.toISOString() : null,
        hopCount: path.filter((h) => h.status !== 'withdrawn').length,
        currentProviderId: current?.providerId ?? null,
        dueAt: pending ? pending.dueAt.toISOString() : null,
        overdue: pending ? pending.dueAt.getTime() <= now.getTime() : false,
        can: tracebackPermissions(actor, t, own),
      };
    }),
  };
}

export async function getTimeline(ctx: CommandContext & { tracebackId: string }): Promise<TEvent[]> {
  const referred = await referredToActor(ctx.db, ctx.actor, ctx.tracebackId);
  if (!policy.readTraceback(ctx.actor, referred)) throw new NotFoundError('traceback');
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

/** Whether a hop's status leaves it open to an answer (its siblings are needed to decide). */
const waiting = (h: HopRow) => h.status === 'pending' || h.status === 'non_responsive';

/**
 * A hop as its provider sees it: the call, the campaign, who named it; nothing else of the path.
 * `siblings` are the traceback's hops (needed only while the hop waits for an answer).
 */
function presentHop(
  ctx: CommandContext,
  view: HopViewRow,
  siblings: HopRow[],
  attachments: AttachmentMeta[] | undefined,
): THop {
  const { actor, clock } = ctx;
  const { hop, traceback: t, campaign, namedBy } = view;
  // Only the action taken is read here. Customer details (CPNI) leave the core only through getTraceback,
  // for staff, where each read is recorded; a hop view (lists, answer replies) would hand them out unrecorded.
  const origin = hop.answerKind === 'origin' && view.originAction ? { action: view.originAction } : undefined;
  const answerable =
    policy.answerHop(actor, hop) &&
    waiting(hop) &&
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
    answer: presentAnswer(hop, origin as OriginRow | undefined),
    call: {
      startedAt: t.callStartedAt.toISOString(),
      callingNumber: t.callingNumber,
      calledNumber: t.calledNumber,
    },
    campaign: campaign
      ? { name: campaign.name, description: campaign.description, category: campaign.category }
      : null,
    namedBy,
    ...(attachments ? { attachments: attachments.map(presentAttachment) } : {}),
    ...(t.kind === 'forward'
      ? { forward: { number: t.callingNumber, lastHeardAt: t.callStartedAt.toISOString() } }
      : {}),
    ...(t.urgentHours !== null ? { urgent: true } : {}),
    can: {
      answer: answerable,
      attach:
        policy.attachToHop(actor, hop) &&
        t.status === 'open' &&
        ['pending', 'non_responsive', 'answered'].includes(hop.status),
    },
  };
}

/**
 * Hop views for a list of hop ids the caller may read: one query for the hops with their
 * traceback, campaign, naming hop and attachments, one for the siblings of waiting hops.
 */
async function presentHops(ctx: CommandContext, ids: string[]): Promise<THop[]> {
  const hops = await presentHopsAs(
    ctx,
    ids.map((hopId) => ({ actor: ctx.actor, hopId })),
  );
  return hops.filter((h): h is THop => h !== undefined);
}

/**
 * `getHop` for several readers at once (the replies to a batch of answers): the same
 * queries as one page of hops, each hop presented to its own reader. Undefined where
 * the reader may not see the hop or it does not exist.
 */
export async function presentHopsAs(
  ctx: Omit<CommandContext, 'actor'>,
  asks: Array<{ actor: Actor; hopId: string }>,
): Promise<Array<THop | undefined>> {
  const views = await hopViews(ctx.db, [...new Set(asks.map((a) => a.hopId))]);
  const byId = new Map(views.map((v) => [v.hop.id, v]));
  const found = asks.flatMap(({ actor, hopId }) => {
    const view = byId.get(hopId);
    return view ? [{ actor, view }] : [];
  });
  const presented = await presentViewsAs(ctx, found);
  let next = 0;
  return asks.map(({ hopId }) => (byId.has(hopId) ? presented[next++] : undefined));
}

/**
 * Hop views already read, each presented to its own reader (undefined where the reader may
 * not see it): one read for the siblings of waiting hops and one for signer claims, if any.
 */
export async function presentViewsAs(
  ctx: Omit<CommandContext, 'actor'>,
  entries: Array<{ actor: Actor; view: HopViewRow }>,
): Promise<Array<THop | undefined>> {
  const { db } = ctx;
  const open = [...new Set(entries.filter((e) => waiting(e.view.hop)).map((e) => e.view.traceback.id))];
  const siblings = await hopsOfMany(db, open);
  const signerClaims = await signerRequestsOf(
    db,
    entries.map((e) => e.view.hop),
  );
  return entries.map(({ actor, view: v }) => {
    if (!policy.readHop(actor, v.hop)) return undefined;
    return {
      ...presentHop(
        { ...ctx, actor },
        v,
        waiting(v.hop) ? siblings.filter((h) => h.tracebackId === v.traceback.id) : [],
        policy.readAttachments(actor, v.hop) ? v.attachments : undefined,
      ),
      ...signerClaims.get(v.hop.id),
    };
  });
}

/** A hop as its provider sees it: the call, the campaign, who named it; nothing else of the path. */
export async function getHop(ctx: CommandContext & { hopId: string }): Promise<THop> {
  const [hop] = await presentHops(ctx, [ctx.hopId]);
  if (!hop) throw new NotFoundError('hop');
  return hop;
}

export async function listHops(
  ctx: CommandContext & {
    query: { status?: THop['status'] | undefined; limit: number; cursor?: string | undefined };
  },
): Promise<Page<THop>> {
  const { actor, query } = ctx;
  const staff = policy.readAnyTraceback(actor);
  if (!staff && !policy.listOwnHops(actor)) return { items: [], nextCursor: null };
  const providerId = staff ? undefined : (actor.providerId ?? undefined);
  const page = await listHopRows(ctx.db, { providerId, status: query.status }, query);
  const items = await presentHops(
    ctx,
    page.items.map((h) => h.id),
  );
  return { items, nextCursor: page.nextCursor };
}
