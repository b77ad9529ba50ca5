import { createHash, randomUUID } from 'node:crypto';
import type {
  TIssuedLegalRequest,
  TLegalGather,
  TLegalMatchList,
  TLegalRequest,
  TLegalRequestCreate,
  TLegalRequestPatch,
  TLegalResponse,
  TLegalStatus,
} from '@hoptrace/contracts';
import {
  allStaffEmails,
  enqueueOutbox,
  findAgency,
  findLegalDocument,
  findLegalRequest,
  insertLegalRequest,
  listLegalRequests as listLegalRequestRows,
  listLegalRequestsIssuedBy,
  openLegalRequestsDueBy,
  tracebacksMatchingScope,
  updateLegalRequest,
  type Executor,
  type LegalRequestMeta,
  type OutboxInsert,
} from '@hoptrace/db';
import { audit } from '../audit';
import type { CommandContext } from '../context';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { buildEvidencePackage, MAX_TRACEBACKS_PER_PACKAGE, type BuiltPackage } from '../evidence/build';
import { authorize, policy } from '../policies';
import { cleanFileName, isPdf, NotPdfError } from './attachments';
import { agencyIdOf } from './referrals';

/**
 * The legal process register (decision 0029): subpoenas and civil investigative demands. Staff enter a
 * request with its scope and document, gather the tracebacks the scope matches (they confirm the set),
 * build an evidence package over them, and record the response. Staff only: everyone else gets 404.
 */

/** The most matches a scope shows at once (more: narrow the scope). */
export const MAX_LEGAL_MATCHES = 500;
/** HOPTRACE_LEGAL_REMINDER_DAYS: reminders go out this many days before the due date. */
export const DEFAULT_LEGAL_REMINDER_DAYS = [7, 2] as const;

const DAY_MS = 86_400_000;
const today = (now: Date) => now.toISOString().slice(0, 10);
/** Whole days from `from` to `to` (calendar dates, YYYY-MM-DD). */
const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

const OPEN: ReadonlySet<TLegalStatus> = new Set(['received', 'gathering']);

