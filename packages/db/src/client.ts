import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { lockDataDir, type DataDirLock } from './dataDirLock';
import * as schema from './schema';

export type Schema = typeof schema;
/** The one database type the rest of the code sees: the same SQL runs on PGlite and on PostgreSQL. */
export type Db = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Either the database or an open transaction: repositories accept both. */
export type Executor = Db | Tx;

/**
 * `build` run once per executor (the database, or one pooled connection) and kept with it, for
 * statements prepared by name: Drizzle builds them once, PostgreSQL plans them once per connection.
 */
export function perExecutor<T>(build: (db: Executor) => T): (db: Executor) => T {
  const made = new WeakMap<Executor, T>();
  return (db) => {
    let value = made.get(db);
    if (value === undefined) made.set(db, (value = build(db)));
    return value;
  };
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

/** What drizzle-orm's migrate() does, able to stop after the first `upTo` migrations. */
async function runMigrations(db: unknown, upTo: number | undefined): Promise<void> {
  const config = { migrationsFolder: MIGRATIONS_DIR };
  const all = readMigrationFiles(config);
  const { dialect, session } = db as {
    dialect: { migrate(m: typeof all, s: unknown, c: typeof config): Promise<void> };
    session: unknown;
  };
  await dialect.migrate(upTo === undefined ? all : all.slice(0, upTo), session, config);
}

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /**
   * Runs the versioned SQL migrations; safe to call from several processes at once on PostgreSQL.
   * `upTo` stops after that many (a restore builds the schema its backup was taken at).
   */
  migrate(opts?: { upTo?: number }): Promise<void>;
  close(): Promise<void>;
  /** PostgreSQL's pool: connections open, idle, and queries waiting for one; null on PGlite (one connection in the process). */
  poolStats(): { total: number; idle: number; waiting: number } | null;
  /** The embedded data directory's lock, held while the database is open (decision 0021). */
  lock?: DataDirLock | undefined;
}

export interface OpenDatabaseOptions {
  /** `postgres://…` selects a real PostgreSQL; otherwise PGlite. */
  url?: string | undefined;
  /** PGlite data directory; `memory://` (or undefined with no url) keeps everything in memory. */
  dataDir?: string | undefined;
  poolSize?: number | undefined;
  /**
   * What opens an embedded data directory (e.g. `hoptrace start`), written in its lock: a second
   * process that tries to open it is told who holds it.
   */
  command?: string | undefined;
  /** An in-memory PGlite starts from this copy of a data directory (PGlite's `dumpDataDir`) instead of an empty one. */
  loadDataDir?: Blob | undefined;
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  if (opts.url) return openPostgres(opts.url, opts.poolSize ?? 10);
  return openPglite(opts.dataDir, opts.command ?? 'hoptrace', opts.loadDataDir);
}

async function openPglite(
  dataDir: string | undefined,
  command: string,
  loadDataDir: Blob | undefined,
): Promise<Database> {
  const inMemory = !dataDir || dataDir.startsWith('memory://');
  let lock: DataDirLock | undefined;
  if (!inMemory) {
    mkdirSync(dataDir, { recursive: true });
    // Before PGlite reads a byte: a second process must never open the same directory.
    lock = lockDataDir(dataDir, command);
  }
  // pg_trgm backs the directory's typo-tolerant search (migration 0006).
  const options = { extensions: { pg_trgm }, ...(loadDataDir && inMemory ? { loadDataDir } : {}) };
  let client: PGlite;
  try {
    client = inMemory ? new PGlite(options) : new PGlite(dataDir, options);
    await client.waitReady;
  } catch (err) {
    lock?.release();
    throw err;
  }
  const db = drizzlePglite(client, { schema });
  return {
    db: db as unknown as Db,
    kind: 'pglite',
    migrate: (o) => runMigrations(db, o?.upTo),
    async close() {
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
    poolStats: () => null,
    lock,
  };
}

// Any fixed number works; it only has to be the same for every hoptrace process.
const MIGRATION_LOCK_KEY = 7_461_530_215;
const MIGRATION_LOCK_TIMEOUT = '15s';

function openPostgres(url: string, poolSize: number): Database {
  // Pipeline mode: a connection sends the statements issued together without waiting for each
  // answer (batchTransaction relies on it). Statements awaited one by one behave as without it.
  const pool = new pg.Pool({ connectionString: url, max: poolSize, pipeline: true });
  // A pool error on an idle client must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const db = drizzlePg(pool, { schema });
  return {
    db: db,
    kind: 'postgres',
    async migrate(o) {
      // Several web and worker processes may start together: one migrates, the others wait.
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        // A migration that waits for a lock held by a busy process would queue every other query on
        // that table behind it: give up after a while instead (the start fails, nothing is applied,
        // and the operator retries when it is quieter; docs/OPERATIONS.md, Upgrades).
        await client.query(`SET lock_timeout = '${MIGRATION_LOCK_TIMEOUT}'`);
        await runMigrations(drizzlePg(client, { schema }), o?.upTo);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
        await client.end();
      }
    },
    close: () => pool.end(),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}
