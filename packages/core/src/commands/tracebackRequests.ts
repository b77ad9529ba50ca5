import { audit } from '../audit';
import { createHash } from 'node:crypto';
import type { TRequestAttachment, TTracebackRequest, TTracebackRequestCreate } from '@hoptrace/contracts';
import {
  findProvider,
  findRequestAttachment,
  findTracebackRequestView,
  insertRequestAttachments,
  insertTracebackRequest,
  isReferredToUser,
  listTracebackRequests,
  lockTracebackRequest,
  requestAttachmentsOf,
  updateTracebackRequestRow,
  type RequestAttachmentMeta,
  type RequestAttachmentRow,
  type TracebackRequestView,
} from '@hoptrace/db';

import { DEFAULT_URGENT_HOURS, type CommandContext } from '../context';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { authorize, policy } from '../policies';
import { DEFAULT_ATTACHMENT_MAX_BYTES } from './attachments';
import { openTraceback, type DnoCheck } from './openTraceback';
import { agencyIdOf } from './referrals';

/**
 * Agency traceback requests (decision 0026): an enforcement user asks for a traceback of a call, with evidence
 * and a reason; staff accept it (which opens the traceback through openTraceback, linked to the request) or
 * decline it with a reason. An agency sees its own requests; staff see all, the ITG's priority first.
 */

/** A call younger than this (when looked at) is a priority: its records are still kept everywhere. */
export const RECENT_CALL_MS = 10 * 24 * 3_600_000;
/** One request's evidence: at most this many files and this many bytes in all. */
export const REQUEST_ATTACHMENTS_MAX = 5;
export const REQUEST_ATTACHMENT_MAX_BYTES = DEFAULT_ATTACHMENT_MAX_BYTES;
export const REQUEST_ATTACHMENTS_TOTAL_MAX_BYTES = 20 * 1024 * 1024;

/** The evidence types an agency may send, recognised by their first bytes (never by name or declared type). */
export function sniffEvidenceType(b: Uint8Array): string | undefined {
  const at = (i: number, s: string) =>
    b.length >= i + s.length && Buffer.from(b.subarray(i, i + s.length)).toString('latin1') === s;
  if (at(0, '%PDF-')) return 'application/pdf';
  if (at(0, '\x89PNG\r\n\x1a\n')) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (at(0, 'GIF87a') || at(0, 'GIF89a')) return 'image/gif';
  if (at(0, 'RIFF') && at(8, 'WEBP')) return 'image/webp';
  if (at(0, 'RIFF') && at(8, 'WAVE')) return 'audio/wav';
  if (at(0, 'ID3') || (b.length >= 2 && b[0] === 0xff && (b[1]! & 0xe0) === 0xe0)) return 'audio/mpeg';
  if (at(0, 'OggS')) return 'audio/ogg';
  if (at(0, 'fLaC')) return 'audio/flac';
  if (at(4, 'ftyp')) return 'audio/mp4';
  return undefined;
}

/** A file name safe to store and to send back in Content-Disposition (last path segment, no controls or quotes). */
function cleanName(raw: string): string | undefined {
  const base = raw.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const name = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim();
  return !name || name === '.' || name === '..' || name.length > 200 ? undefined : name;
}

function presentAttachment(a: RequestAttachmentMeta): TRequestAttachment {
  return {
    id: a.id,
    name: a.name,
    contentType: a.contentType,
    size: a.sizeBytes,
    sha256: a.sha256,
    uploadedAt: a.uploadedAt.toISOString(),
  };
}

async function present(
  ctx: CommandContext,
  r: TracebackRequestView,
  attachments: RequestAttachmentMeta[],
): Promise<TTracebackRequest> {
  const { db, actor, clock } = ctx;
  const staff = policy.decideTracebackRequests(actor);
  // The agency learns the result (the outcome) once the traceback is referred to it.
  const referred =
    r.tracebackId && !staff && actor.userId ? await isReferredToUser(db, r.tracebackId, actor.userId) : false;
  return {
    id: r.id,
    agencyId: r.agencyId,
    agency: r.agencyName,
    submittedBy: r.submittedByEmail,
    submittedAt: r.submittedAt.toISOString(),
    call: {
      startedAt: r.callStartedAt.toISOString(),
      callingNumber: r.callingNumber,
      calledNumber: r.calledNumber,
      terminatingProviderId: r.terminatingProviderId,
      terminatingProviderName: r.terminatingProviderName,
    },
    reason: r.reason,
    urgency: r.urgency,
    recentCall: clock.now().getTime() - r.callStartedAt.getTime() < RECENT_CALL_MS,
    status: r.status,
    decidedAt: r.decidedAt ? r.decidedAt.toISOString() : null,
    declineReason: r.declineReason,
    traceback:
      r.tracebackId && r.tracebackStatus
        ? {
            id: r.tracebackId,
            status: r.tracebackStatus,
            outcome: staff || referred ? r.tracebackOutcome : null,
            referredToYou: referred,
          }
        : null,
    attachments: attachments.map(presentAttachment),
    can: { accept: staff && r.status === 'pending', decline: staff && r.status === 'pending' },
  };
}

