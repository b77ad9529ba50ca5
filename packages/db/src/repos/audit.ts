import { and, desc, eq, gt, lt, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client';
import { auditHead, auditLedger, auditPublishedHeads } from '../schema';
import { rowsOf } from './detection';

/** What a caller gives for one ledger entry; the chain trigger adds seq, prev_hash, entry and hash. */
export interface AuditInsert {
  at: Date;
  actor: string;
  actorUserId: string | null;
  action: string;
  subjectType: string;
  subjectId: string | null;
  details: Record<string, unknown>;
}

export type AuditRow = typeof auditLedger.$inferSelect;

/**
 * Appends entries to the ledger in the caller's transaction. The chain trigger locks the head until
 * the transaction ends, so call this last in a command (every other writer waits for the head).
 */
export async function insertAuditEntries(db: Executor, rows: readonly AuditInsert[]): Promise<void> {
  if (rows.length === 0) return;
  const values = rows.map(
    (r) =>
      sql`(${r.at.toISOString()}::timestamptz, ${r.actor}, ${r.actorUserId}::uuid, ${r.action}, ${r.subjectType}, ${r.subjectId}, ${JSON.stringify(r.details)}::jsonb)`,
  );
  await db.execute(sql`
    insert into audit_ledger (at, actor, actor_user_id, action, subject_type, subject_id, details)
    values ${sql.join(values, sql`, `)}`);
}

export interface AuditFilter {
  /** A user id (the actor's) or an actor label (an email address, `system:clock`, …). */
  actor?: string | undefined;
  subjectType?: string | undefined;
  subjectId?: string | undefined;
  /** An action, or a prefix ending in `.` (`hop.` is every hop action). */
  action?: string | undefined;
  /** Entries before this sequence number (the keyset cursor; newest first). */
  beforeSeq?: number | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A page of the ledger, newest first; each filter is served by its own index on (…, seq). */
export async function listAuditEntries(
  db: Executor,
  filter: AuditFilter,
  limit: number,
): Promise<AuditRow[]> {
  const where: SQL[] = [];
  if (filter.actor)
    where.push(
      UUID.test(filter.actor)
        ? eq(auditLedger.actorUserId, filter.actor.toLowerCase())
        : eq(auditLedger.actor, filter.actor),
    );
  if (filter.subjectType) where.push(eq(auditLedger.subjectType, filter.subjectType));
  if (filter.subjectId) where.push(eq(auditLedger.subjectId, filter.subjectId));
  if (filter.action) {
    if (filter.action.endsWith('.')) {
      // A prefix as a range (the index on (action, seq) serves it): 'hop.' ≤ action < 'hop/'.
      const upper =
        filter.action.slice(0, -1) +
        String.fromCharCode(filter.action.charCodeAt(filter.action.length - 1) + 1);
      where.push(sql`${auditLedger.action} >= ${filter.action} and ${auditLedger.action} < ${upper}`);
    } else where.push(eq(auditLedger.action, filter.action));
  }
  if (filter.beforeSeq !== undefined) where.push(lt(auditLedger.seq, filter.beforeSeq));
  return db
    .select()
    .from(auditLedger)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditLedger.seq))
    .limit(limit);
}

export interface AuditHead {
  seq: number;
  hash: string;
}

export async function readAuditHead(db: Executor): Promise<AuditHead | undefined> {
  const [row] = await db.select({ seq: auditHead.seq, hash: auditHead.hash }).from(auditHead);
  return row;
}

/** One row of the chain as `audit verify` reads it: the stored columns, `at` as text to the microsecond. */
export interface AuditChainRow {
  seq: number;
  atText: string;
  actor: string;
  actorUserId: string | null;
  action: string;
  subjectType: string;
  subjectId: string | null;
  details: unknown;
  entry: string;
  prevHash: string;
  hash: string;
}

/** The chain in order from `afterSeq`, one page at a time (the primary key serves it). */
export async function readAuditChain(
  db: Executor,
  afterSeq: number,
  limit: number,
): Promise<AuditChainRow[]> {
  const rows = rowsOf<{
    seq: string | number;
    at_text: string;
    actor: string;
    actor_user_id: string | null;
    action: string;
    subject_type: string;
    subject_id: string | null;
    details: unknown;
    entry: string;
    prev_hash: string;
    hash: string;
  }>(
    await db.execute(sql`
      select seq, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at_text, actor,
             actor_user_id::text as actor_user_id, action, subject_type, subject_id, details, entry, prev_hash, hash
      from audit_ledger where seq > ${afterSeq} order by seq limit ${limit}`),
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    atText: r.at_text,
    actor: r.actor,
    actorUserId: r.actor_user_id,
    action: r.action,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    // PGlite and pg both hand jsonb over parsed; text only if a driver did not.
    details: typeof r.details === 'string' ? (JSON.parse(r.details) as unknown) : r.details,
    entry: r.entry,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}

export type PublishedHeadRow = typeof auditPublishedHeads.$inferSelect;

/** Records a published head unless that sequence number was published already. */
export async function insertPublishedHead(db: Executor, row: PublishedHeadRow): Promise<boolean> {
  const inserted = await db
    .insert(auditPublishedHeads)
    .values(row)
    .onConflictDoNothing()
    .returning({ seq: auditPublishedHeads.seq });
  return inserted.length > 0;
}

export async function latestPublishedHead(db: Executor): Promise<PublishedHeadRow | undefined> {
  const [row] = await db.select().from(auditPublishedHeads).orderBy(desc(auditPublishedHeads.seq)).limit(1);
  return row;
}

export async function listPublishedHeads(db: Executor, afterSeq = 0): Promise<PublishedHeadRow[]> {
  return db
    .select()
    .from(auditPublishedHeads)
    .where(gt(auditPublishedHeads.seq, afterSeq))
    .orderBy(auditPublishedHeads.seq);
}
