import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, openDatabase, type Database } from './client';

/**
 * Migration 0018 (decision 0026) turns the free-text agencies of users and referrals into rows of the
 * agencies directory: one per distinct name (trimmed, without case), every user and referral pointing at
 * its row, the live-referral rule kept. Run here on a database migrated to 0017 holding such data.
 */

const files = readdirSync(MIGRATIONS_DIR)
  .filter((f) => f.endsWith('.sql'))
  .sort();
const statements = (file: string) =>
  readFileSync(join(MIGRATIONS_DIR, file), 'utf8')
    .split('--> statement-breakpoint')
    .map((s) => s.trim())
    .filter(Boolean);

let database: Database;
let drop: (() => Promise<void>) | undefined;

/** The rows of a query (the executor's result type differs between PGlite and node-postgres). */
async function rowsOf<T>(query: SQL): Promise<T[]> {
  const result: unknown = await database.db.execute(query);
  return (result as { rows: T[] }).rows;
}

async function run(file: string) {
  for (const s of statements(file)) await database.db.execute(sql.raw(s));
}

beforeAll(async () => {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) database = await openDatabase({});
  else {
    const name = `hoptrace_t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    database = await openDatabase({ url: url.toString() });
    drop = async () => {
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    };
  }
  for (const f of files.filter((f) => f < '0018')) await run(f);
});
afterAll(async () => {
  await database.close();
  await drop?.();
});

describe('migration 0018: agencies directory', () => {
  it('makes one agency per distinct name and points users and referrals at it', async () => {
    const db = database.db;
    await db.execute(
      sql`INSERT INTO providers (id, name) VALUES ('00000000-0000-4000-8000-0000000000a1', 'Fictional Carrier')`,
    );
    await db.execute(sql`INSERT INTO users (id, email, name, role, agency) VALUES
      ('00000000-0000-4000-8000-000000000001', 'a@agency.example', 'A', 'enforcement', 'State AG Unit'),
      ('00000000-0000-4000-8000-000000000002', 'b@agency.example', 'B', 'enforcement', ' state ag unit '),
      ('00000000-0000-4000-8000-000000000003', 'c@agency.example', 'C', 'enforcement', 'County DA'),
      ('00000000-0000-4000-8000-000000000004', 'd@hoptrace.example', 'D', 'analyst', NULL)`);
    await db.execute(sql`INSERT INTO tracebacks (id, status, call_started_at, calling_number, called_number,
        first_provider_id, opened_at, updated_at) VALUES ('00000000-0000-4000-8000-0000000000b1', 'closed',
        now(), '+12025550143', '+13125550188', '00000000-0000-4000-8000-0000000000a1', now(), now())`);
    await db.execute(sql`INSERT INTO referrals (traceback_id, agency, referred_at, withdrawn_at) VALUES
      ('00000000-0000-4000-8000-0000000000b1', 'State AG Unit', now(), NULL),
      ('00000000-0000-4000-8000-0000000000b1', 'Old Task Force', now(), now())`);

    await run(files.find((f) => f.startsWith('0018'))!);

    const agencies = await rowsOf<{ name: string; kind: string | null }>(
      sql`SELECT name, kind FROM agencies ORDER BY lower(name)`,
    );
    expect(agencies).toEqual([
      { name: 'County DA', kind: null },
      { name: 'Old Task Force', kind: null },
      { name: 'State AG Unit', kind: null },
    ]);
    const users = await rowsOf<{ email: string; agency: string | null }>(
      sql`SELECT u.email, a.name AS agency FROM users u LEFT JOIN agencies a ON a.id = u.agency_id ORDER BY u.email`,
    );
    expect(users).toEqual([
      { email: 'a@agency.example', agency: 'State AG Unit' },
      { email: 'b@agency.example', agency: 'State AG Unit' },
      { email: 'c@agency.example', agency: 'County DA' },
      { email: 'd@hoptrace.example', agency: null },
    ]);
    const referrals = await rowsOf<{ agency: string; name: string }>(
      sql`SELECT r.agency, a.name FROM referrals r JOIN agencies a ON a.id = r.agency_id ORDER BY r.agency`,
    );
    expect(referrals).toEqual([
      { agency: 'Old Task Force', name: 'Old Task Force' },
      { agency: 'State AG Unit', name: 'State AG Unit' },
    ]);
    // The free-text column of users is gone; a second live referral to the same agency is still refused.
    const cols = await rowsOf<{ column_name: string }>(
      sql`SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND column_name LIKE 'agency%'`,
    );
    expect(cols).toEqual([{ column_name: 'agency_id' }]);
    await expect(
      db.execute(sql`INSERT INTO referrals (traceback_id, agency_id, agency, referred_at)
        SELECT '00000000-0000-4000-8000-0000000000b1', id, name, now() FROM agencies WHERE name = 'State AG Unit'`),
    ).rejects.toThrow();
  });
});
