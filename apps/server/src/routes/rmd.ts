import { decideRmdMatch, importRmd, listRmdMatchProposals } from '@hoptrace/core';
import {
  ZIdParams,
  ZRmdDecision,
  ZRmdImportQuery,
  ZRmdImportReport,
  ZRmdProposal,
  ZRmdProposalQuery,
} from '@hoptrace/contracts';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { bearer, ctxOf, typed } from '../context';
import { HttpProblem } from '../plugins/problems';

/** The FCC's full export is ~5 MB; room for growth, on this route only. */
export const RMD_UPLOAD_LIMIT = 50 * 1024 * 1024;

export default function rmdRoutes(app: FastifyInstance) {
  app.addContentTypeParser(
    'text/csv',
    { parseAs: 'string', bodyLimit: RMD_UPLOAD_LIMIT },
    (_req, body, done) => done(null, body),
  );
  const r = typed(app);

  r.post(
    '/rmd/import',
    {
      bodyLimit: RMD_UPLOAD_LIMIT,
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
      if (typeof request.body !== 'string')
        throw new HttpProblem(
          415,
          `send the export as text/csv (got ${request.headers['content-type'] ?? 'none'})`,
        );
      return importRmd({
        ...ctx,
        input: { stream: request.body },
        fileName: request.query.fileName,
        noticedAt: request.query.noticedAt ? new Date(request.query.noticedAt) : undefined,
      });
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