export function presentLegalRequest(r: LegalRequestMeta, now: Date): TLegalRequest {
  const daysLeft = daysBetween(today(now), r.dueOn);
  return {
    id: r.id,
    kind: r.kind,
    issuingAgency: r.issuingAgency,
    issuingAgencyId: r.issuingAgencyId,
    number: r.number,
    receivedOn: r.receivedOn,
    dueOn: r.dueOn,
    overdue: OPEN.has(r.status) && daysLeft < 0,
    daysLeft,
    scope: r.scope,
    status: r.status,
    notes: r.notes,
    document:
      r.documentSha256 && r.documentSize !== null
        ? {
            name: r.documentName ?? 'document.pdf',
            size: r.documentSize,
            sha256: r.documentSha256,
            url: `/api/v1/legal-requests/${r.id}/document`,
          }
        : null,
    gathered: { tracebackIds: r.gatheredTracebackIds, at: r.gatheredAt?.toISOString() ?? null },
    packageId: r.packageId,
    packageUrl: r.packageId ? `/api/v1/evidence-packages/${r.packageId}/download` : null,
    response: r.respondedAt
      ? { at: r.respondedAt.toISOString(), method: r.responseMethod ?? '', note: r.responseNote }
      : null,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

const guard = (ctx: CommandContext) => authorize(policy.manageLegalRequests(ctx.actor), 'legal request');

async function locked(ctx: CommandContext, id: string) {
  const row = await findLegalRequest(ctx.db, id, true);
  if (!row) throw new NotFoundError('legal request');
  return row;
}

export async function createLegalRequest(
  ctx: CommandContext & { input: TLegalRequestCreate },
): Promise<TLegalRequest> {
  guard(ctx);
  const { input, clock, actor } = ctx;
  return ctx.db.transaction(async (tx) => {
    if (input.issuingAgencyId) await mustBeInDirectory(tx, input.issuingAgencyId);
    const now = clock.now();
    const row = await insertLegalRequest(tx, {
      kind: input.kind,
      issuingAgency: input.issuingAgency,
      issuingAgencyId: input.issuingAgencyId ?? null,
      number: input.number,
      receivedOn: input.receivedOn,
      dueOn: input.dueOn,
      scope: input.scope,
      status: 'received',
      notes: input.notes ?? null,
      createdBy: actor.userId,
      createdAt: now,
      updatedAt: now,
    });
    await audit(tx, ctx, {
      action: 'legal_request.created',
      subject: 'legal_request',
      subjectId: row.id,
      details: { kind: row.kind, issuingAgency: row.issuingAgency, number: row.number, dueOn: row.dueOn },
    });
    return presentLegalRequest(row, now);
  });
}

async function mustBeInDirectory(db: Executor, agencyId: string): Promise<void> {
  if (!(await findAgency(db, agencyId)))
    throw InvalidInputError.field('issuingAgencyId', 'is not an agency of the directory');
}

/**
 * The legal requests an enforcement user's agency issued (linked to it in the directory), soonest due
 * first, with their status only: no scope, notes, document or package. Everyone else: 404.
 */
export async function listIssuedLegalRequests(ctx: CommandContext): Promise<TIssuedLegalRequest[]> {
  const agencyId = await agencyIdOf(ctx.db, ctx.actor);
  if (!agencyId) throw new NotFoundError('route');
  const now = ctx.clock.now();
  return (await listLegalRequestsIssuedBy(ctx.db, agencyId)).map((r) => {
    const p = presentLegalRequest(r, now);
    return {
      id: p.id,
      kind: p.kind,
      number: p.number,
      receivedOn: p.receivedOn,
      dueOn: p.dueOn,
      status: p.status,
      overdue: p.overdue,
      respondedAt: p.response?.at ?? null,
    };
  });
}

export async function listLegalRequests(
  ctx: CommandContext & { status?: TLegalStatus | undefined },
): Promise<TLegalRequest[]> {
  guard(ctx);
  const now = ctx.clock.now();
  return (await listLegalRequestRows(ctx.db, { status: ctx.status })).map((r) => presentLegalRequest(r, now));
}

export async function getLegalRequest(ctx: CommandContext & { id: string }): Promise<TLegalRequest> {
  guard(ctx);
  const row = await findLegalRequest(ctx.db, ctx.id);
  if (!row) throw new NotFoundError('legal request');
  return presentLegalRequest(row, ctx.clock.now());
}

export async function updateLegalRequestFields(
  ctx: CommandContext & { id: string; patch: TLegalRequestPatch },
): Promise<TLegalRequest> {
  guard(ctx);
  const { patch } = ctx;
  if (patch.status === 'responded')
    throw InvalidInputError.field('status', 'becomes responded by recording the response (POST …/response)');
  return ctx.db.transaction(async (tx) => {
    const inTx = { ...ctx, db: tx };
    const row = await locked(inTx, ctx.id);
    if (patch.dueOn && patch.dueOn < row.receivedOn)
      throw InvalidInputError.field('dueOn', 'must not be before receivedOn');
    if (patch.issuingAgencyId) await mustBeInDirectory(tx, patch.issuingAgencyId);
    const now = ctx.clock.now();
    const set = {
      ...(patch.issuingAgency !== undefined ? { issuingAgency: patch.issuingAgency } : {}),
      ...(patch.issuingAgencyId !== undefined ? { issuingAgencyId: patch.issuingAgencyId } : {}),
      ...(patch.number !== undefined ? { number: patch.number } : {}),
      ...(patch.dueOn !== undefined ? { dueOn: patch.dueOn } : {}),
      ...(patch.scope !== undefined ? { scope: patch.scope } : {}),
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      ...(patch.notes !== undefined ? { notes: patch.notes } : {}),
    };
    const changed = Object.keys(set);
    const updated = await updateLegalRequest(tx, row.id, { ...set, updatedAt: now });
    await audit(tx, ctx, {
      action: 'legal_request.updated',
      subject: 'legal_request',
      subjectId: row.id,
      details: { changed, ...(patch.status ? { status: patch.status } : {}) },
    });
    return presentLegalRequest(updated, now);
  });
}

/** Stores the request's document (a PDF, as received), replacing any earlier upload; its SHA-256 is kept. */
export async function attachLegalDocument(
  ctx: CommandContext & { id: string; fileName: string; data: Uint8Array },
): Promise<TLegalRequest> {
  guard(ctx);
  const fileName = cleanFileName(ctx.fileName);
  if (!fileName) throw InvalidInputError.field('name', 'must be a file name of 1 to 200 characters');
  if (ctx.data.length === 0)
    throw InvalidInputError.field('(body)', 'is empty; send the PDF file as the body');
  if (!isPdf(ctx.data)) throw new NotPdfError();
  return ctx.db.transaction(async (tx) => {
    const row = await locked({ ...ctx, db: tx }, ctx.id);
    const sha256 = createHash('sha256').update(ctx.data).digest('hex');
    const now = ctx.clock.now();
    const updated = await updateLegalRequest(tx, row.id, {
      documentName: fileName,
      documentSha256: sha256,
      documentSize: ctx.data.length,
      documentData: Buffer.from(ctx.data),
      updatedAt: now,
    });
    await audit(tx, ctx, {
      action: 'legal_request.document_stored',
      subject: 'legal_request',
      subjectId: row.id,
      details: { fileName, size: ctx.data.length, replaced: row.documentSha256 !== null },
    });
    return presentLegalRequest(updated, now);
  });
}

export async function getLegalDocument(ctx: CommandContext & { id: string }) {
  guard(ctx);
  const doc = await findLegalDocument(ctx.db, ctx.id);
  if (!doc) throw new NotFoundError('document');
  return doc;
}

/** The tracebacks the request's scope matches now (staff look at these before they confirm a set). */
export async function matchLegalRequest(ctx: CommandContext & { id: string }): Promise<TLegalMatchList> {
  guard(ctx);
  const row = await findLegalRequest(ctx.db, ctx.id);
  if (!row) throw new NotFoundError('legal request');
  const rows = await tracebacksMatchingScope(ctx.db, row.scope, MAX_LEGAL_MATCHES + 1);
  return {
    items: rows.slice(0, MAX_LEGAL_MATCHES).map((t) => ({
      id: t.id,
      openedAt: t.openedAt.toISOString(),
      status: t.status,
      outcome: t.outcome,
      call: {
        startedAt: t.callStartedAt.toISOString(),
        callingNumber: t.callingNumber,
        calledNumber: t.calledNumber,
      },
      campaignId: t.campaignId,
    })),
    truncated: rows.length > MAX_LEGAL_MATCHES,
  };
}

/**
 * Staff confirm the set of tracebacks the response covers: each one must be among the scope's matches.
 * The request moves to `gathering`.
 */
export async function gatherLegalRequest(
  ctx: CommandContext & { id: string; input: TLegalGather },
): Promise<TLegalRequest> {
  guard(ctx);
  const ids = [...new Set(ctx.input.tracebackIds)];
  if (ids.length > MAX_TRACEBACKS_PER_PACKAGE)
    throw InvalidInputError.field(
      'tracebackIds',
      `must name at most ${MAX_TRACEBACKS_PER_PACKAGE} tracebacks`,
    );
  return ctx.db.transaction(async (tx) => {
    const row = await locked({ ...ctx, db: tx }, ctx.id);
    if (!OPEN.has(row.status))
      throw new ConflictError(`the request is ${row.status}; its set can no longer change`);
    const matches = new Set(
      (await tracebacksMatchingScope(tx, row.scope, MAX_LEGAL_MATCHES * 4)).map((t) => t.id),
    );
    const outside = ctx.input.tracebackIds.findIndex((id) => !matches.has(id));
    if (outside >= 0)
      throw InvalidInputError.field(
        `tracebackIds.${outside}`,
        "is not among the tracebacks the request's scope matches",
      );
    const now = ctx.clock.now();
    const updated = await updateLegalRequest(tx, row.id, {
      gatheredTracebackIds: ids,
      gatheredAt: now,
      status: 'gathering',
      updatedAt: now,
    });
    await audit(tx, ctx, {
      action: 'legal_request.gathered',
      subject: 'legal_request',
      subjectId: row.id,
      details: { tracebacks: ids.length },
    });
    return presentLegalRequest(updated, now);
  });
}

/**
 * Builds a signed evidence package over the gathered tracebacks (scope `tracebacks`) and records it on
 * the request. The package is built in its own transaction (decision 0025); the request then names it.
 */
export async function buildLegalEvidencePackage(
  ctx: CommandContext & { id: string },
): Promise<BuiltPackage & { request: TLegalRequest }> {
  guard(ctx);
  const before = await findLegalRequest(ctx.db, ctx.id);
  if (!before) throw new NotFoundError('legal request');
  if (before.status === 'closed') throw new ConflictError('the request is closed');
  if (before.gatheredTracebackIds.length === 0)
    throw new ConflictError('gather the tracebacks first: the request covers none yet');
  const built = await buildEvidencePackage({
    ...ctx,
    tracebackIds: before.gatheredTracebackIds,
    scope: 'tracebacks',
  });
  return ctx.db.transaction(async (tx) => {
    const row = await locked({ ...ctx, db: tx }, ctx.id);
    const now = ctx.clock.now();
    const updated = await updateLegalRequest(tx, row.id, { packageId: built.id, updatedAt: now });
    await audit(tx, ctx, {
      action: 'legal_request.package_built',
      subject: 'legal_request',
      subjectId: row.id,
      details: { packageId: built.id, tracebacks: before.gatheredTracebackIds.length },
    });
    return { ...built, request: presentLegalRequest(updated, now) };
  });
}

/** Records how and when the response went out, and the package sent; the request becomes `responded`. */
export async function recordLegalResponse(
  ctx: CommandContext & { id: string; input: TLegalResponse },
): Promise<TLegalRequest> {
  guard(ctx);
  const { input } = ctx;
  return ctx.db.transaction(async (tx) => {
    const row = await locked({ ...ctx, db: tx }, ctx.id);
    if (row.status === 'closed') throw new ConflictError('the request is closed');
    const packageId = input.packageId === undefined ? row.packageId : input.packageId;
    if (packageId && packageId !== row.packageId)
      throw InvalidInputError.field('packageId', 'must be the evidence package built for this request');
    const respondedAt = new Date(input.respondedAt);
    const now = ctx.clock.now();
    if (respondedAt.getTime() > now.getTime() + 60_000)
      throw InvalidInputError.field('respondedAt', 'must not be in the future');
    const updated = await updateLegalRequest(tx, row.id, {
      status: 'responded',
      respondedAt,
      responseMethod: input.method,
      responseNote: input.note ?? null,
      packageId,
      updatedAt: now,
    });
    await audit(tx, ctx, {
      action: 'legal_request.responded',
      subject: 'legal_request',
      subjectId: row.id,
      details: { packageId, method: input.method },
    });
    return presentLegalRequest(updated, now);
  });
}

/** Parses HOPTRACE_LEGAL_REMINDER_DAYS ("7,2"): whole days, 0 to 365, largest first. */
export function parseLegalReminderDays(raw: string | undefined): number[] {
  if (raw === undefined || raw.trim() === '') return [...DEFAULT_LEGAL_REMINDER_DAYS];
  const days = raw.split(',').map((s) => s.trim());
  if (days.some((d) => !/^\d{1,3}$/.test(d) || Number(d) > 365))
    throw new Error(
      'HOPTRACE_LEGAL_REMINDER_DAYS must be whole days from 0 to 365, separated by commas (e.g. 7,2)',
    );
  return [...new Set(days.map(Number))].sort((a, b) => b - a);
}

export interface LegalReminderPayload {
  legalRequestId: string;
  kind: string;
  issuingAgency: string;
  number: string;
  dueOn: string;
  daysLeft: number;
}

/**
 * The worker's reminders: for each request still open whose due date is within one of `days`, one email
 * to each admin and analyst, for the nearest threshold reached (a request entered two days before its due
 * date gets the two-day reminder, not the seven-day one too). Idempotent by dedupe key (request, due date,
 * threshold, recipient): running twice, or in two workers, sends nothing new. Returns the rows enqueued.
 */
export async function sendLegalReminders(
  ctx: Omit<CommandContext, 'actor'> & { days: readonly number[] },
): Promise<number> {
  const days = [...ctx.days].sort((a, b) => a - b);
  if (days.length === 0) return 0;
  const now = ctx.clock.now();
  const day = today(now);
  const until = new Date(Date.parse(`${day}T00:00:00Z`) + days[days.length - 1]! * DAY_MS);
  return ctx.db.transaction(async (tx) => {
    const due = await openLegalRequestsDueBy(tx, today(until));
    if (due.length === 0) return 0;
    const staff = await allStaffEmails(tx);
    const rows: OutboxInsert[] = [];
    for (const r of due) {
      const left = daysBetween(day, r.dueOn);
      if (left < 0) continue;
      const threshold = days.find((d) => left <= d);
      if (threshold === undefined) continue;
      const payload: LegalReminderPayload = {
        legalRequestId: r.id,
        kind: r.kind,
        issuingAgency: r.issuingAgency,
        number: r.number,
        dueOn: r.dueOn,
        daysLeft: left,
      };
      for (const email of staff)
        rows.push({
          channel: 'email',
          topic: 'legal.reminder',
          dedupeKey: `legal.reminder:${r.id}:${r.dueOn}:${threshold}:${email}`,
          recipient: email,
          payload: payload as unknown as Record<string, unknown>,
          messageId: `<${randomUUID()}@hoptrace>`,
          nextAttemptAt: now,
          createdAt: now,
        });
    }
    return enqueueOutbox(tx, rows);
  });
}
