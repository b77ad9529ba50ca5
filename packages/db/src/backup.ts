import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { MIGRATIONS_DIR, type Database } from './client';

/**
 * Backup and restore of a whole hoptrace database, one format for PGlite and PostgreSQL
 * (decision 0023). A backup is a gzip stream of COPY text, table by table, taken in one
 * REPEATABLE READ READ ONLY transaction (a consistent snapshot while the server runs), framed so it
 * streams both ways with constant memory on PostgreSQL:
 *
 *   HOPTRACE-BACKUP 1
 *   {header: format, created, source, migrations, tables and columns, partitions}
 *   TABLE <name>
 *   <COPY text rows>
 *   \.
 *   …
 *   END {trailer: rows and SHA-256 of each table's COPY text, sequences}
 *
 * A restore checks every table's hash before it commits: a damaged or cut file writes nothing.
 */

export const BACKUP_MAGIC = 'HOPTRACE-BACKUP 1';

export interface BackupTable {
  name: string;
  columns: string[];
}

export interface BackupHeader {
  format: 'hoptrace-backup';
  version: 1;
  createdAt: string;
  /** The hoptrace version that wrote it (informative). */
  hoptraceVersion: string | null;
  source: 'pglite' | 'postgres';
  /** Migrations applied in the backed-up database: how many, and the last one's stamp. */
  migrations: { count: number; lastCreatedAt: number | null; lastHash: string | null };
  tables: BackupTable[];
  /** Partitions of partitioned tables, created before the rows are loaded. */
  partitions: { name: string; parent: string; bound: string }[];
}

export interface BackupTrailer {
  tables: { name: string; rows: number; sha256: string }[];
  sequences: { name: string; value: string | null }[];
}

export interface BackupSummary {
  tables: number;
  rows: number;
  bytes: number;
}

/** A problem with the backup file or with where it is restored: the message says which and what to do. */
export class BackupError extends Error {}

