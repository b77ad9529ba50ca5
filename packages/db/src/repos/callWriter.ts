import { once } from 'node:events';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { rowsOf } from './detection';
import { insertAuditEntries } from './audit';
import { sqlTextLiteral } from './deferred';
import { COPY_BINARY_HEADER_BYTES, CopyBinaryWriter, uuidBytes } from '../copyBinary';

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

/**
 * A batch with its COPY data built: the caller builds the next one while the last is written. The
 * rows themselves are not kept (a batch of 20,000 objects lived long enough to cost the import a
 * tenth of its time in garbage collection): their ids and starts, and where each row lies in the
 * COPY data, are enough to write the batch again without some of them.
 */
export interface PreparedCallBatch {
  ids: string[];
  /** Each row's start as ISO text, in the rows' order (the detection batch's row uses it). */
  startedAts: string[];
  sourceId: number;
  /** The first row's receipt (the detection batch's). */
  receivedAt: Date;
  /** The months (partitions) the rows fall in. */
  months: Date[];
  /** `call_keys` and `calls` rows in PostgreSQL's binary COPY format. */
  keys: Buffer;
  calls: Buffer;
  /** Where row i of `calls` starts (`callEnds[i - 1]`, or the header's end) and ends. */
  callEnds: Int32Array;
}

/** The least a batch's COPY buffer starts with; after the first batch, the last one's size and an eighth. */
const INITIAL_BYTES = 1 << 16;
/** A `call_keys` row in the binary format: field count, uuid, timestamptz. */
const KEY_ROW_BYTES = 2 + 4 + 16 + 4 + 8;

/**
 * A batch's COPY data, written a row at a time as rows are checked (so that handing a batch to the
 * writer costs nothing at once), in the binary format (`CopyBinaryWriter`).
 */
export class CallBatchBuilder {
  private ids: string[] = [];
  private startedAts: string[] = [];
  private callEnds: number[] = [];
  private sourceId = 0;
  private receivedAt: Date | null = null;
  private months = new Map<number, Date>();
  // The current month's bounds: rows come mostly in time order, so most cost two comparisons.
  private monthFrom = Infinity;
  private monthTo = -Infinity;
  private keysHint = INITIAL_BYTES;
  private callsHint = INITIAL_BYTES;
  private keys = new CopyBinaryWriter(this.keysHint);
  private calls = new CopyBinaryWriter(this.callsHint);

  get size(): number {
    return this.ids.length;
  }

  /**
   * Adds a row. A row whose id is in the batch already is not looked for here (it is rare, and a
   * set of the batch's ids cost a tenth of an import): COPY refuses the batch on the unique key, and
   * the writer writes it again without the known and repeated rows.
   */
  add(r: CallInsert): void {
    const startedMs = r.startedAt.getTime();
    if (this.ids.length === 0) {
      this.sourceId = r.sourceId;
      this.receivedAt = r.receivedAt;
    }
    this.ids.push(r.id);
    this.startedAts.push(r.startedAt.toISOString());
    if (!(startedMs >= this.monthFrom && startedMs < this.monthTo)) {
      const m = monthStart(r.startedAt);
      this.months.set(m.getTime(), m);
      this.monthFrom = m.getTime();
      this.monthTo = nextMonth(m).getTime();
    }
    const id = uuidBytes(r.id);
    this.keys.row(2).uuidBytes(id).timestamptz(startedMs);
    writeCallRow(this.calls, r, startedMs, id);
    this.callEnds.push(this.calls.length);
  }

  take(): PreparedCallBatch {
    this.keysHint = Math.max(INITIAL_BYTES, this.keys.length + (this.keys.length >> 3));
    this.callsHint = Math.max(INITIAL_BYTES, this.calls.length + (this.calls.length >> 3));
    const batch: PreparedCallBatch = {
      ids: this.ids,
      startedAts: this.startedAts,
      sourceId: this.sourceId,
      receivedAt: this.receivedAt ?? new Date(0),
      months: [...this.months.values()],
      keys: this.keys.finish(),
      calls: this.calls.finish(),
      callEnds: Int32Array.from(this.callEnds),
    };
    this.ids = [];
    this.startedAts = [];
    this.callEnds = [];
    this.receivedAt = null;
    this.months = new Map();
    this.monthFrom = Infinity;
    this.monthTo = -Infinity;
    this.keys = new CopyBinaryWriter(this.keysHint);
    this.calls = new CopyBinaryWriter(this.callsHint);
    return batch;
  }
}

export function prepareCallBatch(rows: CallInsert[]): PreparedCallBatch {
  const builder = new CallBatchBuilder();
  for (const r of rows) builder.add(r);
  return builder.take();
}

