import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents, schema } from '@hoptrace/db';
import { sql } from 'drizzle-orm';
import { HOUR_MS } from '../clock/clock';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { getHop, getTraceback } from '../queries/tracebacks';
import { setupCore } from '../testing/fixtures';
import { actOnTraceback } from './actOnTraceback';
import { answerHop } from './answerHop';
import { sweepOverdueHops } from './markNonResponsive';
import { openTraceback } from './openTraceback';

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

async function open(firstProviderId: string) {
  return openTraceback({ ...env.ctx(env.analyst), input: { call, firstProviderId } });
}

describe('a traceback through six providers', () => {
  it('walks upstream hop by hop and closes with the origin', async () => {
    const ps = [];
    for (let i = 0; i < 6; i++) ps.push(await env.provider());
    const tb = await open(ps[0]!.provider.id);
    for (let i = 0; i < 5; i++) {
      env.clock.advance(HOUR_MS);
      const view = await getTraceback({ ...env.ctx(env.analyst), tracebackId: tb.id });
      const pending = view.hops.find((h) => h.status === 'pending')!;
      expect(pending.providerId).toBe(ps[i]!.provider.id);
      const r = await answerHop({
        ...env.ctx(ps[i]!.actor),
        hopId: pending.id,
        input: { kind: 'upstream', upstreamProviderId: ps[i + 1]!.provider.id },
      });
      expect(r.nextHop?.providerId).toBe(ps[i + 1]!.provider.id);
      expect(r.nextHop?.namedByHopId).toBe(pending.id);
    }
    const last = (await getTraceback({ ...env.ctx(env.analyst), tracebackId: tb.id })).hops[5]!;
    const r = await answerHop({
      ...env.ctx(ps[5]!.actor),
      hopId: last.id,
      input: {
        kind: 'origin',
        customer: { name: 'Fictional Dialer LLC', accountRef: 'A-1' },
        action: 'terminated',
      },
    });
    expect(r.traceback).toMatchObject({ status: 'closed', outcome: 'origin_identified' });
    const view = await getTraceback({ ...env.ctx(env.analyst), tracebackId: tb.id });
    expect(view.hops.map((h) => h.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(view.hops.every((h) => h.status === 'answered' && h.answeredVia === 'api')).toBe(true);
    expect(view.origin?.customer.name).toBe('Fictional Dialer LLC');
    const types = (await listEvents(env.db, tb.id)).map((e) => e.type);
    expect(types.filter((t) => t === 'hop.answered')).toHaveLength(6);
    expect(types).toContain('traceback.closed');
    expect(types).toContain('origin.viewed');
  });
});

describe('answers and their refusals', () => {
  it('refuses a second answer to the same hop, and an answer from another provider', async () => {
    const a = await env.provider();
    const b = await env.provider();
    const tb = await open(a.provider.id);
    const hopId = (await getTraceback({ ...env.ctx(env.analyst), tracebackId: tb.id })).hops[0]!.id;
    await expect(
      answerHop({ ...env.ctx(b.actor), hopId, input: { kind: 'not_found' } }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(getHop({ ...env.ctx(b.actor), hopId })).rejects.toBeInstanceOf(NotFoundError);
    await answerHop({ ...env.ctx(a.actor), hopId, input: { kind: 'not_found' } });
    await expect(
      answerHop({ ...env.ctx(a.actor), hopId, input: { kind: 'not_found' } }),
    ).rejects.toBeInstanceOf(ConflictError);
    const view = await getTraceback({ ...env.ctx(env.analyst), tracebackId: tb.id });
    expect(view).toMatchObject({ status: 'closed', outcome: 'dead_end' });
  });

  it('names a provider not yet listed: an unverified provider is created and asked', async () => {
    const a = await env.provider();
    const tb = await open(a.provider.id);
    const hopId = (await getTraceback({ ...env.ctx(env.analyst), tracebackId: tb.id })).hops[0]!.id;
    const r = await answerHop({
      ...env.ctx(a.actor),
      hopId,
      input: {
        kind: 'upstream',
        upstreamProvider: { name: 'Unlisted Voice Co', contactEmail: 'ops@unlisted.example' },
      },
    });
    const [created] = await env.db
      .select()
      .from(schema.providers)
      .where(sql`id = ${r.nextHop!.providerId}`);
    expect(created).toMatchObject({ name: 'Unlisted Voice Co', verified: false });
  });

  it('flags a loop and opens no hop when the upstream is already in the path', async () => {
    const a = await env.provider();
    const b = await env.provider();
    const tb = await open(a.provider.id);
    let hopId = (await getTraceback({ ...env.ctx(env.analyst), tracebackId: tb.id })).hops[0]!.id;
    const r = await answerHop({
      ...env.ctx(a.actor),
      hopId,
      input: { kind: 'upstream', upstreamProviderId: b.provider.id },
    });
    hopId = r.nextHop!.id;
    const r2 = await answerHop({
      ...env.ctx(b.actor),
      hopId,
      input: { kind: 'upstream', upstreamProviderId: a.provider.id },
    });
    expect(r2.nextHop).toBeNull();
    expect(r2.traceback).toMatchObject({ status: 'open', flags: ['loop'] });
    // The analyst resumes the inquiry with another provider.
    const c = await env.provider();
    await actOnTraceback({
      ...env.ctx(env.analyst),
      tracebackId: tb.id,
      input: { action: 'reopen', providerId: c.provider.id },
    });
    const view = await getTraceback({ ...env.ctx(env.analyst), tracebackId: tb.id });
    expect(view.hops.at(-1)).toMatchObject({ providerId: c.provider.id, status: 'pending', seq: 3 });
  });

  it('rejects an unknown upstream provider and writes nothing', async () => {
    const a = await env.provider();
    const tb = await open(a.provider.id);
    const hopId = (await getTraceback({ ...env.ctx(env.analyst), tracebackId: tb.id })).hops[0]!.id;
    const before = (await listEvents(env.db, tb.id)).length;
    await expect(
      answerHop({
        ...env.ctx(a.actor),
        hopId,
        input: { kind: 'upstream', upstreamProviderId: '00000000-0000-4000-8000-000000000000' },
      }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect((await listEvents(env.db, tb.id)).length).toBe(before);
    expect((await getHop({ ...env.ctx(a.actor), hopId })).status).toBe('pending');
  });
});

describe('the clock and late answers', () => {
  it('marks an overdue hop non-responsive, then a late answer reopens and continues', async () => {
    const a = await env.provider();
    const b = await env.provider();
    const tb = await open(a.provider.id);
    const hopId = (await getTraceback({ ...env.ctx(env.analyst), tracebackId: tb.id })).hops[0]!.id;
    env.clock.advance(23 * HOUR_MS);
    expect(await sweepOverdueHops(env.ctx(env.system))).toBe(0);
    env.clock.advance(HOUR_MS);
    expect(await sweepOverdueHops(env.ctx(env.system))).toBeGreaterThanOrEqual(1);
    expect(await getTraceback({ ...env.ctx(env.analyst), tracebackId: tb.id })).toMatchObject({
      status: 'closed',
      outcome: 'non_responsive',
    });
    env.clock.advance(5 * HOUR_MS);
    const r = await answerHop({
      ...env.ctx(a.actor),
      hopId,
      input: { kind: 'upstream', upstreamProviderId: b.provider.id },
    });
    expect(r.hop.late).toBe(true);
    expect(r.traceback).toMatchObject({ status: 'open', outcome: null });
    expect(r.nextHop?.providerId).toBe(b.provider.id);
  });

  it('cancels, refuses a second close, reopens the withdrawn hop, reassigns', async () => {
    const a = await env.provider();
    const b = await env.provider();
    const tb = await open(a.provider.id);
    const steer = env.ctx(env.analyst);
    await actOnTraceback({ ...steer, tracebackId: tb.id, input: { action: 'cancel' } });
    await expect(
      actOnTraceback({ ...steer, tracebackId: tb.id, input: { action: 'close', outcome: 'foreign_origin' } }),
    ).rejects.toBeInstanceOf(ConflictError);
    await actOnTraceback({ ...steer, tracebackId: tb.id, input: { action: 'reopen' } });
    let view = await getTraceback({ ...steer, tracebackId: tb.id });
    expect(view.hops.map((h) => [h.seq, h.status])).toEqual([
      [1, 'withdrawn'],
      [2, 'pending'],
    ]);
    await actOnTraceback({
      ...steer,
      tracebackId: tb.id,
      input: { action: 'reassign', hopId: view.hops[1]!.id, providerId: b.provider.id },
    });
    view = await getTraceback({ ...steer, tracebackId: tb.id });
    expect(view.hops.at(-1)).toMatchObject({ providerId: b.provider.id, status: 'pending' });
    await expect(
      actOnTraceback({ ...env.ctx(a.actor), tracebackId: tb.id, input: { action: 'cancel' } }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('the timeline', () => {
  it('is append-only', async () => {
    await expect(env.db.execute(sql`UPDATE events SET type = 'x'`)).rejects.toThrow();
    await expect(env.db.execute(sql`DELETE FROM events`)).rejects.toThrow();
  });
});
