import type { TOutcome } from '@hoptrace/contracts';
import {
  patchHop,
  patchTraceback,
  type EventInsert,
  type HopRow,
  type TracebackRow,
  type Tx,
} from '@hoptrace/db';
import type { Actor } from '../actor';
import { noticeHopClosed, noticeTracebackClosed } from '../notify/notices';
import { evaluateShakenOnClose } from '../shaken/consistency';

/** Ends a traceback with an outcome; requests still pending on any line are withdrawn with it. */
export async function closeTraceback(
  tx: Tx,
  opts: {
    traceback: TracebackRow;
    /** The traceback's hops, read under its lock; pending ones are withdrawn. */
    hops: HopRow[];
    /** Hops the caller already changed in this transaction and left out of `hops` (the answered one). */
    closedHops?: HopRow[];
    /** Receives the hops this withdraws, as changed (for a caller that keeps the hops in memory). */
    changedHops?: Map<string, HopRow>;
    outcome: TOutcome;
    now: Date;
    actor: Actor;
    events: EventInsert[];
    note?: string | undefined;
    /**
     * The path reached the border (decision 0035): the US provider that named an upstream abroad is recorded as
     * the entry point, and the timeline says why the traceback closed.
     */
    border?: { entryPointProviderId: string; foreignProviderId: string } | undefined;
  },
): Promise<TracebackRow> {
  const { traceback, now, actor, events } = opts;
  // The notice below needs every hop as it is now: the caller's rows, with the withdrawn ones updated.
  const current = new Map<string, HopRow>([...opts.hops, ...(opts.closedHops ?? [])].map((h) => [h.id, h]));
  for (const hop of opts.hops.filter((h) => h.status === 'pending')) {
    const withdrawn = await patchHop(tx, hop, { status: 'withdrawn', closedAt: now });
    current.set(hop.id, withdrawn);
    opts.changedHops?.set(hop.id, withdrawn);
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
    data: {
      outcome: opts.outcome,
      ...(opts.note ? { note: opts.note } : {}),
      ...(opts.border
        ? {
            reason: 'foreign_upstream',
            detail: 'the upstream named is listed outside the US: the path ends at its US entry point',
            entryPointProviderId: opts.border.entryPointProviderId,
            foreignProviderId: opts.border.foreignProviderId,
          }
        : {}),
    },
  });
  const closed = await patchTraceback(tx, traceback, {
    status: 'closed',
    outcome: opts.outcome,
    closedAt: now,
    updatedAt: now,
    ...(opts.border ? { entryPointProviderId: opts.border.entryPointProviderId } : {}),
  });
  const hops = [...current.values()].sort((a, b) =>
    a.line === b.line ? a.seq - b.seq : a.line < b.line ? -1 : 1,
  );
  await noticeTracebackClosed(tx, { traceback: closed, hops, now });
  return evaluateShakenOnClose(tx, { traceback: closed, hops, now, actor, events });
}
