import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../client';
import {
  providerRmdLinks,
  providers,
  rmdChanges,
  rmdFilings,
  rmdImports,
  rmdMatchProposals,
} from '../schema';

export type RmdFilingRow = typeof rmdFilings.$inferSelect;
export type RmdFilingInsert = typeof rmdFilings.$inferInsert;
export type RmdImportRow = typeof rmdImports.$inferSelect;
export type RmdChangeInsert = typeof rmdChanges.$inferInsert;
export type RmdProposalRow = typeof rmdMatchProposals.$inferSelect;
export type ProviderRmdLinkRow = typeof providerRmdLinks.$inferSelect;

const CHUNK = 1000;

/** Imports serialise: each diffs against what the previous one left. */
export async function lockRmd(tx: Executor): Promise<void> {
  await tx.execute(sql`LOCK TABLE ${rmdImports} IN EXCLUSIVE MODE`);
}

export async function countRmdImports(db: Executor): Promise<number> {
  return db.$count(rmdImports);
}

export async function allRmdFilings(db: Executor): Promise<RmdFilingRow[]> {
  return db.select().from(rmdFilings).orderBy(asc(rmdFilings.firstSeenAt), asc(rmdFilings.id));
}

export async function insertRmdImport(
  db: Executor,
  row: typeof rmdImports.$inferInsert,
): Promise<RmdImportRow> {
  const [created] = await db.insert(rmdImports).values(row).returning();
  if (!created) throw new Error('insert into rmd_imports returned no row');
  return created;
}

export async function insertRmdFilings(db: Executor, rows: RmdFilingInsert[]): Promise<RmdFilingRow[]> {
  const out: RmdFilingRow[] = [];
  for (let i = 0; i < rows.length; i += CHUNK)
    out.push(
      ...(await db
        .insert(rmdFilings)
        .values(rows.slice(i, i + CHUNK))
        .returning()),
    );
  return out;
}

export async function updateRmdFiling(
  db: Executor,
  id: string,
  patch: Partial<Omit<RmdFilingInsert, 'id'>>,
): Promise<void> {
  await db.update(rmdFilings).set(patch).where(eq(rmdFilings.id, id));
}

/** Marks the filings seen in an export (unchanged ones included) in one statement per chunk. */
export async function touchRmdFilings(db: Executor, ids: string[], at: Date): Promise<void> {
  for (let i = 0; i < ids.length; i += CHUNK)
    await db
      .update(rmdFilings)
      .set({ lastSeenAt: at })
      .where(inArray(rmdFilings.id, ids.slice(i, i + CHUNK)));
}

export async function appendRmdChanges(db: Executor, rows: RmdChangeInsert[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await db.insert(rmdChanges).values(rows.slice(i, i + CHUNK));
}

export async function listRmdChangesOfImport(db: Executor, importId: string) {
  return db.select().from(rmdChanges).where(eq(rmdChanges.importId, importId)).orderBy(asc(rmdChanges.id));
}

export async function directoryForMatching(db: Executor) {
  return db
    .select({
      id: providers.id,
      name: providers.name,
      dbaNames: providers.dbaNames,
      frn: providers.frn,
      rmdNumber: providers.rmdNumber,
    })
    .from(providers);
}

export async function rmdLinks(db: Executor): Promise<ProviderRmdLinkRow[]> {
  return db.select().from(providerRmdLinks);
}

/** Links (or re-links) a provider to a filing. */
export async function upsertRmdLink(db: Executor, row: typeof providerRmdLinks.$inferInsert): Promise<void> {
  await db
    .insert(providerRmdLinks)
    .values(row)
    .onConflictDoUpdate({
      target: providerRmdLinks.providerId,
      set: { filingId: row.filingId, strength: row.strength, reasons: row.reasons, linkedAt: row.linkedAt },
    });
}

/** Proposes weak matches; a pair already proposed (pending or decided) is left as it is. */
export async function insertRmdProposals(db: Executor, rows: Array<typeof rmdMatchProposals.$inferInsert>) {
  for (let i = 0; i < rows.length; i += CHUNK)
    await db
      .insert(rmdMatchProposals)
      .values(rows.slice(i, i + CHUNK))
      .onConflictDoNothing();
}

export async function listRmdProposals(
  db: Executor,
  status: RmdProposalRow['status'] | undefined,
  limit: number,
) {
  return db
    .select({ proposal: rmdMatchProposals, filing: rmdFilings, providerName: providers.name })
    .from(rmdMatchProposals)
    .innerJoin(rmdFilings, eq(rmdFilings.id, rmdMatchProposals.filingId))
    .innerJoin(providers, eq(providers.id, rmdMatchProposals.providerId))
    .where(status ? eq(rmdMatchProposals.status, status) : undefined)
    .orderBy(asc(rmdMatchProposals.createdAt), asc(rmdMatchProposals.id))
    .limit(limit);
}

export async function lockRmdProposal(db: Executor, id: string): Promise<RmdProposalRow | undefined> {
  const [row] = await db.select().from(rmdMatchProposals).where(eq(rmdMatchProposals.id, id)).for('update');
  return row;
}

export async function decideRmdProposal(
  db: Executor,
  id: string,
  patch: { status: 'accepted' | 'rejected'; decidedAt: Date; decidedBy: string | null },
): Promise<RmdProposalRow | undefined> {
  const [row] = await db
    .update(rmdMatchProposals)
    .set(patch)
    .where(and(eq(rmdMatchProposals.id, id), eq(rmdMatchProposals.status, 'pending')))
    .returning();
  return row;
}

/** Each provider's linked filing. */
export async function rmdFilingsOfProviders(
  db: Executor,
  providerIds: string[],
): Promise<Map<string, RmdFilingRow>> {
  if (providerIds.length === 0) return new Map();
  const rows = await db
    .select({ providerId: providerRmdLinks.providerId, filing: rmdFilings })
    .from(providerRmdLinks)
    .innerJoin(rmdFilings, eq(rmdFilings.id, providerRmdLinks.filingId))
    .where(inArray(providerRmdLinks.providerId, [...new Set(providerIds)]));
  return new Map(rows.map((r) => [r.providerId, r.filing]));
}

export async function hasLiveRmdFilings(db: Executor): Promise<boolean> {
  const [row] = await db
    .select({ id: rmdFilings.id })
    .from(rmdFilings)
    .where(isNull(rmdFilings.removedAt))
    .limit(1);
  return row !== undefined;
}
