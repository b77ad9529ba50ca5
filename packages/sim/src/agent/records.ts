import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { findCandidates, normalizeNumber, type AgentRecord, type HopCall } from './decide';

/** Where the agent looks calls up: the provider's own records. */
export interface RecordSource {
  /** Records that match the call (null: the hop's call cannot be read). */
  candidates(call: HopCall, toleranceSeconds: number): Promise<AgentRecord[] | null>;
  close?(): Promise<void>;
}

export const RECORD_COLUMNS = ['start_time', 'calling_number', 'called_number', 'inbound_peer'] as const;

/** Records held in memory, indexed by the called number as E.164 so a lookup reads a handful of rows. */
export class MemoryRecords implements RecordSource {
  readonly #byCalled = new Map<string, AgentRecord[]>();
  readonly size: number;
  constructor(records: Iterable<AgentRecord>) {
    let n = 0;
    for (const r of records) {
      n++;
      const key = normalizeNumber(r.calledNumber);
      if (!key) continue;
      const list = this.#byCalled.get(key);
      if (list) list.push(r);
      else this.#byCalled.set(key, [r]);
    }
    this.size = n;
  }

  candidates(call: HopCall, toleranceSeconds: number): Promise<AgentRecord[] | null> {
    const called = normalizeNumber(call.calledNumber);
    if (!called) return Promise.resolve(null);
    return Promise.resolve(findCandidates(call, this.#byCalled.get(called) ?? [], toleranceSeconds));
  }
}

export class RecordFileError extends Error {}

/** A CSV of call records with a header: start_time, calling_number, called_number, inbound_peer[, outbound_peer]. */
export function readRecordsCsv(text: string): AgentRecord[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, {
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      bom: true,
    });
  } catch (err) {
    throw new RecordFileError(`the records file is not valid CSV: ${(err as Error).message}`);
  }
  const header = rows.length ? Object.keys(rows[0]!) : [];
  const missing = RECORD_COLUMNS.filter((c) => rows.length && !header.includes(c));
  if (missing.length) throw new RecordFileError(`the records file lacks the column(s) ${missing.join(', ')}`);
  return rows.map((r) => ({
    startTime: r.start_time ?? '',
    callingNumber: r.calling_number ?? '',
    calledNumber: r.called_number ?? '',
    inboundPeer: r.inbound_peer ?? '',
    outboundPeer: r.outbound_peer,
  }));
}

export function csvRecordSource(file: string): MemoryRecords {
  return new MemoryRecords(readRecordsCsv(readFileSync(file, 'utf8')));
}

/** Writes records as the CSV the agent reads (for the simulator and tests). */
export function recordsToCsv(records: Iterable<AgentRecord>): string {
  const esc = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = ['start_time,calling_number,called_number,inbound_peer,outbound_peer'];
  for (const r of records)
    lines.push(
      [r.startTime, r.callingNumber, r.calledNumber, r.inboundPeer, r.outboundPeer ?? ''].map(esc).join(','),
    );
  return `${lines.join('\n')}\n`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/**
 * The provider's own PostgreSQL table of call records (not hoptrace's database): the
 * columns of RECORD_COLUMNS, start_time a timestamptz. Rows in the time window are read and the
 * numbers compared after normalisation, since switches write them in many ways.
 */
export class PgRecords implements RecordSource {
  readonly #pool: pg.Pool;
  readonly #sql: string;
  constructor(url: string, table: string) {
    if (!IDENTIFIER.test(table)) throw new RecordFileError(`--pg-table "${table}" is not a table name`);
    const quoted = table
      .split('.')
      .map((p) => `"${p}"`)
      .join('.');
    this.#pool = new pg.Pool({ connectionString: url, max: 2 });
    this.#sql = `SELECT start_time, calling_number, called_number, inbound_peer FROM ${quoted} WHERE start_time BETWEEN $1 AND $2`;
  }

  async candidates(call: HopCall, toleranceSeconds: number): Promise<AgentRecord[] | null> {
    const at = Date.parse(call.startedAt);
    if (Number.isNaN(at)) return null;
    const { rows } = await this.#pool.query<{
      start_time: Date;
      calling_number: string;
      called_number: string;
      inbound_peer: string;
    }>(this.#sql, [new Date(at - toleranceSeconds * 1000), new Date(at + toleranceSeconds * 1000)]);
    return findCandidates(
      call,
      rows.map((r) => ({
        startTime: new Date(r.start_time).toISOString(),
        callingNumber: String(r.calling_number),
        calledNumber: String(r.called_number),
        inboundPeer: String(r.inbound_peer),
      })),
      toleranceSeconds,
    );
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}
