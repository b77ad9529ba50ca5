import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachToHop, systemActor, systemClock } from '@hoptrace/core';
import { openDatabase, schema, type Database } from '@hoptrace/db';
import { loadDemo } from '@hoptrace/sim';
import { eq } from 'drizzle-orm';
import { runBinary, runMain, type CliResult } from './testing/cli';

const dir = mkdtempSync(join(tmpdir(), 'hoptrace-backup-'));
const dataDir = (name: string) => join(dir, name);

/**
 * `hoptrace ARGS` on the database at `where`: in this process as bin/hoptrace.js runs it (testing/cli.ts),
 * or with `binary` the real binary (the first backup and restore).
 */
function hoptrace(
  where: { dataDir?: string; url?: string; binary?: boolean },
  ...args: string[]
): Promise<CliResult> {
  const env = { HOPTRACE_DATA_DIR: where.dataDir ?? dataDir('unused'), DATABASE_URL: where.url ?? '' };
  return where.binary ? runBinary(args, env) : runMain(args, env);
}

/** Every row of every table as text, sorted, and every sequence's position: two equal dumps are the same data. */
async function dump(database: Database): Promise<Record<string, string[]>> {
  const client = (
    database.db as unknown as { $client: { query: (q: string) => Promise<{ rows: unknown[] }> } }
  ).$client;
  const q = async <T>(text: string) => (await client.query(text)).rows as T[];
  const tables = await q<{ name: string }>(
    `SELECT relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
      WHERE relkind IN ('r', 'p') AND NOT relispartition ORDER BY relname`,
  );
  const out: Record<string, string[]> = {};
  for (const { name } of tables)
    out[name] = (await q<{ r: string }>(`SELECT row_to_json(t)::text AS r FROM "${name}" t ORDER BY 1`)).map(
      (x) => x.r,
    );
  out['(sequences)'] = (
    await q<{ r: string }>(
      `SELECT sequencename || '=' || coalesce(last_value::text, 'unused') AS r FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`,
    )
  ).map((x) => x.r);
  out['(partitions)'] = (
    await q<{ r: string }>(
      `SELECT c.relname || ' ' || pg_get_expr(c.relpartbound, c.oid) AS r FROM pg_class c WHERE c.relispartition ORDER BY 1`,
    )
  ).map((x) => x.r);
  return out;
}

async function dumpOf(where: { dataDir?: string; url?: string }) {
  const database = await openDatabase({ url: where.url, dataDir: where.dataDir });
  try {
    return await dump(database);
  } finally {
    await database.close();
  }
}