/** The batch with only the rows `keep` keeps, its COPY data cut from the batch's own (nothing re-encoded). */
function keepRows(batch: PreparedCallBatch, keep: (i: number) => boolean): PreparedCallBatch {
  const n = batch.ids.length;
  const ids: string[] = [];
  const startedAts: string[] = [];
  const ends: number[] = [];
  const keyParts: Buffer[] = [batch.keys.subarray(0, COPY_BINARY_HEADER_BYTES)];
  const callParts: Buffer[] = [batch.calls.subarray(0, COPY_BINARY_HEADER_BYTES)];
  let callBytes = COPY_BINARY_HEADER_BYTES;
  for (let i = 0; i < n; i++) {
    if (!keep(i)) continue;
    ids.push(batch.ids[i]!);
    startedAts.push(batch.startedAts[i]!);
    const keyFrom = COPY_BINARY_HEADER_BYTES + i * KEY_ROW_BYTES;
    keyParts.push(batch.keys.subarray(keyFrom, keyFrom + KEY_ROW_BYTES));
    const callFrom = i === 0 ? COPY_BINARY_HEADER_BYTES : batch.callEnds[i - 1]!;
    const callTo = batch.callEnds[i]!;
    callParts.push(batch.calls.subarray(callFrom, callTo));
    callBytes += callTo - callFrom;
    ends.push(callBytes);
  }
  const trailer = batch.calls.subarray(batch.calls.length - 2);
  return {
    ...batch,
    ids,
    startedAts,
    keys: Buffer.concat([...keyParts, trailer]),
    calls: Buffer.concat([...callParts, trailer]),
    callEnds: Int32Array.from(ends),
  };
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

const COPY_CALLS = `COPY calls (${CALL_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`;
const COPY_KEYS = 'COPY call_keys (id, started_at) FROM STDIN (FORMAT binary)';

/** One call as a row of binary COPY data, in `CALL_COLUMNS`' order. */
export function writeCallRow(
  out: CopyBinaryWriter,
  r: CallInsert,
  startedMs = r.startedAt.getTime(),
  id = uuidBytes(r.id),
): void {
  out
    .row(CALL_COLUMNS.length)
    .uuidBytes(id)
    .int4(r.sourceId)
    .text(r.externalId)
    .timestamptz(startedMs)
    .text(r.startedAtPrecision)
    .timestamptz(r.receivedAt.getTime())
    .text(r.callingNumber)
    .text(r.calledNumber)
    .text(r.transcript)
    .text(r.language);
  if (r.durationSeconds === null) out.null();
  else out.float8(r.durationSeconds);
  out
    .text(r.kind)
    .text(r.identityHeader)
    .text(r.attestation)
    .text(r.shakenStatus)
    .text(r.signerOcn)
    .text(r.audioFingerprint)
    .text(r.dnoCategory)
    .bool(r.neighbourSpoof)
    .jsonb(r.metadata === null ? null : JSON.stringify(r.metadata));
}

const monthStart = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
const nextMonth = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
const monthSuffix = (month: Date) =>
  `y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
export const callPartitionName = (month: Date) => `calls_${monthSuffix(month)}`;
export const verdictPartitionName = (month: Date) => `call_verdicts_${monthSuffix(month)}`;

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
  copy(statement: string, data: Buffer): Promise<void>;
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
  async function ensurePartitions(months: Date[]) {
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
      const total = batch.ids.length;
      if (total === 0) return { inserted: [], alreadyKnown: 0 };
      await ensurePartitions(batch.months);
      return conn.transaction(async () => {
        // A new batch (the common case) goes in as it is: its keys are copied straight away. When one
        // is known already (a repeated import) or sent twice in the batch, that COPY fails on the
        // unique key, and the batch is written again without the known and repeated ones. A key
        // taken by a concurrent import of the same records in between fails the batch the same
        // way; the caller tries it once more.
        let fresh = batch;
        try {
          await conn.copy(COPY_KEYS, batch.keys);
        } catch (err) {
          if (pgCode(err) !== '23505') throw err;
          await conn.query('ROLLBACK TO SAVEPOINT call_keys');
          const known = await conn.query<{ id: string }>(
            'SELECT id FROM call_keys WHERE id = ANY($1::uuid[])',
            [batch.ids],
          );
          // Known: stored before, or sent earlier in this batch (the first of them is kept).
          const knownIds = new Set(known.map((k) => k.id));
          fresh = keepRows(batch, (i) => {
            const id = batch.ids[i]!;
            if (knownIds.has(id)) return false;
            knownIds.add(id);
            return true;
          });
          if (fresh.ids.length === 0) return { result: { inserted: [], alreadyKnown: total } };
          await conn.copy(COPY_KEYS, fresh.keys);
        }
        await conn.copy(COPY_CALLS, fresh.calls);
        return {
          result: { inserted: fresh.ids, alreadyKnown: total - fresh.ids.length },
          // Numbers, uuids and ISO times only: written out, with COMMIT in the same round trip.
          last: batchStatement(fresh.sourceId, fresh.receivedAt, fresh.ids, fresh.startedAts, audit),
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
