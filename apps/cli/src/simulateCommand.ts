import { actorFor, createUser, ManualClock, systemActor, type Actor } from '@hoptrace/core';
import { createTestDatabase } from '@hoptrace/db/testing';
import { buildApp } from '@hoptrace/server';
import {
  buildNetwork,
  generateCalls,
  injectTransport,
  loadNetwork,
  ROBOCALL_SCRIPTS,
  runLoop,
  runScenario,
  summarize,
  summarizeLoop,
  type LoadedNetwork,
  type LoopCampaign,
  type ScenarioResult,
  type SimConfig,
  type SimNetwork,
} from '@hoptrace/sim';
import type { Command } from 'commander';
import { UsageError } from './main';
import { progressBar } from './rmdImport';

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
  /** Progress goes here (issue 19.8: the default run takes minutes): a bar on a terminal, a line a tenth otherwise. */
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
}

interface Simulation {
  database: Awaited<ReturnType<typeof createTestDatabase>>;
  clock: ManualClock;
  app: Awaited<ReturnType<typeof buildApp>>;
  network: SimNetwork;
  loaded: LoadedNetwork;
  analyst: Actor;
  start: Date;
}

/**
 * A fresh database (in-memory embedded, or a scratch database on DATABASE_URL's server, dropped
 * afterwards), the in-process app, and the simulated network loaded into its directory.
 */
async function withSimulation<T>(
  config: Partial<SimConfig> & { seed: number },
  fn: (sim: Simulation) => Promise<T>,
): Promise<T> {
  const database = await createTestDatabase();
  const start = new Date(Date.UTC(2026, 5, 1, 12));
  const clock = new ManualClock(start);
  const app = await buildApp({ db: database.db, clock });
  try {
    await app.ready();
    const system = { db: database.db, clock, actor: systemActor('simulate') };
    const network = buildNetwork(config);
    const loaded = await loadNetwork(system, network, { apiKeys: true });
    const analyst = actorFor(
      await createUser({
        ...system,
        input: { email: 'analyst@simulation.example', name: 'Simulation analyst', role: 'analyst' },
      }),
      'portal',
    );
    return await fn({ database, clock, app, network, loaded, analyst, start });
  } finally {
    await app.close();
    await database.close();
  }
}

/**
 * Runs N tracebacks on the simulated network in simulated time, on a fresh database. Providers
 * answering by API run the agent against the in-process app, through the whole HTTP API.
 */
export async function simulate(opts: SimulateOptions): Promise<ReturnType<typeof summarize>> {
  const started = Date.now();
  return withSimulation(
    { seed: opts.seed },
    async ({ database, clock, app, network, loaded, analyst, start }) => {
      const callSet = generateCalls(network, {
        count: opts.tracebacks,
        from: start,
        to: new Date(start.getTime() + 30 * 24 * HOUR),
      });
      opts.out(
        `simulating ${opts.tracebacks} tracebacks on ${network.providers.length} fictional providers (seed ${opts.seed}, ${database.url ? 'PostgreSQL' : 'embedded'})…\n`,
      );
      const bar = opts.stderr ? progressBar(opts.stderr, { unit: 'tracebacks opened', lines: true }) : null;
      const result: ScenarioResult = await runScenario({
        db: database.db,
        clock,
        network,
        loaded,
        callSet,
        analyst,
        openAt: (call) => new Date(call.startedAt.getTime() + 2 * HOUR),
        transportFor: (key) => injectTransport(app, loaded.providers.get(key)!.apiKey!),
        onOpened: (opened, total) => bar?.update({ bytesRead: opened, totalBytes: total, records: opened }),
      });
      bar?.done();
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
    },
  );
}

export interface SimulateLoopOptions {
  days: number;
  campaigns: number;
  callsPerDay: number;
  seed: number;
  /** Print one JSON document (figures and campaigns) instead of the report. */
  json?: boolean;
  out: (s: string) => void;
}

export interface SimulateLoopResult {
  summary: ReturnType<typeof summarizeLoop>;
  campaigns: LoopCampaign[];
}

const offset = (from: Date | null, to: Date | null) =>
  from && to ? `+${formatDuration(to.getTime() - from.getTime())}` : '–';

