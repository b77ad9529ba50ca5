import { hopsOf } from '@hoptrace/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../clock/clock';
import { answerHop } from '../commands/answerHop';
import { createCampaign } from '../commands/campaigns';
import { publishDetermination, reviewCooperation } from '../commands/determinations';
import { sweepOverdueHops } from '../commands/markNonResponsive';
import { openTraceback } from '../commands/openTraceback';
import { createProvider } from '../commands/providers';
import { setCooperationPolicy } from '../cooperation/policy';
import { ConflictError, NotFoundError } from '../errors';
import { setupCore } from '../testing/fixtures';
import {
  getScorecard,
  getUpstreams,
  listScorecards,
  publishedNonCooperative,
  refreshScorecards,
  refreshScorecardsIfStale,
  upstreamsCsv,
} from './scorecards';

let env: Awaited<ReturnType<typeof setupCore>>;
beforeAll(async () => {
  env = await setupCore();
});
afterAll(async () => {
  await env.close();
});

const DAY = 24 * HOUR_MS;
const call = (i: number) => ({
  startedAt: new Date(env.clock.now().getTime() - 2 * HOUR_MS),
  callingNumber: `+1202555${String(1000 + i).slice(-4)}`,
  calledNumber: '+13125550188',
});

const listQuery = {
  sort: '-status',
  minRequests: 1,
  limit: 50,
  format: 'json' as const,
};

