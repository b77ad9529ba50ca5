import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { MIGRATIONS_DIR, type Executor } from '../client';
import { rowsOf } from './detection';

/**
 * What operations read from the database (decision 0021): the gauges of `/metrics`, the migration
 * state `/api/v1/ready` checks, and the server settings `hoptrace doctor` looks at. Each read is
 * answered by an index or a catalog, so a scrape every few seconds costs next to nothing.
 */
export interface OpsGauges {
  /** Pending hops past their deadline (the clock's sweep has not marked them yet). */
  hopsOverdue: number;
  /** Notices waiting in the outbox to be sent (first tries and retries). */
  outboxPending: number;
  /** When the oldest of them was written; null when the outbox is empty. */
  outboxOldestPendingAt: Date | null;
  /** Call batches stored but not yet through campaign detection. */
  detectionPendingBatches: number;
  /** When the oldest of them arrived; null when detection has caught up. */
  detectionOldestBatchAt: Date | null;
}

/** The PostgreSQL error code behind a driver error (drizzle wraps it in `cause`). */
function pgErrorCodeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if (typeof e === 'object' && 'code' in e && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code))
      return e.code;
    e = typeof e === 'object' && 'cause' in e ? e.cause : undefined;
  }
  return undefined;
}

const toDate = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));

export async function readOpsGauges(db: Executor, now: Date): Promise<OpsGauges> {
  // One statement: three index reads (hops_status_due_idx, outbox_due_idx's partial index, call_batches' key).
  const [row] = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select
        (select count(*) from hops where status = 'pending' and due_at < ${now.toISOString()}::timestamptz)::int as hops_overdue,
        (select count(*) from outbox where status = 'pending')::int as outbox_pending,
        (select min(created_at) from outbox where status = 'pending') as outbox_oldest,
        (select count(*) from call_batches)::int as batches,
        (select min(received_at) from call_batches) as batches_oldest`),
  );
  return {
    hopsOverdue: Number(row!.hops_overdue),
    outboxPending: Number(row!.outbox_pending),
    outboxOldestPendingAt: toDate(row!.outbox_oldest),
    detectionPendingBatches: Number(row!.batches),
    detectionOldestBatchAt: toDate(row!.batches_oldest),
  };
}

export interface MigrationStatus {
  /** Migrations this code ships (packages/db/migrations). */
  shipped: number;
  /** Of those, applied to this database. */
  applied: number;
  /** The tags of the ones not applied yet, oldest first. */
  pending: string[];
}

interface JournalEntry {
  when: number;
  tag: string;
}

let journal: JournalEntry[] | undefined;
function shippedMigrations(): JournalEntry[] {
  journal ??= (
    JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as {
      entries: JournalEntry[];
    }
  ).entries;
  return journal;
}

/**
 * Which shipped migrations the database has. Drizzle's migrator records each applied migration in
 * `drizzle.__drizzle_migrations` with the migration's timestamp, and applies those newer than the
 * newest recorded: the same rule decides here what is pending.
 */
export async function migrationStatus(db: Executor): Promise<MigrationStatus> {
  const shipped = shippedMigrations();
  let newest: number | null = null;
  try {
    const [row] = rowsOf<{ newest: string | number | null }>(
      await db.execute(sql`select max(created_at) as newest from drizzle.__drizzle_migrations`),
    );
    newest = row?.newest === null || row?.newest === undefined ? null : Number(row.newest);
  } catch (err) {
    // No migration table (or schema) yet: nothing applied.
    const code = pgErrorCodeOf(err);
    if (code !== '42P01' && code !== '3F000') throw err;
  }
  const pending = shipped.filter((m) => newest === null || m.when > newest).map((m) => m.tag);
  return { shipped: shipped.length, applied: shipped.length - pending.length, pending };
}

export interface DatabaseHealth {
  /** The database server's clock. */
  now: Date;
  /** `autovacuum` and `track_counts` (autovacuum needs both). */
  autovacuum: boolean;
  trackCounts: boolean;
  /** Tables updated often whose own setting turns autovacuum off (`autovacuum_enabled = false`). */
  tablesWithoutAutovacuum: string[];
  /** Dead row versions left by updates, in the tables hop answers and notices update most. */
  deadRows: Array<{ table: string; live: number; dead: number }>;
}

/** Tables whose rows are updated in place over a traceback's life: where dead rows pile up without vacuum. */
export const HOT_TABLES = ['hops', 'tracebacks', 'outbox', 'scheduled_notices', 'call_verdicts'] as const;

/** What `hoptrace doctor` reads of a PostgreSQL server (not asked of PGlite: it has no autovacuum). */
export async function readDatabaseHealth(db: Executor): Promise<DatabaseHealth> {
  const hot = `{${HOT_TABLES.join(',')}}`;
  const [settingsRow] = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select clock_timestamp() as now,
             current_setting('autovacuum') as autovacuum,
             current_setting('track_counts') as track_counts`),
  );
  const off = rowsOf<{ table: string }>(
    await db.execute(sql`
      select c.relname as table
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = current_schema() and c.relname = any(${hot}::text[])
         and exists (select 1 from unnest(coalesce(c.reloptions, '{}')) o where o = 'autovacuum_enabled=false')
       order by 1`),
  );
  const dead = rowsOf<{ table: string; live: string; dead: string }>(
    await db.execute(sql`
      select relname as table, n_live_tup as live, n_dead_tup as dead
        from pg_stat_user_tables
       where schemaname = current_schema() and relname = any(${hot}::text[])
       order by 1`),
  );
  return {
    now: new Date(settingsRow!.now as string),
    autovacuum: settingsRow!.autovacuum === 'on',
    trackCounts: settingsRow!.track_counts === 'on',
    tablesWithoutAutovacuum: off.map((r) => r.table),
    deadRows: dead.map((r) => ({ table: r.table, live: Number(r.live), dead: Number(r.dead) })),
  };
}

/** The database's clock, to compare with this process's. */
export async function databaseNow(db: Executor): Promise<Date> {
  const [row] = rowsOf<{ now: string }>(await db.execute(sql`select clock_timestamp() as now`));
  return new Date(row!.now);
}

/** A trivial round trip: is the database there? */
export async function pingDatabase(db: Executor): Promise<void> {
  await db.execute(sql`select 1`);
}
