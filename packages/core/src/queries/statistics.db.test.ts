import { schema } from '@hoptrace/db';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { listPublications, publishStatistics } from '../commands/publishStatistics';
import { annualReport } from '../reports/annualReport';
import { setupCore } from '../testing/fixtures';
import { computeKeyMetrics, publicStatistics } from './statistics';

/**
 * Key metrics on hand-built tracebacks with known answers (decision 0028). The rows are written as
 * they would be at the end of each traceback, so every figure below is worked out by hand.
 */
let env: Awaited<ReturnType<typeof setupCore>>;
const p: Record<string, string> = {};
const H = 3600_000;
let n = 0;

type HopSpec = [
  provider: string,
  status: 'answered' | 'non_responsive' | 'withdrawn' | 'pending',
  line?: string,
];

async function traceback(opts: {
  opened: string;
  hours?: number;
  outcome?: 'origin_identified' | 'foreign_origin' | 'non_responsive' | 'dead_end' | 'cancelled';
  hops: HopSpec[];
  origin?: 'terminated' | 'warned' | 'blocked' | 'investigating' | 'none';
  kind?: 'trace' | 'forward';
  campaignId?: string;
}) {
  const openedAt = new Date(opts.opened);
  const closedAt = opts.outcome ? new Date(openedAt.getTime() + (opts.hours ?? 1) * H) : null;
  n++;
  const [tb] = await env.db
    .insert(schema.tracebacks)
    .values({
      kind: opts.kind ?? 'trace',
      status: closedAt ? 'closed' : 'open',
      outcome: opts.outcome ?? null,
      callStartedAt: new Date(openedAt.getTime() - H),
      callingNumber: `+1202555${String(100 + n).padStart(4, '0')}`,
      calledNumber: opts.kind === 'forward' ? '' : '+13125550188',
      campaignId: opts.campaignId ?? null,
      firstProviderId: p[opts.hops[0]![0]]!,
      openedAt,
      closedAt,
      updatedAt: closedAt ?? openedAt,
    })
    .returning();
  const seqs: Record<string, number> = {};
  let originHop: string | null = null;
  for (const [name, status, line = 'path'] of opts.hops) {
    seqs[line] = (seqs[line] ?? 0) + 1;
    const answered = status === 'answered';
    const [hop] = await env.db
      .insert(schema.hops)
      .values({
        tracebackId: tb!.id,
        line,
        seq: seqs[line],
        providerId: p[name]!,
        status,
        requestedAt: openedAt,
        receivedAt: openedAt,
        dueAt: new Date(openedAt.getTime() + 24 * H),
        answeredAt: answered ? openedAt : null,
        answerKind: answered ? 'not_found' : null,
      })
      .returning();
    if (answered && line === 'path') originHop = hop!.id;
  }
  if (opts.origin && originHop) {
    await env.db.execute(sql`UPDATE hops SET answer_kind = 'origin' WHERE id = ${originHop}`);
    await env.db.insert(schema.origins).values({
      hopId: originHop,
      tracebackId: tb!.id,
      customerName: 'Fictional Caller LLC',
      action: opts.origin,
    });
  }
  return tb!;
}

