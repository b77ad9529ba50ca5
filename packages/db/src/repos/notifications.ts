import { and, asc, desc, eq, inArray, isNull, lte, or, sql, lt, type SQL } from 'drizzle-orm';
import { perExecutor, type Executor } from '../client';
import {
  hopLinks,
  outbox,
  providers,
  scheduledNotices,
  users,
  webhookDeliveries,
  webhookEndpoints,
} from '../schema';
import { decodeCursor, type Page } from './cursor';
import type { ProviderRow } from './providers';
import { defersWrites, insertOrDefer, updateOrDefer } from './deferred';
import { pageOf } from './providers';

export type OutboxRow = typeof outbox.$inferSelect;
export type OutboxInsert = typeof outbox.$inferInsert;
export type HopLinkRow = typeof hopLinks.$inferSelect;
export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type ScheduledNoticeRow = typeof scheduledNotices.$inferSelect;

/** Enqueues notices; one already enqueued under the same dedupe key is left alone (enqueueing twice is harmless). */
export async function enqueueOutbox(db: Executor, rows: OutboxInsert[]): Promise<number> {
  if (rows.length === 0) return 0;
  if (defersWrites(db)) {
    await insertOrDefer(db, outbox, rows, { ignoreConflicts: true });
    return rows.length;
  }
  const inserted = await db.insert(outbox).values(rows).onConflictDoNothing().returning({ id: outbox.id });
  return inserted.length;
}

/**
 * Claims due notices for one dispatcher: a lease (`locked_until`) instead of a
 * held transaction, so sending never keeps a database connection busy, and a
 * dispatcher that dies mid-send leaves its rows to be claimed again when the
 * lease runs out. SKIP LOCKED lets several dispatchers claim side by side.
 */
export async function claimOutbox(
  db: Executor,
  opts: { now: Date; leaseMs: number; limit: number },
): Promise<OutboxRow[]> {
  const until = new Date(opts.now.getTime() + opts.leaseMs);
  return db
    .update(outbox)
    .set({ lockedUntil: until, attempts: sql`${outbox.attempts} + 1` })
    .where(
      inArray(
        outbox.id,
        db
          .select({ id: outbox.id })
          .from(outbox)
          .where(
            and(
              eq(outbox.status, 'pending'),
              lte(outbox.nextAttemptAt, opts.now),
              or(isNull(outbox.lockedUntil), lt(outbox.lockedUntil, opts.now)),
            ),
          )
          .orderBy(asc(outbox.nextAttemptAt))
          .limit(opts.limit)
          .for('update', { skipLocked: true }),
      ),
    )
    .returning();
}

export async function markOutboxSent(db: Executor, id: string, at: Date): Promise<void> {
  await db
    .update(outbox)
    .set({ status: 'sent', sentAt: at, lockedUntil: null, secrets: null, lastError: null })
    .where(eq(outbox.id, id));
}

export async function markOutboxRetry(db: Executor, id: string, next: Date, error: string): Promise<void> {
  await db
    .update(outbox)
    .set({ nextAttemptAt: next, lockedUntil: null, lastError: error })
    .where(eq(outbox.id, id));
}

export async function markOutboxDead(db: Executor, id: string, error: string): Promise<void> {
  await db
    .update(outbox)
    .set({ status: 'dead', lockedUntil: null, lastError: error, secrets: null })
    .where(eq(outbox.id, id));
}

export async function listOutbox(
  db: Executor,
  filter: {
    channel?: 'email' | 'webhook' | undefined;
    status?: OutboxRow['status'] | undefined;
    hopId?: string | undefined;
  },
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<OutboxRow>> {
  const conds: SQL[] = [];
  if (filter.channel) conds.push(eq(outbox.channel, filter.channel));
  if (filter.status) conds.push(eq(outbox.status, filter.status));
  if (filter.hopId) conds.push(eq(outbox.hopId, filter.hopId));
  const after = decodeCursor(page.cursor);
  if (after) conds.push(sql`(${outbox.createdAt}, ${outbox.id}) < (${after.at}, ${after.id})`);
  const rows = await db
    .select()
    .from(outbox)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(outbox.createdAt), desc(outbox.id))
    .limit(page.limit + 1);
  return pageOf(rows, page.limit, (r) => ({ at: r.createdAt, id: r.id }));
}

