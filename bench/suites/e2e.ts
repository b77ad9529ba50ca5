import { actorFor, createUser, systemActor, systemClock } from '@hoptrace/core';
import { findTraceback, hopsOf, openDatabase } from '@hoptrace/db';
import { buildApp } from '@hoptrace/server';
import {
  buildNetwork,
  generateCalls,
  injectTransport,
  loadNetwork,
  MemoryRecords,
  ProviderAgent,
} from '@hoptrace/sim';
import { scratchPostgres } from '../lib/postgres';
import type { BenchResult } from '../lib/types';

const quantile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN;

/**
 * End to end on real PostgreSQL: tracebacks on the simulated network where every provider runs
 * the agent against the HTTP API (in process). A hop's agent is woken as its webhook would wake
 * it, reads the hop, looks the call up in its records and answers; the clock is the real one.
 * Measured: wall time from opening a traceback to its outcome.
 */
export async function run(opts: { quick: boolean }): Promise<BenchResult[]> {
  const pgdb = await scratchPostgres();
  if (!pgdb)
    return [
      { name: 'e2e: open → outcome', value: NaN, unit: 'ms', notes: 'skipped: no PostgreSQL reachable' },
    ];
  const total = opts.quick ? 100 : 1000;
  const concurrency = 8;
  const database = await openDatabase({ url: pgdb.url, poolSize: 20 });
  try {
    await database.migrate();
    const app = await buildApp({ db: database.db, clock: systemClock });
    await app.ready();
    const sys = { db: database.db, clock: systemClock, actor: systemActor('bench') };
    // Every provider answers by agent; no lost or doubled records, so every traceback can finish alone.
    const network = buildNetwork({
      seed: 5,
      foreignShare: 0,
      answerModes: { agent: 1, manual: 0, late: 0, never: 0 },
      missingRecordShare: 0,
      ambiguousShare: 0,
      unknownPeerShare: 0,
    });
    const loaded = await loadNetwork(sys, network, { apiKeys: true });
    const analyst = actorFor(
      await createUser({ ...sys, input: { email: 'e2e@bench.example', name: 'bench', role: 'analyst' } }),
      'api',
    );
    const { key: analystKey } = await import('@hoptrace/core').then((core) =>
      core.createApiKey({ ...sys, userId: analyst.userId!, input: { name: 'bench', scopes: ['api'] } }),
    );
    const now = Date.now();
    const callSet = generateCalls(network, {
      count: total,
      from: new Date(now - 3 * 24 * 3_600_000),
      to: new Date(now - 3_600_000),
    });
    const agents = new Map(
      network.providers.map((p) => [
        loaded.providers.get(p.key)!.id,
        new ProviderAgent({
          transport: injectTransport(app, loaded.providers.get(p.key)!.apiKey!),
          records: new MemoryRecords(callSet.records.get(p.key) ?? []),
          peerMap: loaded.peerMaps.get(p.key)!,
          toleranceSeconds: 10,
          coverageSeconds: 30 * 86_400,
        }),
      ]),
    );
    const analystApi = injectTransport(app, analystKey);
    const durations: number[] = [];
    const outcomes: Record<string, number> = {};
    let hops = 0;
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < callSet.calls.length) {
          const call = callSet.calls[next++]!;
          const t0 = performance.now();
          const res = await analystApi({
            method: 'POST',
            path: '/tracebacks',
            body: {
              call: {
                startedAt: call.startedAt.toISOString(),
                callingNumber: call.callingNumber,
                calledNumber: call.calledNumber,
              },
              firstProviderId: loaded.providers.get(call.path[call.path.length - 1]!)!.id,
            },
          });
          if (res.status !== 201) throw new Error(`open failed: ${JSON.stringify(res.body)}`);
          const tracebackId = (res.body as { id: string }).id;
          for (let guard = 0; guard < 20; guard++) {
            const pending = (await hopsOf(database.db, tracebackId)).find((h) => h.status === 'pending');
            if (!pending) break;
            hops++;
            // The hop.assigned webhook, delivered: the provider's agent takes it from here.
            await agents.get(pending.providerId)!.handleById(pending.id);
          }
          durations.push(performance.now() - t0);
          const tb = await findTraceback(database.db, tracebackId);
          const k = tb?.outcome ?? 'open';
          outcomes[k] = (outcomes[k] ?? 0) + 1;
        }
      }),
    );
    const wall = (Date.now() - started) / 1000;
    await app.close();
    durations.sort((a, b) => a - b);
    const mix = Object.entries(outcomes)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const note = `${total} tracebacks, ${concurrency} at a time, ${(hops / total).toFixed(2)} hops each; ${mix}; ${(total / wall).toFixed(1)} tracebacks/s`;
    return [
      {
        name: 'e2e: open → outcome, median',
        value: Math.round(quantile(durations, 0.5)),
        unit: 'ms',
        target: '< 2000 ms',
        notes: note,
      },
      { name: 'e2e: open → outcome, p99', value: Math.round(quantile(durations, 0.99)), unit: 'ms' },
    ];
  } finally {
    await database.close();
    await pgdb.drop();
  }
}
