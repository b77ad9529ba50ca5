import {
  and,
  asc,
  desc,
  eq,
  inArray,
  isNull,
  lte,
  or,
  sql,
  lt,
  type SQL,
  type SQLWrapper,
} from 'drizzle-orm';
import type { Executor } from '../client';
import { hopLinks, outbox, scheduledNotices, users, webhookDeliveries, webhookEndpoints } from '../schema';
import { decodeCursor, type Page } from './cursor';
import { pageOf } from './providers';

export type OutboxRow = typeof outbox.$inferSelect;
export type OutboxInsert = typeof outbox.$inferInsert;
export type HopLinkRow = typeof hopLinks.$inferSelect;
export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type ScheduledNoticeRow = typeof scheduledNotices.$inferSelect;

const deferred = new WeakMap<Executor, SQL[]>();

/**
 * From now on, writes whose result nobody reads (outbox rows, hop links, scheduled
 * notices, link expiry, timeline events) are held for this transaction instead of
 * sent one by one; `flushWrites` sends them as ONE statement. They still commit
 * with the transaction, and fail it if they fail.
 */
export function deferWrites(tx: Executor): void {
  if (!deferred.has(tx)) deferred.set(tx, []);
}

/** Runs a write now, or holds it when the transaction defers writes. */
export async function writeOrDefer(db: Executor, query: SQLWrapper): Promise<void> {
  const queue = deferred.get(db);
  if (queue) queue.push(query.getSQL());
  else await db.execute(query);
}

/**
 * Sends the held writes as one statement of data-modifying CTEs. They run on one
 * snapshot, so none may depend on another's effect (they never do: each writes
 * other rows); foreign keys to rows written earlier in the transaction are fine.
 */
export async function flushWrites(tx: Executor): Promise<void> {
  const queue = deferred.get(tx);
  deferred.delete(tx);
  if (!queue?.length) return;
  const last = queue.pop()!;
  if (queue.length === 0) {
    await tx.execute(last);
    return;
  }
  const ctes = sql.join(
    queue.map((q, i) => sql`${sql.raw(`w${i}`)} AS (${q})`),
    sql`, `,
  );
  await tx.execute(sql`WITH ${ctes} ${last}`);
}

/** Enqueues notices; one already enqueued under the same dedupe key is left alone (enqueueing twice is harmless). */
export async function enqueueOutbox(db: Executor, rows: OutboxInsert[]): Promise<number> {
  if (rows.length === 0) return 0;
  if (deferred.has(db)) {
    await writeOrDefer(db, db.insert(outbox).values(rows).onConflictDoNothing());
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
  await writeOrDefer(db, db.insert(hopLinks).values(row));
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
  await writeOrDefer(
    db,
    db
      .update(hopLinks)
      .set({ expiresAt: at })
      .where(and(eq(hopLinks.hopId, hopId), isNull(hopLinks.expiresAt))),
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

const prefetched = new WeakMap<Executor, { providerIds: Set<string>; rows: WebhookEndpointRow[] }>();

/**
 * Loads the active endpoints of these providers (every event) once for this
 * transaction: later `endpointsFor` calls about them are answered from memory.
 * For a command that notifies several providers (an answer: the hop's provider
 * and its upstream) one lookup instead of one per notice.
 */
export async function prefetchEndpoints(tx: Executor, providerIds: string[]): Promise<void> {
  const ids = [...new Set(providerIds)];
  const rows = ids.length
    ? await tx
        .select()
        .from(webhookEndpoints)
        .where(and(inArray(webhookEndpoints.providerId, ids), eq(webhookEndpoints.active, true)))
    : [];
  prefetched.set(tx, { providerIds: new Set(ids), rows });
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
  if (rows.length) await writeOrDefer(db, db.insert(scheduledNotices).values(rows).onConflictDoNothing());
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