export async function countOutbox(db: Executor, status: OutboxRow['status']): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(outbox)
    .where(eq(outbox.status, status));
  return row?.n ?? 0;
}

/** A hop link whose row nobody reads back (held with the transaction's other writes when it defers them). */
export async function addHopLink(db: Executor, row: typeof hopLinks.$inferInsert): Promise<void> {
  await insertOrDefer(db, hopLinks, [row]);
}

export async function insertHopLink(db: Executor, row: typeof hopLinks.$inferInsert): Promise<HopLinkRow> {
  const [created] = await db.insert(hopLinks).values(row).returning();
  if (!created) throw new Error('insert into hop_links returned no row');
  return created;
}

export async function findHopLink(db: Executor, tokenHash: string): Promise<HopLinkRow | undefined> {
  const [row] = await db.select().from(hopLinks).where(eq(hopLinks.tokenHash, tokenHash));
  return row;
}

/** A closed hop's links live on for a while, so the provider can still see what it answered. */
export async function expireHopLinks(db: Executor, hopId: string, at: Date): Promise<void> {
  await updateOrDefer(
    db,
    hopLinks,
    hopLinks.hopId,
    hopId,
    { expiresAt: at },
    { whereNull: hopLinks.expiresAt },
  );
}

export async function insertWebhookEndpoint(
  db: Executor,
  row: typeof webhookEndpoints.$inferInsert,
): Promise<WebhookEndpointRow> {
  const [created] = await db.insert(webhookEndpoints).values(row).returning();
  if (!created) throw new Error('insert into webhook_endpoints returned no row');
  return created;
}

export async function listWebhookEndpoints(db: Executor, providerId: string): Promise<WebhookEndpointRow[]> {
  return db
    .select()
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.providerId, providerId))
    .orderBy(asc(webhookEndpoints.createdAt));
}

export async function findWebhookEndpoint(db: Executor, id: string): Promise<WebhookEndpointRow | undefined> {
  const [row] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
  return row;
}

export async function deactivateWebhookEndpoint(db: Executor, id: string): Promise<void> {
  await db.update(webhookEndpoints).set({ active: false }).where(eq(webhookEndpoints.id, id));
}

/** Active endpoints of a set of providers (every event), held for one transaction. */
export interface PrefetchedEndpoints {
  providerIds: Set<string>;
  rows: WebhookEndpointRow[];
}
const prefetched = new WeakMap<Executor, PrefetchedEndpoints>();

/** Prepared once per executor: the ids travel as two array parameters, so the text and plan never change. */
const providersWithEndpointsStatement = perExecutor((db) =>
  db
    .select({ provider: providers, endpoint: webhookEndpoints })
    .from(providers)
    .leftJoin(
      webhookEndpoints,
      and(eq(webhookEndpoints.providerId, providers.id), eq(webhookEndpoints.active, true)),
    )
    .where(
      // Every step found by a key whatever the plan, prepared once, thinks of the tables' sizes: the
      // hops by id, their tracebacks' hops through the (traceback_id, …) index (a lateral subquery
      // the planner cannot turn into a hash join over a scan of hops), the providers by id.
      sql`${providers.id} = ANY(ARRAY(SELECT p.provider_id FROM hops h1 CROSS JOIN LATERAL (SELECT h2.provider_id FROM hops h2 WHERE h2.traceback_id = h1.traceback_id OFFSET 0) p WHERE h1.id = ANY(${sql.placeholder('hopIds')}::uuid[])) || ${sql.placeholder('providerIds')}::uuid[])`,
    )
    .prepare('providers_with_endpoints'),
);

