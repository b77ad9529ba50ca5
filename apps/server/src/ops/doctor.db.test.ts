import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { openDatabase, rowsOf } from '@hoptrace/db';
import { createTestDatabase } from '@hoptrace/db/testing';
import { startShakenFixture } from '@hoptrace/shaken/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConfiguration, checkDatabase } from './doctor';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../../cli/bin/hoptrace.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hoptrace-doctor-'));
const anchors = join(dir, 'roots.pem');

let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  const shaken = await startShakenFixture();
  writeFileSync(anchors, shaken.pki.root.pem);
  await shaken.close();
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Everything a production deployment should set, as an operator would. */
const configured = (): NodeJS.ProcessEnv => ({
  NODE_ENV: 'production',
  HOPTRACE_PUBLIC_URL: 'https://traceback.example.org',
  HOPTRACE_SECURE_COOKIES: 'true',
  SMTP_URL: 'smtp://127.0.0.1:2525',
  HOPTRACE_STI_TRUST_ANCHORS: anchors,
  HOPTRACE_DATA_DIR: join(dir, 'data'),
});

const ids = async (env: NodeJS.ProcessEnv) => (await checkConfiguration(env)).findings.map((f) => f.id);

async function hoptrace(env: NodeJS.ProcessEnv, ...args: string[]) {
  try {
    const { stdout } = await run(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH, ...env },
    });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout + e.stderr };
  }
}

describe('hoptrace doctor: the configuration', () => {
  it('finds nothing wrong in a complete production configuration', async () => {
    expect(await ids(configured())).toEqual([]);
  });

  it('says what is missing or wrong, and how to fix it', async () => {
    const bare = (await checkConfiguration({})).findings;
    expect(bare.map((f) => f.id)).toEqual(['public-url-unset', 'sti-trust-anchors-unset']);
    for (const f of bare) expect(f.fix.length).toBeGreaterThan(10);
    expect(await ids({ ...configured(), SMTP_URL: '' })).toEqual(['smtp-unset']);
    // Without NODE_ENV=production, a PostgreSQL database still counts as a deployment others rely on.
    expect(
      await ids({ ...configured(), NODE_ENV: '', SMTP_URL: '', DATABASE_URL: 'postgresql://db/x' }),
    ).toEqual(['smtp-unset']);
    expect(await ids({ ...configured(), NODE_ENV: '', SMTP_URL: '' })).toEqual([]);
    expect(await ids({ ...configured(), HOPTRACE_SECURE_COOKIES: '' })).toEqual(['insecure-cookies']);
    expect(await ids({ ...configured(), HOPTRACE_PUBLIC_URL: 'http://10.0.0.5:3000' })).toEqual([
      'secure-cookies-over-http',
    ]);
    expect(await ids({ ...configured(), HOPTRACE_PUBLIC_URL: 'traceback.example.org' })).toEqual([
      'public-url-invalid',
    ]);
    expect(await ids({ ...configured(), HOPTRACE_STI_TRUST_ANCHORS: join(dir, 'missing.pem') })).toEqual([
      'sti-trust-anchors-unreadable',
    ]);
    expect(
      await ids({ ...configured(), HOPTRACE_METRICS_PORT: '9464', HOPTRACE_METRICS_HOST: '0.0.0.0' }),
    ).toEqual(['metrics-exposed']);
    expect(await ids({ ...configured(), HOPTRACE_METRICS_PORT: '9464' })).toEqual([]);
    const bad = (await checkConfiguration({ ...configured(), HOPTRACE_REMINDER_HOURS: 'soon' })).findings;
    expect(bad).toEqual([expect.objectContaining({ id: 'config' })]);
    expect(bad[0]!.problem).toContain('HOPTRACE_REMINDER_HOURS');
  });
});

