import {
  attachLegalDocument,
  buildLegalEvidencePackage,
  createLegalRequest,
  DEFAULT_ATTACHMENT_MAX_BYTES,
  gatherLegalRequest,
  getLegalDocument,
  getLegalRequest,
  listIssuedLegalRequests,
  listLegalRequests,
  listProviderLetters,
  matchLegalRequest,
  NotPdfError,
  recordLegalResponse,
  recordProviderLetter,
  updateLegalRequestFields,
} from '@hoptrace/core';
import {
  ZEvidencePackageCreated,
  ZIdParams,
  ZIssuedLegalRequestList,
  ZLegalGather,
  ZLegalMatchList,
  ZLegalRequest,
  ZLegalRequestCreate,
  ZLegalRequestList,
  ZLegalRequestPatch,
  ZLegalRequestQuery,
  ZLegalResponse,
  ZLetter,
  ZLetterCreate,
  ZLetterList,
} from '@hoptrace/contracts';
import { z } from 'zod';
import { bearer, ctxOf, typed, type App } from '../context';
import { HttpProblem } from '../plugins/problems';
import { pdfUpload } from './attachments';

const ZUploadQuery = z.object({ name: z.string().trim().min(1, 'name the file').max(200).optional() });
const ZLegalRequestWithPackage = ZLegalRequest.extend({ package: ZEvidencePackageCreated });

/**
 * The legal process register and cease-and-desist letters (decision 0029). The register is staff only
 * (404 for everyone else); letters are written by staff and read by staff and the provider's own users.
 */