/** The raw connection a backup or restore runs on: a client of its own on PostgreSQL, PGlite itself. */
interface Raw {
  kind: 'pglite' | 'postgres';
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  copyOut(select: string): AsyncIterable<Buffer>;
  /** COPY … FROM STDIN with the table's text, given as chunks. */
  copyIn(statement: string, chunks: AsyncIterable<Buffer>): Promise<void>;
  /** Runs fn in one transaction (ROLLBACK when it throws). */
  transaction<T>(first: string, fn: (raw: Raw) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

async function rawConnection(database: Database): Promise<Raw> {
  const client: unknown = (database.db as unknown as { $client: unknown }).$client;
  if (client instanceof pg.Pool) {
    const own = new pg.Client({ connectionString: client.options.connectionString });
    await own.connect();
    own.on('error', () => {});
    const raw: Raw = {
      kind: 'postgres',
      async query<T>(text: string, params?: unknown[]) {
        return (await own.query(text, params)).rows as T[];
      },
      async *copyOut(select) {
        const stream = own.query(copyTo(`COPY (${select}) TO STDOUT`));
        for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
      },
      async copyIn(statement, chunks) {
        const stream = own.query(copyFrom(statement));
        const done = once(stream, 'finish');
        try {
          for await (const chunk of chunks) if (!stream.write(chunk)) await once(stream, 'drain');
        } catch (err) {
          // The input failed (a damaged file): abort the COPY so the connection can roll back.
          stream.destroy(err as Error);
          await done.catch(() => undefined);
          throw err;
        }
        stream.end();
        await done;
      },
      async transaction(first, fn) {
        await own.query(`BEGIN ${first}`);
        try {
          const result = await fn(raw);
          await own.query('COMMIT');
          return result;
        } catch (err) {
          await own.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      },
      close: () => own.end(),
    };
    return raw;
  }
  return pgliteRaw(client as PGlite);
}

function pgliteRaw(lite: PGlite | Transaction, outer?: PGlite): Raw {
  const raw: Raw = {
    kind: 'pglite',
    async query<T>(text: string, params?: unknown[]) {
      return (await lite.query<T>(text, params)).rows;
    },
    async *copyOut(select) {
      const result = await lite.query(`COPY (${select}) TO '/dev/blob'`);
      if (result.blob) yield Buffer.from(await result.blob.arrayBuffer());
    },
    async copyIn(statement, chunks) {
      // PGlite reads a COPY from one Blob: the table is gathered first (embedded databases are small).
      const parts: Buffer[] = [];
      for await (const chunk of chunks) parts.push(chunk);
      if (parts.length)
        await lite.query(statement.replace('FROM STDIN', "FROM '/dev/blob'"), [], { blob: new Blob(parts) });
    },
    async transaction(first, fn) {
      const db = (outer ?? lite) as PGlite;
      return db.transaction(async (tx) => {
        await tx.exec(first.trim() ? `SET TRANSACTION ${first}` : 'SELECT 1');
        return fn(pgliteRaw(tx, db));
      });
    },
    close: () => Promise.resolve(),
  };
  return raw;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** hoptrace's tables: ordinary and partitioned tables of the public schema, not the partitions themselves. */
async function listTables(raw: Raw): Promise<BackupTable[]> {
  const rows = await raw.query<{ table: string; columns: string[] }>(
    `SELECT c.relname AS table,
            array_agg(a.attname::text ORDER BY a.attnum) AS columns
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
      GROUP BY c.relname
      ORDER BY c.relname`,
  );
  return rows.map((r) => ({ name: r.table, columns: r.columns }));
}

async function listPartitions(raw: Raw): Promise<BackupHeader['partitions']> {
  return raw.query<BackupHeader['partitions'][number]>(
    `SELECT c.relname AS name, p.relname AS parent, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid AND c.relispartition AND c.relkind IN ('r', 'p')
       JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
      ORDER BY p.relname, c.relname`,
  );
}

async function listSequences(raw: Raw): Promise<BackupTrailer['sequences']> {
  const rows = await raw.query<{ name: string; value: string | null }>(
    `SELECT sequencename AS name, last_value::text AS value FROM pg_sequences
      WHERE schemaname = 'public' ORDER BY sequencename`,
  );
  return rows;
}

async function appliedMigrations(raw: Raw): Promise<BackupHeader['migrations']> {
  const exists = await raw.query<{ t: string | null }>(
    `SELECT to_regclass('drizzle.__drizzle_migrations')::text AS t`,
  );
  if (!exists[0]?.t) return { count: 0, lastCreatedAt: null, lastHash: null };
  const rows = await raw.query<{ count: number; created_at: string | null; hash: string | null }>(
    `SELECT (SELECT count(*)::int FROM drizzle.__drizzle_migrations) AS count, created_at::text, hash
       FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1`,
  );
  const last = rows[0];
  return {
    count: last?.count ?? 0,
    lastCreatedAt: last?.created_at ? Number(last.created_at) : null,
    lastHash: last?.hash ?? null,
  };
}

/**
 * Writes a backup of the whole database to `out` (gzip it on the way: the caller's stream). A
 * consistent snapshot: every table is read in one REPEATABLE READ READ ONLY transaction.
 */
export async function backupDatabase(
  database: Database,
  out: Writable,
  opts: { hoptraceVersion?: string; now?: Date } = {},
): Promise<BackupSummary> {
  const raw = await rawConnection(database);
  let bytes = 0;
  const write = async (chunk: Buffer | string) => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  };
  try {
    return await raw.transaction('ISOLATION LEVEL REPEATABLE READ READ ONLY', async (tx) => {
      const tables = await listTables(tx);
      const header: BackupHeader = {
        format: 'hoptrace-backup',
        version: 1,
        createdAt: (opts.now ?? new Date()).toISOString(),
        hoptraceVersion: opts.hoptraceVersion ?? null,
        source: tx.kind,
        migrations: await appliedMigrations(tx),
        tables,
        partitions: await listPartitions(tx),
      };
      await write(`${BACKUP_MAGIC}\n${JSON.stringify(header)}\n`);
      const trailer: BackupTrailer = { tables: [], sequences: [] };
      let total = 0;
      for (const table of tables) {
        await write(`TABLE ${table.name}\n`);
        const hash = createHash('sha256');
        let rows = 0;
        const select = `SELECT ${table.columns.map(quote).join(', ')} FROM ${quote(table.name)}`;
        for await (const chunk of tx.copyOut(select)) {
          hash.update(chunk);
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
          await write(chunk);
        }
        await write('\\.\n');
        trailer.tables.push({ name: table.name, rows, sha256: hash.digest('hex') });
        total += rows;
      }
      trailer.sequences = await listSequences(tx);
      await write(`END ${JSON.stringify(trailer)}\n`);
      return { tables: tables.length, rows: total, bytes };
    });
  } finally {
    await raw.close();
  }
}

/**
 * Reads a backup file's bytes: header and trailer lines, and each table's rows as blocks of whole
 * lines (COPY text escapes newlines inside values, so a line is a row) up to its `\\.` line.
 */
class BackupReader {
  private readonly src: AsyncIterator<Buffer>;
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  header!: BackupHeader;

  constructor(input: AsyncIterable<Buffer>) {
    this.src = input[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    const next = await this.src.next();
    if (next.done) return false;
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    this.buf = this.pos < this.buf.length ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk;
    this.pos = 0;
    return true;
  }

  private async line(what: string): Promise<string> {
    for (;;) {
      const i = this.buf.indexOf(10, this.pos);
      if (i !== -1) {
        const line = this.buf.toString('utf8', this.pos, i);
        this.pos = i + 1;
        return line;
      }
      if (this.buf.length - this.pos > 64 << 20)
        throw new BackupError(`the backup is damaged (no end of line in 64 MB, reading ${what})`);
      if (!(await this.fill()))
        throw new BackupError(`the backup ends early (expected ${what}): the file is cut short`);
    }
  }

  async readHeader(): Promise<BackupHeader> {
    let magic: string;
    try {
      magic = await this.line('its first line');
    } catch (err) {
      if (err instanceof BackupError && err.message.startsWith('the backup ends early'))
        throw new BackupError('not a hoptrace backup (it is empty or has no first line)');
      throw err;
    }
    if (magic !== BACKUP_MAGIC)
      throw new BackupError('not a hoptrace backup (its first line is not "HOPTRACE-BACKUP 1")');
    let header: BackupHeader;
    try {
      header = JSON.parse(await this.line('its header')) as BackupHeader;
    } catch (err) {
      if (err instanceof BackupError) throw err;
      throw new BackupError('the backup header is not valid JSON: the file is damaged');
    }
    if (header?.format !== 'hoptrace-backup' || header.version !== 1 || !Array.isArray(header.tables))
      throw new BackupError(
        `unsupported backup format (${String(header?.format)} ${String(header?.version)})`,
      );
    this.header = header;
    return header;
  }

  /** The next table, or the trailer at the end. */
  async next(): Promise<BackupTable | BackupTrailer> {
    const line = await this.line('a table or the end');
    if (line.startsWith('END ')) {
      try {
        return JSON.parse(line.slice(4)) as BackupTrailer;
      } catch {
        throw new BackupError('the backup trailer is not valid JSON: the file is damaged');
      }
    }
    if (!line.startsWith('TABLE '))
      throw new BackupError(`the backup is damaged: unexpected line "${line.slice(0, 40)}"`);
    const name = line.slice(6);
    const table = this.header.tables.find((t) => t.name === name);
    if (!table)
      throw new BackupError(`the backup holds table "${name.slice(0, 60)}" that its header does not list`);
    return table;
  }

  /** The current table's rows, as blocks of whole lines, up to and without its `\\.` line. */
  async *rows(table: string): AsyncGenerator<Buffer> {
    for (;;) {
      const start = this.pos;
      for (let i = this.buf.indexOf(10, this.pos); i !== -1; i = this.buf.indexOf(10, this.pos)) {
        if (i - this.pos === 2 && this.buf[this.pos] === 92 && this.buf[this.pos + 1] === 46) {
          if (this.pos > start) yield this.buf.subarray(start, this.pos);
          this.pos = i + 1;
          return;
        }
        this.pos = i + 1;
      }
      if (this.pos > start) yield this.buf.subarray(start, this.pos);
      if (!(await this.fill()))
        throw new BackupError(`the backup ends inside table ${table}: the file is cut short`);
    }
  }
}

/** Counts the rows of a table's blocks and hashes them as they pass. */
async function* measured(
  blocks: AsyncIterable<Buffer>,
  into: { rows: number; hash: ReturnType<typeof createHash> },
): AsyncGenerator<Buffer> {
  for await (const block of blocks) {
    into.hash.update(block);
    for (let i = block.indexOf(10); i !== -1; i = block.indexOf(10, i + 1)) into.rows++;
    yield block;
  }
}

/** Tables whose rows make a database "in use": restoring over them needs `force`. */
async function rowsInUse(raw: Raw, tables: BackupTable[]): Promise<string[]> {
  const used: string[] = [];
  for (const t of tables) {
    // The migrations write the audit ledger's head and first entry themselves: those are not data.
    if (t.name === 'audit_head') continue;
    const own = t.name === 'audit_ledger' ? ` WHERE actor <> 'system:migration'` : '';
    const r = await raw.query<{ any: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${quote(t.name)}${own}) AS any`,
    );
    if (r[0]?.any) used.push(t.name);
  }
  return used;
}

export interface RestoreResult {
  tables: number;
  rows: number;
  /** Migrations applied after the data, when the backup was older than this hoptrace. */
  migrated: number;
}

/**
 * Restores a backup into `database`, which must be new (no hoptrace tables yet) or hold no data,
 * unless `force` (its data is then replaced). The rows are loaded in one transaction with triggers
 * off (the append-only rules would refuse them otherwise) and committed only when every table's
 * hash matches: a damaged file writes nothing. A backup from an older hoptrace is restored at its
 * own migration level and then migrated; one from a newer hoptrace is refused.
 */
export async function restoreDatabase(
  database: Database,
  input: AsyncIterable<Buffer> | Readable,
  opts: { force?: boolean } = {},
): Promise<RestoreResult> {
  const reader = new BackupReader(input as AsyncIterable<Buffer>);
  const header = await reader.readHeader();
  const known = readMigrationFiles({ migrationsFolder: MIGRATIONS_DIR });
  const level =
    header.migrations.lastCreatedAt === null
      ? 0
      : known.findIndex((m) => m.folderMillis === header.migrations.lastCreatedAt) + 1;
  if (level === 0 && header.migrations.count > 0)
    throw new BackupError(
      `the backup was made by a newer hoptrace (its last migration, stamped ${header.migrations.lastCreatedAt}, is unknown here): restore it with that version or later`,
    );
  const raw = await rawConnection(database);
  try {
    const current = await appliedMigrations(raw);
    if (current.count === 0) {
      // A new database: build the schema as it was when the backup was made.
      await database.migrate({ upTo: level });
    } else if (current.count !== level) {
      throw new BackupError(
        `this database is at migration ${current.count} and the backup at ${level}: restore into a new database (an empty data directory, or a new PostgreSQL database)`,
      );
    }
    const here = new Map((await listTables(raw)).map((t) => [t.name, t]));
    for (const t of header.tables) {
      const local = here.get(t.name);
      if (!local)
        throw new BackupError(`the backup holds table ${t.name}, which this database does not have`);
      const missing = t.columns.filter((c) => !local.columns.includes(c));
      if (missing.length)
        throw new BackupError(
          `the backup's table ${t.name} has columns this database lacks: ${missing.join(', ')}`,
        );
    }
    const used = await rowsInUse(raw, [...here.values()]);
    if (used.length && !opts.force)
      throw new BackupError(
        `this database holds data (${used.slice(0, 5).join(', ')}${used.length > 5 ? ', …' : ''}): restore into a new one, or give --force to replace it`,
      );
    const result = await raw.transaction('', async (tx) => {
      // Triggers (append-only timeline and attachments, search text) and foreign keys stay off
      // while the rows go in as they were; they are whole because they were whole when copied.
      await tx.query('SET LOCAL session_replication_role = replica');
      // Everything goes, including what the migrations wrote (the ledger's head and first entry).
      await tx.query(`TRUNCATE ${[...here.keys()].map(quote).join(', ')}`);
      for (const p of header.partitions)
        await tx.query(
          `CREATE TABLE IF NOT EXISTS ${quote(p.name)} PARTITION OF ${quote(p.parent)} ${p.bound}`,
        );
      const loaded = new Map<string, { rows: number; sha256: string }>();
      let rows = 0;
      for (;;) {
        const section = await reader.next();
        if (!('name' in section)) {
          for (const t of section.tables) {
            const got = loaded.get(t.name);
            if (!got || got.rows !== t.rows || got.sha256 !== t.sha256)
              throw new BackupError(
                `the rows of table ${t.name} do not match their checksum: the backup is damaged`,
              );
          }
          for (const s of section.sequences)
            if (s.value !== null)
              await tx.query('SELECT setval($1, $2::bigint, true)', [quote(s.name), s.value]);
          return { tables: loaded.size, rows, migrated: 0 };
        }
        const seen = { rows: 0, hash: createHash('sha256') };
        await tx.copyIn(
          `COPY ${quote(section.name)} (${section.columns.map(quote).join(', ')}) FROM STDIN`,
          measured(reader.rows(section.name), seen),
        );
        loaded.set(section.name, { rows: seen.rows, sha256: seen.hash.digest('hex') });
        rows += seen.rows;
      }
    });
    const before = (await appliedMigrations(raw)).count;
    await database.migrate();
    result.migrated = (await appliedMigrations(raw)).count - before;
    return result;
  } finally {
    await raw.close();
  }
}
