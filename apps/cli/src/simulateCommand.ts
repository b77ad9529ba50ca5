import { actorFor, createUser, ManualClock, systemActor } from '@hoptrace/core';
import { createTestDatabase } from '@hoptrace/db/testing';
import { buildApp } from '@hoptrace/server';
import {
  buildNetwork,
  generateCalls,
  injectTransport,
  loadNetwork,
  runScenario,
  summarize,
  type ScenarioResult,
} from '@hoptrace/sim';
import type { Command } from 'commander';
import { UsageError } from './main';

const HOUR = 3_600_000;

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < HOUR) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms < 48 * HOUR) return `${(ms / HOUR).toFixed(1)} h`;
  return `${(ms / (24 * HOUR)).toFixed(1)} d`;
}

export interface SimulateOptions {
  tracebacks: number;
  seed: number;
  out: (s: string) => void;
}

/**
 * Runs N tracebacks on the simulated network in simulated time, on a fresh database (in-memory
 * embedded, or a scratch database on DATABASE_URL's server, dropped afterwards). Providers
 * answering by API run the agent against the in-process app, through the whole HTTP API.
 */
export async function simulate(opts: SimulateOptions): Promise<ReturnType<typeof summarize>> {
  const started = Date.now();
  const database = await createTestDatabase();
  const start = new Date(Date.UTC(2026, 5, 1, 12));
  const clock = new ManualClock(start);
  const app = await buildApp({ db: database.db, clock });
  try {
    await app.ready();
    const system = { db: database.db, clock, actor: systemActor('simulate') };
    const network = buildNetwork({ seed: opts.seed });
    const loaded = await loadNetwork(system, network, { apiKeys: true });
    const analyst = actorFor(
      await createUser({
        ...system,
        input: { email: 'analyst@simulation.example', name: 'Simulation analyst', role: 'analyst' },
      }),
      'portal',
    );
    const callSet = generateCalls(network, {
      count: opts.tracebacks,
      from: start,
      to: new Date(start.getTime() + 30 * 24 * HOUR),
    });
    opts.out(
      `simulating ${opts.tracebacks} tracebacks on ${network.providers.length} fictional providers (seed ${opts.seed}, ${database.url ? 'PostgreSQL' : 'embedded'})…\n`,
    );
    const result: ScenarioResult = await runScenario({
      db: database.db,
      clock,
      network,
      loaded,
      callSet,
      analyst,
      openAt: (call) => new Date(call.startedAt.getTime() + 2 * HOUR),
      transportFor: (key) => injectTransport(app, loaded.providers.get(key)!.apiKey!),
    });
    const s = summarize(result);
    const pct = (n: number) => `${((100 * n) / s.tracebacks).toFixed(1)}%`;
    opts.out('\noutcome mix\n');
    for (const [k, v] of Object.entries(s.outcomes).sort((a, b) => b[1] - a[1]))
      opts.out(`  ${k.padEnd(18)} ${String(v).padStart(6)}  ${pct(v)}\n`);
    opts.out('\ntime from open to outcome (simulated time)\n');
    opts.out(`  median ${formatDuration(s.timeToOutcomeMs.median)}\n`);
    opts.out(`  p90    ${formatDuration(s.timeToOutcomeMs.p90)}\n`);
    opts.out(`  p99    ${formatDuration(s.timeToOutcomeMs.p99)}\n`);
    opts.out(
      `\nhops per traceback ${s.averageHops.toFixed(2)}; answers: ${s.answers.agent} by agents, ${s.answers.person} by people, ${s.answers.late} late; ${s.answers.agent_asked_person} left by agents for a person; ${s.answers.wrong_upstream} wrong upstreams\n`,
    );
    opts.out(`ran in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return s;
  } finally {
    await app.close();
    await database.close();
  }
}

export function registerSimulateCommand(program: Command, out: (s: string) => void): void {
  program
    .command('simulate')
    .description(
      'Run a traceback scenario on a simulated network of fictional providers, where providers answering by API run the agent; prints the outcome mix and the time to outcome',
    )
    .option('-n, --tracebacks <n>', 'how many tracebacks', '1000')
    .option('--seed <n>', 'seed of the network and the calls', '20261123')
    .action(async (opts: { tracebacks: string; seed: string }) => {
      const n = Number(opts.tracebacks);
      const seed = Number(opts.seed);
      if (!Number.isInteger(n) || n < 1 || n > 100_000)
        throw new UsageError(`--tracebacks must be between 1 and 100000, got "${opts.tracebacks}"`);
      if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got "${opts.seed}"`);
      await simulate({ tracebacks: n, seed, out });
    });
}
