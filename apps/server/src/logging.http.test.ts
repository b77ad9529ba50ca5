import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app';
import { createHarness, expectProblem, type Harness } from './testing/harness';
import { startWorker } from './worker/jobs';
import { createTestDatabase } from '@hoptrace/db/testing';
import { ManualClock } from '@hoptrace/core';

/**
 * The server's log, read from pino's stream while writes fail for real: a trigger refuses the row that holds
 * a customer's details (an origin), a user's password hash, an API key's hash. The log must say what failed
 * (the statement's shape, the database's code) and hold none of those values.
 */

const CUSTOMER = {
  name: 'Zebulon Quartermaine',
  address: '77 Juniper Hollow Road, Springfield',
  contact: 'zq@juniper-hollow.example',
  accountRef: 'ACCT-99812',
};
const PASSWORD = 'correct horse battery staple 42';

let h: Harness;
const lines: string[] = [];

beforeAll(async () => {
  h = await createHarness(undefined, {
    logger: { level: 'info', stream: { write: (line: string) => void lines.push(line) } } as never,
  });
  // Triggers that refuse rows the way a constraint would, after the statement carried its values.
  for (const statement of [
    `CREATE FUNCTION refuse_for_test() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN RAISE EXCEPTION 'refused by the test on %', TG_TABLE_NAME USING ERRCODE = 'check_violation'; END $$`,
    `CREATE TRIGGER refuse_origins BEFORE INSERT ON origins FOR EACH ROW EXECUTE FUNCTION refuse_for_test()`,
    `CREATE TRIGGER refuse_users BEFORE INSERT ON users FOR EACH ROW
     WHEN (NEW.email LIKE 'refused%') EXECUTE FUNCTION refuse_for_test()`,
    `CREATE TRIGGER refuse_keys BEFORE INSERT ON api_keys FOR EACH ROW
     WHEN (NEW.name = 'refused') EXECUTE FUNCTION refuse_for_test()`,
  ])
    await h.db.execute(sql.raw(statement));
});
afterAll(() => h.close());

/** The log entries written since `from`, parsed. */
function entriesSince(from: number): Array<Record<string, unknown>> {
  return lines.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('a failed write, as the log tells it', () => {
  it('an origin answer refused by the database: no customer detail in the log, the failure named', async () => {
    const p = await h.provider();
    const tb = await h.openTraceback(p.id);
    const from = lines.length;
    const res = await p.user.post(`/api/v1/hops/${tb.hops[0]!.id}/answer`, {
      kind: 'origin',
      customer: CUSTOMER,
      action: 'terminated',
      comment: 'customer Zebulon Quartermaine, account ACCT-99812',
    });
    expectProblem(res, 500);
    const text = lines.slice(from).join('');
    for (const value of [...Object.values(CUSTOMER), 'Zebulon', 'Quartermaine', 'Juniper', '99812'])
      expect(text, value).not.toContain(value);
    const error = entriesSince(from).find((e) => e.msg === 'unhandled error');
    expect(error, text).toBeDefined();
    const err = JSON.stringify(error!.err);
    expect(err).toContain('refused by the test on origins');
    expect(err).toContain('23514');
    // Through Drizzle (PGlite) the statement's shape comes too (the answer batch's deferred writes); on
    // PostgreSQL the batch's pipelined statements fail as the driver's own error, with its code and message.
    const { statement } = error!.err as { statement?: string };
    if (statement !== undefined) expect(statement).toMatch(/INSERT INTO "origins"/i);
    else expect(error!.err).toMatchObject({ type: 'DatabaseError', code: '23514' });
    expect(err).not.toMatch(/params/i);
  });

  it("a user refused by the database: not the password's hash", async () => {
    const from = lines.length;
    const res = await h.admin.post('/api/v1/users', {
      email: 'refused.user@example.test',
      name: 'Refused User',
      role: 'analyst',
      password: PASSWORD,
    });
    expectProblem(res, 500);
    const text = lines.slice(from).join('');
    expect(text).toContain('refused by the test on users');
    expect(text).not.toContain('$argon2');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toMatch(/[0-9a-f]{32}/);
  });

  it("an API key refused by the database: not the key's hash", async () => {
    const from = lines.length;
    const res = await h.admin.post(`/api/v1/users/${h.admin.userId}/api-keys`, { name: 'refused' });
    expectProblem(res, 500);
    const text = lines.slice(from).join('');
    expect(text).toContain('refused by the test on api_keys');
    expect(text).not.toMatch(/[0-9a-f]{32}/);
    expect(text).not.toMatch(/htk_[A-Za-z0-9_-]{8}/);
  });

  it('a request URL without its query values', async () => {
    const from = lines.length;
    await h.analyst.get(`/api/v1/providers?q=${encodeURIComponent(CUSTOMER.name)}&limit=5`);
    const text = lines.slice(from).join('');
    expect(text).toContain('/api/v1/providers?q=…&limit=…');
    expect(text).not.toContain('Zebulon');
  });
});

describe('text the database cannot store, past the request check', () => {
  it('is a 400, not a 500 (the net in the error handler)', async () => {
    const database = await createTestDatabase();
    const app = await buildApp({ db: database.db, clock: new ManualClock('2026-11-02T15:00:00Z') });
    // A route that writes what no request check saw, as a bug in a future route might.
    app.get('/probe', async () => database.db.execute(sql`select ${'a\u0000b'}::text`));
    try {
      const problem = expectProblem(await app.inject({ method: 'GET', url: '/probe' }), 400, ['(body)']);
      expect(problem.detail).toMatch(/NUL/);
    } finally {
      await app.close();
      await database.close();
    }
  });
});

describe('the worker', () => {
  it('logs a failed job without the parameters of its statement', async () => {
    const logs: string[] = [];
    const worker = startWorker(
      { db: h.db, clock: h.clock, dispatcher: {} as never },
      {
        jobs: [
          {
            id: 'test.failing-write',
            everyMs: 60_000,
            run: async () => {
              await h.db.execute(
                sql`insert into origins (hop_id, traceback_id, customer_name, account_ref, action) values (gen_random_uuid(), gen_random_uuid(), ${CUSTOMER.name}, ${CUSTOMER.accountRef}, 'none')`,
              );
              return 1;
            },
          },
        ],
        log: (msg, extra) => logs.push(`${msg} ${JSON.stringify(extra)}`),
      },
    );
    await worker.tick();
    await worker.stop();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('job test.failing-write failed');
    expect(logs[0]).toMatch(/insert into origins/);
    expect(logs[0]).not.toMatch(/Zebulon|Quartermaine|99812/);
  });
});
