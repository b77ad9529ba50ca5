import type { THop, THopAnswer } from '@hoptrace/contracts';
import {
  appendEvents,
  batchTransaction,
  discardWritesSince,
  hopViews,
  primeEndpoints,
  providersWithEndpoints,
  insertOrigin,
  insertProvider,
  lockTracebacksOfHops,
  patchHop,
  patchTraceback,
  writesMark,
  type EventInsert,
  type HopViewRow,
  type HopRow,
  type ProviderRow,
  type TracebackRow,
  type Tx,
} from '@hoptrace/db';
import type { Actor } from '../actor';
import { observeCommitted, type CommandContext } from '../context';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { policy } from '../policies';
import { noticeHopClosed } from '../notify/notices';
import { noteShakenAnswer } from '../shaken/consistency';
import { raiseReceivedPathFlags, verifyReceivedAnswers, type ReceivedColumns } from '../shaken/received';
import { decideAnswer } from '../workflow';
import { GroupCommit, type GroupCommitOptions, type ItemOutcome } from '../groupCommit';
import { presentHopsAs, presentViewsAs } from '../queries/tracebacks';
import { closeTraceback } from './closeTraceback';
import { requestHop } from './requestHop';

/** The directory's default country is the US; a provider without one counts as domestic. */
const isUs = (country: string | null | undefined) => (country ?? 'US').toUpperCase() === 'US';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AnswerResult {
  hop: HopRow;
  traceback: TracebackRow;
  nextHop: HopRow | null;
}

/** One answer of a batch: who answers which hop, and what. */
export interface AnswerItem {
  actor: Actor;
  hopId: string;
  input: THopAnswer;
}

/** What became of one answer of a batch: its result, or the error it alone met. */
export type AnswerOutcome =
  { ok: true; result: AnswerResult; view?: HopViewRow | undefined } | { ok: false; error: unknown };

/** A provider says who handed it the call (upstream), that it originated it (origin), or that it has no record. */
export async function answerHop(
  ctx: CommandContext & { hopId: string; input: THopAnswer },
): Promise<AnswerResult> {
  const [outcome] = await answerHops({
    ...ctx,
    items: [{ actor: ctx.actor, hopId: ctx.hopId, input: ctx.input }],
  });
  if (!outcome!.ok) throw outcome!.error;
  return outcome!.result;
}

/**
 * Several answers in one transaction (group commit): the server gathers the
 * answers that arrive together and sends them here. Each answer is decided and
 * checked on its own, as `answerHop` would, and one that is refused (unknown
 * hop, already answered, …) leaves the others alone. The reads are shared (one
 * lock statement for every traceback, one read of their hops, of the named
 * upstreams and of the webhook endpoints) and the writes of all the answers go
 * out as one statement, so a batch costs the same two round trips as one
 * answer. If the batch's write fails, every answer is retried on its own, so a
 * fault in one answer cannot fail another.
 */
export async function answerHops(
  ctx: Omit<CommandContext, 'actor'> & { items: AnswerItem[] },
): Promise<AnswerOutcome[]> {
  if (ctx.items.length === 0) return [];
  // Headers the providers received are verified before the transaction (certificates may be fetched).
  const received = await verifyReceivedAnswers(ctx.db, ctx.settings, ctx.items, (id) => UUID.test(id));
  return answerVerified(ctx, received);
}