export default function legalRoutes(app: App, opts: { maxBytes?: number }) {
  const maxBytes = opts.maxBytes ?? DEFAULT_ATTACHMENT_MAX_BYTES;
  app.addContentTypeParser(
    ['application/pdf', 'application/octet-stream'],
    { parseAs: 'buffer', bodyLimit: maxBytes },
    (_req, body, done) => done(null, body),
  );
  const r = typed(app);
  const tags = ['legal'];

  r.post(
    '/legal-requests',
    {
      schema: {
        operationId: 'createLegalRequest',
        tags,
        summary: 'Enter a subpoena or civil investigative demand in the register (staff)',
        security: bearer,
        body: ZLegalRequestCreate,
        response: { 201: ZLegalRequest },
      },
    },
    async (request, reply) => {
      const created = await createLegalRequest({ ...ctxOf(app, request), input: request.body });
      return reply.code(201).header('location', `/api/v1/legal-requests/${created.id}`).send(created);
    },
  );
  r.get(
    '/legal-requests',
    {
      schema: {
        operationId: 'listLegalRequests',
        tags,
        summary: 'The register, soonest due date first, overdue requests marked (staff)',
        security: bearer,
        querystring: ZLegalRequestQuery,
        response: { 200: ZLegalRequestList },
      },
    },
    async (request) => ({
      items: await listLegalRequests({ ...ctxOf(app, request), status: request.query.status }),
    }),
  );
  r.get(
    '/agency/legal-requests',
    {
      schema: {
        operationId: 'listIssuedLegalRequests',
        tags,
        summary:
          "The legal requests your agency issued, with their status only (enforcement users of the request's agency in the directory)",
        security: bearer,
        response: { 200: ZIssuedLegalRequestList },
      },
    },
    async (request) => ({ items: await listIssuedLegalRequests(ctxOf(app, request)) }),
  );
  r.get(
    '/legal-requests/:id',
    {
      schema: {
        operationId: 'getLegalRequest',
        tags,
        summary: 'One legal request (staff)',
        security: bearer,
        params: ZIdParams,
        response: { 200: ZLegalRequest },
      },
    },
    async (request) => getLegalRequest({ ...ctxOf(app, request), id: request.params.id }),
  );
  r.patch(
    '/legal-requests/:id',
    {
      schema: {
        operationId: 'updateLegalRequest',
        tags,
        summary:
          'Change a legal request: agency, number, due date, scope, status (not responded), notes (staff)',
        security: bearer,
        params: ZIdParams,
        body: ZLegalRequestPatch,
        response: { 200: ZLegalRequest },
      },
    },
    async (request) =>
      updateLegalRequestFields({ ...ctxOf(app, request), id: request.params.id, patch: request.body }),
  );
  r.put(
    '/legal-requests/:id/document',
    {
      bodyLimit: maxBytes,
      schema: {
        operationId: 'storeLegalRequestDocument',
        tags,
        summary: `Store the request's document: the PDF is the body (Content-Type: application/pdf), its name in ?name= or Content-Disposition; at most ${maxBytes} bytes (staff)`,
        security: bearer,
        params: ZIdParams,
        querystring: ZUploadQuery,
        response: { 200: ZLegalRequest },
      },
    },
    async (request) => {
      const { raw, data } = pdfUpload(request);
      try {
        return await attachLegalDocument({
          ...ctxOf(app, request),
          id: request.params.id,
          fileName: raw,
          data,
        });
      } catch (err) {
        if (err instanceof NotPdfError) throw new HttpProblem(415, err.message, err.errors);
        throw err;
      }
    },
  );
  r.get(
    '/legal-requests/:id/document',
    {
      schema: {
        operationId: 'downloadLegalRequestDocument',
        tags,
        summary: "Download the request's document (the PDF as received) (staff)",
        security: bearer,
        params: ZIdParams,
      },
    },
    async (request, reply) => {
      const doc = await getLegalDocument({ ...ctxOf(app, request), id: request.params.id });
      return reply
        .type('application/pdf')
        .header(
          'content-disposition',
          `attachment; filename="${doc.name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(doc.name)}`,
        )
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-store')
        .header('digest', `sha-256=${Buffer.from(doc.sha256, 'hex').toString('base64')}`)
        .send(doc.data);
    },
  );
  r.get(
    '/legal-requests/:id/matches',
    {
      schema: {
        operationId: 'listLegalRequestMatches',
        tags,
        summary: "The tracebacks the request's scope matches now, oldest call first (staff)",
        security: bearer,
        params: ZIdParams,
        response: { 200: ZLegalMatchList },
      },
    },
    async (request) => matchLegalRequest({ ...ctxOf(app, request), id: request.params.id }),
  );
  r.post(
    '/legal-requests/:id/gather',
    {
      schema: {
        operationId: 'gatherLegalRequest',
        tags,
        summary:
          'Confirm the tracebacks the response covers (each among the matches); status becomes gathering (staff)',
        security: bearer,
        params: ZIdParams,
        body: ZLegalGather,
        response: { 200: ZLegalRequest },
      },
    },
    async (request) =>
      gatherLegalRequest({ ...ctxOf(app, request), id: request.params.id, input: request.body }),
  );
  r.post(
    '/legal-requests/:id/evidence-packages',
    {
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        operationId: 'buildLegalRequestEvidencePackage',
        tags,
        summary:
          'Build a signed evidence package over the gathered tracebacks and record it on the request; 409 before gathering (staff)',
        security: bearer,
        params: ZIdParams,
        response: { 201: ZLegalRequestWithPackage },
      },
    },
    async (request, reply) => {
      const { request: updated, ...built } = await buildLegalEvidencePackage({
        ...ctxOf(app, request),
        id: request.params.id,
      });
      const downloadUrl = `/api/v1/evidence-packages/${built.id}/download`;
      return reply
        .code(201)
        .header('location', downloadUrl)
        .send({ ...updated, package: { ...built, downloadUrl } });
    },
  );
  r.post(
    '/legal-requests/:id/response',
    {
      schema: {
        operationId: 'recordLegalResponse',
        tags,
        summary: 'Record the response: when, how, the package sent; status becomes responded (staff)',
        security: bearer,
        params: ZIdParams,
        body: ZLegalResponse,
        response: { 200: ZLegalRequest },
      },
    },
    async (request) =>
      recordLegalResponse({ ...ctxOf(app, request), id: request.params.id, input: request.body }),
  );

  r.post(
    '/providers/:id/letters',
    {
      schema: {
        operationId: 'recordProviderLetter',
        tags: ['providers'],
        summary: 'Record an FCC or FTC cease-and-desist letter against a provider (staff)',
        security: bearer,
        params: ZIdParams,
        body: ZLetterCreate,
        response: { 201: ZLetter },
      },
    },
    async (request, reply) => {
      const created = await recordProviderLetter({
        ...ctxOf(app, request),
        providerId: request.params.id,
        input: request.body,
      });
      return reply.code(201).send(created);
    },
  );
  r.get(
    '/providers/:id/letters',
    {
      schema: {
        operationId: 'listProviderLetters',
        tags: ['providers'],
        summary: "A provider's cease-and-desist letters, newest first (staff, the provider's own users)",
        security: bearer,
        params: ZIdParams,
        response: { 200: ZLetterList },
      },
    },
    async (request) => listProviderLetters({ ...ctxOf(app, request), providerId: request.params.id }),
  );
}
