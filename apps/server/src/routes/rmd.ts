import {
  createProviderFromRmdFiling,
  decideRmdMatch,
  importRmd,
  listProviderRmdChanges,
  listRmdMatchProposals,
  presentProviderRow,
  searchRmdFilers,
} from '@hoptrace/core';
import {
  ZIdParams,
  ZProvider,
  ZRmdChange,
  ZRmdDecision,
  ZRmdFilerPage,
  ZRmdFilingQuery,
  ZRmdFilingToProvider,
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
        operationId: 'importRmd',
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
        operationId: 'listRmdMatchProposals',
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
        operationId: 'decideRmdMatchProposal',
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

  r.get(
    '/rmd/filings',
    {
      schema: {
        operationId: 'searchRmdFilings',
        tags: ['rmd'],
        summary:
          "Search the RMD's filers by business name, DBA name, FRN or filing number, typos included (staff and providers); each says whether it is in the directory. The filing's contact is shown to staff only",
        security: bearer,
        querystring: ZRmdFilingQuery,
        response: { 200: ZRmdFilerPage },
      },
    },
    (request) => searchRmdFilers({ ...ctxOf(app, request), query: request.query }),
  );

  r.post(
    '/rmd/filings/:id/provider',
    {
      schema: {
        operationId: 'createProviderFromRmdFiling',
        tags: ['rmd'],
        summary:
          "Add an RMD filer to the directory (staff): the record takes the filing's name, DBA names, FRN, filing number, country and contact, and is linked to the filing. 409 when the filing is already in the directory",
        security: bearer,
        params: ZIdParams,
        body: ZRmdFilingToProvider,
        response: { 201: ZProvider },
      },
    },
    async (request, reply) => {
      const ctx = ctxOf(app, request);
      const row = await createProviderFromRmdFiling({
        ...ctx,
        filingId: request.params.id,
        input: request.body ?? {},
      });
      return reply.code(201).send(await presentProviderRow(ctx, row));
    },
  );

  r.get(
    '/providers/:id/rmd-changes',
    {
      schema: {
        operationId: 'listProviderRmdChanges',
        tags: ['rmd'],
        summary:
          "What RMD imports changed in the provider's linked filing (added, changed fields, removed), newest first (staff and the provider's own users)",
        security: bearer,
        params: ZIdParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: { 200: z.object({ items: z.array(ZRmdChange) }) },
      },
    },
    (request) =>
      listProviderRmdChanges({
        ...ctxOf(app, request),
        providerId: request.params.id,
        limit: request.query.limit,
      }),
  );
}
