import { claimDueNotices, findHop, findProvider, findTraceback, markNoticesDone } from '@hoptrace/db';
import type { CommandContext } from '../context';
import { noticeScheduled } from '../notify/notices';

/**
 * Turns due reminders and escalations into messages. The claimed rows stay
 * locked for the transaction (SKIP LOCKED: a second sweep takes others), and a
 * notice for a hop that is no longer waiting is marked done without a message.
 */
export async function sweepScheduledNotices(ctx: CommandContext & { batch?: number }): Promise<number> {
  return ctx.db.transaction(async (tx) => {
    const now = ctx.clock.now();
    const due = await claimDueNotices(tx, now, ctx.batch ?? 200);
    for (const notice of due) {
      const hop = await findHop(tx, notice.hopId);
      const traceback = hop && (await findTraceback(tx, hop.tracebackId));
      const provider = hop && (await findProvider(tx, hop.providerId));
      if (hop && traceback && provider) await noticeScheduled(tx, { notice, traceback, hop, provider, now });
    }
    await markNoticesDone(
      tx,
      due.map((n) => n.id),
      now,
    );
    return due.length;
  });
}