beforeAll(async () => {
  env = await setupCore('2026-02-15T12:00:00Z');
  for (const name of ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'])
    p[name] = (await env.provider(`Fictional ${name} Telecom`)).provider.id;
  const [campaign] = await env.db
    .insert(schema.campaigns)
    .values({ name: 'Fictional warranty', description: 'test' })
    .returning();
  // 2024: A and F were asked before the year, so they are not new in 2025.
  await traceback({
    opened: '2024-12-10T00:00:00Z',
    outcome: 'dead_end',
    hops: [
      ['F', 'answered'],
      ['A', 'answered'],
    ],
  });
  // January 2025.
  await traceback({
    opened: '2025-01-10T00:00:00Z',
    hours: 24,
    outcome: 'origin_identified',
    hops: [
      ['A', 'answered'],
      ['B', 'answered'],
      ['E', 'answered', 'signer'],
    ],
    origin: 'terminated',
  });
  await traceback({
    opened: '2025-01-20T00:00:00Z',
    hours: 12,
    outcome: 'foreign_origin',
    hops: [
      ['A', 'answered'],
      ['C', 'answered'],
      ['D', 'answered'],
    ],
  });
  // March 2025.
  await traceback({
    opened: '2025-03-05T00:00:00Z',
    hours: 48,
    outcome: 'non_responsive',
    hops: [
      ['B', 'answered'],
      ['E', 'non_responsive'],
    ],
  });
  await traceback({
    opened: '2025-03-06T00:00:00Z',
    hours: 6,
    outcome: 'origin_identified',
    hops: [
      ['C', 'answered'],
      ['F', 'withdrawn'],
    ],
    origin: 'none',
  });
  await traceback({ opened: '2025-03-09T00:00:00Z', hops: [['A', 'pending']] });
  // Left out: a cancelled traceback (G) and a forward request (H).
  await traceback({
    opened: '2025-03-07T00:00:00Z',
    hours: 2,
    outcome: 'cancelled',
    hops: [['G', 'answered']],
  });
  await traceback({
    opened: '2025-03-08T00:00:00Z',
    hours: 2,
    outcome: 'non_responsive',
    hops: [['H', 'non_responsive']],
    kind: 'forward',
    campaignId: campaign!.id,
  });
});
afterAll(async () => {
  await env.close();
});

const EMPTY_MONTH = {
  tracebacks: 0,
  providersIdentified: 0,
  newProvidersIdentified: 0,
  nonResponsiveProviders: 0,
  callerWarnedOrTerminatedShare: null,
  averageHops: null,
  legalRequests: 0,
  foreignOriginShare: null,
  medianHoursToOutcome: null,
};

describe('key metrics', () => {
  it('computes the year and its months from the data, leaving out forward requests and cancelled tracebacks', async () => {
    const s = await publicStatistics({ db: env.db, clock: env.clock, year: 2025 });
    expect(s).toMatchObject({
      year: 2025,
      status: 'provisional',
      publishedAt: null,
      tracebacks: 5,
      providersIdentified: 5, // A B C D E: not F (withdrawn only), G (cancelled), H (forward)
      newProvidersIdentified: 4, // A was asked in 2024
      nonResponsiveProviders: 1, // E; H's request was a forward one
      callerWarnedOrTerminatedShare: 0.5, // terminated and none
      averageHops: 1.8, // path hops 2 + 3 + 2 + 1 + 1 over 5 (signer and withdrawn left out)
      legalRequests: 0,
      foreignOriginShare: 0.3333, // 1 abroad of 3 that ended at an origin or abroad
      medianHoursToOutcome: 18, // 6, 12, 24, 48
    });
    expect(s.months).toHaveLength(12);
    expect(s.months[0]).toEqual({
      month: '2025-01',
      status: 'provisional',
      publishedAt: null,
      tracebacks: 2,
      providersIdentified: 5,
      newProvidersIdentified: 4,
      nonResponsiveProviders: 0,
      callerWarnedOrTerminatedShare: 1,
      averageHops: 2.5,
      legalRequests: 0,
      foreignOriginShare: 0.5,
      medianHoursToOutcome: 18,
    });
    expect(s.months[1]).toEqual({
      month: '2025-02',
      status: 'provisional',
      publishedAt: null,
      ...EMPTY_MONTH,
    });
    expect(s.months[2]).toMatchObject({
      month: '2025-03',
      tracebacks: 3,
      providersIdentified: 4,
      newProvidersIdentified: 0,
      nonResponsiveProviders: 1,
      callerWarnedOrTerminatedShare: 0,
      averageHops: 1.33,
      foreignOriginShare: 0,
      medianHoursToOutcome: 27,
    });
    const before = await publicStatistics({ db: env.db, clock: env.clock, year: 2024 });
    expect(before).toMatchObject({ tracebacks: 1, providersIdentified: 2, newProvidersIdentified: 2 });
  });

  it('lists only the months that have begun, and refuses a year that has not', async () => {
    const s = await publicStatistics({ db: env.db, clock: env.clock, year: 2026 });
    expect(s.months.map((m) => m.month)).toEqual(['2026-01', '2026-02']);
    expect(s.tracebacks).toBe(0);
    await expect(publicStatistics({ db: env.db, clock: env.clock, year: 2027 })).rejects.toThrow(
      InvalidInputError,
    );
  });
});

describe('published snapshots', () => {
  it('publishes a month, then the year with the rest of its months; later data does not change them', async () => {
    await expect(
      publishStatistics({ ...env.ctx(env.analyst), input: { period: '2026-02' } }),
    ).rejects.toThrow(/has not ended/);
    const provider = await env.provider();
    await expect(
      publishStatistics({ ...env.ctx(provider.actor), input: { period: '2025' } }),
    ).rejects.toThrow(NotFoundError);

    expect(await publishStatistics({ ...env.ctx(env.analyst), input: { period: '2025-01' } })).toEqual({
      published: ['2025-01'],
    });
    // A traceback opened in January 2025, arriving after January was published.
    await traceback({
      opened: '2025-01-25T00:00:00Z',
      hours: 100,
      outcome: 'non_responsive',
      hops: [['G', 'non_responsive']],
    });
    const live = await computeKeyMetrics(env.db, 2025);
    expect(live.months.get(1)).toMatchObject({ tracebacks: 3, nonResponsiveProviders: 1 });

    let s = await publicStatistics({ db: env.db, clock: env.clock, year: 2025 });
    expect(s.months[0]).toMatchObject({
      month: '2025-01',
      status: 'published',
      tracebacks: 2,
      nonResponsiveProviders: 0,
    });
    expect(s).toMatchObject({ status: 'provisional', tracebacks: 6, nonResponsiveProviders: 2 });

    env.clock.advance(H);
    const year = await publishStatistics({ ...env.ctx(env.admin), input: { period: '2025' } });
    // January keeps its own snapshot; the year and the other eleven months are written now.
    expect(year.published).toHaveLength(12);
    expect(year.published).not.toContain('2025-01');
    await expect(publishStatistics({ ...env.ctx(env.admin), input: { period: '2025' } })).rejects.toThrow(
      ConflictError,
    );

    await traceback({
      opened: '2025-06-01T00:00:00Z',
      hours: 1,
      outcome: 'origin_identified',
      hops: [['D', 'answered']],
    });
    s = await publicStatistics({ db: env.db, clock: env.clock, year: 2025 });
    expect(s).toMatchObject({ status: 'published', tracebacks: 6, nonResponsiveProviders: 2 });
    expect(s.publishedAt).toBe(env.clock.now().toISOString());
    expect(s.months.every((m) => m.status === 'published')).toBe(true);
    expect(s.months[5]).toMatchObject({ month: '2025-06', tracebacks: 0 });
    expect((await computeKeyMetrics(env.db, 2025)).year.tracebacks).toBe(7);

    // The snapshot table refuses changes.
    await expect(
      env.db.execute(sql`UPDATE published_statistics SET figures = '{}'::jsonb WHERE period = '2025'`),
    ).rejects.toThrow();

    const list = await listPublications(env.ctx(env.analyst));
    expect(list.items.map((i) => i.period).slice(0, 2)).toEqual(['2025-12', '2025-11']);
    expect(list.items.find((i) => i.period === '2025-01')?.publishedByName).toBe('Ana Lyst');
  });

  it('the yearly report carries the API figures and the providers that did not take part with reasons', async () => {
    const report = await annualReport({ ...env.ctx(env.analyst), year: 2025 });
    const api = await publicStatistics({ db: env.db, clock: env.clock, year: 2025 });
    expect({ ...report.statistics, generatedAt: '' }).toEqual({ ...api, generatedAt: '' });
    expect(report.didNotParticipate.map((d) => d.name).sort()).toEqual([
      'Fictional E Telecom',
      'Fictional G Telecom',
    ]);
    expect(report.didNotParticipate.find((d) => d.name === 'Fictional G Telecom')?.reasons).toEqual([
      { reason: 'did not answer a traceback request by its deadline', count: 1 },
    ]);
    // E answered its signer request and ignored its path request: it took part and also did not.
    expect(report.participated.map((d) => d.name)).toContain('Fictional E Telecom');
    expect(report.participated.map((d) => d.name)).not.toContain('Fictional H Telecom');
    const provider = await env.provider();
    await expect(annualReport({ ...env.ctx(provider.actor), year: 2025 })).rejects.toThrow(NotFoundError);
  });
});
