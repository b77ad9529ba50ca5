import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { THop, TTraceback } from '@hoptrace/contracts';
import { CALL, createHarness, type Harness } from './testing/harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

describe('a full traceback over six providers through the API', () => {
  it('ends in origin_identified with six hops in order and the origin', async () => {
    const ps = [];
    for (let i = 0; i < 6; i++) ps.push(await h.provider());
    const opened = await h.analyst.post('/api/v1/tracebacks', { call: CALL, firstProviderId: ps[0]!.id });
    expect(opened.statusCode).toBe(201);
    const tb = opened.json<TTraceback>();
    expect(tb.call).toMatchObject({ callingNumber: '+12025550143', calledNumber: '+13125550188' });
    for (let i = 0; i < 6; i++) {
      h.clock.advance(30 * 60_000);
      const inbox = await ps[i]!.user.get('/api/v1/hops?status=pending');
      const [hop] = inbox.json<{ items: THop[] }>().items;
      expect(hop).toBeDefined();
      expect(hop!.can.answer).toBe(true);
      if (i > 0) expect(hop!.namedBy?.providerId).toBe(ps[i - 1]!.id);
      const body =
        i < 5
          ? { kind: 'upstream', upstreamProviderId: ps[i + 1]!.id }
          : {
              kind: 'origin',
              customer: {
                name: 'Fictional Dialer LLC',
                address: '1 Main St, Springfield',
                accountRef: 'ACCT-9',
              },
              action: 'terminated',
            };
      const answered = await ps[i]!.user.post(`/api/v1/hops/${hop!.id}/answer`, body);
      expect(answered.statusCode, answered.body).toBe(200);
      expect(answered.json<THop>().status).toBe('answered');
    }
    const final = (await h.analyst.get(`/api/v1/tracebacks/${tb.id}`)).json<TTraceback>();
    expect(final).toMatchObject({ status: 'closed', outcome: 'origin_identified' });
    expect(final.hops.map((x) => x.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(final.hops.map((x) => x.providerId)).toEqual(ps.map((p) => p.id));
    for (const hop of final.hops)
      expect(Date.parse(hop.answeredAt!)).toBeGreaterThan(Date.parse(hop.requestedAt));
    expect(final.origin).toMatchObject({
      providerId: ps[5]!.id,
      customer: { name: 'Fictional Dialer LLC' },
      action: 'terminated',
    });
  });
});
