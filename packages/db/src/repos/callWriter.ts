import { once } from 'node:events';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { rowsOf } from './detection';
import { insertAuditEntries } from './audit';
import { sqlTextLiteral } from './deferred';

/** One call record ready to store: checked, normalised, its id derived from (source, external id). */
export interface CallInsert {
  id: string;
  sourceId: number;
  externalId: string;
  startedAt: Date;
  startedAtPrecision: 'second' | 'day' | 'unknown';
  receivedAt: Date;
  callingNumber: string | null;
  calledNumber: string | null;
  transcript: string | null;
  language: string | null;
  durationSeconds: number | null;
  kind: string | null;
  identityHeader: string | null;
  attestation: string | null;
  shakenStatus: string | null;
  signerOcn: string | null;
  audioFingerprint: string | null;
  dnoCategory: string | null;
  neighbourSpoof: boolean;
  metadata: Record<string, unknown> | null;
}

export interface CallBatchResult {
  /** Ids of the calls stored by this batch, in the batch's order. */
  inserted: string[];
  /** Calls of the batch that were stored before (same source and external id). */
  alreadyKnown: number;
}

/**
 * Writes batches of call records with COPY, the bulk path of PostgreSQL (and of PGlite, through its
 * `/dev/blob` device). One batch is one transaction: the calls, their keys and the detection batch
 * that hands them to campaign detection commit together or not at all.
 */
export interface CallWriter {
  write(batch: PreparedCallBatch): Promise<CallBatchResult>;
  close(): Promise<void>;
}

/** A batch with its COPY text built: the caller builds the next one while the last is written. */
export interface PreparedCallBatch {
  rows: CallInsert[];
  /** Each row's start as ISO text, in the rows' order (the keys, the calls and the detection batch use it). */
  startedAts: string[];
  keys: string;
  calls: string;
}

/**
 * A batch's COPY text, built a row at a time as rows are checked (so that handing a batch to the
 * writer costs nothing at once). A row whose id is in the batch already is not added: COPY would
 * refuse the second.
 */
export class CallBatchBuilder {
  private rows: CallInsert[] = [];
  private startedAts: string[] = [];
  private keys = '';
  private calls = '';
  private ids = new Set<string>();
  // Rows read together share their receipt time: its text is made once.
  private received: Date | null = null;
  private receivedIso = '';

  get size(): number {
    return this.rows.length;
  }

  /** false: a row with this id is in the batch already. */
  add(r: CallInsert): boolean {
    if (this.ids.has(r.id)) return false;
    this.ids.add(r.id);
    const started = r.startedAt.toISOString();
    if (r.receivedAt !== this.received) {
      this.received = r.receivedAt;
      this.receivedIso = r.receivedAt.toISOString();
    }
    this.rows.push(r);
    this.startedAts.push(started);
    this.keys += r.id + '\t' + started + '\n';
    this.calls += callCopyLine(r, started, this.receivedIso);
    return true;
  }

  take(): PreparedCallBatch {
    const batch = { rows: this.rows, startedAts: this.startedAts, keys: this.keys, calls: this.calls };
    this.rows = [];
    this.startedAts = [];
    this.keys = '';
    this.calls = '';
    this.ids = new Set();
    return batch;
  }
}

export function prepareCallBatch(rows: CallInsert[]): PreparedCallBatch {
  const builder = new CallBatchBuilder();
  for (const r of rows) builder.add(r);
  return builder.take();
}

const CALL_COLUMNS = [
  'id',
  'source_id',
  'external_id',
  'started_at',
  'started_at_precision',
  'received_at',
  'calling_number',
  'called_number',
  'transcript',
  'language',
  'duration_seconds',
  'kind',
  'identity_header',
  'attestation',
  'shaken_status',
  'signer_ocn',
  'audio_fingerprint',
  'dno_category',
  'neighbour_spoof',
  'metadata',
] as const;

