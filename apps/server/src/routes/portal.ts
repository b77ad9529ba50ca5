import {
  getDashboard,
  getProviderNames,
  getProviderResponseTimes,
  listApiKeys,
  listUsers,
} from '@hoptrace/core';
import {
  ZApiKeyList,
  ZDashboard,
  ZIdParams,
  ZPage,
  ZProviderNames,
  ZProviderNamesQuery,
  ZResponseTimes,
  ZUserListItem,
  ZUserListQuery,
  ZWeeksQuery,
} from '@hoptrace/contracts';
import { bearer, ctxOf, typed, type App } from '../context';

/** Read-only routes the web portal needs beyond the workflow API. */
export default function portalRoutes(app: App) {
  const r = typed(app);
  r.get(
    '/stats/dashboard',
    {
      schema: {
        operationId: 'getDashboard',
        tags: ['statistics'],
        summary:
          'Open tracebacks, hops overdue or due soon, opened/closed per week, time to close, outcomes, top origin and non-responsive providers (staff)',
        security: bearer,
        querystring: ZWeeksQuery,
        response: { 200: ZDashboard },
      },
    },
    (request) => getDashboard({ ...ctxOf(app, request), query: request.query }),
  );
  r.get(
    '/providers/names',
    {
      schema: {
        operationId: 'getProviderNames',
        tags: ['providers'],
        summary: 'Names of providers by id (`ids=uuid,uuid`), for ids that other answers carry',
        security: bearer,
        querystring: ZProviderNamesQuery,
        response: { 200: ZProviderNames },
      },
    },
    (request) => getProviderNames({ ...ctxOf(app, request), ids: request.query.ids }),
  );
  r.get(
    '/providers/:id/response-times',
    {
      schema: {
        operationId: 'getProviderResponseTimes',
        tags: ['providers'],
        summary: "A provider's requests and response times per week (staff, and the provider's own users)",
        security: bearer,
        params: ZIdParams,
        querystring: ZWeeksQuery,
        response: { 200: ZResponseTimes },
      },
    },
    (request) =>
      getProviderResponseTimes({
        ...ctxOf(app, request),
        providerId: request.params.id,
        query: request.query,
      }),
  );
  r.get(
    '/users',
    {
      schema: {
        operationId: 'listUsers',
        tags: ['users'],
        summary: 'Users, newest first, with the provider each speaks for (admin)',
        security: bearer,
        querystring: ZUserListQuery,
        response: { 200: ZPage(ZUserListItem) },
      },
    },
    (request) => listUsers({ ...ctxOf(app, request), query: request.query }),
  );
  r.get(
    '/users/:id/api-keys',
    {
      schema: {
        operationId: 'listApiKeys',
        tags: ['users'],
        summary: "A user's API keys, without the keys themselves (admin, or the user itself)",
        security: bearer,
        params: ZIdParams,
        response: { 200: ZApiKeyList },
      },
    },
    async (request) => ({ items: await listApiKeys({ ...ctxOf(app, request), userId: request.params.id }) }),
  );
}
