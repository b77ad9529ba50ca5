import type { THopAnswer } from '@hoptrace/contracts';
import {
  appendEvents,
  deferWrites,
  findProvider,
  flushWrites,
  hopsOf,
  insertOrigin,
  insertProvider,
  lockTracebackOfHop,
  prefetchEndpoints,
  touchTraceback,
  updateHop,
  updateTraceback,
  type EventInsert,
  type HopRow,
  type ProviderRow,
  type TracebackRow,
} from '@hoptrace/db';
import type { CommandContext } from '../context';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { policy } from '../policies';
import { noticeHopClosed } from '../notify/notices';
import { noteShakenAnswer } from '../shaken/consistency';
import { decideAnswer } from '../workflow';
import { closeTraceback } from './closeTraceback';
import { requestHop } from './requestHop';

export interface AnswerResult {
  hop: HopRow;
  traceback: TracebackRow;
  nextHop: HopRow | null;
}

/** A provider says who handed it the call (upstream), that it originated it (origin), or that it has no record. */
export async function answerHop(
  ctx: CommandContext & { hopId: string; input: THopAnswer },
): Promise<AnswerResult> {
  const { db, clock, actor, hopId, input } = ctx;
  return db.transaction(async (tx) => {
    // Lock the traceback first (found through the hop), then read its hops under the lock.
    let traceback = await lockTracebackOfHop(tx, hopId);
    if (!traceback) throw new NotFoundError('hop');
    const hops = await hopsOf(tx, traceback.id);
    const hop = hops.find((h) => h.id === hopId);
    if (!hop || !policy.answerHop(actor, hop)) throw new NotFoundError('hop');
    const now = clock.now();
    // Round trips are the cost of an answer: the notices' writes (outbox rows, hop link,
    // reminders, link expiry) and the timeline go out as one statement at the end, and
    // the webhook endpoints of everyone this answer may notify are read once.
    deferWrites(tx);

    let upstreamId: string | null = null;
    // Loaded once: the next hop's request reuses it.
    let upstream: ProviderRow | undefined;
    if (input.kind === 'upstream' && input.upstreamProviderId) {
      upstream = await findProvider(tx, input.upstreamProviderId);
      if (!upstream)
        throw InvalidInputError.field('upstreamProviderId', 'is not a provider in the directory');
      upstreamId = input.upstreamProviderId;
    }
    await prefetchEndpoints(tx, [...hops.map((h) => h.providerId), ...(upstreamId ? [upstreamId] : [])]);
    const decision = decideAnswer({
      traceback,
      hop,
      hops,
      answer:
        input.kind === 'upstream'
          ? // A provider named for the first time cannot already be in the path.
            { kind: 'upstream', upstreamProviderId: upstreamId ?? 'new-provider' }
          : { kind: input.kind },
      now,
    });
    if (!decision.ok) throw new ConflictError(decision.reason);

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
      traceback = await updateTraceback(tx, traceback.id, {
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
    const answered = await updateHop(tx, hop.id, {
      status: 'answered',
      answeredAt: now,
      answerKind: input.kind,
      upstreamProviderId: upstreamId,
      comment: input.comment ?? null,
      answeredBy: actor.userId,
      answeredVia: actor.channel,
      late: decision.late,
      closedAt: now,
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
      },
    });
    await noteShakenAnswer(tx, { traceback, hop, input });

    let nextHop: HopRow | null = null;
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
        traceback = await closeTraceback(tx, {
          traceback,
          hops: hops.filter((h) => h.id !== hop.id),
          closedHops: [answered],
          outcome: then.outcome,
          now,
          actor,
          events,
        });
        break;
      case 'record_only':
        break;
    }
    if (then.kind !== 'close') {
      const flagLoop = then.kind === 'loop' && !traceback.flags.includes('loop');
      traceback = await touchTraceback(tx, traceback, {
        updatedAt: now,
        ...(flagLoop ? { flags: [...traceback.flags, 'loop'] } : {}),
      });
    }
    await appendEvents(tx, events);
    await flushWrites(tx);
    return { hop: answered, traceback, nextHop };
  });
}
