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
import { runLoad, type LoadResult } from '../lib/load';
import { profiled } from '../lib/profile';
import { scratchPostgres } from '../lib/postgres';
import type { BenchResult } from '../lib/types';
import { cpuSecondsOf, ownCpuSeconds, threadCpuSeconds } from '../lib/proccpu';

/**
 * Hop answers through the HTTP API under concurrency, on real PostgreSQL, with
 * a bare Fastify route on the same machine as the baseline. Each answer names
 * an upstream, so it writes the hop, opens the next hop and appends events.
 */
/** Rounds measured on the warm server, of each kind (capacity, then latency at the rate); the figures are their medians. */
const ROUNDS = 3;
/** The offered rate of the latency rounds: the target's 1,000 answers a second. */
const RATE = Number(process.env.BENCH_API_RATE ?? 1000);

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
    const carrier = (name: string, ocn: string) =>
      createProvider({
        ...sys,
        actor: analyst,
        input: { name, dbaNames: [], country: 'US', ocns: [ocn], contacts: [], escalationContacts: [] },
      });
    // A chain of carriers: in round r, carrier r answers its hops naming carrier r + 1, which
    // opens carrier r + 1's hops for the next round, so a round answers hop r + 1 of each path.
    // Two sets of tracebacks: the capacity rounds run on one (round 0, the fresh server's cold
    // start, then hops 2–4), the rounds at the target rate on the other (hops 1–3). Both stay
    // near the middle of a real path (5–6 hops on average): the cost of an answer grows with
    // the hops of its traceback, so later hops would measure a heavier answer, not a slower server.
    const carriers: Array<Awaited<ReturnType<typeof carrier>>> = [];
    for (let r = 0; r <= ROUNDS + 1; r++)
      carriers.push(await carrier(`Bench Carrier ${String.fromCharCode(65 + r)}`, `000${r + 1}`));
    const keys: string[] = [];
    for (const [r, p] of carriers.slice(0, ROUNDS + 1).entries()) {
      const user = await createUser({
        ...sys,
        input: { email: `agent@${r}.example`, name: 'agent', role: 'provider', providerId: p.id },
      });
      keys.push(
        (await createApiKey({ ...sys, userId: user.id, input: { name: 'bench', scopes: ['api'] } })).key,
      );
    }
    const call = {
      startedAt: new Date(Date.now() - 3_600_000),
      callingNumber: '+12025550143',
      calledNumber: '+13125550188',
    };
    // Opened 16 at a time (separate tracebacks, nothing to contend on): setup is not measured.
    const openSet = async () => {
      const ids: string[] = [];
      for (let i = 0; i < total; i += 16) {
        const batch = Array.from({ length: Math.min(16, total - i) }, () =>
          openTraceback({ ...sys, actor: analyst, input: { call, firstProviderId: carriers[0]!.id } }),
        );
        for (const tb of await Promise.all(batch)) ids.push(tb.id);
      }
      return ids;
    };
    const forCapacity = await openSet();
    const forRate = await openSet();
    const pendingOf = async (tracebackIds: string[], providerId: string) =>
      (await hopsOfMany(database.db, tracebackIds)).filter(
        (h) => h.providerId === providerId && h.status === 'pending',
      );

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
    const answerRound = async (set: string[], r: number, rate?: number) => {
      const body = JSON.stringify({ kind: 'upstream', upstreamProviderId: carriers[r + 1]!.id });
      const hops = await pendingOf(set, carriers[r]!.id);
      return runLoad({
        port,
        concurrency,
        // A fifth of the round, at most a second, is the generator's ramp (not counted).
        ...(rate ? { rate, rampSeconds: Math.min(1, hops.length / rate / 5) } : {}),
        requests: hops.map((h) => ({
          method: 'POST',
          path: `/api/v1/hops/${h.id}/answer`,
          body,
          headers: { authorization: `Bearer ${keys[r]}` },
        })),
      });
    };
    // Cold start: a fresh server's first answers, reported on their own. In its first seconds
    // the rate climbs and the tail is the JIT compiler's, not the design's.
    const cold = await answerRound(forCapacity, 0);
    const elu0 = performance.eventLoopUtilization();
    const pg0 = cpuSecondsOf('postgres');
    const own0 = ownCpuSeconds();
    const threads0 = threadCpuSeconds();
    const batches0 = { ...app.answers.stats };
    const rounds: LoadResult[] = [];
    const paced: LoadResult[] = [];
    await profiled('api', async () => {
      for (let r = 1; r <= ROUNDS; r++) rounds.push(await answerRound(forCapacity, r));
      for (let r = 0; r < ROUNDS; r++) paced.push(await answerRound(forRate, r, RATE));
    });
    const median = (list: LoadResult[], by: (x: LoadResult) => number) =>
      [...list].sort((x, y) => by(x) - by(y))[Math.floor(list.length / 2)]!;
    // Capacity: the median round by rate. Latency at the target rate: the median round by p99.
    const answers = median(rounds, (x) => x.perSecond);
    const atRate = median(paced, (x) => x.p99);
    const measured = total * 2 * ROUNDS;
    // Busy time of the server's thread (the load runs in a worker): CPU per answer, less noisy than answers/s on a shared machine.
    const elu = performance.eventLoopUtilization(elu0);
    const pgMsPerAnswer = (((cpuSecondsOf('postgres') - pg0) * 1000) / measured).toFixed(2);
    if (process.env.BENCH_THREADS)
      for (const [name, sec] of threadCpuSeconds())
        process.stdout.write(
          `  thread ${name}: ${(((sec - (threads0.get(name) ?? 0)) * 1000) / measured).toFixed(2)} ms an answer\n`,
        );
    const ownMsPerAnswer = (((ownCpuSeconds() - own0) * 1000) / measured).toFixed(2);
    const busyMsPerAnswer = (elu.active / measured).toFixed(2);
    const batching = {
      batches: app.answers.stats.batches - batches0.batches,
      items: app.answers.stats.items - batches0.items,
    };
    await app.close();

    const bare = Fastify();
    bare.post('/echo', (req) => ({ ok: true, got: req.body }));
    await bare.listen({ port: 0, host: '127.0.0.1' });
    const barePort = (bare.server.address() as { port: number }).port;
    const body = JSON.stringify({ kind: 'upstream', upstreamProviderId: carriers[1]!.id });
    const echo = () =>
      runLoad({
        port: barePort,
        concurrency,
        requests: Array.from({ length: Math.max(total, 5000) }, () => ({
          method: 'POST',
          path: '/echo',
          body,
        })),
      });
    await echo(); // warmed like the answers
    const baseline = await echo();
    await bare.close();

    const errors = [...rounds, ...paced].reduce((n, x) => n + x.errors, 0);
    const each = (list: LoadResult[]) =>
      list
        .map(
          (x) =>
            `${round(x.perSecond)}/s p50 ${round(x.p50, 1)} p99 ${round(x.p99, 1)} ms${x.lateP99 !== undefined ? ` (sent late p99 ${round(x.lateP99, 1)} max ${round(x.lateMax!, 1)} ms)` : ''}`,
        )
        .join('; ');
    const capacityNotes = `closed loop, ${concurrency} connections: median of ${ROUNDS} rounds of ${total} answers, hops 2–${ROUNDS + 1} of their paths (${each(rounds)}) after ${total} to warm up`;
    const rateNotes = `open loop, Poisson arrivals at ${RATE}/s, latency from arrival, the first fifth of each round (at most 1 s) not counted: median of ${ROUNDS} rounds of ${total} answers, hops 1–${ROUNDS} of their paths (${each(paced)})`;
    const notes = `pool ${poolSize}, PostgreSQL; errors ${errors}; server thread busy ${busyMsPerAnswer} ms an answer (utilisation ${elu.utilization.toFixed(2)}); ${batching.batches} transactions, ${(batching.items / batching.batches).toFixed(1)} answers each; CPU an answer: PostgreSQL ${pgMsPerAnswer} ms, this process (server and load threads) ${ownMsPerAnswer} ms`;
    return [
      {
        name: 'api: hop answers (upstream, opens next hop), capacity',
        value: round(answers.perSecond),
        unit: 'answers/s',
        target: '≥ 1000',
        notes: `${capacityNotes}; ${notes}`,
      },
      {
        name: 'api: latency at capacity, p50',
        value: round(answers.p50, 2),
        unit: 'ms',
        notes: capacityNotes,
      },
      {
        name: 'api: latency at capacity, p99',
        value: round(answers.p99, 2),
        unit: 'ms',
        notes: capacityNotes,
      },
      {
        name: `api: latency at ${RATE} answers/s offered, p50`,
        value: round(atRate.p50, 2),
        unit: 'ms',
        notes: rateNotes,
      },
      {
        name: `api: latency at ${RATE} answers/s offered, p99`,
        value: round(atRate.p99, 2),
        unit: 'ms',
        target: '< 50',
        notes: rateNotes,
      },
      {
        name: 'api: cold start, first answers of a fresh server',
        value: round(cold.perSecond),
        unit: 'answers/s',
        notes: `${total} answers; p50 ${round(cold.p50, 2)} ms, p99 ${round(cold.p99, 2)} ms; errors ${cold.errors}`,
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
