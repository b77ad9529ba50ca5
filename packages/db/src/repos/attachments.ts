import { asc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../client';
import { attachments } from '../schema';

export type AttachmentRow = typeof attachments.$inferSelect;
export type AttachmentInsert = typeof attachments.$inferInsert;
/** An attachment without its bytes: what lists and presenters need. */
export type AttachmentMeta = Omit<AttachmentRow, 'data'>;

const META = {
  id: attachments.id,
  tracebackId: attachments.tracebackId,
  hopId: attachments.hopId,
  fileName: attachments.fileName,
  contentType: attachments.contentType,
  sizeBytes: attachments.sizeBytes,
  sha256: attachments.sha256,
  uploadedBy: attachments.uploadedBy,
  uploadedAt: attachments.uploadedAt,
};

/** Attachments are append-only (a trigger refuses updates and deletes). */
export async function insertAttachment(db: Executor, row: AttachmentInsert): Promise<AttachmentMeta> {
  const [created] = await db.insert(attachments).values(row).returning(META);
  if (!created) throw new Error('insert into attachments returned no row');
  return created;
}

/** One attachment with its bytes, for a download. */
export async function findAttachment(db: Executor, id: string): Promise<AttachmentRow | undefined> {
  const [row] = await db.select().from(attachments).where(eq(attachments.id, id));
  return row;
}

export async function attachmentsOfHop(db: Executor, hopId: string): Promise<AttachmentMeta[]> {
  return db
    .select(META)
    .from(attachments)
    .where(eq(attachments.hopId, hopId))
    .orderBy(asc(attachments.uploadedAt), asc(attachments.id));
}

/** The attachments of several hops at once (a traceback's path), without their bytes. */
export async function attachmentsOfHops(db: Executor, hopIds: string[]): Promise<AttachmentMeta[]> {
  if (hopIds.length === 0) return [];
  return db
    .select(META)
    .from(attachments)
    .where(inArray(attachments.hopId, hopIds))
    .orderBy(asc(attachments.uploadedAt), asc(attachments.id));
}
