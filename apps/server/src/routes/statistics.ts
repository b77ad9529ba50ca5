import {
  InvalidInputError,
  listPublications,
  publicStatistics,
  publicStatisticsCsv,
  publishedNonCooperative,
  publishStatistics,
} from '@hoptrace/core';
import {
  ZPublicStatistics,
  ZPublicStatisticsCsvQuery,
  ZPublishedNonCooperativeList,
  ZPublicStatisticsQuery,
  ZPublishedPeriods,
  ZPublishResult,
  ZStatisticsPublish,
  type TPublicStatistics,
} from '@hoptrace/contracts';
import type { FastifyReply } from 'fastify';
import { bearer, ctxOf, typed, type App } from '../context';
import { HttpProblem } from '../plugins/problems';

/**
 * Public statistics (decision 0028): no credentials, limited per client address like the other routes
 * that answer anyone, and cacheable by browsers and shared caches for a few minutes (the figures name
 * no provider; a provisional period moves slowly). Publishing a period is staff's.
 */
export const PUBLIC_STATISTICS_CACHE = 'public, max-age=300';
const publicLimit = { max: 120, timeWindow: '1 minute', groupId: 'public-statistics' };

function sendCsv(reply: FastifyReply, s: TPublicStatistics) {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="hoptrace-statistics-${s.year}.csv"`)
    .header('cache-control', PUBLIC_STATISTICS_CACHE)
    .send(publicStatisticsCsv(s));
}

/** The year comes from the query string: the core's refusal of it names that field as the API does. */
async function statisticsOf(app: App, year: number | undefined): Promise<TPublicStatistics> {
  try {
    return await publicStatistics({ db: app.db, clock: app.clock, year });
  } catch (err) {
    if (err instanceof InvalidInputError)
      throw new HttpProblem(
        400,
        err.message,
        err.errors.map((e) => ({ ...e, path: `query.${e.path}` })),
      );
    throw err;
  }
}

export default function statisticsRoutes(app: App) {
  const r = typed(app);
  r.get(
    '/public/statistics',
    {
      config: { public: true, rateLimit: publicLimit },
      schema: {
        operationId: 'getPublicStatistics',
        tags: ['statistics'],
        summary:
          'Key metrics of a year and its months (no credentials): published periods as published, the rest provisional; `format=csv` for CSV',
        querystring: ZPublicStatisticsQuery,
        response: { 200: ZPublicStatistics },
      },
    },
    async (request, reply) => {
      const s = await statisticsOf(app, request.query.year);
      if (request.query.format === 'csv') return sendCsv(reply, s);
      return reply.header('cache-control', PUBLIC_STATISTICS_CACHE).send(s);
    },
  );
  r.get(
    '/public/non-cooperative-providers',
    {
      config: { public: true, rateLimit: publicLimit },
      schema: {
        operationId: 'listNonCooperativeProviders',
        tags: ['statistics'],
        summary:
          'Providers named non-cooperative (no credentials): only those whose non-cooperative determination staff confirmed and published (decision 0027)',
        response: { 200: ZPublishedNonCooperativeList },
      },
    },
    async (_request, reply) =>
      reply
        .header('cache-control', PUBLIC_STATISTICS_CACHE)
        .send({ items: await publishedNonCooperative(app.db) }),
  );
  r.get(
    '/public/statistics.csv',
    {
      config: { public: true, rateLimit: publicLimit },
      schema: {
        operationId: 'getPublicStatisticsCsv',
        tags: ['statistics'],
        summary: 'The key metrics of a year and its months as CSV (no credentials)',
        querystring: ZPublicStatisticsCsvQuery,
        produces: ['text/csv'],
      },
    },
    async (request, reply) => sendCsv(reply, await statisticsOf(app, request.query.year)),
  );
  r.get(
    '/statistics/publications',
    {
      schema: {
        operationId: 'listStatisticsPublications',
        tags: ['statistics'],
        summary: 'Published periods with their figures and who published them (staff)',
        security: bearer,
        response: { 200: ZPublishedPeriods },
      },
    },
    (request) => listPublications(ctxOf(app, request)),
  );
  r.post(
    '/statistics/publications',
    {
      schema: {
        operationId: 'publishStatistics',
        tags: ['statistics'],
        summary:
          "Publish a period's key metrics (staff): `YYYY` (the year and its months not yet published) or `YYYY-MM`; the snapshot never changes",
        security: bearer,
        body: ZStatisticsPublish,
        response: { 201: ZPublishResult },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await publishStatistics({ ...ctxOf(app, request), input: request.body })),
  );
}
