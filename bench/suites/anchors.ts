import { computeKeyMetrics } from '@hoptrace/core';
import { keyFiguresOfYear, openDatabase } from '@hoptrace/db';
import { loadDemo } from '@hoptrace/sim';
import { sql } from 'drizzle-orm';
import type { BenchResult } from '../lib/types';

/**
 * Issue #16 point 8 (decision 0028): the ITG's published key metrics beside the simulator's own for a
 * simulated year (the demo's history, loaded as `hoptrace start` loads it, its six months placed in
 * one calendar year), and the cost of computing a year's key metrics at scale.
 */
const ITG = {
  2023: {
    tracebacks: 3737,
    providers: 699,
    newProviders: 270,
    nonResponsive: 94,
    warned: 0.84,
    hops: 5.9,
    legal: 198,
  },
  2024: {
    tracebacks: 3606,
    providers: 714,
    newProviders: 275,
    nonResponsive: 77,
    warned: 0.69,
    hops: 4.9,
    legal: 330,
  },
};

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const year = 2025;
  const demo = await openDatabase({});
  try {
    await demo.migrate();
    const started = Date.now();
    await loadDemo({ db: demo.db, now: new Date(Date.UTC(year, 11, 31)), honeypotCalls: 0 });
    const loadMs = Date.now() - started;
    const sim = (await computeKeyMetrics(demo.db, year)).year;
    const itg = (k: keyof (typeof ITG)[2023]) => `ITG 2023 ${ITG[2023][k]}, 2024 ${ITG[2024][k]}`;
    const share = (a: number, b: number) => (b > 0 ? a / b : null);
    results.push(
      {
        name: 'simulated year: tracebacks (demo: six months)',
        value: sim.tracebacks,
        unit: 'tracebacks',
        notes: `${itg('tracebacks')}; demo loaded in ${(loadMs / 1000).toFixed(1)} s`,
      },
      {
        name: 'simulated year: providers identified',
        value: sim.providersIdentified,
        unit: 'providers',
        notes: itg('providers'),
      },
      {
        name: 'simulated year: new providers identified',
        value: sim.newProvidersIdentified,
        unit: 'providers',
        notes: `${itg('newProviders')} (a first year: every provider is new)`,
      },
      {
        name: 'simulated year: non-responsive providers',
        value: sim.nonResponsiveProviders,
        unit: 'providers',
        notes: itg('nonResponsive'),
      },
      {
        name: 'simulated year: non-responsive share of providers identified',
        value: Math.round((share(sim.nonResponsiveProviders, sim.providersIdentified) ?? 0) * 1000) / 10,
        unit: '%',
        target: `ITG 2023 ${pct(94 / 699)}, 2024 ${pct(77 / 714)}`,
      },
      {
        name: 'simulated year: callers warned or terminated',
        value: Math.round((sim.callerWarnedOrTerminatedShare ?? 0) * 1000) / 10,
        unit: '%',
        target: 'ITG 2023 84%, 2024 69%',
      },
      {
        name: 'simulated year: average hops',
        value: sim.averageHops ?? NaN,
        unit: 'hops',
        target: 'ITG 2023 5.9, 2024 4.9',
      },
      {
        name: 'simulated year: foreign origin share',
        value: Math.round((sim.foreignOriginShare ?? 0) * 1000) / 10,
        unit: '%',
        notes: 'the ITG publishes no share; of tracebacks ending at an origin or abroad',
      },
      {
        name: 'simulated year: subpoenas and CIDs',
        value: sim.legalRequests,
        unit: 'requests',
        notes: `${itg('legal')}; the demo loads no legal requests into the register`,
      },
    );
  } finally {
    await demo.close();
  }

  // Scale: a year of tracebacks written by SQL, five hops each over 2,000 providers, and the key metrics of that year.
  const n = quick ? 50_000 : 200_000;
  const big = await openDatabase({});
  try {
    await big.migrate();
    await big.db.execute(
      sql`INSERT INTO providers (name) SELECT 'Fictional Carrier ' || g FROM generate_series(1, 2000) g`,
    );
    await big.db.execute(sql`CREATE TEMP TABLE p AS SELECT row_number() OVER () AS i, id FROM providers`);
    await big.db.execute(sql`
      INSERT INTO tracebacks (status, outcome, call_started_at, calling_number, called_number, first_provider_id, opened_at, closed_at, updated_at)
      SELECT 'closed', (ARRAY['origin_identified','foreign_origin','non_responsive','dead_end'])[1 + g % 4],
        t, '+1202555' || lpad((g % 10000)::text, 4, '0'), '+13125550188', (SELECT id FROM p WHERE i = 1 + g % 2000),
        t, t + (g % 97) * interval '1 hour', t
      FROM generate_series(1, ${n}) g, LATERAL (SELECT timestamptz '2024-01-01' + (g::float8 / ${n}) * interval '365 days' AS t) x`);
    await big.db.execute(sql`
      INSERT INTO hops (traceback_id, seq, provider_id, status, requested_at, received_at, due_at)
      SELECT t.id, s, p.id, CASE WHEN s = 5 AND t.outcome = 'non_responsive' THEN 'non_responsive' ELSE 'pending' END,
        t.opened_at, t.opened_at, t.opened_at + interval '1 day'
      FROM tracebacks t CROSS JOIN generate_series(1, 5) s
      JOIN p ON p.i = 1 + (abs(hashtext(t.id::text || s)) % 2000)`);
    await big.db.execute(sql`ANALYZE`);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const f = await keyFiguresOfYear(big.db, 2024);
      times.push(performance.now() - t0);
      if (f.year.tracebacks !== n) throw new Error(`expected ${n} tracebacks, got ${f.year.tracebacks}`);
    }
    results.push({
      name: `key metrics of a year of ${n.toLocaleString('en-US')} tracebacks (${(5 * n).toLocaleString('en-US')} hops), PGlite`,
      value: Math.round(Math.min(...times)),
      unit: 'ms',
      notes: `best of 3 (${times.map((t) => Math.round(t)).join(', ')} ms); a published year is read from its snapshot instead`,
    });
  } finally {
    await big.close();
  }
  return results;
}
