import type { TCampaignForward, TTraceForward } from '@hoptrace/contracts';
import {
  appendEvents,
  findCampaignNumber,
  findProvider,
  forwardRequestRows,
  insertTraceback,
  lockCampaign,
  openForwardRequest,
  unsafeOriginsOfHops,
  type EventInsert,
  type TracebackRow,
} from '@hoptrace/db';
import { requestHop } from '../commands/requestHop';
import { observeCommitted, type CommandContext } from '../context';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { authorize, policy } from '../policies';
import { MAIN_LINE } from '../workflow';

/**
 * Trace forward (decision 0016): a campaign's callback number ("call us back at …") is held by a
 * provider; the analyst picks it from the directory and asks whose customer is behind the number.
 * The request is a traceback of kind `forward` with exactly one question: the same clock, notices,
 * one-hop link, inbox and answer form as any hop. Its answer is `origin` (the customer, stored as
 * origins are: CPNI) or `not_found` (not ours); `upstream` is refused (see `decideAnswer`).
 */
export async function traceForward(
  ctx: CommandContext & { campaignId: string; input: TTraceForward },
): Promise<TracebackRow> {
  const { db, clock, actor, input } = ctx;
  authorize(policy.traceForward(actor), 'route');
  const note = input.note ? input.note : undefined;
  const committed: EventInsert[] = [];
  const opened = await db.transaction(async (tx) => {
    // Forward requests of one campaign open one at a time (the lock), so the check below holds.
    const campaign = await lockCampaign(tx, ctx.campaignId);
    if (!campaign) throw new NotFoundError('campaign');
    if (campaign.status === 'merged')
      throw new ConflictError(
        `this campaign was merged into ${campaign.mergedIntoId ?? 'another'}; trace forward from that one`,
      );
    if (campaign.status === 'legitimate')
      throw new ConflictError('this campaign is marked legitimate: its numbers are not traced');
    const heard = await findCampaignNumber(tx, campaign.id, 'callback', input.number);
    if (!heard)
      throw InvalidInputError.field('number', `${input.number} is not a callback number of this campaign`);
    const open = await openForwardRequest(tx, campaign.id, input.number);
    if (open)
      throw new ConflictError(
        `a forward request about ${input.number} is already open for this campaign (${open.id}): wait for its answer, or cancel it first`,
      );
    const provider = await findProvider(tx, input.providerId);
    if (!provider) throw InvalidInputError.field('providerId', 'is not a provider in the directory');
    const now = clock.now();
    const traceback = await insertTraceback(tx, {
      kind: 'forward',
      status: 'open',
      // No call: the number asked about, and when it was last heard (numbers change hands).
      callStartedAt: heard.lastSeenAt,
      callingNumber: input.number,
      calledNumber: '',
      campaignId: campaign.id,
      firstProviderId: provider.id,
      note: note ?? null,
      requestedBy: actor.userId,
      openedAt: now,
      updatedAt: now,
    });
    const events: EventInsert[] = [
      {
        tracebackId: traceback.id,
        at: now,
        actorUserId: actor.userId,
        actor: actor.label,
        type: 'traceback.opened',
        data: {
          campaignId: campaign.id,
          // Why it exists: a callback number of this campaign, asked of the provider that holds it.
          forward: {
            campaignName: campaign.name,
            number: input.number,
            calls: heard.calls,
            firstHeardAt: heard.firstSeenAt.toISOString(),
            lastHeardAt: heard.lastSeenAt.toISOString(),
          },
          ...(note ? { note } : {}),
        },
      },
    ];
    await requestHop(tx, {
      schedule: ctx.settings?.reminders,
      traceback,
      providerId: provider.id,
      provider,
      line: MAIN_LINE,
      namedByHopId: null,
      now,
      actor,
      events,
      field: 'providerId',
    });
    await appendEvents(tx, events);
    committed.push(...events);
    return traceback;
  });
  observeCommitted(ctx.settings, committed);
  return opened;
}

/**
 * A campaign's forward requests as its page lists them. The customer behind a number (CPNI) is
 * shown to those who may read origins, and each read is recorded on the request's timeline, as a
 * traceback's origin is.
 */
export async function forwardRequestsOf(
  ctx: CommandContext,
  campaignId: string,
): Promise<TCampaignForward[]> {
  const { db, actor, clock } = ctx;
  const rows = await forwardRequestRows(db, campaignId);
  const mayRead = policy.readOrigin(actor);
  const customers = mayRead
    ? await unsafeOriginsOfHops(
        db,
        rows.filter((r) => r.hop.answerKind === 'origin').map((r) => r.hop.id),
      )
    : [];
  if (customers.length) {
    const at = clock.now();
    await appendEvents(
      db,
      customers.map((o) => ({
        tracebackId: o.tracebackId,
        hopId: o.hopId,
        at,
        actorUserId: actor.userId,
        actor: actor.label,
        type: 'origin.viewed',
        data: { on: 'campaign' },
      })),
    );
  }
  const customerOf = new Map(customers.map((o) => [o.hopId, o]));
  return rows.map(({ traceback: t, hop, providerName }) => {
    const origin = customerOf.get(hop.id);
    const kind = hop.answerKind === 'origin' || hop.answerKind === 'not_found' ? hop.answerKind : null;
    return {
      id: t.id,
      number: t.callingNumber,
      status: t.status,
      outcome: t.outcome,
      openedAt: t.openedAt.toISOString(),
      closedAt: t.closedAt?.toISOString() ?? null,
      provider: { id: hop.providerId, name: providerName },
      hopId: hop.id,
      hopStatus: hop.status,
      dueAt: hop.dueAt.toISOString(),
      answeredAt: hop.answeredAt?.toISOString() ?? null,
      late: hop.late,
      answer: kind
        ? {
            kind,
            ...(origin ? { action: origin.action } : {}),
            ...(hop.comment ? { comment: hop.comment } : {}),
          }
        : null,
      ...(origin
        ? {
            customer: {
              name: origin.customerName,
              address: origin.customerAddress,
              contact: origin.customerContact,
              accountRef: origin.accountRef,
            },
          }
        : {}),
    };
  });
}