/** A refused restore leaves only what the new database's migrations wrote: the ledger's first entry and head. */
function expectNothingRestored(tables: Record<string, string[]>) {
  for (const [table, rows] of Object.entries(tables))
    if (!table.startsWith('(') && !table.startsWith('audit_'))
      expect(rows.length, `${table} after a refused restore`).toBe(0);
  expect(tables.audit_ledger!.map((r) => (JSON.parse(r) as { action: string }).action)).toEqual([
    'ledger.started',
  ]);
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

// The source: the demo (tracebacks of every outcome, hops, the timeline, the outbox, call records in
// monthly partitions, campaigns), and a PDF attached to an open hop.
let source: Record<string, string[]>;
const backupFile = join(dir, 'demo.backup.gz');

beforeAll(async () => {
  const database = await openDatabase({ dataDir: dataDir('a') });
  await database.migrate();
  await loadDemo({
    db: database.db,
    now: new Date('2026-11-23T12:00:00Z'),
    tracebacks: 12,
    honeypotCalls: 600,
  });
  const [hop] = await database.db
    .select({ id: schema.hops.id })
    .from(schema.hops)
    .innerJoin(schema.tracebacks, eq(schema.tracebacks.id, schema.hops.tracebackId))
    .where(eq(schema.tracebacks.status, 'open'))
    .limit(1);
  await attachToHop({
    db: database.db,
    clock: systemClock,
    actor: systemActor('test'),
    hopId: hop!.id,
    fileName: 'evidence.pdf',
    data: PDF,
  });
  source = await dump(database);
  await database.close();
}, 240_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hoptrace backup and restore', { timeout: 240_000 }, () => {
  it('round-trips the embedded database: every row, sequence and partition comes back identical', async () => {
    for (const t of [
      'tracebacks',
      'hops',
      'events',
      'attachments',
      'outbox',
      'calls',
      'call_verdicts',
      'campaigns',
    ])
      expect(source[t]?.length, t).toBeGreaterThan(0);

    const b = await hoptrace({ dataDir: dataDir('a'), binary: true }, 'backup', backupFile);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(
      /backup of embedded, .*: \d+ tables, [\d,]+ rows, .* written to .*demo\.backup\.gz/,
    );
    const again = await hoptrace({ dataDir: dataDir('a') }, 'backup', backupFile);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists: give another name, or --force to replace it');

    const r = await hoptrace({ dataDir: dataDir('b'), binary: true }, 'restore', backupFile);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/restored \d+ tables, [\d,]+ rows into embedded/);
    expect(await dumpOf({ dataDir: dataDir('b') })).toEqual(source);
  });

  it('refuses to restore over data without --force, and replaces it with --force', async () => {
    const r = await hoptrace({ dataDir: dataDir('b') }, 'restore', backupFile);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /this database holds data \(.*\): restore into a new one, or give --force to replace it/,
    );
    const forced = await hoptrace({ dataDir: dataDir('b') }, 'restore', backupFile, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(await dumpOf({ dataDir: dataDir('b') })).toEqual(source);
  });

  it('refuses a damaged, cut or foreign file and writes nothing', async () => {
    const text = gunzipSync(readFileSync(backupFile));
    // One byte changed inside the timeline's rows (the audit ledger, before it, holds the same words).
    const at = text.lastIndexOf('hop.attachment_added');
    const flipped = Buffer.from(text);
    flipped[at] = 'H'.charCodeAt(0);
    writeFileSync(join(dir, 'flipped.gz'), gzipSync(flipped));
    const damaged = await hoptrace({ dataDir: dataDir('c') }, 'restore', join(dir, 'flipped.gz'));
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toContain(
      'the rows of table events do not match their checksum: the backup is damaged',
    );
    expectNothingRestored(await dumpOf({ dataDir: dataDir('c') }));

    writeFileSync(join(dir, 'cut.gz'), gzipSync(text.subarray(0, Math.floor(text.length / 2))));
    const cut = await hoptrace({ dataDir: dataDir('c') }, 'restore', join(dir, 'cut.gz'));
    expect(cut.code).toBe(2);
    expect(cut.stderr).toMatch(/the file is cut short; nothing was restored/);

    writeFileSync(join(dir, 'truncated.gz'), readFileSync(backupFile).subarray(0, 2000));
    const truncated = await hoptrace({ dataDir: dataDir('c') }, 'restore', join(dir, 'truncated.gz'));
    expect(truncated.code).toBe(2);
    expect(truncated.stderr).toMatch(
      /(is not a hoptrace backup or is damaged|the file is damaged|cut short).*; nothing was restored/,
    );

    writeFileSync(join(dir, 'notes.txt'), 'not a backup\n');
    const foreign = await hoptrace({ dataDir: dataDir('c') }, 'restore', join(dir, 'notes.txt'));
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain('is not a hoptrace backup or is damaged');
    expectNothingRestored(await dumpOf({ dataDir: dataDir('c') }));
  });

  // PostgreSQL: in CI's PostgreSQL pass. The embedded backup moves to PostgreSQL (how a deployment
  // grows out of one machine), and a PostgreSQL backup round-trips.
  it.runIf(process.env.DATABASE_URL)(
    'moves the embedded database to PostgreSQL, and round-trips PostgreSQL',
    async () => {
      const server = process.env.DATABASE_URL!;
      const names = [1, 2].map((i) => `hoptrace_bk_${process.pid}_${i}`);
      const admin = new pg.Client({ connectionString: server });
      await admin.connect();
      const urlOf = (name: string) => {
        const u = new URL(server);
        u.pathname = `/${name}`;
        return u.toString();
      };
      try {
        for (const n of names) await admin.query(`CREATE DATABASE ${n}`);
        const [one, two] = names.map(urlOf) as [string, string];
        const moved = await hoptrace({ url: one }, 'restore', backupFile);
        expect(moved.code, moved.stderr).toBe(0);
        expect(moved.stdout).toContain('into PostgreSQL');
        expect(await dumpOf({ url: one })).toEqual(source);

        const pgFile = join(dir, 'pg.backup.gz');
        const b = await hoptrace({ url: one }, 'backup', pgFile);
        expect(b.code, b.stderr).toBe(0);
        const r = await hoptrace({ url: two }, 'restore', pgFile);
        expect(r.code, r.stderr).toBe(0);
        expect(await dumpOf({ url: two })).toEqual(source);
      } finally {
        for (const n of names) await admin.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);
        await admin.end();
      }
    },
  );
});