describe('hoptrace doctor: the database', () => {
  it('flags autovacuum off on PostgreSQL (as on the provided server), for the server or a hot table', async () => {
    const findings = await checkDatabase(database);
    if (database.kind === 'pglite') {
      // PGlite has no autovacuum to check; nothing else is wrong with a fresh, migrated database.
      expect(findings).toEqual([]);
      return;
    }
    const [setting] = rowsOf<{ autovacuum: string }>(
      await database.db.execute(sql`select current_setting('autovacuum') as autovacuum`),
    );
    const flagged = findings.find((f) => f.id === 'autovacuum-off');
    expect(!!flagged, `autovacuum is ${setting!.autovacuum}`).toBe(setting!.autovacuum === 'off');
    if (flagged) {
      expect(flagged.problem).toContain('autovacuum = off');
      expect(flagged.fix).toContain('ALTER SYSTEM SET autovacuum = on');
    }
    await database.db.execute(sql`alter table hops set (autovacuum_enabled = false)`);
    try {
      const table = (await checkDatabase(database)).find((f) => f.id === 'autovacuum-off-tables');
      expect(table?.problem).toContain('turned off for hops');
      expect(table?.fix).toBe('ALTER TABLE hops RESET (autovacuum_enabled);');
    } finally {
      await database.db.execute(sql`alter table hops reset (autovacuum_enabled)`);
    }
  });

  it('flags a clock that disagrees with the database, and a missing migration', async () => {
    const skewed = await checkDatabase(database, () => new Date(Date.now() - 10_000));
    const skew = skewed.find((f) => f.id === 'clock-skew');
    expect(skew?.problem).toMatch(/differ by (9|10)\.\d s \(the database is ahead\)/);
    expect(
      (await checkDatabase(database, () => new Date(Date.now() + 1_000))).map((f) => f.id),
    ).not.toContain('clock-skew');

    const [newest] = rowsOf<{ id: number; hash: string; created_at: string }>(
      await database.db.execute(
        sql`select id, hash, created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`,
      ),
    );
    await database.db.execute(sql`delete from drizzle.__drizzle_migrations where id = ${newest!.id}`);
    try {
      const missing = (await checkDatabase(database)).find((f) => f.id === 'migrations-pending');
      expect(missing?.problem).toMatch(/lacks 1 of \d+ migrations/);
      expect(missing?.fix).toContain('hoptrace migrate');
    } finally {
      await database.db.execute(
        sql`insert into drizzle.__drizzle_migrations (id, hash, created_at) values (${newest!.id}, ${newest!.hash}, ${newest!.created_at})`,
      );
    }
  });
});

describe('the hoptrace doctor command', { timeout: 120_000 }, () => {
  it('exits 1 with each finding and its fix, 0 when nothing is wrong', async () => {
    if (database.url) {
      // On the PostgreSQL server of the test run (the provided one runs with autovacuum off).
      const r = await hoptrace({ ...configured(), DATABASE_URL: database.url }, 'doctor');
      const [setting] = rowsOf<{ autovacuum: string }>(
        await database.db.execute(sql`select current_setting('autovacuum') as autovacuum`),
      );
      if (setting!.autovacuum === 'off') {
        expect(r.code).toBe(1);
        expect(r.stdout).toContain('✗ PostgreSQL runs with autovacuum = off');
        expect(r.stdout).toContain('fix: turn it on: ALTER SYSTEM SET autovacuum = on');
        expect(r.stdout).toContain('1 finding');
      } else expect(r).toMatchObject({ code: 0 });
    }
    // An embedded database: none yet, then a migrated one in a fully configured deployment.
    const none = await hoptrace({ ...configured(), DATABASE_URL: '' }, 'doctor');
    expect(none.code).toBe(1);
    expect(none.stdout).toContain(`there is no embedded database at ${join(dir, 'data')} yet`);
    const embedded = await openDatabase({ dataDir: join(dir, 'data') });
    await embedded.migrate();
    await embedded.close();
    const fine = await hoptrace({ ...configured(), DATABASE_URL: '' }, 'doctor');
    expect(fine).toEqual({ code: 0, stdout: 'no problems found\n' });
    const unset = await hoptrace(
      { ...configured(), DATABASE_URL: '', HOPTRACE_PUBLIC_URL: '', HOPTRACE_SECURE_COOKIES: '' },
      'doctor',
    );
    expect(unset.code).toBe(1);
    expect(unset.stdout).toContain('✗ HOPTRACE_PUBLIC_URL is not set');
    expect(unset.stdout).toContain('1 finding');
  });
});
