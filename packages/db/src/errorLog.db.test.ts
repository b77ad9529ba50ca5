import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './client';
import { errorForLog, errorSummary, isUnstorableTextError, redactText } from './errorLog';
import * as schema from './schema';
import { createTestDatabase } from './testing';

/**
 * Writes that fail for real (PGlite, or PostgreSQL with DATABASE_URL) with customer details, a password
 * hash and a key hash in their parameters: what `errorForLog` and `errorSummary` make of them may be logged,
 * so none of those values may be in it, while it still says what failed.
 */

const SECRETS = {
  name: 'Zebulon Quartermaine',
  address: '77 Juniper Hollow Road',
  account: 'ACCT-99812',
  email: 'zebulon.q@juniper.example',
  passwordHash:
    '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9d9O0qJ8H3b7QxkT1mFq0w7Yy4bqv9Qm2mX8B0c1a2c',
  keyHash: 'a3f1c2d4e5b60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90',
  apiKey: 'htk_Q2hhbmdlIHRoaXMga2V5IGJlZm9yZSB1c2luZyBpdCBpbiBwcm9k',
};

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('the statement was expected to fail');
}

function expectNoSecrets(err: unknown) {
  const logged = `${JSON.stringify(errorForLog(err))}\n${errorSummary(err)}`;
  for (const [what, value] of Object.entries(SECRETS)) expect(logged, what).not.toContain(value);
  // Nor any part of the name: PostgreSQL quotes values piecewise in some messages.
  expect(logged).not.toMatch(/Zebulon|Quartermaine|Juniper|99812/);
  return logged;
}

const user = (email: string) => ({
  email,
  name: SECRETS.name,
  role: 'analyst' as const,
  passwordHash: SECRETS.passwordHash,
});

describe('a failed write as it may be logged', () => {
  it('a unique violation: the statement and constraint, not the key (detail) nor the row (params)', async () => {
    await database.db.insert(schema.users).values(user(SECRETS.email));
    const err = await failure(() => database.db.insert(schema.users).values(user(SECRETS.email)));
    // What a plain log of it would have shown.
    expect(String((err as Error).message)).toContain(SECRETS.passwordHash);
    const logged = expectNoSecrets(err);
    const entry = errorForLog(err);
    expect(entry.message).toMatch(/^Failed query: insert into "users"/);
    expect(entry.statement).toMatch(/insert into "users" .*values/);
    expect(entry.cause).toMatchObject({ code: '23505', table: 'users' });
    expect(String((entry.cause as { constraint?: string }).constraint)).toMatch(/email/);
    expect(logged).toContain('duplicate key value violates unique constraint');
    expect(errorSummary(err)).toMatch(/DrizzleQueryError: Failed query: insert into "users".*\[23505\]/);
  });

  it('a check violation: not the failing row, which PostgreSQL repeats in its detail', async () => {
    const err = await failure(() =>
      database.db.execute(
        sql`insert into api_keys (user_id, name, prefix, key_hash) values (null, ${SECRETS.name}, ${SECRETS.apiKey.slice(0, 8)}, ${SECRETS.keyHash}), (null, null, 'x', ${SECRETS.apiKey})`,
      ),
    );
    const logged = expectNoSecrets(err);
    // api_keys_owner_check: a key belongs to a user or a call source.
    expect(logged).toContain('23514');
    expect(logged).toContain('violates check constraint "api_keys_owner_check"');
  });

  it('an invalid value: the type, not the value PostgreSQL quotes', async () => {
    const err = await failure(() => database.db.execute(sql`select ${SECRETS.name}::uuid`));
    const logged = expectNoSecrets(err);
    expect(logged).toContain('invalid input syntax for type uuid');
    expect(logged).toContain('22P02');
  });

  it('text PostgreSQL cannot store: not the JSON it quotes in `where`, and recognised as bad input', async () => {
    const jsonb = await failure(() =>
      database.db.execute(sql`select ${JSON.stringify({ customer: SECRETS.name, nul: 'a\u0000b' })}::jsonb`),
    );
    expectNoSecrets(jsonb);
    expect(isUnstorableTextError(jsonb)).toBe(true);
    const text = await failure(() => database.db.execute(sql`select ${`${SECRETS.account}\u0000`}::text`));
    expectNoSecrets(text);
    expect(isUnstorableTextError(text)).toBe(true);
    const surrogate = await failure(() =>
      database.db.execute(sql`select ${JSON.stringify({ customer: `${SECRETS.name}\ud800` })}::jsonb`),
    );
    expectNoSecrets(surrogate);
    expect(isUnstorableTextError(surrogate)).toBe(true);
    expect(
      isUnstorableTextError(await failure(() => database.db.execute(sql`select ${SECRETS.name}::uuid`))),
    ).toBe(false);
  });

  it('a trigger that refuses: its message and code', async () => {
    const [row] = await database.db
      .insert(schema.events)
      .values({ at: new Date(), actor: 'test', type: 'test.event' })
      .returning({ id: schema.events.id });
    const err = await failure(() =>
      database.db
        .update(schema.events)
        .set({ data: { customer: SECRETS.name, accountRef: SECRETS.account } })
        .where(sql`id = ${row!.id}`),
    );
    const logged = expectNoSecrets(err);
    expect(logged).toContain('table events is append-only');
    expect(logged).toContain('42501');
    expect(errorForLog(err).statement).toMatch(/^update "events" set "data" = \$1/);
  });
});

describe('redactText', () => {
  it('masks secrets and hashes in free text', () => {
    const text = `key ${SECRETS.apiKey} session hts_abcdefghijklmnopqrstuvwxyz0123456789ABCD link hl_abcdefgh12345678 hash ${SECRETS.keyHash} password ${SECRETS.passwordHash} secret whsec_abcdefghijklmnop`;
    const out = redactText(text);
    for (const v of [
      SECRETS.apiKey,
      SECRETS.keyHash,
      SECRETS.passwordHash,
      'hts_abcdefghijklmnop',
      'hl_abcdefgh',
      'whsec_abcdefgh',
    ])
      expect(out).not.toContain(v);
    expect(out).toContain('htk_[redacted]');
  });

  it("cuts Drizzle's params and PostgreSQL's echoes of values", () => {
    expect(
      redactText(`Failed query: insert into x values ($1)\nparams: ${SECRETS.name},${SECRETS.account}`),
    ).toBe('Failed query: insert into x values ($1)\nparams: [redacted]');
    expect(redactText(`Key (email)=(${SECRETS.email}) already exists.`)).toBe(
      'Key (email)=(…) already exists.',
    );
    expect(redactText(`Failing row contains (1, ${SECRETS.name}, null).`)).toBe('Failing row contains (…).');
  });
});
