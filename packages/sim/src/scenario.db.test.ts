import { actorFor, createUser, ManualClock, systemActor } from '@hoptrace/core';
import { createTestDatabase } from '@hoptrace/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCalls } from './calls';
import { loadNetwork } from './load';
import { buildNetwork } from './network';
import { runScenario, summarize } from './scenario';

const HOUR = 3_600_000;

describe('a simulated scenario through the core', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  // 120 tracebacks through the core: 8 s alone on PostgreSQL, past 30 s beside another test file on a loaded
  // machine (decision 0042).
  it(
    'traces calls to every outcome, with agents that never name a wrong upstream',
    { timeout: 120_000 },
    async () => {
      const clock = new ManualClock('2026-06-01T12:00:00Z');
      const ctx = { db: database.db, clock, actor: systemActor('sim') };
      const network = buildNetwork({ seed: 42 });
      const loaded = await loadNetwork(ctx, network);
      const analyst = actorFor(
        await createUser({
          ...ctx,
          input: { email: 'analyst@sim.example', name: 'Sim Analyst', role: 'analyst' },
        }),
        'portal',
      );
      const callSet = generateCalls(network, {
        count: 120,
        from: new Date('2026-06-01T12:00:00Z'),
        to: new Date('2026-06-20T12:00:00Z'),
      });
      const started = Date.now();
      const result = await runScenario({
        db: database.db,
        clock,
        network,
        loaded,
        callSet,
        analyst,
        openAt: (call) => new Date(call.startedAt.getTime() + 6 * HOUR),
      });
      const summary = summarize(result);
      console.log(JSON.stringify({ ...summary, ms: Date.now() - started }));
      expect(summary.tracebacks).toBe(120);
      expect(summary.answers.wrong_upstream).toBe(0);
      expect(summary.answers.agent).toBeGreaterThan(0);
      expect(summary.outcomes.origin_identified).toBeGreaterThan(0);
      expect(summary.outcomes.non_responsive).toBeGreaterThan(0);
      expect(summary.outcomes.foreign_origin).toBeGreaterThan(0);
    },
  );
});
