import type { TOutcome } from '@hoptrace/contracts';
import {
  hopsOf,
  updateHop,
  updateTraceback,
  type EventInsert,
  type HopRow,
  type TracebackRow,
  type Tx,
} from '@hoptrace/db';
import type { Actor } from '../actor';
import { noticeHopClosed, noticeTracebackClosed } from '../notify/notices';

/** Ends a traceback with an outcome; requests still pending on any line are withdrawn with it. */
export async function closeTraceback(
  tx: Tx,
  opts: {
    traceback: TracebackRow;
    hops: HopRow[];
    outcome: TOutcome;
    now: Date;
    actor: Actor;
    events: EventInsert[];
    note?: string | undefined;
  },
): Promise<TracebackRow> {
  const { traceback, now, actor, events } = opts;
  for (const hop of opts.hops.filter((h) => h.status === 'pending')) {
    await updateHop(tx, hop.id, { status: 'withdrawn', closedAt: now });
    await noticeHopClosed(tx, { traceback, hop, now, status: 'withdrawn' });
    events.push({
      tracebackId: traceback.id,
      hopId: hop.id,
      at: now,
      actorUserId: actor.userId,
      actor: actor.label,
      type: 'hop.withdrawn',
      data: {
        seq: hop.seq,
        line: hop.line,
        providerId: hop.providerId,
        reason: `traceback closed: ${opts.outcome}`,
      },
    });
  }
  events.push({
    tracebackId: traceback.id,
    at: now,
    actorUserId: actor.userId,
    actor: actor.label,
    type: 'traceback.closed',
    data: { outcome: opts.outcome, ...(opts.note ? { note: opts.note } : {}) },
  });
  const closed = await updateTraceback(tx, traceback.id, {
    status: 'closed',
    outcome: opts.outcome,
    closedAt: now,
    updatedAt: now,
  });
  await noticeTracebackClosed(tx, { traceback: closed, hops: await hopsOf(tx, traceback.id), now });
  return closed;
}
