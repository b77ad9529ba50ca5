import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, readAuditHead, rowsOf, type Database } from '@hoptrace/db';
import { loadDemo } from '@hoptrace/sim';
import { sql } from 'drizzle-orm';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/hoptrace.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hoptrace-audit-'));
const server = process.env.DATABASE_URL;
const dbName = `hoptrace_audit_${process.pid}`;
const where = server
  ? { url: Object.assign(new URL(server), { pathname: `/${dbName}` }).toString() }
  : { dataDir: join(dir, 'demo') };

/** The real `hoptrace` binary on the demo's database (PGlite data directory, or PostgreSQL in CI's pass). */
async function hoptrace(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    HOPTRACE_DATA_DIR: where.dataDir ?? join(dir, 'unused'),
    DATABASE_URL: where.url ?? '',
  };
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function withDatabase<T>(fn: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(where);
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}

async function admin(statement: string) {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  if (server) await admin(`CREATE DATABASE ${dbName}`);
  await withDatabase(async (database) => {
    await database.migrate();
    await loadDemo({
      db: database.db,
      now: new Date('2026-11-23T12:00:00Z'),
      tracebacks: 12,
      honeypotCalls: 300,
    });
  });
}, 240_000);

afterAll(async () => {
  if (server) await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  rmSync(dir, { recursive: true, force: true });
});

describe('hoptrace audit', { timeout: 120_000 }, () => {
  let head = '';

  it('verifies the demo: every traceback event and the rest in one whole chain', async () => {
    const entries = await withDatabase(async (database) => {
      const rows = await database.db.execute(sql`select distinct action from audit_ledger`);
      return rowsOf<{ action: string }>(rows).map((r) => r.action);
    });
    expect(entries).toEqual(
      expect.arrayContaining(['ledger.started', 'traceback.opened', 'hop.answered', 'calls.stored']),
    );

    const verified = await hoptrace('audit', 'verify');
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^audit ledger whole: [\d,]+ entries, head \d+:[0-9a-f]{64}\n$/);
    const printed = await hoptrace('audit', 'head', '--publish');
    expect(printed.code, printed.stderr).toBe(0);
    head = printed.stdout.trim();
    expect(verified.stdout).toContain(head);
    const withHead = await hoptrace('audit', 'verify', '--head', head);
    expect(withHead.code, withHead.stderr).toBe(0);
    expect(withHead.stdout).toContain('1 published or given head found in the chain');
  });

  it('refuses a malformed --head with a usage error', async () => {
    const bad = await hoptrace('audit', 'verify', '--head', '12:not-a-hash');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--head 12:not-a-hash: expected SEQ:HASH');
  });

  it('names the entry changed with the triggers off, and a head the chain no longer holds', async () => {
    const target = await withDatabase(async (database) => {
      const h = (await readAuditHead(database.db))!;
      const seq = Math.floor(h.seq / 2);
      await database.db.transaction(async (tx) => {
        await tx.execute(sql`set local session_replication_role = replica`);
        await tx.execute(sql`update audit_ledger set actor = 'nobody@example.test' where seq = ${seq}`);
      });
      return seq;
    });
    const broken = await hoptrace('audit', 'verify');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(
      `audit ledger broken at entry ${target}: entry ${target}'s actor does not match`,
    );
    expect(broken.stdout).toBe('');

    // Put back, the chain is whole again; a head that was never this chain's is named.
    await withDatabase(async (database) => {
      await database.db.transaction(async (tx) => {
        await tx.execute(sql`set local session_replication_role = replica`);
        await tx.execute(
          sql`update audit_ledger set actor = (entry::jsonb ->> 'actor') where seq = ${target}`,
        );
      });
    });
    expect((await hoptrace('audit', 'verify')).code).toBe(0);
    const [seq] = head.split(':');
    const forged = await hoptrace('audit', 'verify', '--head', `${seq}:${'a'.repeat(64)}`);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toContain(`broken at entry ${seq}`);
  });
});