/** The request as this actor may see it: staff all, an enforcement user its own agency's; anyone else 404. */
async function visibleRequest(ctx: CommandContext, id: string): Promise<TracebackRequestView> {
  const r = await findTracebackRequestView(ctx.db, id);
  if (!r) throw new NotFoundError('traceback request');
  if (policy.decideTracebackRequests(ctx.actor)) return r;
  const agencyId = await agencyIdOf(ctx.db, ctx.actor);
  if (!agencyId || agencyId !== r.agencyId) throw new NotFoundError('traceback request');
  return r;
}

const FUTURE_SKEW_MS = 5 * 60_000;

/** An enforcement user submits a request for its agency; the evidence is checked before anything is written. */
export async function submitTracebackRequest(
  ctx: CommandContext & { input: TTracebackRequestCreate },
): Promise<TTracebackRequest> {
  const { db, actor, clock, input } = ctx;
  authorize(policy.submitTracebackRequest(actor), 'route');
  const agencyId = await agencyIdOf(db, actor);
  if (!agencyId) throw new NotFoundError('route');
  const now = clock.now();
  if (input.call.startedAt.getTime() > now.getTime() + FUTURE_SKEW_MS)
    throw InvalidInputError.field('call.startedAt', 'is in the future');
  if (input.attachments.length > REQUEST_ATTACHMENTS_MAX)
    throw InvalidInputError.field('attachments', `at most ${REQUEST_ATTACHMENTS_MAX} files`);
  let total = 0;
  const files = input.attachments.map((a, i) => {
    const name = cleanName(a.name);
    if (!name)
      throw InvalidInputError.field(`attachments.${i}.name`, 'must be a file name of 1 to 200 characters');
    const data = Buffer.from(a.dataBase64, 'base64');
    if (data.length === 0) throw InvalidInputError.field(`attachments.${i}.dataBase64`, 'is empty');
    if (data.length > REQUEST_ATTACHMENT_MAX_BYTES)
      throw InvalidInputError.field(
        `attachments.${i}.dataBase64`,
        `is larger than ${REQUEST_ATTACHMENT_MAX_BYTES} bytes`,
      );
    total += data.length;
    const contentType = sniffEvidenceType(data);
    if (!contentType)
      throw InvalidInputError.field(
        `attachments.${i}.dataBase64`,
        'is not a PDF, an image (PNG, JPEG, GIF, WebP) or audio (WAV, MP3, Ogg, FLAC, M4A)',
      );
    return { name, data, contentType, sha256: createHash('sha256').update(data).digest('hex') };
  });
  if (total > REQUEST_ATTACHMENTS_TOTAL_MAX_BYTES)
    throw InvalidInputError.field(
      'attachments',
      `are larger than ${REQUEST_ATTACHMENTS_TOTAL_MAX_BYTES} bytes in all`,
    );
  const id = await db.transaction(async (tx) => {
    const providerId = input.call.terminatingProviderId ?? null;
    if (providerId && !(await findProvider(tx, providerId)))
      throw InvalidInputError.field('call.terminatingProviderId', 'is not a provider in the directory');
    const row = await insertTracebackRequest(tx, {
      agencyId,
      submittedBy: actor.userId,
      submittedAt: now,
      callStartedAt: input.call.startedAt,
      callingNumber: input.call.callingNumber,
      calledNumber: input.call.calledNumber,
      terminatingProviderId: providerId,
      reason: input.reason,
      urgency: input.urgency,
      status: 'pending',
    });
    await insertRequestAttachments(
      tx,
      files.map((f, position) => ({
        requestId: row.id,
        position,
        name: f.name,
        contentType: f.contentType,
        sizeBytes: f.data.length,
        sha256: f.sha256,
        data: f.data,
        uploadedBy: actor.userId,
        uploadedAt: now,
      })),
    );
    await audit(tx, ctx, {
      action: 'traceback_request.submitted',
      subject: 'traceback_request',
      subjectId: row.id,
      details: {
        agencyId,
        urgency: input.urgency,
        attachments: files.map((f) => ({ name: f.name, sha256: f.sha256 })),
      },
    });
    return row.id;
  });
  return getTracebackRequest({ ...ctx, requestId: id });
}

