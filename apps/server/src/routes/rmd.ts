import { decideRmdMatch, importRmd, listRmdMatchProposals } from '@hoptrace/core';
import {
  ZIdParams,
  ZRmdDecision,
  ZRmdImportQuery,
  ZRmdImportReport,
  ZRmdProposal,
  ZRmdProposalQuery,
} from '@hoptrace/contracts';
import { Readable } from 'node:stream';
import { errorCodes as fastifyErrors, type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { bearer, ctxOf, typed } from '../context';
import { HttpProblem } from '../plugins/problems';
import { limitBytes, UploadTooLarge } from '../plugins/upload';

/** The FCC's full export is ~5 MB; room for growth, on this route only. */
export const RMD_UPLOAD_LIMIT = 50 * 1024 * 1024;

export default function rmdRoutes(app: FastifyInstance) {
  // The body stays a stream: the export is parsed as it arrives, never held whole in memory.
  app.addContentTypeParser('text/csv', (request, payload, done) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > RMD_UPLOAD_LIMIT) {
      done(new fastifyErrors.FST_ERR_CTP_BODY_TOO_LARGE(), undefined);
      return;
    }
    done(null, limitBytes(payload, RMD_UPLOAD_LIMIT));
  });
  const r = typed(app);

  r.post(
    '/rmd/import',
    {
      schema: {
        tags: ['rmd'],
        summary:
          "Import the FCC's RMD CSV export (`text/csv`, admin): records new, changed and removed filings, links strong matches and proposes weak ones. A refused file changes nothing",
        security: bearer,
        querystring: ZRmdImportQuery,
        response: { 200: ZRmdImportReport },
      },
    },
    async (request) => {
      const ctx = ctxOf(app, request);
      const body: unknown = request.body;
      if (!(body instanceof Readable))
        throw new HttpProblem(
          415,
          `send the export as text/csv (got ${request.headers['content-type'] ?? 'none'})`,
        );
      let tooLarge = false;
      body.once('error', (err) => {
        if (err instanceof UploadTooLarge) tooLarge = true;
      });
      const declared = Number(request.headers['content-length']);
      try {
        return await importRmd({
          ...ctx,
          input: { stream: body, totalBytes: Number.isFinite(declared) ? declared : null },
          fileName: request.query.fileName,
          noticedAt: request.query.noticedAt ? new Date(request.query.noticedAt) : undefined,
        });
      } catch (err) {
        if (tooLarge || err instanceof UploadTooLarge)
          throw new HttpProblem(
            413,
            `the body is larger than the ${RMD_UPLOAD_LIMIT} bytes this route accepts; nothing was imported`,
          );
        throw err;
      }
    },
  );

  r.get(
    '/rmd/proposals',
    {
      schema: {
        tags: ['rmd'],
        summary: 'Weak matches between RMD filings and directory providers, for an admin to accept or reject',
        security: bearer,
        querystring: ZRmdProposalQuery,
        response: { 200: z.object({ items: z.array(ZRmdProposal) }) },
      },
    },
    (request) =>
      listRmdMatchProposals({
        ...ctxOf(app, request),
        status: request.query.status,
        limit: request.query.limit,
      }),
  );

  r.post(
    '/rmd/proposals/:id',
    {
      schema: {
        tags: ['rmd'],
        summary: 'Accept (link the provider to the filing) or reject a proposed match (admin)',
        security: bearer,
        params: ZIdParams,
        body: ZRmdDecision,
        response: { 200: z.object({ id: z.string(), status: z.enum(['accepted', 'rejected']) }) },
      },
    },
    (request) =>
      decideRmdMatch({
        ...ctxOf(app, request),
        proposalId: request.params.id,
        decision: request.body.decision,
      }),
  );
}
