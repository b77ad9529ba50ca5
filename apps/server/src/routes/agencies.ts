import {
  acceptTracebackRequest,
  createAgency,
  declineTracebackRequest,
  deleteAgency,
  getAgency,
  getRequestAttachment,
  getTracebackRequest,
  listAgencies,
  listTracebackRequestsFor,
  REQUEST_ATTACHMENTS_TOTAL_MAX_BYTES,
  submitTracebackRequest,
  updateAgency,
} from '@hoptrace/core';
import {
  ZAgencyCreate,
  ZAgencyList,
  ZAgencyOut,
  ZAgencyPatch,
  ZIdParams,
  ZTracebackRequest,
  ZTracebackRequestCreate,
  ZTracebackRequestDecline,
  ZTracebackRequestList,
  ZTracebackRequestListQuery,
  ZUuid,
} from '@hoptrace/contracts';
import { z } from 'zod';
import { bearer, ctxOf, typed, type App } from '../context';

/** Content-Disposition for a download: an ASCII fallback and the exact name in RFC 5987 form. */
const disposition = (name: string) =>
  `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;

/** A request's evidence travels as base64 in the JSON body: the body may hold the files' total and a third more. */
const REQUEST_BODY_LIMIT = Math.ceil((REQUEST_ATTACHMENTS_TOTAL_MAX_BYTES * 4) / 3) + 256 * 1024;

const ZAccept = z
  .object({
    /** Where the traceback starts when the request names no terminating provider (or staff know better). */
    firstProviderId: ZUuid.optional(),
    note: z.string().trim().max(5000).optional(),
  })
  .strict();

/** The agencies directory (admin CRUD, staff read) and agencies' traceback requests (decision 0026). */
export default function agencyRoutes(app: App) {
  const r = typed(app);
  r.get(
    '/agencies',
    {
      schema: {
        operationId: 'listAgencies',
        tags: ['agencies'],
        summary: 'The agencies directory, by name (staff)',
        security: bearer,
        response: { 200: ZAgencyList },
      },
    },
    async (request) => ({ items: await listAgencies(ctxOf(app, request)) }),
  );
  r.post(
    '/agencies',
    {
      schema: {
        operationId: 'createAgency',
        tags: ['agencies'],
        summary: 'Add an agency to the directory (admin)',
        security: bearer,
        body: ZAgencyCreate,
        response: { 201: ZAgencyOut },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createAgency({ ...ctxOf(app, request), input: request.body })),
  );
  r.get(
    '/agencies/:id',
    {
      schema: {
        operationId: 'getAgency',
        tags: ['agencies'],
        summary: 'One agency with its contacts (staff)',
        security: bearer,
        params: ZIdParams,
        response: { 200: ZAgencyOut },
      },
    },
    (request) => getAgency({ ...ctxOf(app, request), agencyId: request.params.id }),
  );
  r.patch(
    '/agencies/:id',
    {
      schema: {
        operationId: 'updateAgency',
        tags: ['agencies'],
        summary: "Change an agency's name, kind, jurisdiction or contacts (the list is replaced) (admin)",
        security: bearer,
        params: ZIdParams,
        body: ZAgencyPatch,
        response: { 200: ZAgencyOut },
      },
    },
    (request) => updateAgency({ ...ctxOf(app, request), agencyId: request.params.id, input: request.body }),
  );
  r.delete(
    '/agencies/:id',
    {
      schema: {
        operationId: 'deleteAgency',
        tags: ['agencies'],
        summary: 'Remove an agency nobody points at (admin); one with users, referrals or requests: 409',
        security: bearer,
        params: ZIdParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deleteAgency({ ...ctxOf(app, request), agencyId: request.params.id });
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/traceback-requests',
    {
      bodyLimit: REQUEST_BODY_LIMIT,
      schema: {
        operationId: 'createTracebackRequest',
        tags: ['traceback requests'],
        summary:
          'An agency asks for a traceback: the call, evidence (PDF, image, audio; base64), why it matters, urgency (enforcement users, for their agency)',
        security: bearer,
        body: ZTracebackRequestCreate,
        response: { 201: ZTracebackRequest },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await submitTracebackRequest({ ...ctxOf(app, request), input: request.body })),
  );
  r.get(
    '/traceback-requests',
    {
      schema: {
        operationId: 'listTracebackRequests',
        tags: ['traceback requests'],
        summary:
          'Requests: staff see all, pending first, urgent and calls under ten days old before the rest; an agency its own, newest first',
        security: bearer,
        querystring: ZTracebackRequestListQuery,
        response: { 200: ZTracebackRequestList },
      },
    },
    async (request) => ({
      items: await listTracebackRequestsFor({
        ...ctxOf(app, request),
        status: request.query.status,
        limit: request.query.limit,
      }),
    }),
  );
  r.get(
    '/traceback-requests/:id',
    {
      schema: {
        operationId: 'getTracebackRequest',
        tags: ['traceback requests'],
        summary:
          'One request with its status, evidence and, once accepted, its traceback (staff; its agency)',
        security: bearer,
        params: ZIdParams,
        response: { 200: ZTracebackRequest },
      },
    },
    (request) => getTracebackRequest({ ...ctxOf(app, request), requestId: request.params.id }),
  );
  r.post(
    '/traceback-requests/:id/accept',
    {
      schema: {
        operationId: 'acceptTracebackRequest',
        tags: ['traceback requests'],
        summary:
          'Accept a pending request: opens its traceback (urgent: on the short clock), linked to it; accepting twice is 409 (staff)',
        security: bearer,
        params: ZIdParams,
        body: ZAccept.optional(),
        response: { 200: ZTracebackRequest },
      },
    },
    async (request) =>
      acceptTracebackRequest({
        ...ctxOf(app, request),
        requestId: request.params.id,
        input: request.body ?? {},
        dno: await app.dno.current(),
      }),
  );
  r.post(
    '/traceback-requests/:id/decline',
    {
      schema: {
        operationId: 'declineTracebackRequest',
        tags: ['traceback requests'],
        summary: 'Decline a pending request with a reason the agency reads (staff)',
        security: bearer,
        params: ZIdParams,
        body: ZTracebackRequestDecline,
        response: { 200: ZTracebackRequest },
      },
    },
    (request) =>
      declineTracebackRequest({
        ...ctxOf(app, request),
        requestId: request.params.id,
        reason: request.body.reason,
      }),
  );
  r.get(
    '/traceback-requests/:id/attachments/:attachmentId',
    {
      schema: {
        operationId: 'downloadTracebackRequestAttachment',
        tags: ['traceback requests'],
        summary: "Download a request's evidence file (staff; its agency)",
        security: bearer,
        params: z.object({ id: ZUuid, attachmentId: ZUuid }),
      },
    },
    async (request, reply) => {
      const row = await getRequestAttachment({
        ...ctxOf(app, request),
        requestId: request.params.id,
        attachmentId: request.params.attachmentId,
      });
      return reply
        .type(row.contentType)
        .header('content-disposition', disposition(row.name))
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-store')
        .header('digest', `sha-256=${Buffer.from(row.sha256, 'hex').toString('base64')}`)
        .send(row.data);
    },
  );
}
