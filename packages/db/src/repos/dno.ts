import { and, asc, eq, gt, isNull, max, sql } from 'drizzle-orm';
import type { Executor } from '../client';
import { dnoChanges, dnoEntries } from '../schema';

export type DnoEntryRow = typeof dnoEntries.$inferSelect;
export type DnoEntryInsert = typeof dnoEntries.$inferInsert;
export type DnoChangeRow = typeof dnoChanges.$inferSelect;
export type DnoChangeInsert = typeof dnoChanges.$inferInsert;

/**
 * Every change to the DNO list takes this lock first: writers serialise (readers do not wait), so
 * each change numbers itself `max(version) + 1` and versions commit in order.
 */
export async function lockDnoList(tx: Executor): Promise<number> {
  await tx.execute(sql`LOCK TABLE ${dnoChanges} IN EXCLUSIVE MODE`);
  return dnoVersion(tx);
}

/** The list's current version: the number of changes ever made to it (0 for an empty list). */
export async function dnoVersion(db: Executor): Promise<number> {
  const [row] = await db.select({ version: max(dnoChanges.version) }).from(dnoChanges);
  return Number(row?.version ?? 0);
}

export async function liveDnoEntries(db: Executor): Promise<DnoEntryRow[]> {
  return db
    .select()
    .from(dnoEntries)
    .where(isNull(dnoEntries.removedAt))
    .orderBy(asc(dnoEntries.start), asc(dnoEntries.end), asc(dnoEntries.id));
}

export async function findDnoEntry(db: Executor, id: string): Promise<DnoEntryRow | undefined> {
  const [row] = await db.select().from(dnoEntries).where(eq(dnoEntries.id, id));
  return row;
}

/** Inserts in chunks: a large import stays under PostgreSQL's 65,535 bind parameters per statement. */
export async function insertDnoEntries(db: Executor, rows: DnoEntryInsert[]): Promise<DnoEntryRow[]> {
  const out: DnoEntryRow[] = [];
  for (let i = 0; i < rows.length; i += 2000)
    out.push(
      ...(await db
        .insert(dnoEntries)
        .values(rows.slice(i, i + 2000))
        .returning()),
    );
  return out;
}

export async function appendDnoChanges(db: Executor, rows: DnoChangeInsert[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 5000) await db.insert(dnoChanges).values(rows.slice(i, i + 5000));
}

export async function retireDnoEntryRow(
  db: Executor,
  id: string,
  patch: { removedAt: Date; removedBy: string | null; versionRemoved: number },
): Promise<DnoEntryRow | undefined> {
  const [row] = await db
    .update(dnoEntries)
    .set(patch)
    .where(and(eq(dnoEntries.id, id), isNull(dnoEntries.removedAt)))
    .returning();
  return row;
}

/** Changes after `since`, oldest first, each with its entry as it is now. */
export async function dnoChangesSince(
  db: Executor,
  since: number,
  limit: number,
): Promise<Array<{ change: DnoChangeRow; entry: DnoEntryRow }>> {
  return db
    .select({ change: dnoChanges, entry: dnoEntries })
    .from(dnoChanges)
    .innerJoin(dnoEntries, eq(dnoEntries.id, dnoChanges.entryId))
    .where(gt(dnoChanges.version, since))
    .orderBy(asc(dnoChanges.version))
    .limit(limit);
}
