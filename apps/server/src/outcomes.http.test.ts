import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TEvent, THop, TProvider, TTraceback } from '@hoptrace/contracts';
import { HOUR_MS } from '@hoptrace/core';
import { createHarness, expectProblem, type Harness } from './testing/harness';

/** Every end state other than origin_identified, and the ways a traceback moves between them, through the API. */

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

type Provider = Awaited<ReturnType<Harness['provider']>>;

const tracebackOf = async (id: string) => {
  const res = await h.analyst.get(`/api/v1/tracebacks/${id}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<TTraceback>();
};
const act = (id: string, body: Record<string, unknown>) =>
  h.analyst.post(`/api/v1/tracebacks/${id}/actions`, body);
const answer = (p: Provider, hopId: string, body: Record<string, unknown>) =>
  p.user.post(`/api/v1/hops/${hopId}/answer`, body);
const timeline = async (id: string) => {
  const res = await h.analyst.get(`/api/v1/tracebacks/${id}/events`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: TEvent[] }>().items;
};

describe('end states', () => {
  it('foreign_origin: the analyst closes with that outcome and the pending request is withdrawn', async () => {
    const gateway = await h.provider();
    const tb = await h.openTraceback(gateway.id);
    const res = await act(tb.id, { action: 'close', outcome: 'foreign_origin', note: 'upstream is abroad' });
    expect(res.statusCode, res.body).toBe(200);
    const closed = res.json<TTraceback>();
    expect(closed).toMatchObject({ status: 'closed', outcome: 'foreign_origin' });
    expect(closed.closedAt).toBe(h.clock.now().toISOString());
    expect(closed.hops.map((x) => x.status)).toEqual(['withdrawn']);
    expect(closed.can).toEqual({
      cancel: false,
      close: false,
      reopen: true,
      reassign: false,
      continueAbroad: false,
    });
    const types = (await timeline(tb.id)).map((e) => e.type);
    expect(types).toEqual(['traceback.opened', 'hop.requested', 'hop.withdrawn', 'traceback.closed']);
    // The gateway's request is gone from its inbox and can no longer be answered.
    const hop = (await gateway.user.get(`/api/v1/hops/${tb.hops[0]!.id}`)).json<THop>();
    expect(hop).toMatchObject({ status: 'withdrawn', can: { answer: false } });
  });

  it('foreign_origin on its own: a US provider names one listed abroad; the gateway is the entry point; staff continue abroad', async () => {
    const terminating = await h.provider();
    const gateway = await h.provider();
    const abroad = await h.provider({ name: 'Fictional Manila Voice', country: 'PH' });
    const tb = await h.openTraceback(terminating.id);
    let res = await answer(terminating, tb.hops[0]!.id, { kind: 'upstream', upstreamProviderId: gateway.id });
    expect(res.statusCode, res.body).toBe(200);
    const gatewayHop = (await tracebackOf(tb.id)).hops[1]!;
    res = await answer(gateway, gatewayHop.id, { kind: 'upstream', upstreamProviderId: abroad.id });
    expect(res.statusCode, res.body).toBe(200);
    const closed = await tracebackOf(tb.id);
    expect(closed).toMatchObject({
      status: 'closed',
      outcome: 'foreign_origin',
      entryPointProviderId: gateway.id,
    });
    expect(closed.hops).toHaveLength(2);
    expect(closed.can).toMatchObject({ reopen: true, continueAbroad: true });
    const why = (await timeline(tb.id)).find((e) => e.type === 'traceback.closed')!;
    expect(why.data).toMatchObject({ reason: 'foreign_upstream', entryPointProviderId: gateway.id });
    // The gateway sees its own hop and that it is the entry point.
    const asGateway = await gateway.user.get(`/api/v1/tracebacks/${tb.id}`);
    if (asGateway.statusCode === 200)
      expect(asGateway.json<TTraceback>().entryPointProviderId).toBe(gateway.id);

    expectProblem(
      await gateway.user.post(`/api/v1/tracebacks/${tb.id}/actions`, { action: 'continue_abroad' }),
      404,
    );
    res = await act(tb.id, { action: 'continue_abroad', note: 'the carrier abroad cooperates' });
    expect(res.statusCode, res.body).toBe(200);
    const reopened = res.json<TTraceback>();
    expect(reopened).toMatchObject({ status: 'open', entryPointProviderId: gateway.id });
    expect(reopened.hops.at(-1)).toMatchObject({
      providerId: abroad.id,
      status: 'pending',
      namedByHopId: gatewayHop.id,
    });
    expectProblem(await act(tb.id, { action: 'continue_abroad' }), 409);
  });

  it('non_responsive: the sweep marks the overdue hop, then a late answer reopens and continues', async () => {
    const silent = await h.provider();
    const upstream = await h.provider();
    const tb = await h.openTraceback(silent.id);
    const hopId = tb.hops[0]!.id;
    const dueAt = Date.parse(tb.hops[0]!.dueAt);

    h.clock.set(dueAt - 60_000);
    await h.sweep();
    expect((await tracebackOf(tb.id)).status).toBe('open');

    h.clock.set(dueAt + 60_000);
    expect(await h.sweep()).toBeGreaterThanOrEqual(1);
    const stopped = await tracebackOf(tb.id);
    expect(stopped).toMatchObject({ status: 'closed', outcome: 'non_responsive' });
    expect(stopped.hops[0]).toMatchObject({ status: 'non_responsive', answeredAt: null });
    // Running the sweep again changes nothing.
    await h.sweep();
    expect((await timeline(tb.id)).filter((e) => e.type === 'hop.non_responsive')).toHaveLength(1);

    const filtered = await h.analyst.get(`/api/v1/tracebacks?outcome=non_responsive&providerId=${silent.id}`);
    expect(filtered.json<{ items: Array<{ id: string }> }>().items.map((x) => x.id)).toEqual([tb.id]);

    // The provider still sees its request and may still answer it.
    const view = (await silent.user.get(`/api/v1/hops/${hopId}`)).json<THop>();
    expect(view).toMatchObject({ status: 'non_responsive', can: { answer: true } });

    h.clock.advance(5 * HOUR_MS);
    const late = await answer(silent, hopId, { kind: 'upstream', upstreamProviderId: upstream.id });
    expect(late.statusCode, late.body).toBe(200);
    expect(late.json<THop>()).toMatchObject({ status: 'answered', late: true });

    const resumed = await tracebackOf(tb.id);
    expect(resumed).toMatchObject({ status: 'open', outcome: null, closedAt: null });
    expect(resumed.hops.map((x) => [x.seq, x.providerId, x.status, x.late])).toEqual([
      [1, silent.id, 'answered', true],
      [2, upstream.id, 'pending', false],
    ]);
    expect(resumed.hops[1]!.namedByHopId).toBe(hopId);
    const types = (await timeline(tb.id)).map((e) => e.type);
    expect(types).toEqual([
      'traceback.opened',
      'hop.requested',
      'hop.non_responsive',
      'traceback.closed',
      'traceback.reopened',
      'hop.answered',
      'hop.requested',
    ]);
  });

  it('refuses a late answer once the analyst has moved on past the non-responsive hop', async () => {
    const silent = await h.provider();
    const other = await h.provider();
    const tb = await h.openTraceback(silent.id);
    h.clock.set(Date.parse(tb.hops[0]!.dueAt) + 1);
    await h.sweep();
    const moved = await act(tb.id, { action: 'reopen', providerId: other.id });
    expect(moved.statusCode, moved.body).toBe(200);
    const before = await h.counts();
    expectProblem(await answer(silent, tb.hops[0]!.id, { kind: 'not_found' }), 409);
    expect(await h.counts()).toEqual(before);
    expect((await silent.user.get(`/api/v1/hops/${tb.hops[0]!.id}`)).json<THop>().can.answer).toBe(false);
  });

  it('dead_end: a not_found answer closes the traceback', async () => {
    const a = await h.provider();
    const b = await h.provider();
    const tb = await h.openTraceback(a.id);
    await answer(a, tb.hops[0]!.id, { kind: 'upstream', upstreamProviderId: b.id });
    const hopB = (await tracebackOf(tb.id)).hops[1]!;
    const res = await answer(b, hopB.id, { kind: 'not_found', comment: 'no CDR for that minute' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<THop>()).toMatchObject({ status: 'answered', answer: { kind: 'not_found' } });
    const closed = await tracebackOf(tb.id);
    expect(closed).toMatchObject({ status: 'closed', outcome: 'dead_end' });
    expect(closed.origin).toBeUndefined();
    expect(closed.hops.map((x) => x.status)).toEqual(['answered', 'answered']);
  });

  it('cancelled: the analyst withdraws the traceback', async () => {
    const a = await h.provider();
    const tb = await h.openTraceback(a.id);
    const res = await act(tb.id, { action: 'cancel', note: 'duplicate of another request' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<TTraceback>()).toMatchObject({ status: 'closed', outcome: 'cancelled' });
    const closedEvent = (await timeline(tb.id)).find((e) => e.type === 'traceback.closed');
    expect(closedEvent?.data).toEqual({ outcome: 'cancelled', note: 'duplicate of another request' });
  });
});

describe('the path', () => {
  it('flags a loop when an upstream names a provider already in the path, and opens no hop', async () => {
    const a = await h.provider();
    const b = await h.provider();
    const tb = await h.openTraceback(a.id);
    await answer(a, tb.hops[0]!.id, { kind: 'upstream', upstreamProviderId: b.id });
    const hopB = (await tracebackOf(tb.id)).hops[1]!;
    const res = await answer(b, hopB.id, { kind: 'upstream', upstreamProviderId: a.id });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<THop>()).toMatchObject({ status: 'answered', answer: { upstreamProviderId: a.id } });
    const after = await tracebackOf(tb.id);
    expect(after).toMatchObject({ status: 'open', flags: ['loop'] });
    expect(after.hops).toHaveLength(2);
    expect(after.can).toMatchObject({ reopen: true, reassign: false });
    const flagged = (await timeline(tb.id)).filter((e) => e.type === 'traceback.flagged');
    expect(flagged.map((e) => e.data)).toEqual([expect.objectContaining({ flag: 'loop', providerId: a.id })]);
    // The analyst resumes with another provider.
    const c = await h.provider();
    const reopened = await act(tb.id, { action: 'reopen', providerId: c.id });
    expect(reopened.statusCode, reopened.body).toBe(200);
    expect(reopened.json<TTraceback>().hops.at(-1)).toMatchObject({
      seq: 3,
      providerId: c.id,
      status: 'pending',
    });
  });

  it('creates an unverified provider for an upstream not yet listed and asks it next', async () => {
    const a = await h.provider();
    const tb = await h.openTraceback(a.id);
    const res = await answer(a, tb.hops[0]!.id, {
      kind: 'upstream',
      upstreamProvider: {
        name: 'Unlisted Wholesale Voice',
        country: 'us',
        contactName: 'Night NOC',
        contactEmail: 'noc@unlisted.example',
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const newId = res.json<THop>().answer?.upstreamProviderId;
    expect(newId).toBeDefined();
    const listed = await h.analyst.get(`/api/v1/providers/${newId}`);
    expect(listed.statusCode).toBe(200);
    expect(listed.json<TProvider>()).toMatchObject({
      name: 'Unlisted Wholesale Voice',
      country: 'US',
      verified: false,
      contacts: [{ name: 'Night NOC', email: 'noc@unlisted.example' }],
    });
    const after = await tracebackOf(tb.id);
    expect(after.hops[1]).toMatchObject({
      seq: 2,
      providerId: newId,
      status: 'pending',
      namedByHopId: tb.hops[0]!.id,
    });
    expect(after.hops[1]!.providerName).toBe('Unlisted Wholesale Voice');
    const types = (await timeline(tb.id)).map((e) => e.type);
    expect(types.slice(2)).toEqual(['provider.created', 'hop.answered', 'hop.requested']);
  });

  it('reassigns a pending hop to another provider', async () => {
    const wrong = await h.provider();
    const right = await h.provider();
    const tb = await h.openTraceback(wrong.id);
    const res = await act(tb.id, { action: 'reassign', hopId: tb.hops[0]!.id, providerId: right.id });
    expect(res.statusCode, res.body).toBe(200);
    const after = res.json<TTraceback>();
    expect(after.status).toBe('open');
    expect(after.hops.map((x) => [x.seq, x.providerId, x.status])).toEqual([
      [1, wrong.id, 'withdrawn'],
      [2, right.id, 'pending'],
    ]);
    // The withdrawn provider can no longer answer; the new one can.
    expectProblem(await answer(wrong, tb.hops[0]!.id, { kind: 'not_found' }), 409);
    const inbox = (await right.user.get('/api/v1/hops?status=pending')).json<{ items: THop[] }>().items;
    expect(inbox.map((x) => x.id)).toEqual([after.hops[1]!.id]);
    // Reassigning a hop that is no longer pending is a conflict.
    expectProblem(await act(tb.id, { action: 'reassign', hopId: tb.hops[0]!.id, providerId: right.id }), 409);
  });

  it('reopens a cancelled traceback by re-requesting the withdrawn hop', async () => {
    const a = await h.provider();
    const tb = await h.openTraceback(a.id);
    await act(tb.id, { action: 'cancel' });
    const res = await act(tb.id, { action: 'reopen', note: 'cancelled by mistake' });
    expect(res.statusCode, res.body).toBe(200);
    const after = res.json<TTraceback>();
    expect(after).toMatchObject({ status: 'open', outcome: null, closedAt: null });
    expect(after.hops.map((x) => [x.seq, x.providerId, x.status])).toEqual([
      [1, a.id, 'withdrawn'],
      [2, a.id, 'pending'],
    ]);
    const answered = await answer(a, after.hops[1]!.id, { kind: 'not_found' });
    expect(answered.statusCode, answered.body).toBe(200);
    expect((await tracebackOf(tb.id)).outcome).toBe('dead_end');
  });

  it('refuses to reopen a traceback that is waiting on a provider', async () => {
    const a = await h.provider();
    const tb = await h.openTraceback(a.id);
    expect(tb.can.reopen).toBe(false);
    expectProblem(await act(tb.id, { action: 'reopen' }), 409);
  });
});

describe('the timeline', () => {
  it('lists the expected events in order and never carries customer details', async () => {
    const campaign = await h.analyst.post('/api/v1/campaigns', {
      name: 'Fake warranty',
      description: 'Your car warranty is about to expire',
      category: 'auto_warranty',
    });
    const a = await h.provider();
    const b = await h.provider();
    const tb = await h.openTraceback(a.id, {
      campaignId: campaign.json<{ id: string }>().id,
      note: 'honeypot 7',
    });
    h.clock.advance(HOUR_MS);
    await answer(a, tb.hops[0]!.id, { kind: 'upstream', upstreamProviderId: b.id, comment: 'SIP trunk 12' });
    const hopB = (await tracebackOf(tb.id)).hops[1]!;
    h.clock.advance(HOUR_MS);
    const customer = {
      name: 'Quillfeather Outbound Dialing LLC',
      address: '77 Nowhere Lane, Faketown',
      contact: 'ceo@quillfeather.example',
      accountRef: 'ACCT-QF-9981',
    };
    const res = await answer(b, hopB.id, { kind: 'origin', customer, action: 'terminated' });
    expect(res.statusCode, res.body).toBe(200);
    const staffView = await tracebackOf(tb.id);
    expect(staffView.origin?.customer).toEqual(customer);

    const events = await timeline(tb.id);
    expect(events.map((e) => e.type)).toEqual([
      'traceback.opened',
      'hop.requested',
      'hop.answered',
      'hop.requested',
      'hop.answered',
      'traceback.closed',
      'origin.viewed',
    ]);
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((x, y) => x - y));
    expect(events.map((e) => Date.parse(e.at))).toEqual(
      events.map((e) => Date.parse(e.at)).sort((x, y) => x - y),
    );
    expect(events[2]).toMatchObject({ actor: a.user.email, hopId: tb.hops[0]!.id });
    expect(events[4]!.data).toMatchObject({ kind: 'origin', action: 'terminated' });
    expect(events[5]!.data).toEqual({ outcome: 'origin_identified' });
    expect(events[6]!.actor).toBe(h.analyst.email);

    const raw = (await h.analyst.get(`/api/v1/tracebacks/${tb.id}/events`)).body;
    for (const detail of Object.values(customer)) expect(raw).not.toContain(detail);
  });
});
