import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  applyBulkAnswers,
  BULK_ANSWER_COLUMNS,
  BULK_OPEN_COLUMNS,
  BulkFileTooLarge,
  listHops,
  openTracebacksBulk,
  yieldToEventLoop,
  type Actor,
  type BulkOpenResult,
  type BulkResult,
} from '@hoptrace/core';
import { csvRow, HOP_STATUSES, type THop } from '@hoptrace/contracts';
import { claimBusySlot, releaseBusySlot, renewBusySlot } from '@hoptrace/db';
import { errorCodes as fastifyErrors, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { bearer, ctxOf, typed, type App } from '../context';
import { rateLimitProblem } from '../plugins/limits';
import { HttpProblem } from '../plugins/problems';
import { limitBytes, UploadTooLarge } from '../plugins/upload';

/** How long an upload holds its slot unless renewed (every third of this while it runs). */
const SLOT_LEASE_MS = 60_000;
/** What a second upload from the same provider is told to wait. */
const BUSY_RETRY_SECONDS = 10;
/** A provider's export stops here; a larger backlog is exported by status in several files. */
const EXPORT_MAX_ROWS = 50_000;

const ZBulkRowResult = z.object({
  line: z.number().int(),
  hopId: z.string().nullable(),
  status: z.enum(['applied', 'unchanged', 'refused']),
  reason: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

const ZBulkResult = z.object({
  total: z.number().int(),
  applied: z.number().int(),
  unchanged: z.number().int(),
  refused: z.number().int(),
  rows: z.array(ZBulkRowResult),
});

const ZBulkOpenResult = z.object({
  total: z.number().int(),
  opened: z.number().int(),
  existing: z.number().int(),
  refused: z.number().int(),
  rows: z.array(
    z.object({
      line: z.number().int(),
      status: z.enum(['opened', 'existing', 'refused']),
      tracebackId: z.string().nullable(),
      reason: z.string().optional(),
      errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  ),
});

const EXPORT_COLUMNS = [
  'hop_id',
  'traceback_id',
  // `forward`: not a call but a number the provider holds (calling_number; call_started_at is when it was last heard).
  'request',
  'call_started_at',
  'calling_number',
  'called_number',
  'received_at',
  'due_at',
  'campaign',
  ...BULK_ANSWER_COLUMNS.filter((c) => c !== 'hop_id'),
];

function exportRow(h: THop): string {
  const known = [
    h.id,
    h.tracebackId,
    h.forward ? 'forward' : 'trace',
    h.call.startedAt,
    h.call.callingNumber,
    h.call.calledNumber,
    h.receivedAt,
    h.dueAt,
    h.campaign?.name ?? '',
  ];
  const blanks = EXPORT_COLUMNS.slice(known.length).map(() => '');
  // csvRow neutralises cells a spreadsheet would run as formulas (a campaign named "=HYPERLINK(…)").
  return csvRow([...known, ...blanks]);
}

/**
 * One of the `atOnce` upload slots of this provider (a staff user: of this user), held in the database
 * so that every process counts the same uploads, and renewed while the upload runs; null when all are
 * taken. A process that dies leaves its slot until the lease lapses.
 */
async function claimUploadSlot(app: App, actor: Actor, atOnce: number, kind = 'bulk-answers') {
  const owner =
    actor.role === 'provider' && actor.providerId ? `provider:${actor.providerId}` : `user:${actor.userId}`;
  const names = Array.from({ length: atOnce }, (_, i) => `${kind}:${owner}:${i}`);
  const holder = randomUUID();
  const leaseEnd = () => new Date(app.limitsClock.now().getTime() + SLOT_LEASE_MS);
  const name = await claimBusySlot(app.db, names, holder, app.limitsClock.now(), leaseEnd());
  if (!name) return null;
  const timer = setInterval(() => {
    renewBusySlot(app.db, name, holder, leaseEnd()).catch(() => {});
  }, SLOT_LEASE_MS / 3);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      await releaseBusySlot(app.db, name, holder);
    },
  };
}

/** The report as JSON text, built a slice of rows at a time with turns of the event loop between. */
async function reportJson(result: BulkResult | BulkOpenResult): Promise<string> {
  const { rows, ...counts } = result;
  const parts: string[] = [];
  for (let i = 0; i < rows.length; i += 2_000) {
    parts.push(
      rows
        .slice(i, i + 2_000)
        .map((r) => JSON.stringify(r))
        .join(','),
    );
    await yieldToEventLoop();
  }
  return `${JSON.stringify(counts).slice(0, -1)},"rows":[${parts.join(',')}]}`;
}

/** Bulk answers: download the pending hops as CSV, upload a CSV of answers, get a per-row report. */
export default function bulkRoutes(app: App) {
  const { bulkMaxBytes, bulkMaxRows } = app.limits;
  // Only these routes take CSV bodies; everywhere else the API stays JSON-only. The body stays a
  // stream, read as it arrives and counted against the size limit.
  app.addContentTypeParser(['text/csv', 'application/csv'], (request, payload, done) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > bulkMaxBytes) {
      done(new fastifyErrors.FST_ERR_CTP_BODY_TOO_LARGE(), undefined);
      return;
    }
    done(null, limitBytes(payload, bulkMaxBytes));
  });
  const r = typed(app);
  r.get(
    '/hops/export.csv',
    {
      schema: {
        operationId: 'exportHopsCsv',
        tags: ['hops'],
        summary:
          "The caller's hops as CSV (a provider's own; staff all), with empty answer columns to fill in and upload to /hops/bulk-answers",
        security: bearer,
        querystring: z.object({ status: z.enum(HOP_STATUSES).optional() }),
      },
    },
    async (request, reply) => {
      const ctx = ctxOf(app, request);
      const lines = [EXPORT_COLUMNS.join(',')];
      let cursor: string | undefined;
      do {
        const page = await listHops({ ...ctx, query: { status: request.query.status, limit: 200, cursor } });
        for (const h of page.items) lines.push(exportRow(h));
        cursor = page.nextCursor ?? undefined;
      } while (cursor && lines.length <= EXPORT_MAX_ROWS);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="hops.csv"')
        .send(`${lines.join('\r\n')}\r\n`);
    },
  );
  r.post(
    '/hops/bulk-answers',
    {
      bodyLimit: bulkMaxBytes,
      schema: {
        operationId: 'answerHopsInBulk',
        tags: ['hops'],
        summary:
          'Answer many hops from a CSV file (text/csv; columns hop_id, kind, upstream_provider_id, upstream_name, upstream_contact_email, upstream_country, customer_name, customer_address, customer_contact, customer_account_ref, action, comment). Each row is applied or refused on its own; a repeated file changes nothing. A file larger than HOPTRACE_BULK_MAX_BYTES (20 MB) or with more rows than HOPTRACE_BULK_MAX_ROWS (50,000) is refused whole with 413; a second upload while one of the same provider runs gets 429 with Retry-After.',
        security: bearer,
        response: { 200: ZBulkResult },
      },
    },
    async (request, reply) => {
      const ctx = ctxOf(app, request);
      const result = await withUpload(app, request, reply, 'bulk-answers', 'answers', (body) =>
        applyBulkAnswers({ ...ctx, input: body, maxRows: bulkMaxRows }),
      );
      // Sent as JSON text (Fastify sends a string as it is): the report of a large file is written in
      // slices, not by one serializer call. Its shape is the schema's (ZBulkResult), as documented.
      return reply
        .type('application/json; charset=utf-8')
        .send((await reportJson(result)) as unknown as BulkResult);
    },
  );
  r.post(
    '/tracebacks/bulk',
    {
      bodyLimit: bulkMaxBytes,
      schema: {
        operationId: 'openTracebacksBulk',
        tags: ['tracebacks'],
        summary: `Open many tracebacks from a CSV file (text/csv; columns ${BULK_OPEN_COLUMNS.join(', ')}; first_provider and campaign by id or exact name). Each row is opened or refused on its own, with its line and each wrong column; a row whose call (time, both numbers, first provider) already has a traceback is reported "existing" with it, so a repeated file opens nothing twice. Staff only. Size and row limits as for bulk answers (413); one upload per user at a time (429).`,
        security: bearer,
        response: { 200: ZBulkOpenResult },
      },
    },
    async (request, reply) => {
      const ctx = ctxOf(app, request);
      const dno = await app.dno.current();
      const result = await withUpload(app, request, reply, 'bulk-open', 'tracebacks', (body) =>
        openTracebacksBulk({ ...ctx, input: body, maxRows: bulkMaxRows, dno }),
      );
      return reply
        .type('application/json; charset=utf-8')
        .send((await reportJson(result)) as unknown as BulkOpenResult);
    },
  );
}

/**
 * A CSV upload run under one of the caller's upload slots: a body that is not CSV is a 415, a busy slot a
 * 429 with Retry-After, a file over the byte or row limit a 413 (nothing applied).
 */
async function withUpload<T>(
  app: App,
  request: FastifyRequest,
  reply: FastifyReply,
  kind: string,
  what: string,
  run: (body: Readable) => Promise<T>,
): Promise<T> {
  const { bulkMaxBytes, bulkUploadsAtOnce } = app.limits;
  const body: unknown = request.body;
  const actor = ctxOf(app, request).actor;
  if (!(body instanceof Readable))
    throw new HttpProblem(
      415,
      `send the ${what} as text/csv (got ${request.headers['content-type'] ?? 'no content type'})`,
    );
  let tooLarge = false;
  body.once('error', (err) => {
    if (err instanceof UploadTooLarge) tooLarge = true;
  });
  const slot = await claimUploadSlot(app, actor, bulkUploadsAtOnce, kind);
  if (!slot) {
    body.resume();
    reply.header('retry-after', String(BUSY_RETRY_SECONDS));
    throw rateLimitProblem(
      `an upload of ${what} from your ${actor.role === 'provider' ? 'provider' : 'account'} is already running (at most ${bulkUploadsAtOnce} at once); send this one when it has finished`,
      BUSY_RETRY_SECONDS,
    );
  }
  try {
    return await run(body);
  } catch (err) {
    if (tooLarge || err instanceof UploadTooLarge)
      throw new HttpProblem(
        413,
        `the file is larger than the ${bulkMaxBytes} bytes this server accepts (HOPTRACE_BULK_MAX_BYTES); nothing was applied: split it into smaller files`,
      );
    if (err instanceof BulkFileTooLarge) throw new HttpProblem(413, `${err.message}; nothing was applied`);
    throw err;
  } finally {
    await slot.release();
  }
}