const COPY_CALLS = `COPY calls (${CALL_COLUMNS.join(', ')}) FROM STDIN`;
const COPY_KEYS = 'COPY call_keys (id, started_at) FROM STDIN';

// COPY's text format: backslash escapes, tab between columns, \N for NULL.
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES = /[\\\t\n\r]/g;
const escapeChar = (c: string) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r');
function field(v: string | null): string {
  if (v === null) return '\\N';
  return NEEDS_ESCAPE.test(v) ? v.replace(ESCAPES, escapeChar) : v;
}
/** One call as a line of COPY text (built by concatenation: this runs 100,000 times a second). */
export function callCopyLine(
  r: CallInsert,
  startedIso = r.startedAt.toISOString(),
  receivedIso = r.receivedAt.toISOString(),
): string {
  return (
    r.id +
    '\t' +
    r.sourceId +
    '\t' +
    field(r.externalId) +
    '\t' +
    startedIso +
    '\t' +
    r.startedAtPrecision +
    '\t' +
    receivedIso +
    '\t' +
    field(r.callingNumber) +
    '\t' +
    field(r.calledNumber) +
    '\t' +
    field(r.transcript) +
    '\t' +
    field(r.language) +
    '\t' +
    (r.durationSeconds === null ? '\\N' : String(r.durationSeconds)) +
    '\t' +
    field(r.kind) +
    '\t' +
    field(r.identityHeader) +
    '\t' +
    field(r.attestation) +
    '\t' +
    field(r.shakenStatus) +
    '\t' +
    field(r.signerOcn) +
    '\t' +
    field(r.audioFingerprint) +
    '\t' +
    field(r.dnoCategory) +
    '\t' +
    (r.neighbourSpoof ? 't' : 'f') +
    '\t' +
    (r.metadata === null ? '\\N' : field(JSON.stringify(r.metadata))) +
    '\n'
  );
}

