import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client';
import { apiKeys, callKeys, callSources, calls, callView, campaigns, providers } from '../schema';
import type { ApiKeyRow } from './users';
import { decodeCursor, encodeCursor, type Page } from './cursor';

export type CallSourceRow = typeof callSources.$inferSelect;
/** A call with its verdict (campaign, callback numbers, verified Identity header). */
export type CallRow = typeof callView.$inferSelect;

export async function findCallSourceByName(db: Executor, name: string): Promise<CallSourceRow | undefined> {
  const [row] = await db
    .select()
    .from(callSources)
    .where(sql`lower(${callSources.name}) = lower(${name})`);
  return row;
}

export async function findCallSource(db: Executor, id: number): Promise<CallSourceRow | undefined> {
  const [row] = await db.select().from(callSources).where(eq(callSources.id, id));
  return row;
}

/** The source of this name, created when it is named for the first time (two imports at once create it once). */
export async function ensureCallSource(
  db: Executor,
  row: { name: string; createdBy: string | null; createdAt: Date },
): Promise<{ source: CallSourceRow; created: boolean }> {
  const existing = await findCallSourceByName(db, row.name);
  if (existing) return { source: existing, created: false };
  const [created] = await db.insert(callSources).values(row).onConflictDoNothing().returning();
  if (created) return { source: created, created: true };
  const raced = await findCallSourceByName(db, row.name);
  if (!raced) throw new Error(`call source ${row.name} neither inserted nor found`);
  return { source: raced, created: false };
}

export async function updateCallSource(
  db: Executor,
  id: number,
  patch: Partial<Pick<CallSourceRow, 'name' | 'description' | 'terminatingProviderId'>>,
): Promise<CallSourceRow | undefined> {
  const [row] = await db.update(callSources).set(patch).where(eq(callSources.id, id)).returning();
  return row;
}

export interface CallSourceListRow extends CallSourceRow {
  terminatingProviderName: string | null;
  callCount: number;
  lastReceivedAt: Date | null;
}

/** Every source with its call count and when it last sent calls (a count over `calls`: for the sources page, not for every request). */
export async function listCallSources(db: Executor): Promise<CallSourceListRow[]> {
  const rows = await db
    .select({
      source: callSources,
      terminatingProviderName: providers.name,
      callCount: sql<number>`(select count(*)::int from ${calls} c where c.source_id = ${callSources.id})`,
      lastReceivedAt: sql<Date | null>`(select max(c.received_at) from ${calls} c where c.source_id = ${callSources.id})`,
    })
    .from(callSources)
    .leftJoin(providers, eq(providers.id, callSources.terminatingProviderId))
    .orderBy(callSources.name);
  return rows.map((r) => ({
    ...r.source,
    terminatingProviderName: r.terminatingProviderName,
    callCount: Number(r.callCount),
    lastReceivedAt: r.lastReceivedAt ? new Date(r.lastReceivedAt) : null,
  }));
}

/** A call by id: its key gives its start, which finds its partition and its row. */
export async function findCall(db: Executor, id: string): Promise<CallRow | undefined> {
  const [key] = await db.select().from(callKeys).where(eq(callKeys.id, id));
  if (!key) return undefined;
  const [row] = await db
    .select()
    .from(callView)
    .where(and(eq(callView.startedAt, key.startedAt), eq(callView.id, id)));
  return row;
}

export interface CallFilter {
  sourceId?: number | undefined;
  campaignId?: string | undefined;
  /** E.164: matches the caller, the called number or a callback number spoken in the call. */
  number?: string | undefined;
}

/** Calls newest first, paged by (started_at, id). */
export async function listCalls(
  db: Executor,
  filter: CallFilter,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<CallRow>> {
  const after = decodeCursor(page.cursor);
  const where: SQL[] = [];
  if (filter.sourceId !== undefined) where.push(eq(callView.sourceId, filter.sourceId));
  if (filter.campaignId) where.push(eq(callView.campaignId, filter.campaignId));
  if (filter.number)
    where.push(
      sql`(${callView.callingNumber} = ${filter.number} or ${callView.calledNumber} = ${filter.number} or ${callView.callbackNumbers} @> array[${filter.number}]::text[])`,
    );
  if (after) where.push(sql`(${callView.startedAt}, ${callView.id}) < (${after.at}, ${after.id})`);
  const rows = await db
    .select()
    .from(callView)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(callView.startedAt), desc(callView.id))
    .limit(page.limit + 1);
  const more = rows.length > page.limit;
  const items = more ? rows.slice(0, page.limit) : rows;
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: more && last ? encodeCursor({ at: last.startedAt, id: last.id }) : null,
  };
}

export interface ExportedCallRow {
  id: string;
  externalId: string;
  startedAt: Date;
  startedAtPrecision: string;
  campaignId: string | null;
  campaignStatus: string | null;
  assignedBy: string | null;
  similarity: number | null;
}

/** Every call of a source in (started_at, id) order, a page at a time (export). */
export async function* callsOfSource(
  db: Executor,
  sourceId: number,
  pageSize = 5000,
): AsyncGenerator<ExportedCallRow[]> {
  let after: { at: Date; id: string } | null = null;
  for (;;) {
    const rows: ExportedCallRow[] = await db
      .select({
        id: callView.id,
        externalId: callView.externalId,
        startedAt: callView.startedAt,
        startedAtPrecision: callView.startedAtPrecision,
        campaignId: callView.campaignId,
        campaignStatus: campaigns.status,
        assignedBy: callView.assignedBy,
        similarity: callView.similarity,
      })
      .from(callView)
      .leftJoin(campaigns, eq(campaigns.id, callView.campaignId))
      .where(
        and(
          eq(callView.sourceId, sourceId),
          after
            ? sql`(${callView.startedAt}, ${callView.id}) > (${after.at.toISOString()}, ${after.id})`
            : undefined,
        ),
      )
      .orderBy(callView.startedAt, callView.id)
      .limit(pageSize);
    if (rows.length === 0) return;
    yield rows;
    const last = rows[rows.length - 1]!;
    after = { at: last.startedAt, id: last.id };
  }
}

export async function listFeedKeysOfSource(db: Executor, sourceId: number): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).where(eq(apiKeys.sourceId, sourceId)).orderBy(desc(apiKeys.createdAt));
}

export async function revokeFeedKeyRow(
  db: Executor,
  sourceId: number,
  keyId: string,
  at: Date,
): Promise<ApiKeyRow | undefined> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${at.toISOString()}::timestamptz)` })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.sourceId, sourceId)))
    .returning();
  return row;
}

/** Deletes a source that holds no calls and no feed keys (one an import created and then stored nothing in). */
export async function deleteEmptyCallSource(db: Executor, id: number): Promise<void> {
  await db.execute(sql`
    delete from call_sources s where s.id = ${id}
      and not exists (select 1 from calls c where c.source_id = ${id})
      and not exists (select 1 from api_keys a where a.source_id = ${id})`);
}
