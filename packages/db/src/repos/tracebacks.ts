import { and, asc, eq, inArray, max, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { perExecutor, type Executor } from '../client';
import type { AttachmentMeta } from './attachments';
import { campaigns, events, hops, origins, providers, referrals, tracebacks, users } from '../schema';
import { decodeCursor, encodeCursor, type Page } from './cursor';
import { defersWrites, insertOrDefer, updateOrDefer } from './deferred';
import { randomUUID } from 'node:crypto';
import { pageOf } from './providers';

export type TracebackRow = typeof tracebacks.$inferSelect;
export type TracebackInsert = typeof tracebacks.$inferInsert;
export type HopRow = typeof hops.$inferSelect;
export type HopInsert = typeof hops.$inferInsert;
export type OriginRow = typeof origins.$inferSelect;
export type EventRow = typeof events.$inferSelect;
export type EventInsert = typeof events.$inferInsert;

export async function insertTraceback(db: Executor, row: TracebackInsert): Promise<TracebackRow> {
  if (defersWrites(db)) {
    // Held with the transaction's other writes (bulk opening): the row is built here, id included.
    const full = tracebackRowOf({ ...row, id: row.id ?? randomUUID() });
    await insertOrDefer(db, tracebacks, [full]);
    return full;
  }
  const [created] = await db.insert(tracebacks).values(row).returning();
  if (!created) throw new Error('insert into tracebacks returned no row');
  return created;
}

export async function findTraceback(db: Executor, id: string): Promise<TracebackRow | undefined> {
  const [row] = await db.select().from(tracebacks).where(eq(tracebacks.id, id));
  return row;
}

/** Every change to a traceback or its hops takes this lock first, so they serialise per traceback. */
export async function lockTraceback(db: Executor, id: string): Promise<TracebackRow | undefined> {
  const [row] = await db.select().from(tracebacks).where(eq(tracebacks.id, id)).for('update');
  return row;
}

/**
 * The same lock as `lockTraceback`, found from one of its hops: one statement
 * instead of reading the hop first. Undefined if the hop does not exist.
 */
export async function lockTracebackOfHop(db: Executor, hopId: string): Promise<TracebackRow | undefined> {
  const [row] = await db
    .select()
    .from(tracebacks)
    .where(sql`${tracebacks.id} = (SELECT h.traceback_id FROM hops h WHERE h.id = ${hopId})`)
    .for('update');
  return row;
}

export async function updateTraceback(
  db: Executor,
  id: string,
  patch: Partial<Omit<TracebackInsert, 'id'>>,
): Promise<TracebackRow> {
  const [row] = await db.update(tracebacks).set(patch).where(eq(tracebacks.id, id)).returning();
  if (!row) throw new Error(`traceback ${id} vanished during update`);
  return row;
}

/**
 * `updateTraceback` for a row held under its lock when nobody needs the stored row
 * back: the write joins the transaction's deferred writes (see `deferWrites`) and
 * the row is patched in memory.
 */
export async function patchTraceback(
  db: Executor,
  row: TracebackRow,
  patch: Partial<Omit<TracebackInsert, 'id'>>,
): Promise<TracebackRow> {
  await updateOrDefer(db, tracebacks, tracebacks.id, row.id, patch);
  return { ...row, ...patch };
}

/** The tracebacks of the hops whose ids are the `ids` placeholder, as an array. */
const tracebacksOfHopIds = sql`ARRAY(SELECT h.traceback_id FROM hops h WHERE h.id = ANY(${sql.placeholder('ids')}::uuid[]))`;

/** The lock statement, prepared by name once per executor with the ids as one array parameter. */
const lockStatement = perExecutor((db) =>
  db
    .select({ traceback: tracebacks, hop: hops })
    .from(tracebacks)
    .innerJoin(hops, eq(hops.tracebackId, tracebacks.id))
    .where(
      // Arrays of ids, not IN (subquery): the tracebacks, and their hops, are then found by index
      // whatever the plan, kept once made, thinks of the tables' sizes. A plan made while `hops`
      // was small hashes a scan of all of it; without statistics (no autovacuum) it never changes.
      sql`${tracebacks.id} = ANY(${tracebacksOfHopIds}) AND ${hops.tracebackId} = ANY(${tracebacksOfHopIds})`,
    )
    .orderBy(asc(tracebacks.id), asc(hops.line), asc(hops.seq))
    .for('update', { of: tracebacks })
    .prepare('lock_tracebacks_of_hops'),
);

/**
 * The locks of several tracebacks, found from their hops, taken in traceback id
 * order (two batches that share tracebacks cannot deadlock), and every hop of
 * those tracebacks, in one statement: for each given hop id that exists, its
 * traceback; and each locked traceback's hops in line and seq order.
 */
export async function lockTracebacksOfHops(
  db: Executor,
  hopIds: string[],
): Promise<{ tracebackOf: Map<string, TracebackRow>; hopsOf: Map<string, HopRow[]> }> {
  const tracebackOf = new Map<string, TracebackRow>();
  const hopsOf = new Map<string, HopRow[]>();
  if (hopIds.length === 0) return { tracebackOf, hopsOf };
  const rows = await lockStatement(db).execute({ ids: hopIds });
  const wanted = new Set(hopIds);
  for (const { traceback, hop } of rows) {
    const list = hopsOf.get(traceback.id);
    if (list) list.push(hop);
    else hopsOf.set(traceback.id, [hop]);
    if (wanted.has(hop.id)) tracebackOf.set(hop.id, traceback);
  }
  return { tracebackOf, hopsOf };
}

export interface TracebackFilter {
  /** Traces (the default), forward requests, or both (`all`). */
  kind?: TracebackRow['kind'] | 'all' | undefined;
  status?: 'open' | 'closed' | undefined;
  outcome?: NonNullable<TracebackRow['outcome']> | undefined;
  campaignId?: string | undefined;
  providerId?: string | undefined;
  number?: string | undefined;
  openedFrom?: Date | undefined;
  openedBefore?: Date | undefined;
  /** Only tracebacks with a live referral to this user's agency (an enforcement user's list). */
  referredToUserId?: string | undefined;
  /**
   * `opened` (default): newest first. `due`: tracebacks waiting on a provider, the soonest deadline of
   * their pending path hop first (the (status, due_at, …) index gives that order).
   */
  sort?: 'opened' | 'due' | undefined;
}

export async function listTracebacks(
  db: Executor,
  filter: TracebackFilter,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<TracebackRow>> {
  const conds: SQL[] = [];
  const kind = filter.kind ?? 'trace';
  if (kind !== 'all') conds.push(eq(tracebacks.kind, kind));
  if (filter.status) conds.push(eq(tracebacks.status, filter.status));
  if (filter.outcome) conds.push(eq(tracebacks.outcome, filter.outcome));
  if (filter.campaignId) conds.push(eq(tracebacks.campaignId, filter.campaignId));
  if (filter.providerId)
    conds.push(
      sql`EXISTS (SELECT 1 FROM ${hops} WHERE ${hops.tracebackId} = ${tracebacks.id} AND ${hops.providerId} = ${filter.providerId})`,
    );
  if (filter.number)
    conds.push(
      sql`(${tracebacks.callingNumber} = ${filter.number} OR ${tracebacks.calledNumber} = ${filter.number})`,
    );
  if (filter.openedFrom) conds.push(sql`${tracebacks.openedAt} >= ${filter.openedFrom.toISOString()}`);
  if (filter.openedBefore) conds.push(sql`${tracebacks.openedAt} < ${filter.openedBefore.toISOString()}`);
  if (filter.referredToUserId)
    conds.push(
      sql`EXISTS (SELECT 1 FROM ${referrals} JOIN ${users} ON ${users.agencyId} = ${referrals.agencyId} WHERE ${referrals.tracebackId} = ${tracebacks.id} AND ${referrals.withdrawnAt} IS NULL AND ${users.id} = ${filter.referredToUserId})`,
    );
  const after = decodeCursor(page.cursor);
  if (filter.sort === 'due') {
    if (after) conds.push(sql`(${hops.dueAt}, ${tracebacks.id}) > (${after.at}, ${after.id})`);
    const due = await db
      .select({ t: tracebacks, dueAt: hops.dueAt })
      .from(hops)
      .innerJoin(tracebacks, eq(tracebacks.id, hops.tracebackId))
      .where(and(eq(hops.status, 'pending'), eq(hops.line, 'path'), ...conds))
      .orderBy(sql`${hops.dueAt} ASC, ${tracebacks.id} ASC`)
      .limit(page.limit + 1);
    const more = due.length > page.limit;
    const items = due.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => r.t),
      nextCursor: more && last ? encodeCursor({ at: last.dueAt, id: last.t.id }) : null,
    };
  }
  if (after) conds.push(sql`(${tracebacks.openedAt}, ${tracebacks.id}) < (${after.at}, ${after.id})`);
  const rows = await db
    .select()
    .from(tracebacks)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(sql`${tracebacks.openedAt} DESC, ${tracebacks.id} DESC`)
    .limit(page.limit + 1);
  return pageOf(rows, page.limit, (r) => ({ at: r.openedAt, id: r.id }));
}

