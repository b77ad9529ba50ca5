import { asc, count, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../client';
import { agencies, legalRequests, referrals, tracebackRequests, users } from '../schema';

export type AgencyRow = typeof agencies.$inferSelect;
export type AgencyInsert = typeof agencies.$inferInsert;

/** Inserts an agency; the unique index on lower(name) refuses a second one of the same name (23505). */
export async function insertAgency(db: Executor, row: AgencyInsert): Promise<AgencyRow> {
  const [created] = await db.insert(agencies).values(row).returning();
  if (!created) throw new Error('insert into agencies returned no row');
  return created;
}

export async function updateAgencyRow(
  db: Executor,
  id: string,
  patch: Partial<Pick<AgencyRow, 'name' | 'kind' | 'jurisdiction' | 'contacts' | 'updatedAt'>>,
): Promise<AgencyRow | undefined> {
  const [row] = await db.update(agencies).set(patch).where(eq(agencies.id, id)).returning();
  return row;
}

export async function findAgency(db: Executor, id: string): Promise<AgencyRow | undefined> {
  const [row] = await db.select().from(agencies).where(eq(agencies.id, id));
  return row;
}

/** An agency by name, compared without case (names are unique that way). */
export async function findAgencyByName(db: Executor, name: string): Promise<AgencyRow | undefined> {
  const [row] = await db
    .select()
    .from(agencies)
    .where(sql`lower(${agencies.name}) = lower(${name.trim()})`);
  return row;
}

export async function findAgencies(db: Executor, ids: string[]): Promise<AgencyRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(agencies).where(inArray(agencies.id, ids)).orderBy(asc(agencies.name));
}

/** The whole directory, by name (it holds tens of agencies, not thousands). */
export async function listAgencyRows(db: Executor): Promise<AgencyRow[]> {
  return db
    .select()
    .from(agencies)
    .orderBy(sql`lower(${agencies.name})`, asc(agencies.id));
}

/** Whether anything points at the agency (users, referrals, requests, legal requests): such an agency is not deleted. */
export async function agencyInUse(db: Executor, id: string): Promise<boolean> {
  const [u] = await db.select({ n: count() }).from(users).where(eq(users.agencyId, id));
  const [r] = await db.select({ n: count() }).from(referrals).where(eq(referrals.agencyId, id));
  const [q] = await db
    .select({ n: count() })
    .from(tracebackRequests)
    .where(eq(tracebackRequests.agencyId, id));
  const [l] = await db
    .select({ n: count() })
    .from(legalRequests)
    .where(eq(legalRequests.issuingAgencyId, id));
  return (u?.n ?? 0) + (r?.n ?? 0) + (q?.n ?? 0) + (l?.n ?? 0) > 0;
}

export async function deleteAgencyRow(db: Executor, id: string): Promise<boolean> {
  const gone = await db.delete(agencies).where(eq(agencies.id, id)).returning({ id: agencies.id });
  return gone.length > 0;
}
