import { createHash } from 'node:crypto';
import type { TAttachment } from '@hoptrace/contracts';
import {
  appendEvents,
  attachmentsOfHop,
  findAttachment,
  findHop,
  insertAttachment,
  lockTraceback,
  type AttachmentMeta,
  type AttachmentRow,
} from '@hoptrace/db';
import type { CommandContext } from '../context';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { policy } from '../policies';
import { referredToActor } from './referrals';

/** Evidence is PDF only: a file that does not start with this is refused, whatever its name or type says. */
export const PDF_MAGIC = Buffer.from('%PDF-', 'latin1');
export const ATTACHMENT_CONTENT_TYPE = 'application/pdf';
/** The default cap on one attachment (the server may set its own). */
export const DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;
const NAME_MAX = 200;

export const isPdf = (data: Uint8Array): boolean =>
  data.length >= PDF_MAGIC.length && Buffer.from(data.subarray(0, PDF_MAGIC.length)).equals(PDF_MAGIC);

/**
 * A file name safe to store and to send back in Content-Disposition: the last path segment, without
 * control characters or quotes; `.pdf` added when missing. Undefined when nothing usable is left.
 */
export function cleanFileName(raw: string): string | undefined {
  const base = raw.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const name = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim();
  if (!name || name === '.' || name === '..') return undefined;
  const withExt = /\.pdf$/i.test(name) ? name : `${name}.pdf`;
  return withExt.length > NAME_MAX ? undefined : withExt;
}

export function presentAttachment(a: AttachmentMeta): TAttachment {
  return {
    id: a.id,
    hopId: a.hopId,
    name: a.fileName,
    contentType: a.contentType,
    size: a.sizeBytes,
    sha256: a.sha256,
    uploadedAt: a.uploadedAt.toISOString(),
  };
}

/** Hops whose provider may still add evidence: its open request, or the answer it gave (not withdrawn hops). */
const ATTACHABLE = new Set(['pending', 'non_responsive', 'answered']);

/**
 * Attaches a PDF to a hop: staff, or the hop's provider (its users or the hop's link) while the hop is
 * open or answered and the traceback is not closed. Recorded in the timeline with its SHA-256.
 */
export async function attachToHop(
  ctx: CommandContext & { hopId: string; fileName: string; data: Uint8Array },
): Promise<TAttachment> {
  const { db, clock, actor, hopId, data } = ctx;
  const fileName = cleanFileName(ctx.fileName);
  if (!fileName) throw InvalidInputError.field('name', `must be a file name of 1 to ${NAME_MAX} characters`);
  if (data.length === 0) throw InvalidInputError.field('(body)', 'is empty; send the PDF file as the body');
  if (!isPdf(data)) throw new NotPdfError();
  return db.transaction(async (tx) => {
    const seen = await findHop(tx, hopId);
    if (!seen || !policy.attachToHop(actor, seen)) throw new NotFoundError('hop');
    const traceback = await lockTraceback(tx, seen.tracebackId);
    if (!traceback) throw new NotFoundError('hop');
    if (traceback.status !== 'open')
      throw new ConflictError('the traceback is closed; attachments can no longer be added');
    if (!ATTACHABLE.has(seen.status))
      throw new ConflictError(`the hop is ${seen.status}; attachments can no longer be added`);
    const now = clock.now();
    const sha256 = createHash('sha256').update(data).digest('hex');
    const row = await insertAttachment(tx, {
      tracebackId: traceback.id,
      hopId: seen.id,
      fileName,
      contentType: ATTACHMENT_CONTENT_TYPE,
      sizeBytes: data.length,
      sha256,
      data: Buffer.from(data),
      uploadedBy: actor.userId,
      uploadedAt: now,
    });
    await appendEvents(tx, [
      {
        tracebackId: traceback.id,
        hopId: seen.id,
        at: now,
        actorUserId: actor.userId,
        actor: actor.label,
        type: 'hop.attachment_added',
        data: { attachmentId: row.id, fileName, size: data.length, sha256 },
      },
    ]);
    return presentAttachment(row);
  });
}

/** A body that is not a PDF; doors answer it as an unsupported media type. */
export class NotPdfError extends InvalidInputError {
  constructor() {
    super('the file is not a PDF (it must start with %PDF-)', [
      { path: '(body)', message: 'is not a PDF file' },
    ]);
  }
}

export async function listAttachments(ctx: CommandContext & { hopId: string }): Promise<TAttachment[]> {
  const hop = await findHop(ctx.db, ctx.hopId);
  if (
    !hop ||
    !policy.readAttachments(ctx.actor, hop, await referredToActor(ctx.db, ctx.actor, hop.tracebackId))
  )
    throw new NotFoundError('hop');
  return (await attachmentsOfHop(ctx.db, hop.id)).map(presentAttachment);
}

/** One attachment with its bytes, for whoever may read its hop's attachments. */
export async function getAttachment(ctx: CommandContext & { attachmentId: string }): Promise<AttachmentRow> {
  const row = await findAttachment(ctx.db, ctx.attachmentId);
  if (!row) throw new NotFoundError('attachment');
  const hop = await findHop(ctx.db, row.hopId);
  if (
    !hop ||
    !policy.readAttachments(ctx.actor, hop, await referredToActor(ctx.db, ctx.actor, hop.tracebackId))
  )
    throw new NotFoundError('attachment');
  return row;
}
