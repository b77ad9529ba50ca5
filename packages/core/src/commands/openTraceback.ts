import type { TTracebackOpen } from '@hoptrace/contracts';
import {
  appendEvents,
  findCampaign,
  findProvider,
  insertTraceback,
  type EventInsert,
  type ProviderRow,
  type TracebackRow,
  type Tx,
} from '@hoptrace/db';
import { observeCommitted, type CommandContext } from '../context';
import { InvalidInputError } from '../errors';
import { authorize, policy } from '../policies';
import { recordShakenAtOpen, verifyAtCallTime } from '../shaken/open';
import { MAIN_LINE } from '../workflow';
import { requestHop } from './requestHop';

/** A call minutes in the future is clock skew between systems; more than that is a mistake. */
export const FUTURE_SKEW_MS = 5 * 60_000;

/** What openTraceback needs of the DNO list: the entry that lists a calling number, if any. */
export interface DnoCheck {
  check(e164: string): { id: string; category: string; start: string; end: string } | null;
}

export async function openTraceback(
  ctx: CommandContext & {
    input: TTracebackOpen;
    dno?: DnoCheck | undefined;
    /** An urgent agency request: every hop due this many hours after it is asked, business hours ignored. */
    urgentHours?: number | undefined;
    /** The agency request it answers, named on the timeline. */
    fromRequestId?: string | undefined;
    /** Runs inside the opening transaction (after the traceback is written), e.g. to link the request. */
    within?: ((tx: Tx, traceback: TracebackRow) => Promise<void>) | undefined;
  },
): Promise<TracebackRow> {
  const { db, clock, actor, input } = ctx;
  // A caller ID on the Do-Not-Originate list is spoofed by definition.
  const dnoEntry = ctx.dno?.check(input.call.callingNumber) ?? null;
  authorize(policy.openTraceback(actor), 'route');
  const now = clock.now();
  if (input.call.startedAt.getTime() > now.getTime() + FUTURE_SKEW_MS)
    throw InvalidInputError.field('call.startedAt', 'is in the future');
  // STIR/SHAKEN may fetch a certificate and its CRL: verified before the transaction, recorded inside it.
  const shaken = await verifyAtCallTime(ctx.settings, input);
  const committed: EventInsert[] = [];
  const opened = await db.transaction(async (tx) => {
    const provider = await findProvider(tx, input.firstProviderId);
    if (!provider) throw InvalidInputError.field('firstProviderId', 'is not a provider in the directory');
    if (input.campaignId && !(await findCampaign(tx, input.campaignId)))
      throw InvalidInputError.field('campaignId', 'is not a known campaign');
    const { traceback, events } = await writeOpening(tx, { ...ctx, input, dnoEntry, now, shaken, provider });
    if (ctx.within) await ctx.within(tx, traceback);
    await appendEvents(tx, events);
    committed.push(...events);
    return traceback;
  });
  observeCommitted(ctx.settings, committed);
  return opened;
}

/**
 * The writes of one opening, inside the caller's transaction, once the input is checked: the traceback, its
 * timeline, the first request (with its notices) and the STIR/SHAKEN result. Shared by `openTraceback` and
 * bulk opening (which holds the writes of many openings for one statement); the caller appends the events.
 */
export async function writeOpening(
  tx: Tx,
  ctx: CommandContext & {
    input: TTracebackOpen;
    dnoEntry: ReturnType<DnoCheck['check']>;
    now: Date;
    shaken: Awaited<ReturnType<typeof verifyAtCallTime>>;
    /** The first provider's directory row when the caller already read it. */
    provider?: ProviderRow | undefined;
    urgentHours?: number | undefined;
    fromRequestId?: string | undefined;
  },
): Promise<{ traceback: TracebackRow; events: EventInsert[] }> {
  const { actor, input, dnoEntry, now, shaken } = ctx;
  const traceback = await insertTraceback(tx, {
    status: 'open',
    ...(dnoEntry ? { flags: ['spoofed_dno'] } : {}),
    callStartedAt: input.call.startedAt,
    callingNumber: input.call.callingNumber,
    calledNumber: input.call.calledNumber,
    campaignId: input.campaignId ?? null,
    callId: input.callId ?? null,
    firstProviderId: input.firstProviderId,
    identityHeader: input.identityHeader ?? null,
    note: input.note ?? null,
    requestedBy: actor.userId,
    urgentHours: ctx.urgentHours ?? null,
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
        call: {
          startedAt: input.call.startedAt.toISOString(),
          callingNumber: input.call.callingNumber,
          calledNumber: input.call.calledNumber,
        },
        campaignId: input.campaignId ?? null,
        ...(input.note ? { note: input.note } : {}),
        ...(input.callId ? { callId: input.callId } : {}),
        ...(input.openedBecause ? { openedBecause: input.openedBecause } : {}),
        ...(ctx.fromRequestId ? { requestId: ctx.fromRequestId } : {}),
        ...(ctx.urgentHours !== undefined ? { urgent: true, urgentHours: ctx.urgentHours } : {}),
      },
    },
  ];
  if (dnoEntry)
    events.push({
      tracebackId: traceback.id,
      at: now,
      actorUserId: actor.userId,
      actor: actor.label,
      type: 'traceback.flagged',
      data: {
        flag: 'spoofed_dno',
        number: input.call.callingNumber,
        dnoEntry: {
          id: dnoEntry.id,
          category: dnoEntry.category,
          start: dnoEntry.start,
          end: dnoEntry.end,
        },
      },
    });
  await requestHop(tx, {
    schedule: ctx.settings?.reminders,
    traceback,
    providerId: input.firstProviderId,
    provider: ctx.provider,
    hops: [],
    line: MAIN_LINE,
    namedByHopId: null,
    now,
    actor,
    events,
    field: 'firstProviderId',
  });
  const recorded = await recordShakenAtOpen(tx, {
    traceback,
    shaken,
    now,
    actor,
    events,
    settings: ctx.settings,
  });
  return { traceback: recorded, events };
}
