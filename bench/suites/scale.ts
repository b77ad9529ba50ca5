import { ZTracebackListQuery, ZWeeksQuery } from '@hoptrace/contracts';
import {
  actorFor,
  createUser,
  getDashboard,
  getTraceback,
  listTracebacks,
  systemActor,
  systemClock,
  type Actor,
} from '@hoptrace/core';
import { openDatabase, type Db } from '@hoptrace/db';
import { createHash } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { percentile } from '../lib/load';
import { scratchPostgres } from '../lib/postgres';
import type { BenchResult } from '../lib/types';

/**
 * The read path at scale, on real PostgreSQL: the traceback list (first page,
 * a filtered page, a search by number), the traceback detail and the
 * dashboard, with 10k, 100k and (full run only) 1M tracebacks in the database.
 *
 * The history is written with bulk SQL (INSERT … SELECT … generate_series),
 * not through the API: 200 providers, 20 campaigns, tracebacks spread over the
 * last 12 months, 3–7 hops each (5 on average), every outcome. Reads go
 * through the same core queries as the HTTP routes (GET /tracebacks,
 * GET /tracebacks/:id, GET /stats/dashboard), as an analyst, one at a time.
 */
const PROVIDERS = 200;
const CAMPAIGNS = 20;
const DAY_S = 86_400;

export async function run(opts: { quick: boolean }): Promise<BenchResult[]> {
  const pgdb = await scratchPostgres();
  if (!pgdb) return [{ name: 'scale', value: NaN, unit: 'ms', notes: 'skipped: no PostgreSQL reachable' }];
  // BENCH_SCALE_SIZES=10000,100000 runs other sizes (e.g. to try an index on a middle size quickly).
  const sizes = process.env.BENCH_SCALE_SIZES
    ? process.env.BENCH_SCALE_SIZES.split(',').map(Number)
    : opts.quick
      ? [10_000]
      : [10_000, 100_000, 1_000_000];
  const samples = opts.quick ? 40 : 60;
  const database = await openDatabase({ url: pgdb.url, poolSize: 4 });
  const results: BenchResult[] = [];
  try {
    await database.migrate();
    const db = database.db;
    const sys = { db, clock: systemClock, actor: systemActor('bench') };
    const analyst = actorFor(
      await createUser({ ...sys, input: { email: 'scale@example.test', name: 'scale', role: 'analyst' } }),
      'api',
    );
    await seedDirectory(db);
    const p95s = new Map<string, number[]>();
    let filled = 0;
    for (const size of sizes) {
      const started = Date.now();
      await fill(db, filled, size);
      filled = size;
      const fillSeconds = (Date.now() - started) / 1000;
      const [counts] = await rowsOf<{ t: number; h: number }>(
        db,
        sql`SELECT (SELECT count(*) FROM tracebacks)::int AS t, (SELECT count(*) FROM hops)::int AS h`,
      );
      const label = sizeLabel(size);
      results.push({
        name: `scale: fill to ${label} tracebacks`,
        value: round(fillSeconds, 1),
        unit: 's',
        notes: `${counts?.t ?? '?'} tracebacks, ${counts?.h ?? '?'} hops in the database; bulk SQL, then VACUUM ANALYZE (the steady state autovacuum keeps); schema indexes incl. migration 0008`,
      });
      for (const m of await measure(db, analyst, size, samples)) {
        const previous = p95s.get(m.name);
        p95s.set(m.name, [...(previous ?? []), m.p95]);
        const growth = previous?.length
          ? ` ×${round(m.p95 / previous[previous.length - 1]!, 2)} vs the size before`
          : '';
        results.push({
          name: `scale: ${m.name} p95 @ ${label}`,
          value: round(m.p95, 2),
          unit: 'ms',
          notes: `p50 ${round(m.p50, 2)} ms; ${samples} calls one at a time through core${growth}`,
        });
      }
    }
    if (sizes.length > 1)
      for (const [name, values] of p95s)
        results.push({
          name: `scale: ${name} growth ${sizeLabel(sizes[0]!)} → ${sizeLabel(sizes[sizes.length - 1]!)}`,
          value: round(values[values.length - 1]! / values[0]!, 2),
          unit: 'ratio of p95',
          notes: `data ×${sizes[sizes.length - 1]! / sizes[0]!}; p95 by size: ${values.map((v) => round(v, 2)).join(' → ')} ms`,
        });
    return results;
  } finally {
    await database.close();
    // BENCH_SCALE_KEEP=1 keeps the filled database for EXPLAIN (its URL is printed); drop it by hand.
    if (process.env.BENCH_SCALE_KEEP) process.stdout.write(`  kept: ${pgdb.url}\n`);
    else await pgdb.drop();
  }
}

const sizeLabel = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);
const round = (v: number, d = 0) => Math.round(v * 10 ** d) / 10 ** d;

