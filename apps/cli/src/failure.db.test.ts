import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { openDatabase } from '@hoptrace/db';
import { createTestDatabase } from '@hoptrace/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './main';

/**
 * A command that fails on a database error prints it through the log serializer: the statement's shape and
 * the database's code, not its parameters (here a user's name and password hash).
 */

const dir = mkdtempSync(join(tmpdir(), 'hoptrace-cli-failure-'));
const saved = { url: process.env.DATABASE_URL, dataDir: process.env.HOPTRACE_DATA_DIR };
let dropDatabase: (() => Promise<void>) | undefined;

beforeAll(async () => {
  // The CLI opens its database from the environment, as it does for a user: PostgreSQL when DATABASE_URL
  // is set (a fresh database), else the embedded one in a data directory.
  let database;
  if (process.env.DATABASE_URL) {
    const created = await createTestDatabase();
    process.env.DATABASE_URL = created.url;
    database = created;
    dropDatabase = () => created.close();
  } else {
    process.env.HOPTRACE_DATA_DIR = join(dir, 'data');
    database = await openDatabase({ dataDir: process.env.HOPTRACE_DATA_DIR });
    await database.migrate();
  }
  for (const statement of [
    `CREATE FUNCTION refuse_for_test() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN RAISE EXCEPTION 'refused by the test on %', TG_TABLE_NAME USING ERRCODE = 'check_violation'; END $$`,
    `CREATE TRIGGER refuse_users BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION refuse_for_test()`,
  ])
    await database.db.execute(sql.raw(statement));
  if (!dropDatabase) await database.close();
});

afterAll(async () => {
  // Assigning undefined would set the string "undefined", which the next file in this worker would read.
  if (saved.url === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = saved.url;
  if (saved.dataDir === undefined) delete process.env.HOPTRACE_DATA_DIR;
  else process.env.HOPTRACE_DATA_DIR = saved.dataDir;
  await dropDatabase?.();
  rmSync(dir, { recursive: true, force: true });
});

describe('an unexpected failure', () => {
  it('is printed without the failed statement’s parameters, and exits 1', async () => {
    const printed: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = (chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    };
    let code: number;
    try {
      code = await main([
        'node',
        'hoptrace',
        'user',
        'create',
        '--email',
        'zebulon@example.test',
        '--name',
        'Zebulon Quartermaine',
        '--role',
        'analyst',
        '--password',
        'correct horse battery 42',
      ]);
    } finally {
      process.stderr.write = write;
    }
    const text = printed.join('');
    expect(code).toBe(1);
    expect(text).toMatch(/^hoptrace: DrizzleQueryError: Failed query: insert into "users"/);
    expect(text).toContain('refused by the test on users');
    expect(text).toContain('23514');
    expect(text).not.toMatch(/Zebulon|Quartermaine|argon2|correct horse/);
  });
});
