import {
  appendEvents,
  findOverdueHops,
  hopsOf,
  lockTracebackOfHop,
  updateHop,
  type EventInsert,
} from '@hoptrace/db';
import { observeCommitted, type CommandContext } from '../context';
import { noticeHopClosed } from '../notify/notices';
import { isOverdue, MAIN_LINE } from '../workflow';
import { closeTraceback } from './closeTraceback';

/**
 * The clock's command: a hop past its deadline with no answer makes its provider
 * non-responsive and stops the traceback there. Safe to run twice and from
 * several workers: a hop already handled is skipped, claimed hops are locked.
 */
export async function markNonResponsive(ctx: CommandContext & { hopId: string }): Promise<boolean> {
  const { db, clock, actor, hopId } = ctx;
  const committed: EventInsert[] = [];
  const marked = await db.transaction(async (tx) => {
    const now = clock.now();
    // Lock order is always the traceback first (found through the hop), then its hops.
    const traceback = await lockTracebackOfHop(tx, hopId);
    if (!traceback) return false;
    const hops = await hopsOf(tx, traceback.id);
    const hop = hops.find((h) => h.id === hopId);
    if (!hop || !isOverdue(hop, now) || traceback.status !== 'open') return false;
    const events: EventInsert[] = [];
    const marked = await updateHop(tx, hop.id, { status: 'non_responsive', closedAt: now });
    await noticeHopClosed(tx, { traceback, hop, now, status: 'non_responsive' });
    events.push({
      tracebackId: traceback.id,
      hopId: hop.id,
      at: now,
      actorUserId: actor.userId,
      actor: actor.label,
      type: 'hop.non_responsive',
      data: { seq: hop.seq, line: hop.line, providerId: hop.providerId, dueAt: hop.dueAt.toISOString() },
    });
    if (hop.line === MAIN_LINE)
      await closeTraceback(tx, {
        traceback,
        hops: hops.filter((h) => h.id !== hop.id),
        closedHops: [marked],
        outcome: 'non_responsive',
        now,
        actor,
        events,
      });
    await appendEvents(tx, events);
    committed.push(...events);
    return true;
  });
  observeCommitted(ctx.settings, committed);
  return marked;
}

/** Finds overdue hops and marks each in its own transaction; returns how many were marked. */
export async function sweepOverdueHops(ctx: CommandContext & { batch?: number }): Promise<number> {
  const overdue = await findOverdueHops(ctx.db, ctx.clock.now(), ctx.batch ?? 500);
  let marked = 0;
  for (const hop of overdue) if (await markNonResponsive({ ...ctx, hopId: hop.id })) marked++;
  return marked;
}