async function rowsOf<T>(db: Db, query: SQL): Promise<T[]> {
  // node-postgres answers with a QueryResult; its rows are what the SELECT names.
  const result: unknown = await db.execute(query);
  return (result as { rows: T[] }).rows;
}

/** The fill's `bench_uuid(text)`: md5 as a version-4 UUID. */
function md5Uuid(text: string): string {
  const m = createHash('md5').update(text).digest('hex');
  const h = `${m.slice(0, 12)}4${m.slice(13, 16)}8${m.slice(17)}`;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Deterministic ids, so hops and origins can point at tracebacks and providers without reading them back. */
const providerId = (k: SQL) => sql`bench_uuid('p' || (${k}))`;

export async function seedDirectory(db: Db): Promise<void> {
  // md5 as a version-4 UUID, so the ids pass the API's uuid validation.
  await db.execute(sql`
    CREATE FUNCTION bench_uuid(text) RETURNS uuid IMMUTABLE LANGUAGE sql
    AS $$ SELECT overlay(overlay(md5($1) PLACING '4' FROM 13) PLACING '8' FROM 17)::uuid $$`);
  await db.execute(sql`
    INSERT INTO providers (id, name, country, ocns, timezone, contacts, verified)
    SELECT ${providerId(sql`k`)}, 'Scale Carrier ' || k, CASE WHEN k % 10 = 0 THEN 'GB' ELSE 'US' END,
      ARRAY[lpad((4000 + k)::text, 4, '0')], 'America/Chicago',
      jsonb_build_array(jsonb_build_object('name', 'NOC', 'email', 'noc@carrier' || k || '.example')), k % 3 = 0
    FROM generate_series(0, ${PROVIDERS - 1}) AS k`);
  await db.execute(sql`
    INSERT INTO campaigns (id, name, description, category)
    SELECT bench_uuid('c' || k), 'Scale campaign ' || k, 'Fictional campaign ' || k || ' for the scale benchmark',
      (ARRAY['government_impersonation', 'business_impersonation', 'auto_warranty'])[1 + k % 3]
    FROM generate_series(0, ${CAMPAIGNS - 1}) AS k`);
}

/**
 * Tracebacks `from` … `to - 1` (by their number g) and their hops. Each row's
 * shape comes from a hash of g: opened in the last 365 days, open only when
 * recent, outcomes ~50% origin, 15% foreign, 20% non-responsive, 10% dead
 * end, 5% cancelled; 3–7 hops on the path, the last one saying how it ended.
 */
export async function fill(db: Db, from: number, to: number): Promise<void> {
  const batch = 100_000;
  for (let lo = from; lo < to; lo += batch) {
    const hi = Math.min(to, lo + batch) - 1;
    await db.execute(sql`
      INSERT INTO tracebacks (id, status, outcome, call_started_at, calling_number, called_number, campaign_id,
        first_provider_id, opened_at, closed_at, updated_at)
      SELECT bench_uuid('t' || g), st.status, st.outcome, opened - interval '1 day',
        '+1202' || lpad((abs(hashint4(g * 7 + 1)) % 10000000)::text, 7, '0'),
        '+1312' || lpad((abs(hashint4(g * 7 + 2)) % 10000000)::text, 7, '0'),
        CASE WHEN h % 10 < 7 THEN bench_uuid('c' || (h % ${CAMPAIGNS})) END,
        ${providerId(sql`(g * 31 + 17) % ${PROVIDERS}`)},
        opened,
        CASE WHEN st.status = 'closed' THEN opened + (2 + h % 50) * interval '1 hour' END,
        CASE WHEN st.status = 'closed' THEN opened + (2 + h % 50) * interval '1 hour' ELSE opened END
      FROM generate_series(${lo}::int, ${hi}::int) AS g,
        LATERAL (SELECT abs(hashint4(g)) AS h) AS x,
        LATERAL (SELECT now() - (h % ${365 * DAY_S}) * interval '1 second' AS opened) AS o,
        LATERAL (SELECT
          CASE WHEN opened > now() - interval '10 days' AND h % 10 < 6 THEN 'open' ELSE 'closed' END AS status,
          CASE WHEN opened > now() - interval '10 days' AND h % 10 < 6 THEN NULL
            ELSE (ARRAY['origin_identified','origin_identified','origin_identified','origin_identified',
              'origin_identified','origin_identified','origin_identified','origin_identified','origin_identified',
              'origin_identified','foreign_origin','foreign_origin','foreign_origin','non_responsive',
              'non_responsive','non_responsive','non_responsive','dead_end','dead_end','cancelled'])[1 + (h / 7) % 20]
          END AS outcome) AS st`);
    // Hop s of n: answered upstream until the last, which is pending (open), or ends as the outcome says.
    await db.execute(sql`
      INSERT INTO hops (id, traceback_id, line, seq, provider_id, named_by_hop_id, status, requested_at, received_at,
        due_at, answered_at, answer_kind, upstream_provider_id, answered_via, late, closed_at)
      SELECT bench_uuid('h' || g || '-' || s), t.id, 'path', s, ${providerId(sql`(g * 31 + s * 17) % ${PROVIDERS}`)},
        CASE WHEN s > 1 THEN bench_uuid('h' || g || '-' || (s - 1)) END,
        k.status, req, req, req + interval '24 hours',
        CASE WHEN k.status = 'answered' THEN req + (1 + g % 20) * interval '1 hour' END,
        k.kind,
        CASE WHEN k.kind = 'upstream' THEN ${providerId(sql`(g * 31 + (s + 1) * 17) % ${PROVIDERS}`)} END,
        CASE WHEN k.status = 'answered' THEN 'api' END,
        k.status = 'answered' AND g % 20 = 19,
        CASE WHEN k.status <> 'pending' THEN req + (1 + g % 20) * interval '1 hour' END
      FROM generate_series(${lo}::int, ${hi}::int) AS g
        JOIN tracebacks t ON t.id = bench_uuid('t' || g),
        LATERAL generate_series(1, 3 + abs(hashint4(g + 11)) % 5) AS s,
        LATERAL (SELECT 3 + abs(hashint4(g + 11)) % 5 AS n, t.opened_at + (s - 1) * interval '2 hours' AS req) AS r,
        LATERAL (SELECT
          CASE WHEN s < n THEN 'answered'
            WHEN t.status = 'open' THEN 'pending'
            WHEN t.outcome = 'non_responsive' THEN 'non_responsive'
            WHEN t.outcome = 'cancelled' THEN 'withdrawn'
            ELSE 'answered' END AS status,
          CASE WHEN s < n THEN 'upstream'
            WHEN t.status = 'open' OR t.outcome IN ('non_responsive', 'cancelled') THEN NULL
            WHEN t.outcome = 'origin_identified' THEN 'origin'
            WHEN t.outcome = 'foreign_origin' THEN 'upstream'
            ELSE 'not_found' END AS kind) AS k`);
    await db.execute(sql`
      INSERT INTO origins (hop_id, traceback_id, customer_name, action)
      SELECT h.id, h.traceback_id, 'Fictional Dialer ' || (abs(hashint4(h.seq + g)) % 500), 'terminated'
      FROM generate_series(${lo}::int, ${hi}::int) AS g
        JOIN hops h ON h.traceback_id = bench_uuid('t' || g) AND h.answer_kind = 'origin'`);
  }
  await db.execute(sql`VACUUM ANALYZE`);
}

interface Measured {
  name: string;
  p50: number;
  p95: number;
}

async function timeIt(
  samples: number,
  fn: (i: number) => Promise<unknown>,
): Promise<{ p50: number; p95: number }> {
  await fn(samples); // warm: plans cached, pool connected
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await fn(i);
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p95: percentile(ms, 95) };
}

