import {
  readAutoOpenPolicy,
  autoOpenTracebacks,
  getCampaignDetail,
  getTraceback,
  listCampaignsRanked,
  mergeCampaigns,
  setAutoOpenPolicy,
  splitCampaign,
  traceForward,
  updateCampaign,
  openTracebacksOfCalls,
} from '@hoptrace/core';
import {
  ZAutoOpenPolicy,
  ZAutoOpenResult,
  ZCampaignDetail,
  ZCampaignListQuery,
  ZCampaignMerge,
  ZCampaignPatch,
  ZCampaignRanked,
  ZCampaignSplit,
  ZIdParams,
  ZPage,
  ZTraceback,
  ZTraceForward,
  ZOpenCalls,
  ZOpenCallsResult,
} from '@hoptrace/contracts';
import { z } from 'zod';
import { bearer, ctxOf, typed, type App } from '../context';

/** Campaign intelligence: ranked campaigns, a campaign's page, an analyst's decisions, auto-opening. */
export default function campaignRoutes(app: App) {
  const r = typed(app);
  r.get(
    '/campaigns',
    {
      schema: {
        operationId: 'listCampaigns',
        tags: ['campaigns'],
        summary:
          'Campaigns (staff): ranked by volume (calls in the last 24 h, then 7 days) or growth, or newest first; with counts, caller and callback numbers, daily volume',
        security: bearer,
        querystring: ZCampaignListQuery,
        response: { 200: ZPage(ZCampaignRanked) },
      },
    },
    (request) => listCampaignsRanked({ ...ctxOf(app, request), query: request.query }),
  );
  r.get(
    '/campaigns/auto-open',
    {
      schema: {
        operationId: 'getAutoOpenPolicy',
        tags: ['campaigns'],
        summary: 'The policy that opens tracebacks for the worst campaigns each day (staff)',
        security: bearer,
        response: { 200: ZAutoOpenPolicy },
      },
    },
    (request) => readAutoOpenPolicy(ctxOf(app, request)),
  );
  r.put(
    '/campaigns/auto-open',
    {
      schema: {
        operationId: 'setAutoOpenPolicy',
        tags: ['campaigns'],
        summary: 'Change the auto-open policy (staff)',
        security: bearer,
        body: ZAutoOpenPolicy,
        response: { 200: ZAutoOpenPolicy },
      },
    },
    (request) => setAutoOpenPolicy({ ...ctxOf(app, request), input: request.body }),
  );
  r.post(
    '/campaigns/auto-open/run',
    {
      schema: {
        operationId: 'runAutoOpen',
        tags: ['campaigns'],
        summary:
          'Open tracebacks for the top campaigns now, as the policy says (`dryRun=true`: list what would be opened and why others are skipped)',
        security: bearer,
        querystring: z.object({ dryRun: z.enum(['true', 'false']).default('true') }),
        response: { 200: ZAutoOpenResult },
      },
    },
    (request) => autoOpenTracebacks({ ...ctxOf(app, request), dryRun: request.query.dryRun === 'true' }),
  );
  r.get(
    '/campaigns/:id',
    {
      schema: {
        operationId: 'getCampaign',
        tags: ['campaigns'],
        summary:
          'One campaign (staff): volume, samples with the varying parts marked, caller and callback numbers, its tracebacks, origins and entry points, the call to trace',
        security: bearer,
        params: ZIdParams,
        response: { 200: ZCampaignDetail },
      },
    },
    (request) => getCampaignDetail({ ...ctxOf(app, request), campaignId: request.params.id }),
  );
  r.patch(
    '/campaigns/:id',
    {
      schema: {
        operationId: 'updateCampaign',
        tags: ['campaigns'],
        summary:
          'Rename, describe, categorise, or mark as legitimate (staff); detection keeps these decisions',
        security: bearer,
        params: ZIdParams,
        body: ZCampaignPatch,
        response: { 200: ZCampaignDetail },
      },
    },
    (request) =>
      updateCampaign({ ...ctxOf(app, request), campaignId: request.params.id, input: request.body }),
  );
  r.post(
    '/campaigns/:id/merge',
    {
      schema: {
        operationId: 'mergeCampaigns',
        tags: ['campaigns'],
        summary:
          'Fold other campaigns into this one: their calls, numbers, volume and tracebacks move here (staff)',
        security: bearer,
        params: ZIdParams,
        body: ZCampaignMerge,
        response: { 200: ZCampaignDetail },
      },
    },
    (request) =>
      mergeCampaigns({ ...ctxOf(app, request), campaignId: request.params.id, absorb: request.body.absorb }),
  );
  r.post(
    '/campaigns/:id/tracebacks',
    {
      schema: {
        operationId: 'openCampaignCallTracebacks',
        tags: ['campaigns'],
        summary:
          "Open a traceback for each selected call of the campaign (staff), at the provider that terminated it (its source's carrier), as auto-open does; a call that already has one is reported with it, a call that cannot be traced is refused with the reason (decision 0035)",
        security: bearer,
        params: ZIdParams,
        body: ZOpenCalls,
        response: { 200: ZOpenCallsResult },
      },
    },
    async (request) =>
      openTracebacksOfCalls({
        ...ctxOf(app, request),
        campaignId: request.params.id,
        callIds: request.body.callIds,
        note: request.body.note,
        dno: await app.dno.current(),
      }),
  );
  r.post(
    '/campaigns/:id/trace-forward',
    {
      schema: {
        operationId: 'traceForward',
        tags: ['campaigns'],
        summary:
          "Trace forward (staff): ask the provider that holds one of the campaign's callback numbers who its customer behind the number is. One request with the 24-hour clock, notices and one-hop link; answered origin (the customer, CPNI) or not_found (not ours). Answers the request, a traceback of kind forward; 409 while one about the same number is open",
        security: bearer,
        params: ZIdParams,
        body: ZTraceForward,
        response: { 201: ZTraceback },
      },
    },
    async (request, reply) => {
      const ctx = ctxOf(app, request);
      const tb = await traceForward({ ...ctx, campaignId: request.params.id, input: request.body });
      return reply.code(201).send(await getTraceback({ ...ctx, tracebackId: tb.id }));
    },
  );
  r.post(
    '/campaigns/:id/split',
    {
      schema: {
        operationId: 'splitCampaign',
        tags: ['campaigns'],
        summary:
          'Move some calls of this campaign to a new campaign; detection never merges the two again (staff). Answers the new campaign',
        security: bearer,
        params: ZIdParams,
        body: ZCampaignSplit,
        response: { 201: ZCampaignDetail },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await splitCampaign({ ...ctxOf(app, request), campaignId: request.params.id, input: request.body }),
        ),
  );
}
