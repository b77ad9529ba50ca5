import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../client';
import { campaignNumbers, campaigns, hops, origins, providers, tracebacks } from '../schema';
import type { CampaignRow } from './campaigns';
import type { HopRow, OriginRow, TracebackRow } from './tracebacks';

/**
 * Forward requests (decision 0016): tracebacks of kind `forward`, each one question to the provider
 * that holds one of a campaign's callback numbers.
 */

/**
 * The campaign row under a lock: forward requests of one campaign open one at a time, so "at most
 * one open per number" holds without a unique index (which a merge of two campaigns could break).
 * Lock order: the campaign first, as merging and splitting take it.
 */
export async function lockCampaign(db: Executor, id: string): Promise<CampaignRow | undefined> {
  const [row] = await db.select().from(campaigns).where(eq(campaigns.id, id)).for('update');
  return row;
}

/** One number of a campaign in a role (caller or callback), with when it was heard. */
export async function findCampaignNumber(
  db: Executor,
  campaignId: string,
  role: 'caller' | 'callback',
  number: string,
): Promise<typeof campaignNumbers.$inferSelect | undefined> {
  const [row] = await db
    .select()
    .from(campaignNumbers)
    .where(
      and(
        eq(campaignNumbers.campaignId, campaignId),
        eq(campaignNumbers.role, role),
        eq(campaignNumbers.number, number),
      ),
    );
  return row;
}

/** The open forward request of a campaign about this number, if any. */
export async function openForwardRequest(
  db: Executor,
  campaignId: string,
  number: string,
): Promise<TracebackRow | undefined> {
  const [row] = await db
    .select()
    .from(tracebacks)
    .where(
      and(
        eq(tracebacks.campaignId, campaignId),
        eq(tracebacks.kind, 'forward'),
        eq(tracebacks.status, 'open'),
        eq(tracebacks.callingNumber, number),
      ),
    )
    .limit(1);
  return row;
}

export interface ForwardRequestRow {
  traceback: TracebackRow;
  /** The latest request of the path (the one answered, or the one waiting after a reassignment). */
  hop: HopRow;
  providerName: string;
}

/** A campaign's forward requests, newest first, each with its latest request and that provider's name. */
export async function forwardRequestRows(
  db: Executor,
  campaignId: string,
  limit = 100,
): Promise<ForwardRequestRow[]> {
  const rows = await db
    .select({ traceback: tracebacks, hop: hops, providerName: providers.name })
    .from(tracebacks)
    .innerJoin(
      hops,
      sql`${hops.id} = (SELECT h.id FROM hops h WHERE h.traceback_id = ${tracebacks.id} AND h.line = 'path' ORDER BY h.seq DESC LIMIT 1)`,
    )
    .innerJoin(providers, eq(providers.id, hops.providerId))
    .where(and(eq(tracebacks.campaignId, campaignId), eq(tracebacks.kind, 'forward')))
    .orderBy(sql`${tracebacks.openedAt} DESC, ${tracebacks.id} DESC`)
    .limit(limit);
  return rows;
}

/** CPNI: the customers given in answers to these hops. Callers must have checked access and record the read. */
export async function unsafeOriginsOfHops(db: Executor, hopIds: string[]): Promise<OriginRow[]> {
  if (hopIds.length === 0) return [];
  return db.select().from(origins).where(inArray(origins.hopId, hopIds));
}
