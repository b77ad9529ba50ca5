import { actorFor, createApiKey, createUser, importDnoCsv, systemActor, systemClock } from '@hoptrace/core';
import { openDatabase } from '@hoptrace/db';
import { buildApp } from '@hoptrace/server';
import { runLoad } from '../lib/load';
import { profiled } from '../lib/profile';
import { scratchPostgres } from '../lib/postgres';
import type { BenchResult } from '../lib/types';

const round = (n: number, digits = 0) => Number(n.toFixed(digits));

/** The load, with the server thread's busy time per request (µs): CPU cost, steadier than p99 on a shared machine. */
async function busy<T extends { requests: number }>(load: () => Promise<T>): Promise<T & { busyUs: number }> {
  const before = performance.eventLoopUtilization();
  const result = await load();
  const elu = performance.eventLoopUtilization(before);
  return { ...result, busyUs: Math.round((elu.active * 1000) / result.requests) };
}

/**
 * The DNO check through the HTTP API on a listening app (real PostgreSQL behind the API-key
 * lookup): single checks under concurrency, and 10,000-number batches. The list holds 20,000
 * single numbers and 2,000 exchange-sized ranges.
 */
export async function run(opts: { quick: boolean }): Promise<BenchResult[]> {
  const pgdb = await scratchPostgres();
  if (!pgdb)
    return [
      { name: 'dno: API single check', value: NaN, unit: 'ms', notes: 'skipped: no PostgreSQL reachable' },
    ];
  const database = await openDatabase({ url: pgdb.url, poolSize: 20 });
  try {
    await database.migrate();
    const sys = { db: database.db, clock: systemClock, actor: systemActor('bench') };
    const analyst = actorFor(
      await createUser({ ...sys, input: { email: 'bench@example.test', name: 'bench', role: 'analyst' } }),
      'api',
    );
    const lines = ['number,start,end,category,source'];
    for (let i = 0; i < 20_000; i++) lines.push(`+1202${String(2_000_000 + i * 37)},,,unallocated,bench`);
    for (let i = 0; i < 2_000; i++) {
      const block = 3_122_000_000 + i * 10_000;
      lines.push(`,+1${block},+1${block + 9_999},allocated_unused,bench`);
    }
    await importDnoCsv({ ...sys, actor: analyst, input: lines.join('\n') });
    const { key } = await createApiKey({
      ...sys,
      userId: analyst.userId ?? '',
      input: { name: 'dno', scopes: ['dno'] },
    });
    const headers = { authorization: `Bearer ${key}` };

    const app = await buildApp({ db: database.db, clock: systemClock });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const total = opts.quick ? 5_000 : 20_000;
    const concurrency = Number(process.env.DNO_BENCH_CONCURRENCY ?? 4);
    const numbers = Array.from(
      { length: total },
      (_, i) => `202${String(2_000_000 + i * 13).padStart(7, '0')}`,
    );
    // Warm up every route first (the index build on the first check, JIT, the key cache): the
    // measured runs then compare like with like, whichever runs first.
    const warm = numbers.slice(0, 1_000);
    await runLoad({
      port,
      concurrency,
      requests: warm.flatMap((n) => [
        { method: 'GET', path: `/api/v1/dno/check?number=${n}`, headers },
        { method: 'GET', path: '/api/v1/health' },
        { method: 'GET', path: '/api/v1/health', headers },
      ]),
    });
    const single = await busy(() =>
      profiled('dno-single', () =>
        runLoad({
          port,
          concurrency,
          requests: numbers.map((n) => ({ method: 'GET', path: `/api/v1/dno/check?number=${n}`, headers })),
        }),
      ),
    );
    const health = await busy(() =>
      runLoad({
        port,
        concurrency,
        requests: numbers.map(() => ({ method: 'GET', path: '/api/v1/health' })),
      }),
    );
    // The same public route with the key sent: the auth plugin looks the key up on every request.
    const authed = await busy(() =>
      runLoad({
        port,
        concurrency,
        requests: numbers.map(() => ({ method: 'GET', path: '/api/v1/health', headers })),
      }),
    );
    const batchBody = JSON.stringify({ numbers: numbers.slice(0, 10_000) });
    const batches = opts.quick ? 10 : 40;
    const batch = await runLoad({
      port,
      concurrency: 2,
      requests: Array.from({ length: batches }, () => ({
        method: 'POST',
        path: '/api/v1/dno/check',
        body: batchBody,
        headers: { ...headers, 'content-type': 'application/json' },
      })),
    });
    await app.close();
    const notes = `${total} checks, ${concurrency} connections, API key on PostgreSQL; errors ${single.errors}; server busy ${single.busyUs} µs a request`;
    return [
      {
        name: 'dno: public health route, same load (baseline)',
        value: round(health.p99, 2),
        unit: 'ms p99',
        notes: `${round(health.perSecond)} req/s, p50 ${round(health.p50, 2)} ms; server busy ${health.busyUs} µs a request`,
      },
      {
        name: 'dno: health route with an API key, same load (auth baseline)',
        value: round(authed.p99, 2),
        unit: 'ms p99',
        notes: `${round(authed.perSecond)} req/s, p50 ${round(authed.p50, 2)} ms; server busy ${authed.busyUs} µs a request`,
      },
      { name: 'dno: API single check throughput', value: round(single.perSecond), unit: 'req/s', notes },
      { name: 'dno: API single check latency p50', value: round(single.p50, 2), unit: 'ms', notes },
      {
        name: 'dno: API single check latency p99',
        value: round(single.p99, 2),
        unit: 'ms',
        target: '< 5',
        notes,
      },
      {
        name: 'dno: API batch check (10,000 numbers a request)',
        value: round(batch.perSecond * 10_000),
        unit: 'numbers/s',
        notes: `${batches} batches, 2 connections, p99 ${round(batch.p99, 1)} ms a batch; errors ${batch.errors}`,
      },
    ];
  } finally {
    await database.close();
    await pgdb.drop();
  }
}
