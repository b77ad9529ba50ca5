import {
  actOnTraceback,
  getHop,
  getTimeline,
  getTraceback,
  listHops,
  listTracebacks,
  openTraceback,
} from '@hoptrace/core';
import {
  ZEvent,
  ZHop,
  ZHopAnswer,
  ZHopListQuery,
  ZIdParams,
  ZPage,
  ZTraceback,
  ZTracebackAction,
  ZTracebackListItem,
  ZTracebackListQuery,
  ZTracebackOpen,
} from '@hoptrace/contracts';
import { z } from 'zod';
import { bearer, ctxOf, typed, type App } from '../context';
import { requireActor } from '../plugins/auth';

export default function tracebackRoutes(app: App) {
  const r = typed(app);
  r.post(
    '/tracebacks',
    {
      schema: {
        operationId: 'openTraceback',
        tags: ['tracebacks'],
        summary: 'Open a traceback for one call; the first hop goes to firstProviderId (staff)',
        security: bearer,
        body: ZTracebackOpen,
        response: { 201: ZTraceback },
      },
    },
    async (request, reply) => {
      const ctx = ctxOf(app, request);
      const tb = await openTraceback({ ...ctx, input: request.body, dno: await app.dno.current() });
      return reply.code(201).send(await getTraceback({ ...ctx, tracebackId: tb.id }));
    },
  );
  r.get(
    '/tracebacks',
    {
      schema: {
        operationId: 'listTracebacks',
        tags: ['tracebacks'],
        summary: 'Tracebacks, newest first, filtered',
        security: bearer,
        querystring: ZTracebackListQuery,
        response: { 200: ZPage(ZTracebackListItem) },
      },
    },
    (request) => listTracebacks({ ...ctxOf(app, request), query: request.query }),
  );
  r.get(
    '/tracebacks/:id',
    {
      schema: {
        operationId: 'getTraceback',
        tags: ['tracebacks'],
        summary: 'One traceback with its path; the origin (CPNI) for staff only, and the read is recorded',
        security: bearer,
        params: ZIdParams,
        response: { 200: ZTraceback },
      },
    },
    (request) => getTraceback({ ...ctxOf(app, request), tracebackId: request.params.id }),
  );
  r.get(
    '/tracebacks/:id/events',
    {
      schema: {
        operationId: 'getTracebackTimeline',
        tags: ['tracebacks'],
        summary: "The traceback's timeline, oldest first",
        security: bearer,
        params: ZIdParams,
        response: { 200: z.object({ items: z.array(ZEvent) }) },
      },
    },
    async (request) => ({
      items: await getTimeline({ ...ctxOf(app, request), tracebackId: request.params.id }),
    }),
  );
  r.post(
    '/tracebacks/:id/actions',
    {
      schema: {
        operationId: 'actOnTraceback',
        tags: ['tracebacks'],
        summary:
          'Steer a traceback: cancel, close with an outcome, reopen, reassign a pending hop, ask the STIR/SHAKEN signer (staff)',
        security: bearer,
        params: ZIdParams,
        body: ZTracebackAction,
        response: { 200: ZTraceback },
      },
    },
    async (request) => {
      const ctx = ctxOf(app, request);
      await actOnTraceback({ ...ctx, tracebackId: request.params.id, input: request.body });
      return getTraceback({ ...ctx, tracebackId: request.params.id });
    },
  );
  r.get(
    '/hops',
    {
      schema: {
        operationId: 'listHops',
        tags: ['hops'],
        summary: "Hops: a provider user gets its own provider's; staff get all",
        security: bearer,
        querystring: ZHopListQuery,
        response: { 200: ZPage(ZHop) },
      },
    },
    (request) => listHops({ ...ctxOf(app, request), query: request.query }),
  );
  r.get(
    '/hops/:id',
    {
      schema: {
        operationId: 'getHop',
        tags: ['hops'],
        summary: 'One hop, as its provider sees it',
        security: bearer,
        params: ZIdParams,
        response: { 200: ZHop },
      },
    },
    (request) => getHop({ ...ctxOf(app, request), hopId: request.params.id }),
  );
  r.post(
    '/hops/:id/answer',
    {
      schema: {
        operationId: 'answerHop',
        tags: ['hops'],
        summary:
          'Answer a hop: upstream (a listed provider or a new one), origin (with the customer), or not_found',
        security: bearer,
        params: ZIdParams,
        body: ZHopAnswer,
        response: { 200: ZHop },
      },
    },
    async (request) => {
      // Answers that arrive together share one transaction (group commit); each gets its own reply or error.
      return app.answers.submit({
        actor: requireActor(request),
        hopId: request.params.id,
        input: request.body,
      });
    },
  );
}
