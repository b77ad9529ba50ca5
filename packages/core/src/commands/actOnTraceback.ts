import type { TTracebackAction } from '@hoptrace/contracts';
import {
  appendEvents,
  findProvider,
  findTracebackShaken,
  hopsOf,
  lockTraceback,
  updateHop,
  updateTraceback,
  type EventInsert,
  type HopRow,
  type TracebackRow,
  type Tx,
} from '@hoptrace/db';
import { observeCommitted, type CommandContext } from '../context';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { policy } from '../policies';
import { noticeHopClosed } from '../notify/notices';
import { requestSignerHop, signerHopEligible } from '../shaken/open';
import { decideAction, MAIN_LINE } from '../workflow';
import { closeTraceback } from './closeTraceback';
import { requestHop } from './requestHop';

/** The last provider of the path (answered or asked) whose directory entry is in the US. */
async function lastUsProviderOnPath(tx: Tx, hops: HopRow[]): Promise<string | null> {
  const path = hops.filter((h) => h.line === MAIN_LINE && h.status !== 'withdrawn').reverse();
  for (const h of path) {
    const p = await findProvider(tx, h.providerId);
    if (p && p.country.toUpperCase() === 'US') return p.id;
  }
  return null;
}

/** Analyst steering: cancel, close with an outcome, reopen, reassign a pending hop, ask the signer. */
export async function actOnTraceback(
  ctx: CommandContext & { tracebackId: string; input: TTracebackAction },
): Promise<TracebackRow> {
  const { db, clock, actor, tracebackId, input } = ctx;
  if (!policy.steerTraceback(actor)) throw new NotFoundError('traceback');
  const committed: EventInsert[] = [];
  const acted = await db.transaction(async (tx) => {
    let traceback = await lockTraceback(tx, tracebackId);
    if (!traceback) throw new NotFoundError('traceback');
    const hops = await hopsOf(tx, traceback.id);
    const now = clock.now();
    if ('providerId' in input && input.providerId && !(await findProvider(tx, input.providerId)))
      throw InvalidInputError.field('providerId', 'is not a provider in the directory');
    const shaken =
      input.action === 'request_signer_hop' ? await findTracebackShaken(tx, traceback.id) : undefined;
    const signer = signerHopEligible(shaken) ? { providerId: shaken.signerProviderId } : null;
    const decision = decideAction(traceback, hops, input, signer);
    if (!decision.ok) throw new ConflictError(decision.reason);
    const events: EventInsert[] = [];
    const base = { tracebackId: traceback.id, at: now, actorUserId: actor.userId, actor: actor.label };
    const note = input.note;
    switch (decision.kind) {
      case 'close':
        traceback = await closeTraceback(tx, {
          traceback,
          hops,
          outcome: decision.outcome,
          now,
          actor,
          events,
          note,
        });
        // Closed abroad by hand: the entry point is still the last US provider of the path (decision 0035).
        if (decision.outcome === 'foreign_origin' && !traceback.entryPointProviderId) {
          const entry = await lastUsProviderOnPath(tx, hops);
          if (entry) traceback = await updateTraceback(tx, traceback.id, { entryPointProviderId: entry });
        }
        break;
      case 'reopen':
        traceback = await updateTraceback(tx, traceback.id, {
          status: 'open',
          outcome: null,
          closedAt: null,
          updatedAt: now,
        });
        events.push({
          ...base,
          type: 'traceback.reopened',
          data: {
            ...(note ? { note } : {}),
            ...(input.action === 'continue_abroad' && decision.request
              ? {
                  reason: 'continued abroad: the provider outside the US is asked as the next upstream',
                  providerId: decision.request.providerId,
                }
              : {}),
          },
        });
        if (decision.request)
          await requestHop(tx, {
            schedule: ctx.settings?.reminders,
            traceback,
            providerId: decision.request.providerId,
            line: MAIN_LINE,
            namedByHopId: decision.request.namedByHopId,
            now,
            actor,
            events,
          });
        break;
      case 'reassign': {
        const old = decision.hop;
        const replaced = hops.find((h) => h.id === old.id);
        if (replaced) await noticeHopClosed(tx, { traceback, hop: replaced, now, status: 'withdrawn' });
        await updateHop(tx, old.id, { status: 'withdrawn', closedAt: now });
        events.push({
          ...base,
          hopId: old.id,
          type: 'hop.withdrawn',
          data: {
            seq: old.seq,
            line: old.line,
            providerId: old.providerId,
            reason: 'reassigned',
            ...(note ? { note } : {}),
          },
        });
        await requestHop(tx, {
          schedule: ctx.settings?.reminders,
          traceback,
          providerId: decision.providerId,
          line: old.line,
          namedByHopId: replaced?.namedByHopId ?? null,
          now,
          actor,
          events,
        });
        traceback = await updateTraceback(tx, traceback.id, { updatedAt: now });
        break;
      }
      case 'signer_hop':
        await requestSignerHop(tx, {
          traceback,
          providerId: decision.providerId,
          now,
          actor,
          events,
          settings: ctx.settings,
        });
        traceback = await updateTraceback(tx, traceback.id, { updatedAt: now });
        break;
    }
    await appendEvents(tx, events);
    committed.push(...events);
    return traceback;
  });
  observeCommitted(ctx.settings, committed);
  return acted;
}