export async function insertHop(db: Executor, row: HopInsert): Promise<HopRow> {
  if (defersWrites(db)) {
    // Held with the transaction's other writes: the row is built here, id included.
    const full = hopRowOf({ ...row, id: row.id ?? randomUUID() });
    await insertOrDefer(db, hops, [full]);
    return full;
  }
  const [created] = await db.insert(hops).values(row).returning();
  if (!created) throw new Error('insert into hops returned no row');
  return created;
}

/** The row the database would store for this insert (the schema's defaults filled in). */
function tracebackRowOf(row: TracebackInsert & { id: string }): TracebackRow {
  return {
    id: row.id,
    kind: row.kind ?? 'trace',
    status: row.status,
    outcome: row.outcome ?? null,
    flags: row.flags ?? [],
    callStartedAt: row.callStartedAt,
    callingNumber: row.callingNumber,
    calledNumber: row.calledNumber,
    campaignId: row.campaignId ?? null,
    callId: row.callId ?? null,
    firstProviderId: row.firstProviderId,
    identityHeader: row.identityHeader ?? null,
    note: row.note ?? null,
    requestedBy: row.requestedBy ?? null,
    urgentHours: row.urgentHours ?? null,
    entryPointProviderId: row.entryPointProviderId ?? null,
    openedAt: row.openedAt,
    closedAt: row.closedAt ?? null,
    updatedAt: row.updatedAt,
  };
}