async function answerVerified(
  ctx: Omit<CommandContext, 'actor'> & { items: AnswerItem[] },
  received: Map<AnswerItem, ReceivedColumns>,
): Promise<AnswerOutcome[]> {
  const { db, items } = ctx;
  const namedIds = [
    ...new Set(
      items.flatMap((i) =>
        i.input.kind === 'upstream' && i.input.upstreamProviderId && UUID.test(i.input.upstreamProviderId)
          ? [i.input.upstreamProviderId]
          : [],
      ),
    ),
  ];
  // A hop id that is not a UUID names no hop (its answer gets NotFound), and must not reach SQL.
  const hopIds = [...new Set(items.map((i) => i.hopId).filter((id) => UUID.test(id)))];
  try {
    // Two round trips on PostgreSQL (batchTransaction): BEGIN leaves with the lock and the reads,
    // the held writes with COMMIT.
    const committed: EventInsert[] = [];
    const done = await batchTransaction(db, async (tx) => {
      // Issued together, in this order: the lock of the tracebacks with their hops, then what needs
      // no lock — the directory rows of the providers concerned with their webhook endpoints, and
      // the hop views the replies are made of.
      const [{ tracebackOf, hopsOf: hopsByTraceback }, directory, views] = await Promise.all([
        lockTracebacksOfHops(tx, hopIds),
        providersWithEndpoints(tx, hopIds, namedIds),
        hopViews(tx, hopIds),
      ]);
      const tracebacks = new Map([...tracebackOf.values()].map((t) => [t.id, t]));
      const named = directory.providers;
      primeEndpoints(tx, directory.endpoints);
      const viewOf = new Map(views.map((v) => [v.hop.id, v]));
      const outcomes: AnswerOutcome[] = [];
      for (const item of items) {
        const mark = writesMark(tx);
        const traceback = tracebackOf.get(item.hopId);
        try {
          if (!traceback) throw new NotFoundError('hop');
          // Answers to one traceback in one batch see each other, in order.
          const current = tracebacks.get(traceback.id)!;
          const hops = hopsByTraceback.get(current.id) ?? [];
          const result = await answerWithin(tx, ctx, item, current, hops, named, received.get(item));
          tracebacks.set(current.id, result.traceback);
          committed.push(...result.events);
          hopsByTraceback.set(current.id, [
            ...hops.map((h) => (h.id === result.hop.id ? result.hop : (result.closed.get(h.id) ?? h))),
            ...(result.nextHop ? [result.nextHop] : []),
          ]);
          const view = viewOf.get(result.hop.id);
          outcomes.push({
            ok: true,
            result: { hop: result.hop, traceback: result.traceback, nextHop: result.nextHop },
            // The reply: the view read before, with the hop and traceback as this answer left them.
            view: view && {
              ...view,
              hop: result.hop,
              traceback: result.traceback,
              originAction: item.input.kind === 'origin' ? item.input.action : view.originAction,
            },
          });
        } catch (error) {
          discardWritesSince(tx, mark);
          outcomes.push({ ok: false, error });
        }
      }
      return outcomes;
    });
    observeCommitted(ctx.settings, committed);
    return done;
  } catch (error) {
    if (items.length === 1) throw error;
    // The shared write failed: no answer of the batch was stored. Each on its own finds its own fault.
    const outcomes: AnswerOutcome[] = [];
    for (const item of items) {
      try {
        const [one] = await answerVerified({ ...ctx, items: [item] }, received);
        outcomes.push(one!);
      } catch (err) {
        outcomes.push({ ok: false, error: err });
      }
    }
    return outcomes;
  }
}

