import {
  findProvider,
  insertHop,
  nextSeq,
  type EventInsert,
  type HopRow,
  type ProviderRow,
  type TracebackRow,
  type Tx,
} from '@hoptrace/db';
import type { Actor } from '../actor';
import { hopDeadline } from '../deadlines';
import { InvalidInputError } from '../errors';
import type { ReminderSchedule } from '../clock/reminders';
import { noticeHopAssigned } from '../notify/notices';

/**
 * Opens a hop: asks one provider who handed it the call. Shared by opening a
 * traceback, upstream answers, reopening and reassigning, so every request gets
 * the same deadline and the same timeline entry.
 */
export async function requestHop(
  tx: Tx,
  opts: {
    traceback: TracebackRow;
    providerId: string;
    /** The provider row when the caller already loaded it (saves reading it again). */
    provider?: ProviderRow | undefined;
    /** Every hop of the traceback, read under its lock, when the caller has them: the next seq comes from them. */
    hops?: HopRow[] | undefined;
    line: string;
    namedByHopId: string | null;
    now: Date;
    actor: Actor;
    events: EventInsert[];
    schedule?: ReminderSchedule | undefined;
    field?: string;
  },
): Promise<HopRow> {
  const provider =
    opts.provider?.id === opts.providerId ? opts.provider : await findProvider(tx, opts.providerId);
  if (!provider)
    throw InvalidInputError.field(opts.field ?? 'providerId', 'is not a provider in the directory');
  const seq = opts.hops
    ? opts.hops.filter((h) => h.line === opts.line).reduce((last, h) => Math.max(last, h.seq), 0) + 1
    : await nextSeq(tx, opts.traceback.id, opts.line);
  const { receivedAt, dueAt } = hopDeadline(opts.now, provider, opts.traceback.urgentHours);
  const hop = await insertHop(tx, {
    tracebackId: opts.traceback.id,
    line: opts.line,
    seq,
    providerId: provider.id,
    namedByHopId: opts.namedByHopId,
    status: 'pending',
    requestedAt: opts.now,
    receivedAt,
    dueAt,
  });
  opts.events.push({
    tracebackId: opts.traceback.id,
    hopId: hop.id,
    at: opts.now,
    actorUserId: opts.actor.userId,
    actor: opts.actor.label,
    type: 'hop.requested',
    data: {
      seq,
      line: opts.line,
      providerId: provider.id,
      providerName: provider.name,
      dueAt: dueAt.toISOString(),
      // Asked whose customer holds a number, not who handed over a call.
      ...(opts.traceback.kind === 'forward' ? { forward: true } : {}),
    },
  });
  // The provider hears of the request in the same transaction that makes it.
  await noticeHopAssigned(tx, {
    traceback: opts.traceback,
    hop,
    provider,
    now: opts.now,
    schedule: opts.schedule,
  });
  return hop;
}