/** The row the database would store for this insert (the schema's defaults filled in). */
function hopRowOf(row: HopInsert & { id: string }): HopRow {
  return {
    id: row.id,
    tracebackId: row.tracebackId,
    line: row.line ?? 'path',
    seq: row.seq,
    providerId: row.providerId,
    namedByHopId: row.namedByHopId ?? null,
    status: row.status,
    requestedAt: row.requestedAt,
    receivedAt: row.receivedAt,
    dueAt: row.dueAt,
    answeredAt: row.answeredAt ?? null,
    answerKind: row.answerKind ?? null,
    upstreamProviderId: row.upstreamProviderId ?? null,
    comment: row.comment ?? null,
    answeredBy: row.answeredBy ?? null,
    answeredVia: row.answeredVia ?? null,
    late: row.late ?? false,
    closedAt: row.closedAt ?? null,
    receivedIdentity: row.receivedIdentity ?? null,
    receivedFrom: row.receivedFrom ?? null,
    receivedPai: row.receivedPai ?? null,
    receivedShaken: row.receivedShaken ?? null,
    numberHeld: row.numberHeld ?? null,
  };
}

export async function findHop(db: Executor, id: string): Promise<HopRow | undefined> {
  const [row] = await db.select().from(hops).where(eq(hops.id, id));
  return row;
}

export async function hopsOf(db: Executor, tracebackId: string): Promise<HopRow[]> {
  return db
    .select()
    .from(hops)
    .where(eq(hops.tracebackId, tracebackId))
    .orderBy(asc(hops.line), asc(hops.seq));
}

/** Hops of several tracebacks at once, for list pages (one query, not one per row). */
export async function hopsOfMany(db: Executor, tracebackIds: string[]): Promise<HopRow[]> {
  if (tracebackIds.length === 0) return [];
  return db
    .select()
    .from(hops)
    .where(inArray(hops.tracebackId, tracebackIds))
    .orderBy(asc(hops.tracebackId), asc(hops.line), asc(hops.seq));
}

export async function nextSeq(db: Executor, tracebackId: string, line: string): Promise<number> {
  const [row] = await db
    .select({ last: max(hops.seq) })
    .from(hops)
    .where(and(eq(hops.tracebackId, tracebackId), eq(hops.line, line)));
  return (row?.last ?? 0) + 1;
}