describe('non-cooperation, computed and confirmed', () => {
  it('a provider that misses deadlines becomes watch, then non-cooperative; published only once staff confirm', async () => {
    const a = await env.provider('Fictional Terminating Co');
    const b = await env.provider('Fictional Silent Carrier');
    const campaign = await createCampaign({
      ...env.ctx(env.analyst),
      input: { name: 'Fictional warranty', description: 'Your warranty', category: 'auto_warranty' },
    });

    /** A traceback at A; A names B at once; B never answers and the clock marks it non-responsive. */
    async function missed(i: number) {
      const tb = await openTraceback({
        ...env.ctx(env.analyst),
        input: { call: call(i), firstProviderId: a.provider.id, campaignId: campaign.id },
      });
      const [first] = await hopsOf(env.db, tb.id);
      env.clock.advance(HOUR_MS);
      await answerHop({
        ...env.ctx(a.actor),
        hopId: first!.id,
        input: { kind: 'upstream', upstreamProviderId: b.provider.id },
      });
      env.clock.advance(5 * DAY);
      expect(await sweepOverdueHops(env.ctx(env.system))).toBe(1);
    }
    const status = async () =>
      (await getScorecard({ ...env.ctx(env.analyst), providerId: b.provider.id })).status;

    await missed(1);
    expect(await status()).toBe('cooperative');
    await refreshScorecards(env.ctx(env.analyst));
    await missed(2);
    expect(await status()).toBe('watch');
    await missed(3);
    expect(await status()).toBe('watch');
    await missed(4);
    const card = await getScorecard({ ...env.ctx(env.analyst), providerId: b.provider.id });
    expect(card.status).toBe('non_cooperative');
    expect(card).toMatchObject({ requested: 4, never: 4, answeredOnTime: 0, neverShare: 1, campaigns: 1 });
    expect(card.evidence.counts.nonResponsive).toBe(4);
    expect(card.evidence.reasons.map((r) => r.level)).toEqual(['non_cooperative']);
    expect(card.evidence.tracebacks.filter((t) => t.criterion === 'nonResponsive')).toHaveLength(4);
    // Refusals and letters have no table yet: they count 0 (decision 0027).
    expect(card.evidence.counts.letters).toBe(0);
    expect(card.months.reduce((n, m) => n + m.never, 0)).toBe(4);

    // A answered every request on time: cooperative, with B as the upstream it keeps naming.
    const aCard = await getScorecard({ ...env.ctx(env.analyst), providerId: a.provider.id });
    expect(aCard).toMatchObject({
      status: 'cooperative',
      requested: 4,
      answeredOnTime: 4,
      never: 0,
      asHop: 4,
    });

    // The table reads the figures as last computed: B's last miss shows once they are recomputed.
    const stale = await listScorecards({ ...env.ctx(env.analyst), query: { ...listQuery, q: 'silent' } });
    expect(stale.items[0]!.never).toBe(1);
    expect(await refreshScorecardsIfStale({ ...env.ctx(env.system), maxAgeMs: 30 * DAY })).toBe(0);
    expect(await refreshScorecardsIfStale(env.ctx(env.system))).toBeGreaterThan(0);
    // The SQL level (list, filter, sort) and the pure assessment agree.
    const worst = await listScorecards({
      ...env.ctx(env.analyst),
      query: { ...listQuery, status: 'non_cooperative' },
    });
    expect(worst.items.map((r) => r.providerId)).toEqual([b.provider.id]);
    const ranked = await listScorecards({ ...env.ctx(env.analyst), query: listQuery });
    expect(ranked.items[0]!.providerId).toBe(b.provider.id);

    // Nothing is public before staff confirm.
    expect(await publishedNonCooperative(env.db)).toEqual([]);
    // The provider itself sees its figures but not the unreviewed status.
    const own = await getScorecard({ ...env.ctx(b.actor), providerId: b.provider.id });
    expect(own).toMatchObject({ never: 4, status: 'cooperative', statusSource: 'confirmed' });
    expect(own.evidence.reasons).toEqual([]);

    // Staff must review the status they saw; a stale one is refused.
    await expect(
      reviewCooperation({
        ...env.ctx(env.analyst),
        providerId: b.provider.id,
        input: { decision: 'confirmed', expectedStatus: 'watch' },
      }),
    ).rejects.toThrow(ConflictError);
    // Providers cannot review anyone.
    await expect(
      reviewCooperation({
        ...env.ctx(a.actor),
        providerId: b.provider.id,
        input: { decision: 'confirmed', expectedStatus: 'non_cooperative', publish: true },
      }),
    ).rejects.toThrow(NotFoundError);

    // A dismissed determination is never published.
    const dismissed = await reviewCooperation({
      ...env.ctx(env.analyst),
      providerId: b.provider.id,
      input: { decision: 'dismissed', expectedStatus: 'non_cooperative', note: 'outage week' },
    });
    await expect(
      publishDetermination({ ...env.ctx(env.analyst), determinationId: dismissed.id, published: true }),
    ).rejects.toThrow(ConflictError);
    expect(await publishedNonCooperative(env.db)).toEqual([]);

    // Confirmed but not yet published: still not public.
    const confirmed = await reviewCooperation({
      ...env.ctx(env.analyst),
      providerId: b.provider.id,
      input: { decision: 'confirmed', expectedStatus: 'non_cooperative' },
    });
    expect(confirmed.evidence.counts.nonResponsive).toBe(4);
    expect(await publishedNonCooperative(env.db)).toEqual([]);
    const ownAfter = await getScorecard({ ...env.ctx(b.actor), providerId: b.provider.id });
    expect(ownAfter.status).toBe('non_cooperative');

    await publishDetermination({ ...env.ctx(env.analyst), determinationId: confirmed.id, published: true });
    const named = await publishedNonCooperative(env.db);
    expect(named).toHaveLength(1);
    expect(named[0]).toMatchObject({ providerId: b.provider.id, providerName: 'Fictional Silent Carrier' });
    expect(named[0]!.reasons[0]).toContain('4 requests left unanswered');

    // Withdrawn: no longer named.
    await publishDetermination({ ...env.ctx(env.analyst), determinationId: confirmed.id, published: false });
    expect(await publishedNonCooperative(env.db)).toEqual([]);
    await publishDetermination({ ...env.ctx(env.analyst), determinationId: confirmed.id, published: true });
    expect(await publishedNonCooperative(env.db)).toHaveLength(1);

    // Upstreams: A sees B, named four times, each traceback ended non-responsive, in the campaign.
    const up = await getUpstreams({
      ...env.ctx(a.actor),
      providerId: a.provider.id,
      query: { months: 12, format: 'json' },
    });
    expect(up.items).toHaveLength(1);
    expect(up.items[0]).toMatchObject({
      providerId: b.provider.id,
      named: 4,
      nonResponsive: 4,
      originIdentified: 0,
    });
    expect(up.items[0]!.campaigns).toEqual([{ id: campaign.id, name: 'Fictional warranty', count: 4 }]);
    expect(up.items[0]!.perMonth.reduce((x, y) => x + y, 0)).toBe(4);
    expect([...upstreamsCsv(up)].join('')).toContain('Fictional Silent Carrier');
    // B named nobody; and neither provider may read the other's upstreams or scorecard.
    const bUp = await getUpstreams({
      ...env.ctx(b.actor),
      providerId: b.provider.id,
      query: { months: 12, format: 'json' },
    });
    expect(bUp.items).toEqual([]);
    await expect(
      getUpstreams({ ...env.ctx(b.actor), providerId: a.provider.id, query: { months: 12, format: 'json' } }),
    ).rejects.toThrow(NotFoundError);
    await expect(getScorecard({ ...env.ctx(a.actor), providerId: b.provider.id })).rejects.toThrow(
      NotFoundError,
    );
  });

  it('the policy is configurable (admins), and the entry point of foreign traffic counts', async () => {
    const us = await env.provider('Fictional Gateway US');
    const foreign = await createProvider({
      ...env.ctx(env.analyst),
      input: {
        name: 'Fictional Offshore Ltd',
        dbaNames: [],
        country: 'GB',
        ocns: [],
        contacts: [],
        escalationContacts: [],
      },
    });
    const tb = await openTraceback({
      ...env.ctx(env.analyst),
      input: { call: call(9), firstProviderId: us.provider.id },
    });
    const [first] = await hopsOf(env.db, tb.id);
    await answerHop({
      ...env.ctx(us.actor),
      hopId: first!.id,
      input: { kind: 'upstream', upstreamProviderId: foreign.id },
    });
    const card = () => getScorecard({ ...env.ctx(env.analyst), providerId: us.provider.id });
    expect((await card()).asEntryPoint).toBe(1);
    expect((await card()).status).toBe('cooperative');

    await expect(
      setCooperationPolicy({
        ...env.ctx(env.analyst),
        input: { entryPoint: { watchAt: 1, nonCooperativeAt: 1 } },
      }),
    ).rejects.toThrow(NotFoundError);
    await setCooperationPolicy({
      ...env.ctx(env.admin),
      input: { entryPoint: { watchAt: 1, nonCooperativeAt: 1 } },
    });
    expect((await card()).status).toBe('non_cooperative');
    await refreshScorecards(env.ctx(env.analyst));
    const listed = await listScorecards({
      ...env.ctx(env.analyst),
      query: { ...listQuery, status: 'non_cooperative', q: 'gateway' },
    });
    expect(listed.items.map((r) => r.providerId)).toEqual([us.provider.id]);
    await setCooperationPolicy({ ...env.ctx(env.admin), input: {} });
    expect((await card()).status).toBe('cooperative');
  });

  it('pages by keyset in the sort order without repeating or skipping a provider', async () => {
    await refreshScorecards(env.ctx(env.analyst));
    const all = await listScorecards({
      ...env.ctx(env.analyst),
      query: { ...listQuery, sort: 'name', minRequests: 0 },
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listScorecards({
        ...env.ctx(env.analyst),
        query: { ...listQuery, sort: 'name', minRequests: 0, limit: 2, cursor },
      });
      seen.push(...page.items.map((r) => r.providerId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(all.items.map((r) => r.providerId));
    expect(seen.length).toBeGreaterThan(3);
    const names = all.items.map((r) => r.providerName.toLowerCase());
    expect(names).toEqual([...names].sort());
  });
});
