import { actorFor, createUser, ManualClock, systemActor } from '@hoptrace/core';
import { createTestDatabase } from '@hoptrace/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultHoneypotSources, generateHoneypotFeed, honeypotCallSet } from './honeypot';
import { loadNetwork } from './load';
import { buildNetwork } from './network';
import { runScenario, summarize } from './scenario';

const HOUR = 3_600_000;

describe('tracing honeypot calls through the core', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  it('walks each traced call from the honeypot’s provider to its origin, agents answering from the feed’s records', async () => {
    const clock = new ManualClock('2026-11-16T00:00:00Z');
    const ctx = { db: database.db, clock, actor: systemActor('sim') };
    // Every provider answers, so each traceback ends at an origin or abroad.
    const network = buildNetwork({ seed: 42, answerModes: { agent: 0.7, manual: 0.3, late: 0, never: 0 } });
    const loaded = await loadNetwork(ctx, network);
    const analyst = actorFor(
      await createUser({
        ...ctx,
        input: { email: 'analyst@sim.example', name: 'Sim Analyst', role: 'analyst' },
      }),
      'portal',
    );
    const feed = generateHoneypotFeed(network, {
      sources: defaultHoneypotSources(network),
      from: new Date('2026-11-16T00:00:00Z'),
      to: new Date('2026-11-19T00:00:00Z'),
      count: 3000,
      shaken: null,
    });
    // What a consortium would trace: one call of each campaign, a withheld one, a one-off call.
    const picks = [
      ...network.campaigns.map((c) => feed.calls.find((x) => x.truth.campaignKey === c.key)),
      feed.calls.find((x) => x.truth.withheld),
      feed.calls.find((x) => x.truth.campaignKey === null),
    ].filter((x) => x !== undefined);
    const calls = picks.map((x) => x.truth.simCall);
    const result = await runScenario({
      db: database.db,
      clock,
      network,
      loaded,
      callSet: honeypotCallSet(feed),
      calls,
      analyst,
      openAt: (call) => new Date(call.startedAt.getTime() + 2 * HOUR),
    });
    const summary = summarize(result);
    console.log(JSON.stringify(summary));
    expect(summary.tracebacks).toBe(calls.length);
    expect(summary.answers.wrong_upstream).toBe(0);
    expect(summary.answers.agent).toBeGreaterThan(calls.length);
    const ended = (summary.outcomes.origin_identified ?? 0) + (summary.outcomes.foreign_origin ?? 0);
    expect(ended).toBe(calls.length);
  });
});