export async function updateHop(
  db: Executor,
  id: string,
  patch: Partial<Omit<HopInsert, 'id'>>,
): Promise<HopRow> {
  const [row] = await db.update(hops).set(patch).where(eq(hops.id, id)).returning();
  if (!row) throw new Error(`hop ${id} vanished during update`);
  return row;
}

/** `updateHop` for a hop read under its traceback's lock: deferred when the transaction defers writes. */
export async function patchHop(
  db: Executor,
  row: HopRow,
  patch: Partial<Omit<HopInsert, 'id'>>,
): Promise<HopRow> {
  await updateOrDefer(db, hops, hops.id, row.id, patch);
  return { ...row, ...patch };
}

/** A hop with what its view shows: its traceback, campaign, who named it and the action of an origin answer. */
export interface HopViewRow {
  hop: HopRow;
  traceback: TracebackRow;
  campaign: { name: string; description: string; category: string | null } | null;
  namedBy: { providerId: string; providerName: string } | null;
  /** The action of the origin answer; never the customer (CPNI). */
  originAction: OriginRow['action'] | null;
  /** The hop's attachments without their bytes, oldest first (callers check who may see them). */
  attachments: AttachmentMeta[];
}

type AttachmentJson = Omit<AttachmentMeta, 'uploadedAt'> & { uploadedAt: string };

const namedByHop = alias(hops, 'named_by_hop');
const namedByProvider = alias(providers, 'named_by_provider');

function hopViewQuery(db: Executor) {
  return db
    .select({
      hop: hops,
      traceback: tracebacks,
      campaignName: campaigns.name,
      campaignDescription: campaigns.description,
      campaignCategory: campaigns.category,
      namedByProviderId: namedByHop.providerId,
      namedByProviderName: namedByProvider.name,
      originAction: sql<
        OriginRow['action'] | null
      >`(SELECT o.action FROM origins o WHERE o.hop_id = ${hops.id} ORDER BY o.created_at DESC LIMIT 1)`,
      attachments: sql<AttachmentJson[]>`(SELECT coalesce(json_agg(json_build_object(
          'id', a.id, 'tracebackId', a.traceback_id, 'hopId', a.hop_id, 'fileName', a.file_name,
          'contentType', a.content_type, 'sizeBytes', a.size_bytes, 'sha256', a.sha256,
          'uploadedBy', a.uploaded_by, 'uploadedAt', a.uploaded_at) ORDER BY a.uploaded_at, a.id), '[]'::json)
        FROM attachments a WHERE a.hop_id = ${hops.id})`,
    })
    .from(hops)
    .innerJoin(tracebacks, eq(tracebacks.id, hops.tracebackId))
    .leftJoin(campaigns, eq(campaigns.id, tracebacks.campaignId))
    .leftJoin(namedByHop, eq(namedByHop.id, hops.namedByHopId))
    .leftJoin(namedByProvider, eq(namedByProvider.id, namedByHop.providerId))
    .$dynamic();
}

/**
 * The hop views, built once per database and prepared by name: one hop (what an answer returns)
 * and many (a batch of answers, a page), the ids as one array parameter so the statement text,
 * and PostgreSQL's plan of it, is the same whatever their number.
 */
const hopViewStatements = perExecutor((db) => ({
  one: hopViewQuery(db)
    .where(eq(hops.id, sql.placeholder('id')))
    .prepare('hop_view_one'),
  many: hopViewQuery(db)
    .where(sql`${hops.id} = ANY(${sql.placeholder('ids')}::uuid[])`)
    .prepare('hop_view_many'),
}));

/** Hop views in one statement (a page of hops, or the one hop an answer returns), in the order of `ids`. */
export async function hopViews(db: Executor, ids: string[]): Promise<HopViewRow[]> {
  if (ids.length === 0) return [];
  const prepared = hopViewStatements(db);
  const rows = await (ids.length === 1
    ? prepared.one.execute({ id: ids[0] })
    : prepared.many.execute({ ids }));
  const byId = new Map(
    rows.map((r) => [
      r.hop.id,
      {
        hop: r.hop,
        traceback: r.traceback,
        campaign:
          r.campaignName !== null
            ? { name: r.campaignName, description: r.campaignDescription ?? '', category: r.campaignCategory }
            : null,
        namedBy:
          r.namedByProviderId !== null
            ? { providerId: r.namedByProviderId, providerName: r.namedByProviderName ?? '' }
            : null,
        originAction: r.originAction,
        attachments: r.attachments.map((a) => ({ ...a, uploadedAt: new Date(a.uploadedAt) })),
      } satisfies HopViewRow,
    ]),
  );
  return ids.flatMap((id) => byId.get(id) ?? []);
}

