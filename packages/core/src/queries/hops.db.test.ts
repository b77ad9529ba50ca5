import { hopsOf } from '@hoptrace/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../clock/clock';
import { answerHop } from '../commands/answerHop';
import { createCampaign } from '../commands/campaigns';
import { openTraceback } from '../commands/openTraceback';
import { setupCore } from '../testing/fixtures';
import { getHop, listHops } from './tracebacks';

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

/** Counts the statements the database is sent while `fn` runs (reads outside transactions go through `$client.query`). */
async function statementsOf<T>(fn: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const client = (env.db as unknown as { $client: { query: (...a: unknown[]) => Promise<unknown> } }).$client;
  const original = client.query;
  let statements = 0;
  client.query = function (this: unknown, ...args: unknown[]) {
    statements++;
    return original.apply(this, args);
  };
  try {
    return { result: await fn(), statements };
  } finally {
    client.query = original;
  }
}

describe('listHops', () => {
  it('presents a page of hops in a fixed number of queries, whatever its length, each as getHop does', async () => {
    const a = await env.provider();
    const b = await env.provider();
    const campaign = await createCampaign({
      ...env.ctx(env.analyst),
      input: {
        name: 'Fictional auto warranty',
        description: 'Your car warranty is expiring',
        category: 'auto_warranty',
      },
    });
    const list = () => listHops({ ...env.ctx(b.actor), query: { limit: 50 } });

    // B is named upstream by A on a few tracebacks; some B answers, some stay pending.
    async function namedHops(n: number) {
      for (let i = 0; i < n; i++) {
        const tb = await openTraceback({
          ...env.ctx(env.analyst),
          input: { call, firstProviderId: a.provider.id, campaignId: campaign.id },
        });
        const [first] = await hopsOf(env.db, tb.id);
        env.clock.advance(HOUR_MS);
        const answer = await answerHop({
          ...env.ctx(a.actor),
          hopId: first!.id,
          input: { kind: 'upstream', upstreamProviderId: b.provider.id },
        });
        if (i % 2 === 0)
          await answerHop({
            ...env.ctx(b.actor),
            hopId: answer.nextHop!.id,
            input: { kind: 'origin', customer: { name: 'Fictional Dialer LLC' }, action: 'terminated' },
          });
      }
    }

    await namedHops(2);
    const small = await statementsOf(list);
    expect(small.result.items).toHaveLength(2);
    await namedHops(10);
    const large = await statementsOf(list);
    expect(large.result.items).toHaveLength(12);
    // Not one query per hop (N+1): the same few statements for 2 hops and for 12.
    expect(large.statements).toBe(small.statements);
    expect(large.statements).toBeLessThanOrEqual(4);

    for (const item of large.result.items) {
      expect(item).toEqual(await getHop({ ...env.ctx(b.actor), hopId: item.id }));
      expect(item.providerId).toBe(b.provider.id);
      expect(item.campaign?.name).toBe('Fictional auto warranty');
      expect(item.namedBy).toEqual({ providerId: a.provider.id, providerName: a.provider.name });
    }
    const answered = large.result.items.filter((h) => h.status === 'answered');
    expect(answered).toHaveLength(6);
    // The action of an origin answer is shown; the customer (CPNI) is not.
    for (const h of answered) expect(h.answer).toEqual({ kind: 'origin', action: 'terminated' });
    expect(JSON.stringify(large.result)).not.toContain('Fictional Dialer');
    const pending = large.result.items.filter((h) => h.status === 'pending');
    expect(pending.every((h) => h.can.answer)).toBe(true);
    expect(answered.every((h) => !h.can.answer)).toBe(true);
  });

  it('shows a provider only its own hops, and another provider none of them', async () => {
    const c = await env.provider();
    const own = await listHops({ ...env.ctx(c.actor), query: { limit: 50 } });
    expect(own.items).toEqual([]);
  });
});
