import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents, schema } from '@hoptrace/db';
import { eq } from 'drizzle-orm';
import { HOUR_MS } from '../clock/clock';
import { ConflictError } from '../errors';
import { getTraceback } from '../queries/tracebacks';
import { setupCore } from '../testing/fixtures';
import { actOnTraceback } from './actOnTraceback';
import { answerHop } from './answerHop';
import { openTraceback } from './openTraceback';
import { createWebhook } from './webhooks';

let env: Awaited<ReturnType<typeof setupCore>>;
beforeAll(async () => {
  env = await setupCore();
});
afterAll(async () => {
  await env.close();
});

const call = {
  startedAt: new Date('2026-11-01T14:03:00Z'),
  callingNumber: '+12025550143',
  calledNumber: '+13125550188',
};

type Party = Awaited<ReturnType<typeof env.provider>>;

/** A path terminating → gateway, both in the US; returns the traceback and the gateway's pending hop. */
async function toGateway() {
  const terminating = await env.provider();
  const gateway = await env.provider();
  const tb = await openTraceback({
    ...env.ctx(env.analyst),
    input: { call, firstProviderId: terminating.provider.id },
  });
  const first = (await getTraceback({ ...env.ctx(env.analyst), tracebackId: tb.id })).hops[0]!;
  const r = await answerHop({
    ...env.ctx(terminating.actor),
    hopId: first.id,
    input: { kind: 'upstream', upstreamProviderId: gateway.provider.id },
  });
  return { tb, terminating, gateway, gatewayHopId: r.nextHop!.id };
}

async function pendingHopOf(tracebackId: string, p: Party) {
  const view = await getTraceback({ ...env.ctx(env.analyst), tracebackId });
  return view.hops.find((h) => h.status === 'pending' && h.providerId === p.provider.id)!;
}