export interface HopFilter {
  providerId?: string | undefined;
  status?: HopRow['status'] | undefined;
}

export async function listHops(
  db: Executor,
  filter: HopFilter,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<HopRow>> {
  const conds: SQL[] = [];
  if (filter.providerId) conds.push(eq(hops.providerId, filter.providerId));
  if (filter.status) conds.push(eq(hops.status, filter.status));
  const after = decodeCursor(page.cursor);
  if (after) conds.push(sql`(${hops.requestedAt}, ${hops.id}) < (${after.at}, ${after.id})`);
  const rows = await db
    .select()
    .from(hops)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(sql`${hops.requestedAt} DESC, ${hops.id} DESC`)
    .limit(page.limit + 1);
  return pageOf(rows, page.limit, (r) => ({ at: r.requestedAt, id: r.id }));
}

/** Pending hops whose deadline has passed, oldest first. */
export async function findOverdueHops(db: Executor, now: Date, limit: number): Promise<HopRow[]> {
  return db
    .select()
    .from(hops)
    .where(and(eq(hops.status, 'pending'), sql`${hops.dueAt} <= ${now}`))
    .orderBy(asc(hops.dueAt))
    .limit(limit);
}

/** Records an origin answer's customer (CPNI); held with the transaction's other writes when it defers them. */
export async function insertOrigin(db: Executor, row: typeof origins.$inferInsert): Promise<void> {
  await insertOrDefer(db, origins, [row]);
}

/** CPNI: callers must have checked access and must record the read. */
export async function unsafeFindOriginOfTraceback(
  db: Executor,
  tracebackId: string,
): Promise<OriginRow | undefined> {
  // origins has no index on traceback_id: reach it through the traceback's hops (their index) and its key.
  const [row] = await db
    .select()
    .from(origins)
    .where(
      and(
        eq(origins.tracebackId, tracebackId),
        sql`${origins.hopId} IN (SELECT h.id FROM hops h WHERE h.traceback_id = ${tracebackId})`,
      ),
    )
    .orderBy(sql`${origins.createdAt} DESC`)
    .limit(1);
  return row;
}

export async function unsafeFindOriginOfHop(db: Executor, hopId: string): Promise<OriginRow | undefined> {
  const [row] = await db.select().from(origins).where(eq(origins.hopId, hopId));
  return row;
}

export async function appendEvents(db: Executor, rows: EventInsert[]): Promise<void> {
  await insertOrDefer(db, events, rows);
}

export async function listEvents(db: Executor, tracebackId: string): Promise<EventRow[]> {
  return db.select().from(events).where(eq(events.tracebackId, tracebackId)).orderBy(asc(events.id));
}

/** A traceback of a call already opened: what bulk opening compares a row with. */
export interface OpenedCallRow {
  id: string;
  callStartedAt: Date;
  callingNumber: string;
  calledNumber: string;
  firstProviderId: string;
}

/** Traces (any status) of calls from these calling numbers, by the calling-number index. */
export async function tracebacksOfCallingNumbers(db: Executor, numbers: string[]): Promise<OpenedCallRow[]> {
  if (numbers.length === 0) return [];
  return db
    .select({
      id: tracebacks.id,
      callStartedAt: tracebacks.callStartedAt,
      callingNumber: tracebacks.callingNumber,
      calledNumber: tracebacks.calledNumber,
      firstProviderId: tracebacks.firstProviderId,
    })
    .from(tracebacks)
    .where(and(inArray(tracebacks.callingNumber, [...new Set(numbers)]), eq(tracebacks.kind, 'trace')));
}

/**
 * The traceback of each of these call records of a campaign that has one (the latest opened); read through
 * the campaign's index, as call_id has none.
 */
export async function tracebacksOfCalls(
  db: Executor,
  campaignId: string,
  callIds: string[],
): Promise<Map<string, string>> {
  if (callIds.length === 0) return new Map();
  const rows = await db
    .select({ id: tracebacks.id, callId: tracebacks.callId })
    .from(tracebacks)
    .where(and(eq(tracebacks.campaignId, campaignId), inArray(tracebacks.callId, callIds)))
    .orderBy(asc(tracebacks.openedAt));
  return new Map(rows.map((r) => [r.callId!, r.id]));
}
