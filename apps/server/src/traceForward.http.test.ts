import type { TCampaignDetail, THop, TTraceback, TTracebackListItem } from '@hoptrace/contracts';
import { CampaignDetection } from '@hoptrace/core';
import { injectTransport, MemoryRecords, ProviderAgent, ZPeerMap } from '@hoptrace/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, expectProblem, type Harness } from './testing/harness';

const NOW = '2026-12-01T18:00:00Z';
const MISSING = '00000000-0000-4000-8000-000000000000';

let h: Harness;
let campaignId: string;
let holder: Awaited<ReturnType<Harness['provider']>>;
let bystander: Awaited<ReturnType<Harness['provider']>>;

beforeAll(async () => {
  h = await createHarness(NOW);
  holder = await h.provider({ name: 'Fictional Number Holder' });
  bystander = await h.provider({ name: 'Fictional Bystander Telecom' });
  const calls = Array.from({ length: 8 }, (_, i) => ({
    externalId: `fwd-${i}`,
    startedAt: new Date(Date.parse(NOW) - (i + 1) * 3_600_000).toISOString(),
    callingNumber: `+1312555${2000 + i}`,
    calledNumber: '+13125550199',
    transcript: `Final notice about your vehicle warranty, reference ${1000 + i}. Press 1 now to speak to a specialist, or call us back at ${i < 5 ? '888-555-0142' : '888-555-0177'}.`,
  }));
  const res = await h.analyst.post('/api/v1/calls?source=hp-forward', calls);
  expect(res.statusCode, res.body).toBe(200);
  await new CampaignDetection(h.db, h.clock).runToCompletion();
  const list = await h.analyst.get('/api/v1/campaigns?sort=volume');
  campaignId = list.json<{ items: Array<{ id: string }> }>().items[0]!.id;
});
afterAll(() => h.close());

const url = (id = campaignId) => `/api/v1/campaigns/${id}/trace-forward`;

describe('POST /api/v1/campaigns/:id/trace-forward', () => {
  let forward: TTraceback;

  it('opens a forward request and keeps the note without its control characters', async () => {
    const res = await h.analyst.post(url(), {
      number: '(888) 555-0142',
      providerId: holder.id,
      note: 'asked\u0000 by\u0007 the desk\nline two',
    });
    expect(res.statusCode, res.body).toBe(201);
    forward = res.json<TTraceback>();
    expect(forward).toMatchObject({
      kind: 'forward',
      status: 'open',
      campaignId,
      note: 'asked by the desk\nline two',
      call: { callingNumber: '+18885550142', calledNumber: '' },
    });
    expect(forward.hops.map((x) => [x.providerId, x.status])).toEqual([[holder.id, 'pending']]);
  });

  it('refuses bad input with the field, and an unknown campaign as not found', async () => {
    const before = await h.counts();
    expectProblem(await h.analyst.post(url(MISSING), { number: '888-555-0177', providerId: holder.id }), 404);
    expectProblem(await h.analyst.post('/api/v1/campaigns/nope/trace-forward', {}), 400, ['path.id']);
    expectProblem(await h.analyst.post(url(), { number: '12', providerId: holder.id }), 400, ['number']);
    expectProblem(await h.analyst.post(url(), { number: '+1 312 555 0123', providerId: holder.id }), 400, [
      'number',
    ]);
    expectProblem(await h.analyst.post(url(), { number: '888-555-0177', providerId: MISSING }), 400, [
      'providerId',
    ]);
    expectProblem(await h.analyst.post(url(), { number: '888-555-0177' }), 400, ['providerId']);
    expectProblem(
      await h.analyst.post(url(), { number: '888-555-0177', providerId: holder.id, note: 'x'.repeat(5001) }),
      400,
      ['note'],
    );
    // Staff only: a provider user is told the route does not exist for it.
    expectProblem(await holder.user.post(url(), { number: '888-555-0177', providerId: holder.id }), 404);
    expect(await h.counts()).toEqual(before);
  });

  it('answers 409 while a request about the same number is open', async () => {
    const res = await h.analyst.post(url(), { number: '+18885550142', providerId: bystander.id });
    const problem = expectProblem(res, 409);
    expect(problem.detail).toContain('already open');
  });

  it('leaves forward requests out of the trace list unless asked for', async () => {
    const ids = async (q: string) =>
      (await h.analyst.get(`/api/v1/tracebacks${q}`))
        .json<{ items: TTracebackListItem[] }>()
        .items.map((t) => t.id);
    expect(await ids('')).not.toContain(forward.id);
    expect(await ids('?kind=forward')).toEqual([forward.id]);
    expect(await ids('?kind=all')).toContain(forward.id);
    expectProblem(await h.analyst.get('/api/v1/tracebacks?kind=sideways'), 400, ['query.kind']);
  });

  it('the provider answers through the same hop API: upstream refused at kind, then its customer', async () => {
    const hopId = forward.hops[0]!.id;
    const hop = (await holder.user.get(`/api/v1/hops/${hopId}`)).json<THop>();
    expect(hop.forward).toEqual({ number: '+18885550142', lastHeardAt: '2026-12-01T17:00:00.000Z' });
    // The bulk-answer file says which rows are forward requests.
    const csv = (await holder.user.get('/api/v1/hops/export.csv?status=pending')).body.split('\r\n');
    expect(csv[0]!.split(',').slice(0, 6)).toEqual([
      'hop_id',
      'traceback_id',
      'request',
      'call_started_at',
      'calling_number',
      'called_number',
    ]);
    expect(csv[1]!.split(',').slice(0, 6)).toEqual([
      hopId,
      forward.id,
      'forward',
      '2026-12-01T17:00:00.000Z',
      '+18885550142',
      '',
    ]);
    // The provider agent does not answer a forward request from call records: a person does.
    const agent = new ProviderAgent({
      transport: injectTransport(h.app, holder.user.key),
      records: new MemoryRecords([]),
      peerMap: ZPeerMap.parse({}),
    });
    expect(await agent.handleById(hopId)).toMatchObject({
      outcome: 'ask_person',
      decision: { reason: 'forward_request' },
    });
    expectProblem(
      await holder.user.post(`/api/v1/hops/${hopId}/answer`, {
        kind: 'upstream',
        upstreamProviderId: bystander.id,
      }),
      400,
      ['kind'],
    );
    expectProblem(await bystander.user.get(`/api/v1/hops/${hopId}`), 404);
    const answered = await holder.user.post(`/api/v1/hops/${hopId}/answer`, {
      kind: 'origin',
      customer: { name: 'Fictional Callback Desk LLC', contact: 'ops@callback.example' },
      action: 'warned',
    });
    expect(answered.statusCode, answered.body).toBe(200);

    const detail = (await h.analyst.get(`/api/v1/campaigns/${campaignId}`)).json<TCampaignDetail>();
    expect(detail.tracebacks).toEqual([]);
    expect(detail.forwardRequests).toMatchObject([
      {
        id: forward.id,
        number: '+18885550142',
        outcome: 'origin_identified',
        provider: { id: holder.id, name: 'Fictional Number Holder' },
        answer: { kind: 'origin', action: 'warned' },
        customer: { name: 'Fictional Callback Desk LLC', contact: 'ops@callback.example' },
      },
    ]);
    expectProblem(await holder.user.get(`/api/v1/campaigns/${campaignId}`), 404);
    // Once answered, the same number may be asked of another provider.
    const again = await h.analyst.post(url(), { number: '888-555-0142', providerId: bystander.id });
    expect(again.statusCode, again.body).toBe(201);
  });
});
