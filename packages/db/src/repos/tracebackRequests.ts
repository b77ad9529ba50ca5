import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../client';
import { agencies, providers, requestAttachments, tracebackRequests, tracebacks, users } from '../schema';

export type TracebackRequestRow = typeof tracebackRequests.$inferSelect;
export type TracebackRequestInsert = typeof tracebackRequests.$inferInsert;
export type RequestAttachmentRow = typeof requestAttachments.$inferSelect;
export type RequestAttachmentMeta = Omit<RequestAttachmentRow, 'data'>;
/** A request with the names presenters show: its agency, who submitted it, its provider, its traceback's state. */
export type TracebackRequestView = TracebackRequestRow & {
  agencyName: string;
  submittedByEmail: string | null;
  terminatingProviderName: string | null;
  tracebackStatus: 'open' | 'closed' | null;
  tracebackOutcome: string | null;
};

export async function insertTracebackRequest(
  db: Executor,
  row: TracebackRequestInsert,
): Promise<TracebackRequestRow> {
  const [created] = await db.insert(tracebackRequests).values(row).returning();
  if (!created) throw new Error('insert into traceback_requests returned no row');
  return created;
}

export async function insertRequestAttachments(
  db: Executor,
  rows: Array<typeof requestAttachments.$inferInsert>,
): Promise<void> {
  if (rows.length > 0) await db.insert(requestAttachments).values(rows);
}

/** Locks a request row (decisions on one request serialise). */
export async function lockTracebackRequest(
  db: Executor,
  id: string,
): Promise<TracebackRequestRow | undefined> {
  const [row] = await db.select().from(tracebackRequests).where(eq(tracebackRequests.id, id)).for('update');
  return row;
}

export async function updateTracebackRequestRow(
  db: Executor,
  id: string,
  patch: Partial<
    Pick<TracebackRequestRow, 'status' | 'decidedAt' | 'decidedBy' | 'declineReason' | 'tracebackId'>
  >,
): Promise<void> {
  await db.update(tracebackRequests).set(patch).where(eq(tracebackRequests.id, id));
}

const viewColumns = {
  r: tracebackRequests,
  agencyName: agencies.name,
  submittedByEmail: users.email,
  terminatingProviderName: providers.name,
  tracebackStatus: tracebacks.status,
  tracebackOutcome: tracebacks.outcome,
};

function viewOf(x: {
  r: TracebackRequestRow;
  agencyName: string;
  submittedByEmail: string | null;
  terminatingProviderName: string | null;
  tracebackStatus: 'open' | 'closed' | null;
  tracebackOutcome: string | null;
}): TracebackRequestView {
  return {
    ...x.r,
    agencyName: x.agencyName,
    submittedByEmail: x.submittedByEmail,
    terminatingProviderName: x.terminatingProviderName,
    tracebackStatus: x.tracebackStatus,
    tracebackOutcome: x.tracebackOutcome,
  };
}

function viewQuery(db: Executor) {
  return db
    .select(viewColumns)
    .from(tracebackRequests)
    .innerJoin(agencies, eq(agencies.id, tracebackRequests.agencyId))
    .leftJoin(users, eq(users.id, tracebackRequests.submittedBy))
    .leftJoin(providers, eq(providers.id, tracebackRequests.terminatingProviderId))
    .leftJoin(tracebacks, eq(tracebacks.id, tracebackRequests.tracebackId));
}

export async function findTracebackRequestView(
  db: Executor,
  id: string,
): Promise<TracebackRequestView | undefined> {
  const [row] = await viewQuery(db).where(eq(tracebackRequests.id, id));
  return row ? viewOf(row) : undefined;
}

/**
 * Requests, for staff's queue or one agency's list. Staff's order is the ITG's priority rule: pending first,
 * then urgent, then calls under ten days old (as of `now`), then the oldest submitted first; an agency sees
 * its own newest first. At most `limit` rows.
 */
export async function listTracebackRequests(
  db: Executor,
  opts: {
    agencyId?: string | undefined;
    status?: TracebackRequestRow['status'] | undefined;
    now: Date;
    limit: number;
  },
): Promise<TracebackRequestView[]> {
  const conds = [];
  if (opts.agencyId) conds.push(eq(tracebackRequests.agencyId, opts.agencyId));
  if (opts.status) conds.push(eq(tracebackRequests.status, opts.status));
  const tenDaysAgo = new Date(opts.now.getTime() - 10 * 24 * 3_600_000);
  const order = opts.agencyId
    ? [desc(tracebackRequests.submittedAt), desc(tracebackRequests.id)]
    : [
        sql`(${tracebackRequests.status} = 'pending') DESC`,
        sql`(${tracebackRequests.urgency} = 'urgent') DESC`,
        sql`(${tracebackRequests.callStartedAt} >= ${tenDaysAgo}) DESC`,
        asc(tracebackRequests.submittedAt),
        asc(tracebackRequests.id),
      ];
  const rows = await viewQuery(db)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(...order)
    .limit(opts.limit);
  return rows.map(viewOf);
}

/** The request a traceback was opened from, if any. */
export async function findRequestOfTraceback(
  db: Executor,
  tracebackId: string,
): Promise<TracebackRequestRow | undefined> {
  const [row] = await db
    .select()
    .from(tracebackRequests)
    .where(eq(tracebackRequests.tracebackId, tracebackId));
  return row;
}

/** A request's attachments without their bytes, in the order the agency sent them. */
export async function requestAttachmentsOf(
  db: Executor,
  requestId: string,
): Promise<RequestAttachmentMeta[]> {
  return db
    .select({
      id: requestAttachments.id,
      requestId: requestAttachments.requestId,
      position: requestAttachments.position,
      name: requestAttachments.name,
      contentType: requestAttachments.contentType,
      sizeBytes: requestAttachments.sizeBytes,
      sha256: requestAttachments.sha256,
      uploadedBy: requestAttachments.uploadedBy,
      uploadedAt: requestAttachments.uploadedAt,
    })
    .from(requestAttachments)
    .where(eq(requestAttachments.requestId, requestId))
    .orderBy(asc(requestAttachments.position));
}

export async function findRequestAttachment(
  db: Executor,
  id: string,
): Promise<RequestAttachmentRow | undefined> {
  const [row] = await db.select().from(requestAttachments).where(eq(requestAttachments.id, id));
  return row;
}