/**
 * For a batch of hop answers, in the same round trip as the lock of their tracebacks
 * (sent right behind it): the directory rows of every provider in the tracebacks of these hops and
 * of the named upstreams, with their active webhook endpoints, in one statement.
 * Hand `endpoints` to `primeEndpoints`. A provider not covered (one that joins a
 * traceback later in the batch) has its endpoints read when needed.
 */
export async function providersWithEndpoints(
  db: Executor,
  hopIds: string[],
  providerIds: string[],
): Promise<{ providers: Map<string, ProviderRow>; endpoints: PrefetchedEndpoints }> {
  const providerRows = new Map<string, ProviderRow>();
  const endpoints: PrefetchedEndpoints = { providerIds: new Set(), rows: [] };
  if (hopIds.length === 0 && providerIds.length === 0) return { providers: providerRows, endpoints };
  const rows = await providersWithEndpointsStatement(db).execute({ hopIds, providerIds });
  for (const { provider, endpoint } of rows) {
    providerRows.set(provider.id, provider);
    endpoints.providerIds.add(provider.id);
    if (endpoint) endpoints.rows.push(endpoint);
  }
  return { providers: providerRows, endpoints };
}

/** Makes endpoints read beforehand (`providersWithEndpoints`) this transaction's answer to `endpointsFor`. */
export function primeEndpoints(tx: Executor, endpoints: PrefetchedEndpoints): void {
  prefetched.set(tx, endpoints);
}

/** Active endpoints of these providers subscribed to the event. */
export async function endpointsFor(
  db: Executor,
  providerIds: string[],
  event: string,
): Promise<WebhookEndpointRow[]> {
  if (providerIds.length === 0) return [];
  const known = prefetched.get(db);
  if (known && providerIds.every((id) => known.providerIds.has(id)))
    return known.rows.filter((e) => providerIds.includes(e.providerId) && e.events.includes(event));
  return db
    .select()
    .from(webhookEndpoints)
    .where(
      and(
        inArray(webhookEndpoints.providerId, providerIds),
        eq(webhookEndpoints.active, true),
        sql`${event} = ANY(${webhookEndpoints.events})`,
      ),
    );
}

export async function insertWebhookDelivery(
  db: Executor,
  row: typeof webhookDeliveries.$inferInsert,
): Promise<void> {
  await db.insert(webhookDeliveries).values(row);
}

export async function listWebhookDeliveries(
  db: Executor,
  endpointId: string,
  limit: number,
): Promise<WebhookDeliveryRow[]> {
  return db
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.endpointId, endpointId))
    .orderBy(desc(webhookDeliveries.id))
    .limit(limit);
}

export async function insertScheduledNotices(
  db: Executor,
  rows: Array<typeof scheduledNotices.$inferInsert>,
): Promise<void> {
  await insertOrDefer(db, scheduledNotices, rows, { ignoreConflicts: true });
}

/** Due reminders and escalations, locked for this sweep (other sweeps skip them). Call inside a transaction. */
export async function claimDueNotices(db: Executor, now: Date, limit: number): Promise<ScheduledNoticeRow[]> {
  return db
    .select()
    .from(scheduledNotices)
    .where(and(isNull(scheduledNotices.doneAt), lte(scheduledNotices.dueAt, now)))
    .orderBy(asc(scheduledNotices.dueAt))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export async function markNoticesDone(db: Executor, ids: string[], at: Date): Promise<void> {
  if (ids.length)
    await db.update(scheduledNotices).set({ doneAt: at }).where(inArray(scheduledNotices.id, ids));
}

/** Consortium staff who receive escalations: analysts, or admins where there are no analysts. */
export async function staffEmails(db: Executor): Promise<string[]> {
  const rows = await db
    .select({ email: users.email, role: users.role })
    .from(users)
    .where(and(inArray(users.role, ['analyst', 'admin']), isNull(users.disabledAt)));
  const analysts = rows.filter((r) => r.role === 'analyst');
  return (analysts.length ? analysts : rows).map((r) => r.email);
}
