import { and, asc, desc, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../client';
import { legalRequests, providerLetters, users } from '../schema';
import { rowsOf } from './detection';

export type LegalRequestRow = typeof legalRequests.$inferSelect;
export type LegalRequestInsert = typeof legalRequests.$inferInsert;
/** A legal request without the document's bytes: what lists and presenters need. */
export type LegalRequestMeta = Omit<LegalRequestRow, 'documentData'>;
export type ProviderLetterRow = typeof providerLetters.$inferSelect;
export type ProviderLetterInsert = typeof providerLetters.$inferInsert;
export type ProviderLetterMeta = Omit<ProviderLetterRow, 'documentData'>;

const { documentData: _data, ...LEGAL_META } = getTableColumns(legalRequests);
const { documentData: _letterData, ...LETTER_META } = getTableColumns(providerLetters);

export async function insertLegalRequest(db: Executor, row: LegalRequestInsert): Promise<LegalRequestMeta> {
  const [created] = await db.insert(legalRequests).values(row).returning(LEGAL_META);
  if (!created) throw new Error('insert into legal_requests returned no row');
  return created;
}

/** One legal request without its document, locked for update when `lock` (a command's first read). */
export async function findLegalRequest(
  db: Executor,
  id: string,
  lock = false,
): Promise<LegalRequestMeta | undefined> {
  const q = db.select(LEGAL_META).from(legalRequests).where(eq(legalRequests.id, id));
  const [row] = lock ? await q.for('update') : await q;
  return row;
}

/** The document of a legal request with its bytes, if one was uploaded. */
export async function findLegalDocument(
  db: Executor,
  id: string,
): Promise<{ name: string; sha256: string; data: Buffer } | undefined> {
  const [row] = await db
    .select({
      name: legalRequests.documentName,
      sha256: legalRequests.documentSha256,
      data: legalRequests.documentData,
    })
    .from(legalRequests)
    .where(eq(legalRequests.id, id));
  if (!row?.data || !row.sha256) return undefined;
  return { name: row.name ?? 'document.pdf', sha256: row.sha256, data: row.data };
}

export async function updateLegalRequest(
  db: Executor,
  id: string,
  set: Partial<LegalRequestInsert>,
): Promise<LegalRequestMeta> {
  const [row] = await db.update(legalRequests).set(set).where(eq(legalRequests.id, id)).returning(LEGAL_META);
  if (!row) throw new Error('update of legal_requests returned no row');
  return row;
}

/** The register, by due date (soonest first), then by when it was entered. */
export async function listLegalRequests(
  db: Executor,
  filter: { status?: LegalRequestRow['status'] | undefined } = {},
): Promise<LegalRequestMeta[]> {
  return db
    .select(LEGAL_META)
    .from(legalRequests)
    .where(filter.status ? eq(legalRequests.status, filter.status) : undefined)
    .orderBy(asc(legalRequests.dueOn), asc(legalRequests.createdAt), asc(legalRequests.id))
    .limit(1000);
}

/** The requests an agency of the directory issued, by due date (soonest first). */
export async function listLegalRequestsIssuedBy(db: Executor, agencyId: string): Promise<LegalRequestMeta[]> {
  return db
    .select(LEGAL_META)
    .from(legalRequests)
    .where(eq(legalRequests.issuingAgencyId, agencyId))
    .orderBy(asc(legalRequests.dueOn), asc(legalRequests.createdAt), asc(legalRequests.id))
    .limit(1000);
}

/** Requests still to answer whose due date is on or before `until` (a calendar date), for the reminders. */
export async function openLegalRequestsDueBy(db: Executor, until: string): Promise<LegalRequestMeta[]> {
  return db
    .select(LEGAL_META)
    .from(legalRequests)
    .where(
      and(
        inArray(legalRequests.status, ['received', 'gathering']),
        sql`${legalRequests.dueOn} <= ${until}::date`,
      ),
    )
    .orderBy(asc(legalRequests.dueOn), asc(legalRequests.id));
}

/** Legal requests received in [from, to) (the UTC calendar dates of the two instants): the public statistics. */
export async function countLegalRequestsReceived(db: Executor, from: Date, to: Date): Promise<number> {
  const day = (d: Date) => d.toISOString().slice(0, 10);
  return db.$count(
    legalRequests,
    and(
      sql`${legalRequests.receivedOn} >= ${day(from)}::date`,
      sql`${legalRequests.receivedOn} < ${day(to)}::date`,
    ),
  );
}

export interface LegalScopeQuery {
  tracebackIds: string[];
  numbers: string[];
  from: string | null;
  to: string | null;
  campaignIds: string[];
}

export interface LegalMatchRow {
  id: string;
  openedAt: Date;
  status: string;
  outcome: string | null;
  callStartedAt: Date;
  callingNumber: string;
  calledNumber: string;
  campaignId: string | null;
}

/**
 * Tracebacks (traces, not forward requests) that a scope names: every explicit id, and those whose
 * calling or called number is one of `numbers` or whose campaign is one of `campaignIds`, with the call
 * within the date range [from, to] (calendar dates, UTC); a range alone names every trace in it. Oldest
 * call first, at most `limit`.
 */
export async function tracebacksMatchingScope(
  db: Executor,
  scope: LegalScopeQuery,
  limit: number,
): Promise<LegalMatchRow[]> {
  const uuidArray = (ids: string[]) =>
    sql`ARRAY[${sql.join(
      ids.map((i) => sql`${i}`),
      sql`, `,
    )}]::uuid[]`;
  const textArray = (xs: string[]) =>
    sql`ARRAY[${sql.join(
      xs.map((i) => sql`${i}`),
      sql`, `,
    )}]::text[]`;
  const range = [
    scope.from ? sql`t.call_started_at >= ${scope.from}::date::timestamp AT TIME ZONE 'UTC'` : sql`true`,
    scope.to ? sql`t.call_started_at < (${scope.to}::date + 1)::timestamp AT TIME ZONE 'UTC'` : sql`true`,
  ];
  const criteria = [];
  if (scope.numbers.length)
    criteria.push(
      sql`(t.calling_number = ANY(${textArray(scope.numbers)}) OR t.called_number = ANY(${textArray(scope.numbers)}))`,
    );
  if (scope.campaignIds.length) criteria.push(sql`t.campaign_id = ANY(${uuidArray(scope.campaignIds)})`);
  const hasRange = Boolean(scope.from || scope.to);
  const byCriteria =
    criteria.length > 0
      ? sql`((${sql.join(criteria, sql` OR `)}) AND ${range[0]} AND ${range[1]})`
      : hasRange
        ? sql`(${range[0]} AND ${range[1]})`
        : sql`false`;
  const byId = scope.tracebackIds.length ? sql`t.id = ANY(${uuidArray(scope.tracebackIds)})` : sql`false`;
  const result = await db.execute(sql`
    SELECT t.id, t.opened_at AS "openedAt", t.status, t.outcome, t.call_started_at AS "callStartedAt",
           t.calling_number AS "callingNumber", t.called_number AS "calledNumber", t.campaign_id AS "campaignId"
    FROM tracebacks t
    WHERE t.kind = 'trace' AND (${byId} OR ${byCriteria})
    ORDER BY t.call_started_at, t.id
    LIMIT ${limit}`);
  return rowsOf<Record<string, unknown>>(result).map((r) => ({
    id: String(r.id),
    openedAt: new Date(r.openedAt as string | Date),
    status: String(r.status),
    outcome: (r.outcome as string | null) ?? null,
    callStartedAt: new Date(r.callStartedAt as string | Date),
    callingNumber: String(r.callingNumber),
    calledNumber: String(r.calledNumber),
    campaignId: (r.campaignId as string | null) ?? null,
  }));
}

// Cease-and-desist letters

export async function insertProviderLetter(
  db: Executor,
  row: ProviderLetterInsert,
): Promise<ProviderLetterMeta> {
  const [created] = await db.insert(providerLetters).values(row).returning(LETTER_META);
  if (!created) throw new Error('insert into provider_letters returned no row');
  return created;
}

/** A provider's letters, newest first. */
export async function lettersOfProvider(db: Executor, providerId: string): Promise<ProviderLetterMeta[]> {
  return db
    .select(LETTER_META)
    .from(providerLetters)
    .where(eq(providerLetters.providerId, providerId))
    .orderBy(desc(providerLetters.issuedOn), desc(providerLetters.createdAt));
}

export async function findProviderLetterDocument(
  db: Executor,
  id: string,
): Promise<(ProviderLetterMeta & { documentData: Buffer | null }) | undefined> {
  const [row] = await db.select().from(providerLetters).where(eq(providerLetters.id, id));
  return row;
}

/** The letters of several providers (a traceback's path), oldest first. */
export async function lettersOfProviders(db: Executor, providerIds: string[]): Promise<ProviderLetterMeta[]> {
  if (providerIds.length === 0) return [];
  return db
    .select(LETTER_META)
    .from(providerLetters)
    .where(inArray(providerLetters.providerId, providerIds))
    .orderBy(asc(providerLetters.issuedOn), asc(providerLetters.id));
}

/** Emails of every active admin and analyst (legal reminders go to all staff). */
export async function allStaffEmails(db: Executor): Promise<string[]> {
  const rows = await db
    .select({ email: users.email })
    .from(users)
    .where(and(inArray(users.role, ['analyst', 'admin']), sql`${users.disabledAt} is null`))
    .orderBy(asc(users.email));
  return rows.map((r) => r.email);
}
