import { applyBulkAnswers, BULK_ANSWER_COLUMNS, listHops } from '@hoptrace/core';
import { csvRow, HOP_STATUSES, type THop } from '@hoptrace/contracts';
import { z } from 'zod';
import { bearer, ctxOf, typed, type App } from '../context';
import { HttpProblem } from '../plugins/problems';

export const BULK_BODY_LIMIT = 20 * 1024 * 1024;
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

/** Bulk answers: download the pending hops as CSV, upload a CSV of answers, get a per-row report. */
export default function bulkRoutes(app: App) {
  // Only these routes take CSV bodies; everywhere else the API stays JSON-only.
  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );
  const r = typed(app);
  r.get(
    '/hops/export.csv',
    {
      schema: {
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
      bodyLimit: BULK_BODY_LIMIT,
      schema: {
        tags: ['hops'],
        summary:
          'Answer many hops from a CSV file (text/csv; columns hop_id, kind, upstream_provider_id, upstream_name, upstream_contact_email, upstream_country, customer_name, customer_address, customer_contact, customer_account_ref, action, comment). Each row is applied or refused on its own; a repeated file changes nothing.',
        security: bearer,
        response: { 200: ZBulkResult },
      },
    },
    async (request) => {
      if (typeof request.body !== 'string')
        throw new HttpProblem(
          415,
          `send the answers as text/csv (got ${request.headers['content-type'] ?? 'no content type'})`,
        );
      return applyBulkAnswers({ ...ctxOf(app, request), csv: request.body });
    },
  );
}
