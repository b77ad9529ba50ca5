import { Readable } from 'node:stream';
import {
  getDetermination,
  getScorecard,
  getUpstreams,
  listDeterminations,
  listScorecards,
  publishDetermination,
  readCooperationPolicy,
  refreshScorecards,
  reviewCooperation,
  scorecardsCsv,
  setCooperationPolicy,
  upstreamsCsv,
} from '@hoptrace/core';
import {
  ZCooperationPolicy,
  ZDetermination,
  ZDeterminationCreate,
  ZDeterminationListQuery,
  ZDeterminationPatch,
  ZIdParams,
  ZPage,
  ZScorecard,
  ZScorecardListQuery,
  ZScorecardPage,
  ZUpstreams,
  ZUpstreamsQuery,
} from '@hoptrace/contracts';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { bearer, ctxOf, typed, type App } from '../context';

/** Sends CSV lines as a download (a stream: the route's JSON schema does not apply to it). */
function sendCsv(reply: FastifyReply, fileName: string, lines: Iterable<string> | AsyncIterable<string>) {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${fileName}"`)
    .send(Readable.from(lines));
}

/** Cooperation (issue 16, decision 0027): the policy, scorecards, determinations, a provider's upstreams. */
export default function scorecardRoutes(app: App) {
  const r = typed(app);
  r.get(
    '/cooperation/policy',
    {
      schema: {
        operationId: 'getCooperationPolicy',
        tags: ['cooperation'],
        summary: 'The non-cooperation policy: window, thresholds per criterion, RMD levels (staff)',
        security: bearer,
        response: { 200: ZCooperationPolicy },
      },
    },
    (request) => readCooperationPolicy(ctxOf(app, request)),
  );
  r.put(
    '/cooperation/policy',
    {
      schema: {
        operationId: 'setCooperationPolicy',
        tags: ['cooperation'],
        summary: 'Change the non-cooperation policy (admin); fields left out take their defaults',
        security: bearer,
        body: ZCooperationPolicy,
        response: { 200: ZCooperationPolicy },
      },
    },
    (request) => setCooperationPolicy({ ...ctxOf(app, request), input: request.body }),
  );
  r.get(
    '/scorecards',
    {
      schema: {
        operationId: 'listScorecards',
        tags: ['cooperation'],
        summary:
          'Every provider’s scorecard with its computed status (staff): `sort=key` or `-key`, filters `status`, `country`, `q`, `minRequests`, keyset `cursor`; `format=csv` gives every matching row as CSV',
        security: bearer,
        querystring: ZScorecardListQuery,
        response: { 200: ZScorecardPage },
      },
    },
    async (request, reply) => {
      const ctx = { ...ctxOf(app, request), query: request.query };
      if (request.query.format === 'csv') {
        // The first page is read before answering, so a refused query is still a problem+json.
        await listScorecards({ ...ctx, query: { ...request.query, limit: 1 } });
        return sendCsv(reply, 'scorecards.csv', scorecardsCsv(ctx));
      }
      return listScorecards(ctx);
    },
  );
  r.post(
    '/scorecards/refresh',
    {
      schema: {
        operationId: 'refreshScorecards',
        tags: ['cooperation'],
        summary: 'Recompute the scorecard table’s figures now (staff); the worker does it every five minutes',
        security: bearer,
        response: { 200: z.object({ computedAt: z.string(), providers: z.number().int() }) },
      },
    },
    (request) => refreshScorecards(ctxOf(app, request)),
  );
  r.get(
    '/providers/:id/scorecard',
    {
      schema: {
        operationId: 'getProviderScorecard',
        tags: ['cooperation'],
        summary:
          'One provider’s scorecard: requests, on time, late, never, response times, origin/entry point/hop, campaigns, actions at origin, RMD, letters, per month, and the evidence (staff; a provider’s own users see theirs)',
        security: bearer,
        params: ZIdParams,
        response: { 200: ZScorecard },
      },
    },
    (request) => getScorecard({ ...ctxOf(app, request), providerId: request.params.id }),
  );
  r.get(
    '/providers/:id/upstreams',
    {
      schema: {
        operationId: 'listProviderUpstreams',
        tags: ['cooperation'],
        summary:
          'The upstreams a provider named in its own answers, with how those tracebacks ended and their campaigns, per month (the provider’s own users, and staff); `format=csv` for CSV',
        security: bearer,
        params: ZIdParams,
        querystring: ZUpstreamsQuery,
        response: { 200: ZUpstreams },
      },
    },
    async (request, reply) => {
      const upstreams = await getUpstreams({
        ...ctxOf(app, request),
        providerId: request.params.id,
        query: request.query,
      });
      if (request.query.format === 'csv') return sendCsv(reply, 'upstreams.csv', upstreamsCsv(upstreams));
      return upstreams;
    },
  );
  r.post(
    '/providers/:id/determinations',
    {
      schema: {
        operationId: 'reviewProviderCooperation',
        tags: ['cooperation'],
        summary:
          'Review a provider’s computed status (staff): confirm (and optionally publish) or dismiss it; the evidence is kept as it stands now. 409 when the status moved from `expectedStatus`',
        security: bearer,
        params: ZIdParams,
        body: ZDeterminationCreate,
        response: { 201: ZDetermination },
      },
    },
    async (request, reply) => {
      const d = await reviewCooperation({
        ...ctxOf(app, request),
        providerId: request.params.id,
        input: request.body,
      });
      return reply.code(201).send(d);
    },
  );
  r.get(
    '/determinations',
    {
      schema: {
        operationId: 'listDeterminations',
        tags: ['cooperation'],
        summary: 'Cooperation determinations, newest first (staff); filter by `providerId`, `published`',
        security: bearer,
        querystring: ZDeterminationListQuery,
        response: { 200: ZPage(ZDetermination) },
      },
    },
    (request) => listDeterminations({ ...ctxOf(app, request), query: request.query }),
  );
  r.get(
    '/determinations/:id',
    {
      schema: {
        operationId: 'getDetermination',
        tags: ['cooperation'],
        summary: 'One determination with its evidence snapshot (staff)',
        security: bearer,
        params: ZIdParams,
        response: { 200: ZDetermination },
      },
    },
    (request) => getDetermination({ ...ctxOf(app, request), determinationId: request.params.id }),
  );
  r.patch(
    '/determinations/:id',
    {
      schema: {
        operationId: 'updateDetermination',
        tags: ['cooperation'],
        summary:
          'Publish or withdraw a confirmed determination (staff); a dismissed one cannot be published (409)',
        security: bearer,
        params: ZIdParams,
        body: ZDeterminationPatch,
        response: { 200: ZDetermination },
      },
    },
    (request) =>
      publishDetermination({
        ...ctxOf(app, request),
        determinationId: request.params.id,
        published: request.body.published,
      }),
  );
}