/** One answer inside a batch's transaction, on the traceback and hops as the batch holds them. */
async function answerWithin(
  tx: Tx,
  ctx: Omit<CommandContext, 'actor'>,
  item: AnswerItem,
  locked: TracebackRow,
  hops: HopRow[],
  named: Map<string, ProviderRow>,
  received: ReceivedColumns | undefined,
): Promise<AnswerResult & { closed: Map<string, HopRow>; events: EventInsert[] }> {
  const { clock } = ctx;
  const { actor, hopId, input } = item;
  let traceback = locked;
  const hop = hops.find((h) => h.id === hopId);
  if (!hop || !policy.answerHop(actor, hop)) throw new NotFoundError('hop');
  const now = clock.now();

  let upstreamId: string | null = null;
  // Loaded once: the next hop's request reuses it.
  let upstream: ProviderRow | undefined;
  if (input.kind === 'upstream' && input.upstreamProviderId) {
    upstream = named.get(input.upstreamProviderId);
    if (!upstream) throw InvalidInputError.field('upstreamProviderId', 'is not a provider in the directory');
    upstreamId = input.upstreamProviderId;
  }
  // A US provider naming one abroad ends the path at the border (decision 0035); a provider abroad that staff
  // asked (continue abroad) names its own upstream as any other.
  const upstreamCountry =
    input.kind === 'upstream' ? (upstream?.country ?? input.upstreamProvider?.country ?? 'US') : 'US';
  const crossesBorder = isUs(named.get(hop.providerId)?.country) && !isUs(upstreamCountry);
  const decision = decideAnswer({
    traceback,
    hop,
    hops,
    answer:
      input.kind === 'upstream'
        ? // A provider named for the first time cannot already be in the path.
          { kind: 'upstream', upstreamProviderId: upstreamId ?? 'new-provider', crossesBorder }
        : { kind: input.kind },
    now,
  });
  if (!decision.ok)
    throw decision.field
      ? InvalidInputError.field(decision.field, decision.reason)
      : new ConflictError(decision.reason);

  const events: EventInsert[] = [];
  const base = { tracebackId: traceback.id, at: now, actorUserId: actor.userId, actor: actor.label };
  if (input.kind === 'upstream' && input.upstreamProvider) {
    const named = input.upstreamProvider;
    const created = await insertProvider(tx, {
      name: named.name,
      country: named.country ?? 'US',
      contacts: [
        { name: named.contactName ?? named.name, email: named.contactEmail, phone: named.contactPhone },
      ],
      verified: false,
      createdBy: actor.userId,
    });
    upstreamId = created.id;
    upstream = created;
    events.push({
      ...base,
      hopId: hop.id,
      type: 'provider.created',
      data: { providerId: created.id, name: created.name, verified: false, namedBy: hop.providerId },
    });
  }

  if (decision.reopens) {
    traceback = await patchTraceback(tx, traceback, {
      status: 'open',
      outcome: null,
      closedAt: null,
      updatedAt: now,
    });
    events.push({
      ...base,
      type: 'traceback.reopened',
      data: { reason: 'late answer from the non-responsive provider' },
    });
  }
  const answered = await patchHop(tx, hop, {
    status: 'answered',
    answeredAt: now,
    answerKind: input.kind,
    upstreamProviderId: upstreamId,
    comment: input.comment ?? null,
    answeredBy: actor.userId,
    answeredVia: actor.channel,
    late: decision.late,
    closedAt: now,
    ...received,
    ...(input.kind === 'origin' && input.numberHeld !== undefined ? { numberHeld: input.numberHeld } : {}),
  });
  await noticeHopClosed(tx, { traceback, hop: answered, now, status: 'answered', late: decision.late });
  if (input.kind === 'origin') {
    await insertOrigin(tx, {
      hopId: hop.id,
      tracebackId: traceback.id,
      customerName: input.customer.name,
      customerAddress: input.customer.address ?? null,
      customerContact: input.customer.contact ?? null,
      accountRef: input.customer.accountRef ?? null,
      action: input.action,
    });
  }
  // The timeline never carries customer details (CPNI); they stay in `origins`.
  events.push({
    ...base,
    hopId: hop.id,
    type: 'hop.answered',
    data: {
      seq: hop.seq,
      line: hop.line,
      providerId: hop.providerId,
      kind: input.kind,
      via: actor.channel,
      late: decision.late,
      ...(upstreamId ? { upstreamProviderId: upstreamId } : {}),
      ...(input.kind === 'origin' ? { action: input.action } : {}),
      ...(traceback.kind === 'forward' ? { forward: true } : {}),
    },
  });
  await noteShakenAnswer(tx, { traceback, hop, input });
  traceback = await raiseReceivedPathFlags(tx, {
    traceback,
    hops: hops.map((h) => (h.id === answered.id ? answered : h)),
    now,
    actor,
    events,
  });

  let nextHop: HopRow | null = null;
  const closed = new Map<string, HopRow>();
  const then = decision.then;
  switch (then.kind) {
    case 'request_upstream':
      nextHop = await requestHop(tx, {
        schedule: ctx.settings?.reminders,
        traceback,
        providerId: upstreamId ?? then.providerId,
        provider: upstream,
        hops,
        line: hop.line,
        namedByHopId: hop.id,
        now,
        actor,
        events,
        field: 'upstreamProviderId',
      });
      break;
    case 'loop':
      // The flag itself is written with the traceback's updatedAt below.
      events.push({
        ...base,
        hopId: hop.id,
        type: 'traceback.flagged',
        data: {
          flag: 'loop',
          providerId: then.providerId,
          detail: 'the named upstream is already in the path',
        },
      });
      break;
    case 'close':
    case 'foreign':
      traceback = await closeTraceback(tx, {
        traceback,
        hops: hops.filter((h) => h.id !== hop.id),
        closedHops: [answered],
        changedHops: closed,
        outcome: then.kind === 'foreign' ? 'foreign_origin' : then.outcome,
        now,
        actor,
        events,
        border:
          then.kind === 'foreign'
            ? { entryPointProviderId: hop.providerId, foreignProviderId: upstreamId ?? then.providerId }
            : undefined,
      });
      break;
    case 'record_only':
      break;
  }
  if (then.kind !== 'close' && then.kind !== 'foreign') {
    const flagLoop = then.kind === 'loop' && !traceback.flags.includes('loop');
    traceback = await patchTraceback(tx, traceback, {
      updatedAt: now,
      ...(flagLoop ? { flags: [...traceback.flags, 'loop'] } : {}),
    });
  }
  await appendEvents(tx, events);
  return { hop: answered, traceback, nextHop, closed, events };
}

/**
 * The answers of a server, gathered into batches (see `GroupCommit`): each
 * submitted answer resolves to its hop as its answerer sees it (what the API
 * returns), or rejects with its own error.
 */
export function answerBatcher(
  ctx: Omit<CommandContext, 'actor'>,
  opts?: GroupCommitOptions,
): GroupCommit<AnswerItem, THop> {
  return new GroupCommit<AnswerItem, THop>(async (items) => {
    const outcomes = await answerHops({ ...ctx, items });
    // Replies from the views the batch read; a hop without one (none so far) is read again.
    const views = await presentViewsAs(
      ctx,
      outcomes.flatMap((o, i) => (o.ok && o.view ? [{ actor: items[i]!.actor, view: o.view }] : [])),
    );
    const missing = items.filter((_, i) => {
      const o = outcomes[i]!;
      return o.ok && !o.view;
    });
    const reread = await presentHopsAs(ctx, missing);
    let next = 0;
    let nextReread = 0;
    return outcomes.map((o): ItemOutcome<THop> => {
      if (!o.ok) return o;
      const hop = o.view ? views[next++] : reread[nextReread++];
      return hop ? { ok: true, value: hop } : { ok: false, error: new NotFoundError('hop') };
    });
  }, opts);
}
