import { asc, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { Executor, Tx } from '../client';
import { attachments, evidenceKeys, evidencePackages, tracebacks } from '../schema';
import type { AttachmentRow } from './attachments';

export type EvidenceKeyRow = typeof evidenceKeys.$inferSelect;
export type EvidenceKeyInsert = typeof evidenceKeys.$inferInsert;
/** A key without its private half: what lists and verification need. */
export type EvidencePublicKey = Omit<EvidenceKeyRow, 'privateKey'>;
export type EvidencePackageRow = typeof evidencePackages.$inferSelect;
export type EvidencePackageInsert = typeof evidencePackages.$inferInsert;
/** A package without its bytes. */
export type EvidencePackageMeta = Omit<EvidencePackageRow, 'data'>;

const PUBLIC = {
  id: evidenceKeys.id,
  publicKeyPem: evidenceKeys.publicKeyPem,
  fingerprint: evidenceKeys.fingerprint,
  createdAt: evidenceKeys.createdAt,
  retiredAt: evidenceKeys.retiredAt,
};

/** The current evidence key (the one not retired), with its sealed private key. */
export async function currentEvidenceKey(db: Executor): Promise<EvidenceKeyRow | undefined> {
  const [row] = await db.select().from(evidenceKeys).where(isNull(evidenceKeys.retiredAt));
  return row;
}

/**
 * Stores a first current key unless one exists: the partial unique index keeps one when two
 * processes create it at once. Undefined when another current key was there first.
 */
export async function insertFirstEvidenceKey(
  db: Executor,
  row: EvidenceKeyInsert,
): Promise<EvidenceKeyRow | undefined> {
  const [created] = await db.insert(evidenceKeys).values(row).onConflictDoNothing().returning();
  return created;
}

/** Retires the current key (locked until the transaction ends); undefined when there is none. */
export async function retireCurrentEvidenceKey(tx: Tx, at: Date): Promise<EvidencePublicKey | undefined> {
  const [row] = await tx
    .update(evidenceKeys)
    .set({ retiredAt: at })
    .where(isNull(evidenceKeys.retiredAt))
    .returning(PUBLIC);
  return row;
}

export async function insertEvidenceKey(tx: Tx, row: EvidenceKeyInsert): Promise<EvidenceKeyRow> {
  const [created] = await tx.insert(evidenceKeys).values(row).returning();
  if (!created) throw new Error('insert into evidence_keys returned no row');
  return created;
}

/** Every key, current first, then retired ones newest first; no private keys. */
export async function listEvidenceKeys(db: Executor): Promise<EvidencePublicKey[]> {
  return db
    .select(PUBLIC)
    .from(evidenceKeys)
    .orderBy(desc(isNull(evidenceKeys.retiredAt)), desc(evidenceKeys.createdAt), asc(evidenceKeys.id));
}

export async function insertEvidencePackage(
  tx: Tx,
  row: EvidencePackageInsert,
): Promise<{ id: string; sha256: string }> {
  const [created] = await tx
    .insert(evidencePackages)
    .values(row)
    .returning({ id: evidencePackages.id, sha256: evidencePackages.sha256 });
  if (!created) throw new Error('insert into evidence_packages returned no row');
  return created;
}

/** One package with its bytes, for a download. */
export async function findEvidencePackage(db: Executor, id: string): Promise<EvidencePackageRow | undefined> {
  const [row] = await db.select().from(evidencePackages).where(eq(evidencePackages.id, id));
  return row;
}

/** Locks tracebacks in id order (the lock order for changes to several at once); the ones found. */
export async function lockTracebacks(tx: Tx, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await tx
    .select({ id: tracebacks.id })
    .from(tracebacks)
    .where(inArray(tracebacks.id, ids))
    .orderBy(asc(tracebacks.id))
    .for('update');
  return rows.map((r) => r.id);
}

/** A campaign's tracebacks (traces and forward requests), oldest first, at most `limit`. */
export async function tracebackIdsOfCampaign(
  db: Executor,
  campaignId: string,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .select({ id: tracebacks.id })
    .from(tracebacks)
    .where(eq(tracebacks.campaignId, campaignId))
    .orderBy(asc(tracebacks.openedAt), asc(tracebacks.id))
    .limit(limit);
  return rows.map((r) => r.id);
}

/** Attachments with their bytes, by id (the ones a presented traceback lists). */
export async function attachmentsWithData(db: Executor, ids: string[]): Promise<AttachmentRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(attachments)
    .where(inArray(attachments.id, ids))
    .orderBy(asc(attachments.uploadedAt), asc(attachments.id));
}
