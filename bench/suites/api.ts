import Fastify from 'fastify';
import {
  createApiKey,
  createProvider,
  createUser,
  openTraceback,
  systemActor,
  systemClock,
  actorFor,
} from '@hoptrace/core';
import { hopsOfMany, openDatabase } from '@hoptrace/db';
import { buildApp } from '@hoptrace/server';
import { runLoad } from '../lib/load';
import { profiled } from '../lib/profile';
import { scratchPostgres } from '../lib/postgres';
import type { BenchResult } from '../lib/types';
import { cpuSecondsOf, ownCpuSeconds, threadCpuSeconds } from '../lib/proccpu';

/**
 * Hop answers through the HTTP API under concurrency, on real PostgreSQL, with
 * a bare Fastify route on the same machine as the baseline. Each answer names
 * an upstream, so it writes the hop, opens the next hop and appends events.
 */
export async function run(opts: { quick: boolean }): Promise<BenchResult[]> {
  const pgdb = await scratchPostgres();
  if (!pgdb)
    return [
      { name: 'api: hop answers', value: NaN, unit: 'answers/s', notes: 'skipped: no PostgreSQL reachable' },
    ];
  const total = opts.quick ? 1000 : 5000;
  const concurrency = Number(process.env.BENCH_API_CONCURRENCY ?? 32);
  const poolSize = Number(process.env.BENCH_API_POOL ?? 20);
  const database = await openDatabase({ url: pgdb.url, poolSize });
  try {
    await database.migrate();
    const sys = { db: database.db, clock: systemClock, actor: systemActor('bench') };
    const analyst = actorFor(
      await createUser({ ...sys, input: { email: 'bench@example.test', name: 'bench', role: 'analyst' } }),
      'api',
    );
    const a = await createProvider({
      ...sys,
      actor: analyst,
      input: {
        name: 'Bench Carrier A',
        dbaNames: [],
        country: 'US',
        ocns: ['0001'],
        contacts: [],
        escalationContacts: [],
      },
    });
    const b = await createProvider({
      ...sys,
      actor: analyst,
      input: {
        name: 'Bench Carrier B',
        dbaNames: [],
        country: 'US',
        ocns: ['0002'],
        contacts: [],
        escalationContacts: [],
      },
    });
    const user = await createUser({
      ...sys,
      input: { email: 'agent@a.example', name: 'agent', role: 'provider', providerId: a.id },
    });
    const { key } = await createApiKey({
      ...sys,
      userId: user.id,
      input: { name: 'bench', scopes: ['api'] },
    });
    const hopIds: string[] = [];
    const call = {
      startedAt: new Date(Date.now() - 3_600_000),
      callingNumber: '+12025550143',
      calledNumber: '+13125550188',
    };
    // Opened 16 at a time (separate tracebacks, nothing to contend on): setup is not measured.
    for (let i = 0; i < total; i += 16) {
      const batch = Array.from({ length: Math.min(16, total - i) }, () =>
        openTraceback({ ...sys, actor: analyst, input: { call, firstProviderId: a.id } }),
      );
      for (const tb of await Promise.all(batch)) hopIds.push(tb.id);
    }
    // Resolve the pending hop of each traceback once, outside the measurement.
    const hops = await hopsOfMany(database.db, hopIds);

    const app = await buildApp({
      db: database.db,
      clock: systemClock,
      // The product's defaults unless a run sets them (for exploring the trade-off).
      answerBatching: {
        ...(process.env.BENCH_API_BATCH ? { maxBatch: Number(process.env.BENCH_API_BATCH) } : {}),
        ...(process.env.BENCH_API_INFLIGHT ? { maxInFlight: Number(process.env.BENCH_API_INFLIGHT) } : {}),
        ...(process.env.BENCH_API_OVERLAP ? { minOverlapBatch: Number(process.env.BENCH_API_OVERLAP) } : {}),
      },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const body = JSON.stringify({ kind: 'upstream', upstreamProviderId: b.id });
    const elu0 = performance.eventLoopUtilization();
    const pg0 = cpuSecondsOf('postgres');
    const own0 = ownCpuSeconds();
    const threads0 = threadCpuSeconds();
    const answers = await profiled('api', () =>
      runLoad({
        port,
        concurrency,
        requests: hops.map((h) => ({
          method: 'POST',
          path: `/api/v1/hops/${h.id}/answer`,
          body,
          headers: { authorization: `Bearer ${key}` },
        })),
      }),
    );
    // Busy time of the server's thread (the load runs in a worker): CPU per answer, less noisy than answers/s on a shared machine.
    const elu = performance.eventLoopUtilization(elu0);
    const pgMsPerAnswer = (((cpuSecondsOf('postgres') - pg0) * 1000) / total).toFixed(2);
    if (process.env.BENCH_THREADS)
      for (const [name, sec] of threadCpuSeconds())
        process.stdout.write(
          `  thread ${name}: ${(((sec - (threads0.get(name) ?? 0)) * 1000) / total).toFixed(2)} ms an answer\n`,
        );
    const ownMsPerAnswer = (((ownCpuSeconds() - own0) * 1000) / total).toFixed(2);
    const busyMsPerAnswer = (elu.active / total).toFixed(2);
    const batching = app.answers.stats;
    await app.close();

    const bare = Fastify();
    bare.post('/echo', (req) => ({ ok: true, got: req.body }));
    await bare.listen({ port: 0, host: '127.0.0.1' });
    const barePort = (bare.server.address() as { port: number }).port;
    const baseline = await runLoad({
      port: barePort,
      concurrency,
      requests: Array.from({ length: Math.max(total, 5000) }, () => ({
        method: 'POST',
        path: '/echo',
        body,
      })),
    });
    await bare.close();

    const notes = `${total} answers, ${concurrency} connections, pool ${poolSize}, PostgreSQL; errors ${answers.errors}; server thread busy ${busyMsPerAnswer} ms an answer (utilisation ${elu.utilization.toFixed(2)}); ${batching.batches} transactions, ${(batching.items / batching.batches).toFixed(1)} answers each; CPU an answer: PostgreSQL ${pgMsPerAnswer} ms, this process (server and load threads) ${ownMsPerAnswer} ms`;
    return [
      {
        name: 'api: hop answers (upstream, opens next hop)',
        value: round(answers.perSecond),
        unit: 'answers/s',
        target: '≥ 1000',
        notes,
      },
      { name: 'api: hop answer latency p50', value: round(answers.p50, 2), unit: 'ms', notes },
      {
        name: 'api: hop answer latency p99',
        value: round(answers.p99, 2),
        unit: 'ms',
        target: '< 50',
        notes,
      },
      {
        name: 'api: bare Fastify POST route',
        value: round(baseline.perSecond),
        unit: 'req/s',
        notes: `baseline, p99 ${round(baseline.p99, 2)} ms`,
      },
      {
        name: 'api: answers as a share of the bare route',
        value: round(answers.perSecond / baseline.perSecond, 3),
        unit: 'ratio',
      },
    ];
  } finally {
    await database.close();
    await pgdb.drop();
  }
}

const round = (v: number, d = 0) => Math.round(v * 10 ** d) / 10 ** d;