async function measure(db: Db, actor: Actor, size: number, samples: number): Promise<Measured[]> {
  const ctx = { db, clock: systemClock, actor };
  const pick = (i: number, salt: number) => Math.abs((i * 2_654_435_761 + salt * 40_503) % size);
  const ids = Array.from({ length: samples + 1 }, (_, i) => md5Uuid(`t${pick(i, 5)}`));
  const providers = Array.from({ length: samples + 1 }, (_, i) => md5Uuid(`p${(i * 7) % PROVIDERS}`));
  const numbers: string[] = [];
  for (let i = 0; i <= samples; i++) {
    const [row] = await rowsOf<{ n: string }>(
      db,
      sql`SELECT calling_number AS n FROM tracebacks WHERE id = ${md5Uuid(`t${pick(i, 3)}`)}`,
    );
    numbers.push(row!.n);
  }
  const ninetyDaysAgo = new Date(Date.now() - 90 * DAY_S * 1000).toISOString();
  const list = (q: Record<string, unknown>) =>
    listTracebacks({ ...ctx, query: ZTracebackListQuery.parse({ limit: 50, ...q }) });

  return [
    { name: 'list, first page (50)', ...(await timeIt(samples, () => list({}))) },
    {
      name: 'list, closed + provider + last 90 days',
      ...(await timeIt(samples, (i) =>
        list({ status: 'closed', providerId: providers[i], openedFrom: ninetyDaysAgo }),
      )),
    },
    { name: 'list, search by number', ...(await timeIt(samples, (i) => list({ number: numbers[i] }))) },
    {
      name: 'detail (GET /tracebacks/:id)',
      ...(await timeIt(samples, (i) => getTraceback({ ...ctx, tracebackId: ids[i]! }))),
    },
    {
      name: 'dashboard (12 weeks)',
      ...(await timeIt(Math.min(samples, 20), () => getDashboard({ ...ctx, query: ZWeeksQuery.parse({}) }))),
    },
  ];
}
