import {
  createCampaign,
  createProvider,
  getProvider,
  listProviders,
  mergeProviders,
  MergeTargetError,
  canMergeProviders,
  presentCampaign,
  presentProviderRow,
  presentProvider,
  updateProvider,
} from '@hoptrace/core';
import {
  ZCampaign,
  ZCampaignCreate,
  ZIdParams,
  ZPage,
  ZProvider,
  ZProviderCreate,
  ZProviderListQuery,
  ZProviderMerge,
  ZProviderMergeResult,
  ZProviderPatch,
} from '@hoptrace/contracts';
import { bearer, ctxOf, typed, type App } from '../context';
import { HttpProblem } from '../plugins/problems';

export default function directoryRoutes(app: App) {
  const r = typed(app);
  r.post(
    '/providers',
    {
      schema: {
        operationId: 'createProvider',
        tags: ['providers'],
        summary: 'Add a provider to the directory (staff)',
        security: bearer,
        body: ZProviderCreate,
        response: { 201: ZProvider },
      },
    },
    async (request, reply) => {
      const ctx = ctxOf(app, request);
      const row = await createProvider({ ...ctx, input: request.body });
      return reply.code(201).send(presentProvider(ctx.actor, row));
    },
  );
  r.get(
    '/providers',
    {
      schema: {
        operationId: 'searchProviders',
        tags: ['providers'],
        summary: 'Search the directory by name, DBA name, OCN, FRN or RMD filing number',
        security: bearer,
        querystring: ZProviderListQuery,
        response: { 200: ZPage(ZProvider) },
      },
    },
    (request) => listProviders({ ...ctxOf(app, request), query: request.query }),
  );
  r.get(
    '/providers/:id',
    {
      schema: {
        operationId: 'getProvider',
        tags: ['providers'],
        summary: 'One provider',
        security: bearer,
        params: ZIdParams,
        response: { 200: ZProvider },
      },
    },
    (request) => getProvider({ ...ctxOf(app, request), providerId: request.params.id }),
  );
  r.patch(
    '/providers/:id',
    {
      schema: {
        operationId: 'updateProvider',
        tags: ['providers'],
        summary: "Change a provider (staff; a provider's own users may change its contacts and time zone)",
        security: bearer,
        params: ZIdParams,
        body: ZProviderPatch,
        response: { 200: ZProvider },
      },
    },
    async (request) => {
      const ctx = ctxOf(app, request);
      const row = await updateProvider({ ...ctx, providerId: request.params.id, input: request.body });
      return presentProvider(ctx.actor, row);
    },
  );
  r.post(
    '/providers/:id/merge',
    {
      schema: {
        operationId: 'mergeProvider',
        tags: ['providers'],
        summary:
          'Merge this provider record into another record of the same provider, with its history (admin). The merged record stays, pointing at the one kept',
        security: bearer,
        params: ZIdParams,
        body: ZProviderMerge,
        response: { 200: ZProviderMergeResult },
      },
    },
    async (request) => {
      const ctx = ctxOf(app, request);
      if (!canMergeProviders(ctx.actor)) throw new HttpProblem(403, 'only an admin may merge providers');
      try {
        const result = await mergeProviders({ ...ctx, from: request.params.id, into: request.body.into });
        return {
          provider: await presentProviderRow(ctx, result.into),
          mergedFrom: await presentProviderRow(ctx, result.from),
          moved: result.moved,
          tracebackIds: result.tracebackIds,
        };
      } catch (err) {
        if (err instanceof MergeTargetError) throw new HttpProblem(422, err.message, err.errors);
        throw err;
      }
    },
  );
  r.post(
    '/campaigns',
    {
      schema: {
        operationId: 'createCampaign',
        tags: ['campaigns'],
        summary: 'Create a campaign (staff)',
        security: bearer,
        body: ZCampaignCreate,
        response: { 201: ZCampaign },
      },
    },
    async (request, reply) => {
      const row = await createCampaign({ ...ctxOf(app, request), input: request.body });
      return reply.code(201).send(presentCampaign(row));
    },
  );
}
