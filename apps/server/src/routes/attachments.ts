import {
  attachToHop,
  cleanFileName,
  DEFAULT_ATTACHMENT_MAX_BYTES,
  getAttachment,
  listAttachments,
  NotPdfError,
} from '@hoptrace/core';
import { ZAttachment, ZAttachmentList, ZIdParams } from '@hoptrace/contracts';
import { z } from 'zod';
import { bearer, ctxOf, typed, type App } from '../context';
import { HttpProblem } from '../plugins/problems';

const ACCEPTED_TYPES = new Set(['application/pdf', 'application/octet-stream']);

/** `attachment; filename="LOA.pdf"` (or `filename*=UTF-8''…`): the file name a client sent in a header. */
export function fileNameFromDisposition(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      return undefined;
    }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/.exec(header);
  return (plain?.[1] ?? plain?.[2])?.trim();
}

/**
 * A PDF sent as the raw request body (hop attachments, legal documents): 415 unless it comes as PDF bytes,
 * 400 at `query.name` without a usable file name (`?name=` or Content-Disposition). The bytes themselves
 * are checked by the core (`NotPdfError`).
 */
export function pdfUpload(request: {
  headers: Record<string, string | string[] | undefined>;
  query: { name?: string | undefined };
  body: unknown;
}): { raw: string; data: Buffer } {
  const header = request.headers['content-type'];
  const type = (typeof header === 'string' ? header : '').split(';')[0]!.trim().toLowerCase();
  if (!ACCEPTED_TYPES.has(type) || !Buffer.isBuffer(request.body))
    throw new HttpProblem(415, `send the file as application/pdf (got ${type || 'no content type'})`, [
      { path: 'header.content-type', message: 'must be application/pdf' },
    ]);
  const disp = request.headers['content-disposition'];
  const raw = request.query.name ?? fileNameFromDisposition(typeof disp === 'string' ? disp : undefined);
  if (!raw)
    throw new HttpProblem(400, 'name the file in ?name= or a Content-Disposition header', [
      { path: 'query.name', message: 'is required' },
    ]);
  if (!cleanFileName(raw))
    throw new HttpProblem(400, 'the file name is not usable', [
      { path: 'query.name', message: 'must be a file name of at most 200 characters' },
    ]);
  return { raw, data: request.body };
}

/** Content-Disposition for a download: an ASCII fallback and the exact name in RFC 5987 form. */
const disposition = (name: string) =>
  `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;

const ZUploadQuery = z.object({
  name: z.string().trim().min(1, 'name the file').max(200).optional(),
});

/** PDF evidence on hops: upload as the raw body (no multipart), list, download. */
export default function attachmentRoutes(app: App, opts: { maxBytes?: number }) {
  const maxBytes = opts.maxBytes ?? DEFAULT_ATTACHMENT_MAX_BYTES;
  // Only these routes take raw bodies; the type and the bytes are checked in the handler (415 with a reason).
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_req, body, done) =>
    done(null, body),
  );
  const r = typed(app);
  r.post(
    '/hops/:id/attachments',
    {
      bodyLimit: maxBytes,
      schema: {
        operationId: 'attachHopDocument',
        tags: ['hops'],
        summary: `Attach a PDF to a hop: the file is the body (Content-Type: application/pdf), its name in ?name= or Content-Disposition; at most ${maxBytes} bytes (staff, the hop's provider)`,
        security: bearer,
        params: ZIdParams,
        querystring: ZUploadQuery,
        response: { 201: ZAttachment },
      },
    },
    async (request, reply) => {
      const { raw, data } = pdfUpload(request);
      try {
        const created = await attachToHop({
          ...ctxOf(app, request),
          hopId: request.params.id,
          fileName: raw,
          data,
        });
        return reply.code(201).header('location', `/api/v1/attachments/${created.id}`).send(created);
      } catch (err) {
        if (err instanceof NotPdfError) throw new HttpProblem(415, err.message, err.errors);
        throw err;
      }
    },
  );
  r.get(
    '/hops/:id/attachments',
    {
      schema: {
        operationId: 'listHopAttachments',
        tags: ['hops'],
        summary: "A hop's attachments, oldest first, without their bytes",
        security: bearer,
        params: ZIdParams,
        response: { 200: ZAttachmentList },
      },
    },
    async (request) => ({
      items: await listAttachments({ ...ctxOf(app, request), hopId: request.params.id }),
    }),
  );
  r.get(
    '/attachments/:id',
    {
      schema: {
        operationId: 'downloadAttachment',
        tags: ['hops'],
        summary: 'Download an attachment (the PDF itself, as a download)',
        security: bearer,
        params: ZIdParams,
      },
    },
    async (request, reply) => {
      const row = await getAttachment({ ...ctxOf(app, request), attachmentId: request.params.id });
      return reply
        .type(row.contentType)
        .header('content-disposition', disposition(row.fileName))
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-store')
        .header('digest', `sha-256=${Buffer.from(row.sha256, 'hex').toString('base64')}`)
        .send(row.data);
    },
  );
}