export async function getTracebackRequest(
  ctx: CommandContext & { requestId: string },
): Promise<TTracebackRequest> {
  const r = await visibleRequest(ctx, ctx.requestId);
  return present(ctx, r, await requestAttachmentsOf(ctx.db, r.id));
}

/** Staff: every request, the ITG's priority first (pending, urgent, calls under ten days old). An agency: its own. */
export async function listTracebackRequestsFor(
  ctx: CommandContext & { status?: TTracebackRequest['status'] | undefined; limit: number },
): Promise<TTracebackRequest[]> {
  const { db, actor, clock } = ctx;
  let agencyId: string | undefined;
  if (!policy.decideTracebackRequests(actor)) {
    agencyId = (await agencyIdOf(db, actor)) ?? undefined;
    if (!agencyId) throw new NotFoundError('route');
  }
  const rows = await listTracebackRequests(db, {
    agencyId,
    status: ctx.status,
    now: clock.now(),
    limit: ctx.limit,
  });
  return Promise.all(rows.map(async (r) => present(ctx, r, await requestAttachmentsOf(db, r.id))));
}

/**
 * Staff accept a pending request: the traceback opens through openTraceback at the terminating provider
 * (the request's, or `firstProviderId` when the agency did not know it), linked to the request in the same
 * transaction. An urgent request's traceback runs on the short clock (settings.urgentHours, default 4 h).
 * Accepting a request that is no longer pending is a conflict.
 */
export async function acceptTracebackRequest(
  ctx: CommandContext & {
    requestId: string;
    input: { firstProviderId?: string | undefined; note?: string | undefined };
    dno?: DnoCheck | undefined;
  },
): Promise<TTracebackRequest> {
  const { db, actor, clock, requestId, input } = ctx;
  authorize(policy.decideTracebackRequests(actor), 'traceback request');
  const r = await findTracebackRequestView(db, requestId);
  if (!r) throw new NotFoundError('traceback request');
  if (r.status !== 'pending') throw new ConflictError(`the request is already ${r.status}`);
  const firstProviderId = input.firstProviderId ?? r.terminatingProviderId;
  if (!firstProviderId)
    throw InvalidInputError.field(
      'firstProviderId',
      'the request names no terminating provider; name the provider to start at',
    );
  const urgentHours =
    r.urgency === 'urgent' ? (ctx.settings?.urgentHours ?? DEFAULT_URGENT_HOURS) : undefined;
  await openTraceback({
    ...ctx,
    dno: ctx.dno,
    input: {
      call: { startedAt: r.callStartedAt, callingNumber: r.callingNumber, calledNumber: r.calledNumber },
      firstProviderId,
      note: input.note ?? `Requested by ${r.agencyName}: ${r.reason}`.slice(0, 5000),
    },
    urgentHours,
    fromRequestId: r.id,
    within: async (tx, traceback) => {
      // Two staff accepting at once: the second waits here, then finds it accepted and rolls back its traceback.
      const locked = await lockTracebackRequest(tx, requestId);
      if (!locked) throw new NotFoundError('traceback request');
      if (locked.status !== 'pending') throw new ConflictError(`the request is already ${locked.status}`);
      await updateTracebackRequestRow(tx, requestId, {
        status: 'accepted',
        decidedAt: clock.now(),
        decidedBy: actor.userId,
        tracebackId: traceback.id,
      });
    },
  });
  return getTracebackRequest(ctx);
}

/** Staff decline a pending request with a reason the agency reads. Declining twice is a conflict. */
export async function declineTracebackRequest(
  ctx: CommandContext & { requestId: string; reason: string },
): Promise<TTracebackRequest> {
  const { db, actor, clock, requestId, reason } = ctx;
  authorize(policy.decideTracebackRequests(actor), 'traceback request');
  await db.transaction(async (tx) => {
    const locked = await lockTracebackRequest(tx, requestId);
    if (!locked) throw new NotFoundError('traceback request');
    if (locked.status !== 'pending') throw new ConflictError(`the request is already ${locked.status}`);
    await updateTracebackRequestRow(tx, requestId, {
      status: 'declined',
      decidedAt: clock.now(),
      decidedBy: actor.userId,
      declineReason: reason,
    });
    await audit(tx, ctx, {
      action: 'traceback_request.declined',
      subject: 'traceback_request',
      subjectId: requestId,
      details: { reason },
    });
  });
  return getTracebackRequest(ctx);
}

/** One evidence file of a request, by the request's reading rule. */
export async function getRequestAttachment(
  ctx: CommandContext & { requestId: string; attachmentId: string },
): Promise<RequestAttachmentRow> {
  const r = await visibleRequest(ctx, ctx.requestId);
  const a = await findRequestAttachment(ctx.db, ctx.attachmentId);
  if (!a || a.requestId !== r.id) throw new NotFoundError('attachment');
  return a;
}
