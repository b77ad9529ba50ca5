import { sql } from 'drizzle-orm';
import { rowsOf } from '@hoptrace/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import { createHarness, expectProblem, type Harness } from '../testing/harness';
import { createEmailTransport } from '../worker/email';
import { JOBS, startWorker, type JobDefinition, type RunningWorker } from '../worker/jobs';

const HOUR = 3_600_000;
const MINUTE = 60_000;

let h: Harness;
let worker: RunningWorker;

function workerOn(jobs: readonly JobDefinition[]): RunningWorker {
  return startWorker(
    {
      db: h.db,
      clock: h.clock,
      dispatcher: {
        db: h.db,
        clock: h.clock,
        email: createEmailTransport({ smtpUrl: undefined, mailDir: '/nonexistent' }),
        mailFrom: 'hoptrace <noreply@hoptrace.test>',
        publicUrl: 'https://hoptrace.example',
        webhookPolicy: { allowHttp: true, allowPrivateNetworks: true },
      },
    },
    // Only the test's ticks run the jobs.
    { jobs: jobs.map((j) => ({ ...j, everyMs: HOUR })) },
  );
}

beforeAll(async () => {
  h = await createHarness();
  worker = workerOn(JOBS);
});
afterAll(async () => {
  await worker.stop();
  await h.close();
});

const ready = (app = h.app) => app.inject({ method: 'GET', url: '/api/v1/ready' });

describe('GET /api/v1/ready', () => {
  it('is ready on a migrated database; a process without a worker says so', async () => {
    const res = await ready();
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', migrations: 'ok', worker: 'not run here' },
    });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('is not ready while a migration is missing, and says which; liveness stays ok', async () => {
    const [newest] = rowsOf<{ id: number; hash: string; created_at: string }>(
      await h.db.execute(
        sql`select id, hash, created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`,
      ),
    );
    await h.db.execute(sql`delete from drizzle.__drizzle_migrations where id = ${newest!.id}`);
    try {
      const res = await ready();
      const problem = expectProblem(res, 503);
      expect(problem.type).toBe('urn:hoptrace:problem:unavailable');
      expect(problem.detail).toMatch(
        /the database lacks 1 migration \(0\d{3}_[a-z_]+\): run `hoptrace migrate`/,
      );
      expect((await h.anonymous({ method: 'GET', url: '/api/v1/health' })).statusCode).toBe(200);
    } finally {
      await h.db.execute(
        sql`insert into drizzle.__drizzle_migrations (id, hash, created_at) values (${newest!.id}, ${newest!.hash}, ${newest!.created_at})`,
      );
    }
    expect((await ready()).statusCode).toBe(200);
  });

  it("in a process with a worker: ready while its sweeps succeed, not once they are older than the limit (the worker's clock)", async () => {
    const app = await buildApp({
      db: h.db,
      clock: h.clock,
      readiness: { worker: () => worker.status(), sweepMaxAgeSeconds: 120 },
    });
    try {
      // Just started: no sweep yet, but the worker is younger than the limit.
      expect((await ready(app)).json()).toMatchObject({ checks: { worker: 'ok' } });
      h.clock.advance(3 * MINUTE);
      let problem = expectProblem(await ready(app), 503);
      expect(problem.detail).toContain("the worker's sweeps are late (limit 120 s)");
      expect(problem.detail).toContain(
        'hops.mark-non-responsive has not succeeded since the worker started 180 s ago',
      );
      await worker.tick();
      expect((await ready(app)).statusCode).toBe(200);
      h.clock.advance(2 * MINUTE);
      expect((await ready(app)).statusCode, 'exactly at the limit').toBe(200);
      h.clock.advance(1_000);
      problem = expectProblem(await ready(app), 503);
      expect(problem.detail).toContain('outbox.dispatch has not succeeded for 121 s');
      await worker.tick();
      expect((await ready(app)).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('is not ready when a sweep keeps failing, and points to the log', async () => {
    const failing = workerOn([
      {
        id: 'hops.mark-non-responsive',
        everyMs: 15_000,
        sweep: true,
        run: () => Promise.reject(new Error('simulated failure')),
      },
    ]);
    const app = await buildApp({ db: h.db, clock: h.clock, readiness: { worker: () => failing.status() } });
    try {
      await failing.tick();
      h.clock.advance(5 * MINUTE);
      const problem = expectProblem(await ready(app), 503);
      expect(problem.detail).toContain(
        'hops.mark-non-responsive has not succeeded since the worker started 300 s ago (its errors are in the log)',
      );
      expect(problem.detail).not.toContain('simulated failure');
    } finally {
      await failing.stop();
      await app.close();
    }
  });
});