const monthStart = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
const nextMonth = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
const monthSuffix = (month: Date) =>
  `y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
export const callPartitionName = (month: Date) => `calls_${monthSuffix(month)}`;
export const verdictPartitionName = (month: Date) => `call_verdicts_${monthSuffix(month)}`;

/** The months (partitions) a batch of calls falls in. */
function monthsOf(rows: readonly CallInsert[]): Date[] {
  const seen = new Map<number, Date>();
  for (const r of rows) {
    const m = monthStart(r.startedAt);
    seen.set(m.getTime(), m);
  }
  return [...seen.values()];
}

const pgCode = (err: unknown) =>
  typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;

// Any fixed number; only the same for every hoptrace process.
const PARTITION_LOCK_KEY = 7_461_530_216;

/**
 * Creates the monthly partitions these calls need. Under an advisory lock and in its own short
 * transaction: two imports that reach a new month together create it once, and a batch's own
 * transaction never holds the lock that DDL takes on the parent for longer than that.
 */
function partitionStatements(months: Date[], existing: ReadonlySet<string>): string[] {
  return months
    .filter((m) => !existing.has(callPartitionName(m)))
    .flatMap((m) => {
      const range = `FOR VALUES FROM ('${m.toISOString()}') TO ('${nextMonth(m).toISOString()}')`;
      // The month's verdicts live in a partition of their own beside it, made and dropped with it.
      return [
        `CREATE TABLE IF NOT EXISTS ${callPartitionName(m)} PARTITION OF calls ${range}`,
        `CREATE TABLE IF NOT EXISTS ${verdictPartitionName(m)} PARTITION OF call_verdicts ${range}`,
      ];
    });
}

const EXISTING_PARTITIONS = `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'calls'`;

interface Conn {
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  copy(statement: string, data: string): Promise<void>;
  /**
   * `fn` in a transaction. `first` goes out together with BEGIN, and the statement `fn` returns as
   * `last` together with COMMIT: one round trip each instead of two (a reply waits for this process
   * to be free, and it is busy checking the next batch).
   */
  transaction<T>(fn: () => Promise<{ result: T; last?: string }>, first?: string): Promise<T>;
}

/** An array literal of values that need no quoting (uuids, ISO times). */
const arrayLiteral = (values: readonly string[]) => `'{${values.join(',')}}'`;

/** Who stores the calls, for the audit ledger's entry of each batch (decision 0024). */
export interface CallWriterAudit {
  actor: string;
  actorUserId: string | null;
  now: () => Date;
}

/**
 * The batch's row in `call_batches` and, when `audit` is given, its ledger entry (`calls.stored`):
 * one statement, sent with COMMIT, so the ledger's head is held only for the commit.
 */
function batchStatement(
  sourceId: number,
  receivedAt: Date,
  ids: readonly string[],
  startedAts: readonly string[],
  audit: CallWriterAudit | undefined,
): string {
  const batch = `INSERT INTO call_batches (source_id, received_at, call_ids, started_ats) VALUES (${sourceId}, '${receivedAt.toISOString()}', ${arrayLiteral(ids)}::uuid[], ${arrayLiteral(startedAts)}::timestamptz[])`;
  if (!audit) return batch;
  const userId = audit.actorUserId === null ? 'NULL' : `${sqlTextLiteral(audit.actorUserId)}::uuid`;
  return `WITH b AS (${batch} RETURNING id) INSERT INTO audit_ledger (at, actor, actor_user_id, action, subject_type, subject_id, details) SELECT '${audit.now().toISOString()}', ${sqlTextLiteral(audit.actor)}, ${userId}, 'calls.stored', 'call_source', '${sourceId}', jsonb_build_object('batchId', b.id, 'calls', ${ids.length}) FROM b`;
}

function writerOn(conn: Conn, close: () => Promise<void>, audit?: CallWriterAudit): CallWriter {
  const partitions = new Set<string>();
  let partitionsRead = false;
  async function ensurePartitions(rows: CallInsert[]) {
    const months = monthsOf(rows);
    if (!partitionsRead || partitionStatements(months, partitions).length) {
      for (const r of await conn.query<{ name: string }>(EXISTING_PARTITIONS)) partitions.add(r.name);
      partitionsRead = true;
    }
    const missing = partitionStatements(months, partitions);
    if (!missing.length) return;
    await conn.transaction(async () => {
      await conn.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK_KEY]);
      for (const statement of missing) await conn.query(statement);
      return { result: undefined };
    });
    for (const m of months) partitions.add(callPartitionName(m));
  }

  return {
    async write(batch) {
      const { rows } = batch;
      if (rows.length === 0) return { inserted: [], alreadyKnown: 0 };
      await ensurePartitions(rows);
      return conn.transaction(async () => {
        // A new batch (the common case) goes in as it is: its keys are copied straight away. When one
        // is known already (a repeated import), that COPY fails on the unique key, and the batch is
        // written again without the known ones. A key taken by a concurrent import of the same records
        // in between fails the batch the same way; the caller tries it once more.
        let fresh = rows;
        let calls = batch.calls;
        let startedAts = batch.startedAts;
        try {
          await conn.copy(COPY_KEYS, batch.keys);
        } catch (err) {
          if (pgCode(err) !== '23505') throw err;
          await conn.query('ROLLBACK TO SAVEPOINT call_keys');
          const known = await conn.query<{ id: string }>(
            'SELECT id FROM call_keys WHERE id = ANY($1::uuid[])',
            [rows.map((r) => r.id)],
          );
          const knownIds = new Set(known.map((k) => k.id));
          fresh = rows.filter((r) => !knownIds.has(r.id));
          if (fresh.length === 0) return { result: { inserted: [], alreadyKnown: rows.length } };
          const rebuilt = prepareCallBatch(fresh);
          calls = rebuilt.calls;
          startedAts = rebuilt.startedAts;
          await conn.copy(COPY_KEYS, rebuilt.keys);
        }
        await conn.copy(COPY_CALLS, calls);
        const ids = fresh.map((r) => r.id);
        return {
          result: { inserted: ids, alreadyKnown: rows.length - fresh.length },
          // Numbers, uuids and ISO times only: written out, with COMMIT in the same round trip.
          last: batchStatement(Number(fresh[0]!.sourceId), fresh[0]!.receivedAt, ids, startedAts, audit),
        };
      }, 'SAVEPOINT call_keys');
    },
    close,
  };
}

/**
 * A writer on its own connection. On PostgreSQL a separate client: COPY cannot run on the pool's
 * pipelined connections, and an import must not hold a pool connection for minutes.
 */
export async function openCallWriter(db: Db, opts: { audit?: CallWriterAudit } = {}): Promise<CallWriter> {
  const client: unknown = (db as unknown as { $client: unknown }).$client;
  if (client instanceof pg.Pool) {
    const own = new pg.Client({ connectionString: client.options.connectionString });
    await own.connect();
    own.on('error', () => {});
    return writerOn(
      {
        async query<T>(text: string, params?: unknown[]) {
          return (await own.query(text, params)).rows as T[];
        },
        async copy(statement, data) {
          const stream = own.query(copyFrom(statement));
          const done = once(stream, 'finish');
          stream.end(data);
          await done;
        },
        async transaction(fn, first) {
          await own.query(first ? `BEGIN; ${first}` : 'BEGIN');
          try {
            const { result, last } = await fn();
            await own.query(last ? `${last}; COMMIT` : 'COMMIT');
            return result;
          } catch (err) {
            await own.query('ROLLBACK').catch(() => undefined);
            throw err;
          }
        },
      },
      () => own.end(),
      opts.audit,
    );
  }
  // PGlite: one connection, which its own transaction() holds exclusively while it runs.
  const lite = client as PGlite;
  let tx: Parameters<Parameters<PGlite['transaction']>[0]>[0] | null = null;
  return writerOn(
    {
      async query<T>(text: string, params?: unknown[]) {
        return (await (tx ?? lite).query<T>(text, params)).rows;
      },
      async copy(statement, data) {
        await (tx ?? lite).query(statement.replace('FROM STDIN', "FROM '/dev/blob'"), [], {
          blob: new Blob([data]),
        });
      },
      async transaction(fn, first) {
        return lite.transaction(async (t) => {
          tx = t;
          try {
            if (first) await t.exec(first);
            const { result, last } = await fn();
            if (last) await t.exec(last);
            return result;
          } finally {
            tx = null;
          }
        });
      },
    },
    () => Promise.resolve(),
    opts.audit,
  );
}

/**
 * Drops the monthly partitions of `calls` that end before `before`, with their keys: retention works
 * a whole month at a time, never row by row. Returns the partitions dropped.
 */
export async function dropCallPartitionsBefore(
  db: Db,
  before: Date,
  audit?: { actor: string; at: Date },
): Promise<string[]> {
  const dropped: string[] = [];
  const rows = rowsOf<{ name: string }>(await db.execute(sql.raw(EXISTING_PARTITIONS)));
  for (const { name } of rows) {
    const m = /^calls_y(\d{4})m(\d{2})$/.exec(name);
    if (!m) continue;
    const end = nextMonth(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)));
    if (end > before) continue;
    await db.transaction(async (tx) => {
      await tx.execute(sql.raw(`DELETE FROM call_keys k USING ${name} c WHERE k.id = c.id`));
      await tx.execute(sql.raw(`DROP TABLE IF EXISTS call_verdicts_y${m[1]}m${m[2]}`));
      await tx.execute(sql.raw(`DROP TABLE ${name}`));
      if (audit)
        await insertAuditEntries(tx, [
          {
            at: audit.at,
            actor: audit.actor,
            actorUserId: null,
            action: 'calls.retention_dropped',
            subjectType: 'calls',
            subjectId: null,
            details: { partition: name, before: before.toISOString() },
          },
        ]);
    });
    dropped.push(name);
  }
  return dropped;
}