/**
 * The campaign loop in simulated time (`runLoop`): honeypot calls → campaigns → tracebacks →
 * origins, on a fresh database, providers answering through the in-process HTTP API (agents) or the
 * core (people). Prints each campaign's way through it and the figures; fails when nothing was traced.
 */
export async function simulateLoop(opts: SimulateLoopOptions): Promise<SimulateLoopResult> {
  const started = Date.now();
  const say = (s: string) => {
    if (!opts.json) opts.out(s);
  };
  return withSimulation(
    { seed: opts.seed, campaigns: opts.campaigns },
    async ({ database, clock, app, network, loaded, analyst, start }) => {
      say(
        `simulating the campaign loop: ${opts.campaigns} campaigns starting over ${opts.days} days, ${opts.callsPerDay} honeypot records a day, ${network.providers.length} fictional providers (seed ${opts.seed}, ${database.url ? 'PostgreSQL' : 'embedded'})…\n`,
      );
      const result = await runLoop({
        db: database.db,
        clock,
        network,
        loaded,
        analyst,
        from: start,
        days: opts.days,
        callsPerDay: opts.callsPerDay,
        seed: opts.seed,
        transportFor: (key) => injectTransport(app, loaded.providers.get(key)!.apiKey!),
        onDay: (day, t) =>
          say(
            `  day ${day}: ${t.records} records in, ${t.detected} campaigns detected, ${t.opened} tracebacks opened (${((Date.now() - started) / 1000).toFixed(0)} s)\n`,
          ),
      });
      const s = summarizeLoop(result);
      if (opts.json) {
        opts.out(
          `${JSON.stringify({ policy: result.policy, summary: s, campaigns: result.campaigns }, jsonNumbers, 2)}\n`,
        );
      } else {
        const p = result.policy;
        say(
          `\nauto-open every ${p.everyMinutes} min, top ${p.topK}, at most ${p.maxPerDay} a day, a campaign again after ${p.retraceAfterHours} h${p.retraceUnresolved ? ' (at once after a traceback without an origin)' : ''}; detection makes a campaign of ${result.minCalls} similar calls\n`,
        );
        say(
          `\n${'campaign'.padEnd(44)} ${'calls'.padStart(6)}  ${'first call (UTC)'.padEnd(16)}  ${'5th call'.padStart(9)}  ${'detected'.padStart(9)}  ${'opened'.padStart(9)}  ${'origin'.padStart(9)}  tracebacks\n`,
        );
        for (const c of [...result.campaigns].sort(
          (a, b) => (a.firstCallAt?.getTime() ?? Infinity) - (b.firstCallAt?.getTime() ?? Infinity),
        )) {
          const name = `${c.name}${c.foreign ? ' (abroad)' : ''}`;
          const end = c.foreign ? offset(c.firstCallAt, c.entryAt) : offset(c.firstCallAt, c.originAt);
          const wrong = c.origins.some((o) => !o.true) ? ' (a wrong origin answered)' : '';
          say(
            `${name.slice(0, 44).padEnd(44)} ${String(c.calls).padStart(6)}  ${(c.firstCallAt?.toISOString().slice(5, 16).replace('T', ' ') ?? '–').padEnd(16)}  ${offset(c.firstCallAt, c.fifthCallAt).padStart(9)}  ${offset(c.firstCallAt, c.detectedAt).padStart(9)}  ${offset(c.firstCallAt, c.openedAt).padStart(9)}  ${end.padStart(9)}  ${c.tracebacks}${wrong}\n`,
          );
        }
        const f = (x: { median: number; p90: number; max: number; reached: number; of: number }) =>
          `median ${formatDuration(x.median)}, p90 ${formatDuration(x.p90)}, max ${formatDuration(x.max)} (${x.reached} of ${x.of} reached)`;
        say(
          '\n(times from the campaign’s first honeypot call; “origin” is the US entry point for a campaign from abroad; – never)\n',
        );
        say(`\nfirst call → traceback opened     ${f(s.firstCallToOpenedMs)}\n`);
        say(`  first call → fifth call         ${f(s.firstCallToFifthMs)}\n`);
        say(`  first call → detected           ${f(s.firstCallToDetectedMs)}\n`);
        say(`  detected → traceback opened     ${f(s.detectedToOpenedMs)}\n`);
        say(`first call → origin identified    ${f(s.firstCallToOriginMs)}  (campaigns placed at home)\n`);
        say(`first call → entry point          ${f(s.firstCallToEntryMs)}  (campaigns from abroad)\n`);
        say(
          `first call → signer's origin      ${f(s.firstCallToSignerOriginMs)}  (the signer line's claim, ${s.signerHops} signer hops)\n`,
        );
        const pct = (n: number) => `${((100 * n) / Math.max(1, s.tracebacks)).toFixed(1)}%`;
        say(`\noutcome mix of the ${s.tracebacks} tracebacks auto-open opened\n`);
        for (const [k, v] of Object.entries(s.outcomes).sort((a, b) => b[1] - a[1]))
          say(`  ${k.padEnd(18)} ${String(v).padStart(6)}  ${pct(v)}\n`);
        say(
          `\n${s.records} records, ${s.legitimate} lawful senders and ${s.notCampaigns} groups of one-off calls marked legitimate by the analyst; answers: ${s.answers.agent} by agents, ${s.answers.person} by people, ${s.answers.late} late, ${s.answers.agent_asked_person} left by agents for a person, ${s.answers.wrong_upstream} wrong upstreams; ${s.originAnswers.true} of ${s.originAnswers.total} origin answers name the true origin\n`,
        );
        say(`ran in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      }
      if (s.tracebacks === 0) throw new Error('the loop opened no traceback: nothing was traced');
      return { summary: s, campaigns: result.campaigns };
    },
  );
}

/** Infinity (never reached) and NaN (nothing to measure) as null in JSON. */
const jsonNumbers = (_key: string, value: unknown) =>
  typeof value === 'number' && !Number.isFinite(value) ? null : value;

const int = (name: string, raw: string, min: number, max: number): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be between ${min} and ${max}, got "${raw}"`);
  return n;
};

export function registerSimulateCommand(
  program: Command,
  out: (s: string) => void,
  stderr: NodeJS.WritableStream & { isTTY?: boolean },
): void {
  program
    .command('simulate')
    .description(
      'Run a traceback scenario on a simulated network of fictional providers, where providers answering by API run the agent; prints the outcome mix and the time to outcome. With --loop: the whole campaign loop, honeypot calls → campaigns → tracebacks → origins',
    )
    .option('-n, --tracebacks <n>', 'how many tracebacks (without --loop)', '1000')
    .option('--seed <n>', 'seed of the network and the calls', '20261123')
    .option('--loop', 'run the campaign loop: feeds, detection, auto-open, tracebacks, in simulated time')
    .option('--days <n>', 'with --loop: days of honeypot feeds', '3')
    .option(
      '--campaigns <n>',
      `with --loop: campaigns, starting one by one (at most ${ROBOCALL_SCRIPTS.length})`,
      '20',
    )
    .option('--calls-per-day <n>', 'with --loop: honeypot records a day over all feeds', '5000')
    .option('--json', 'with --loop: print the figures and campaigns as JSON')
    .action(
      async (
        opts: {
          tracebacks: string;
          seed: string;
          loop?: boolean;
          days: string;
          campaigns: string;
          callsPerDay: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        const seed = Number(opts.seed);
        if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got "${opts.seed}"`);
        const given = (name: string) => command.getOptionValueSource(name) === 'cli';
        if (opts.loop) {
          if (given('tracebacks'))
            throw new UsageError('--tracebacks does not apply to --loop: auto-open decides what is traced');
          await simulateLoop({
            days: int('days', opts.days, 1, 30),
            campaigns: int('campaigns', opts.campaigns, 1, ROBOCALL_SCRIPTS.length),
            callsPerDay: int('calls-per-day', opts.callsPerDay, 10, 1_000_000),
            seed,
            json: opts.json ?? false,
            out,
          });
          return;
        }
        const loopOnly = ['days', 'campaigns', 'callsPerDay', 'json'].find(given);
        if (loopOnly)
          throw new UsageError(`--${loopOnly.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --loop`);
        await simulate({ tracebacks: int('tracebacks', opts.tracebacks, 1, 100_000), seed, out, stderr });
      },
    );
}