describe('a path that reaches a provider abroad (decision 0035)', () => {
  it('ends as foreign_origin on its own, with the gateway recorded as the entry point, and says why', async () => {
    const { tb, terminating, gateway, gatewayHopId } = await toGateway();
    const abroad = await env.provider('Fictional Carrier Abroad', 'PH');
    const { row: hook } = await createWebhook({
      ...env.ctx(env.admin),
      providerId: terminating.provider.id,
      input: { url: 'https://hooks.example/terminating', events: ['traceback.closed'] },
      refuseUrl: () => Promise.resolve(null),
    });
    env.clock.advance(HOUR_MS);
    const r = await answerHop({
      ...env.ctx(gateway.actor),
      hopId: gatewayHopId,
      input: { kind: 'upstream', upstreamProviderId: abroad.provider.id },
    });
    expect(r.nextHop).toBeNull();
    expect(r.traceback).toMatchObject({
      status: 'closed',
      outcome: 'foreign_origin',
      entryPointProviderId: gateway.provider.id,
    });
    const view = await getTraceback({ ...env.ctx(env.analyst), tracebackId: tb.id });
    expect(view.entryPointProviderId).toBe(gateway.provider.id);
    // No request goes abroad by itself.
    expect(view.hops.map((h) => h.providerId)).toEqual([terminating.provider.id, gateway.provider.id]);
    expect(view.can.continueAbroad).toBe(true);
    const closed = (await listEvents(env.db, tb.id)).find((e) => e.type === 'traceback.closed')!;
    expect(closed.data).toMatchObject({
      outcome: 'foreign_origin',
      reason: 'foreign_upstream',
      entryPointProviderId: gateway.provider.id,
      foreignProviderId: abroad.provider.id,
    });
    // The closing notice goes out as for any other close: the webhook of a provider in the path.
    const sent = await env.db.select().from(schema.outbox).where(eq(schema.outbox.tracebackId, tb.id));
    expect(sent.some((o) => o.endpointId === hook.id && o.topic === 'traceback.closed')).toBe(true);
    // A provider sees the entry point only when it is its own hop.
    const asTerminating = await getTraceback({ ...env.ctx(terminating.actor), tracebackId: tb.id }).catch(
      () => null,
    );
    if (asTerminating) expect(asTerminating.entryPointProviderId).toBeNull();
  });

  it('a provider first named with contact details and a country abroad ends the path too', async () => {
    const { tb, gateway, gatewayHopId } = await toGateway();
    const r = await answerHop({
      ...env.ctx(gateway.actor),
      hopId: gatewayHopId,
      input: {
        kind: 'upstream',
        upstreamProvider: {
          name: 'Fictional Overseas Voice',
          contactEmail: 'noc@overseas.example',
          country: 'GB',
        },
      },
    });
    expect(r.traceback).toMatchObject({
      outcome: 'foreign_origin',
      entryPointProviderId: gateway.provider.id,
    });
    expect((await getTraceback({ ...env.ctx(env.analyst), tracebackId: tb.id })).hops).toHaveLength(2);
  });

  it('staff continue the path abroad; the provider abroad answers and the entry point stays', async () => {
    const { tb, gateway, gatewayHopId } = await toGateway();
    const abroad = await env.provider('Fictional Cooperating Carrier', 'GB');
    const further = await env.provider('Fictional Second Carrier', 'IN');
    await answerHop({
      ...env.ctx(gateway.actor),
      hopId: gatewayHopId,
      input: { kind: 'upstream', upstreamProviderId: abroad.provider.id },
    });
    // A provider may not steer; an open traceback cannot be continued abroad.
    const reopened = await actOnTraceback({
      ...env.ctx(env.analyst),
      tracebackId: tb.id,
      input: { action: 'continue_abroad', note: 'the carrier abroad agreed to answer' },
    });
    expect(reopened).toMatchObject({
      status: 'open',
      outcome: null,
      entryPointProviderId: gateway.provider.id,
    });
    await expect(
      actOnTraceback({ ...env.ctx(env.analyst), tracebackId: tb.id, input: { action: 'continue_abroad' } }),
    ).rejects.toBeInstanceOf(ConflictError);
    const hop = await pendingHopOf(tb.id, abroad);
    expect(hop.namedByHopId).toBe(gatewayHopId);
    const events = await listEvents(env.db, tb.id);
    expect(events.at(-2)?.type).toBe('traceback.reopened');
    expect(events.at(-2)?.data).toMatchObject({ providerId: abroad.provider.id });
    // Abroad, an upstream abroad is walked like any other: staff chose to follow the path there.
    const next = await answerHop({
      ...env.ctx(abroad.actor),
      hopId: hop.id,
      input: { kind: 'upstream', upstreamProviderId: further.provider.id },
    });
    expect(next.nextHop?.providerId).toBe(further.provider.id);
    const done = await answerHop({
      ...env.ctx(further.actor),
      hopId: next.nextHop!.id,
      input: { kind: 'origin', customer: { name: 'Fictional Dialer Ltd' }, action: 'warned' },
    });
    expect(done.traceback).toMatchObject({
      outcome: 'origin_identified',
      entryPointProviderId: gateway.provider.id,
    });
  });

  it('a traceback closed as foreign_origin by hand records the last US provider of its path', async () => {
    const { tb, gateway } = await toGateway();
    const closed = await actOnTraceback({
      ...env.ctx(env.analyst),
      tracebackId: tb.id,
      input: { action: 'close', outcome: 'foreign_origin' },
    });
    expect(closed).toMatchObject({ outcome: 'foreign_origin', entryPointProviderId: gateway.provider.id });
    // No answer named a provider abroad: there is nobody to continue to.
    await expect(
      actOnTraceback({ ...env.ctx(env.analyst), tracebackId: tb.id, input: { action: 'continue_abroad' } }),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it('a US upstream keeps the walk going', async () => {
    const { gateway, gatewayHopId } = await toGateway();
    const us = await env.provider();
    const r = await answerHop({
      ...env.ctx(gateway.actor),
      hopId: gatewayHopId,
      input: { kind: 'upstream', upstreamProviderId: us.provider.id },
    });
    expect(r.traceback).toMatchObject({ status: 'open', entryPointProviderId: null });
    expect(r.nextHop?.providerId).toBe(us.provider.id);
  });
});
