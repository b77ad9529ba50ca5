import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import {
  findCandidates,
  normalizeNumber,
  type AgentRecord,
  type HopCall,
  type Lookup,
  type TimedRecord,
} from './decide';
import { parseRecordTime, RecordTimeError } from './time';

/** How far to look for a call, and for records around it (coverage). */
export interface LookupOptions {
  toleranceSeconds: number;
  /** not_found needs records from this source on both sides of the call within this many seconds. */
  coverageSeconds: number;
}

/** A sample of the records, for the start-up self-check. */
export interface RecordSample {
  columns: string[];
  records: TimedRecord[];
  /** The first/last record time of the whole source, when it can tell. */
  range: { from: number; to: number } | null;
}

/** Where the agent looks calls up: the provider's own records. */
export interface RecordSource {
  /** What the records are, for messages: the file or table and its format. */
  readonly label: string;
  /** The zone people read this source's times in (its configured zone, else UTC). */
  readonly zone: string;
  /** The matching records and the coverage of the call's moment (null: the hop's call cannot be read). */
  lookup(call: HopCall, opts: LookupOptions): Promise<Lookup | null>;
  sample(limit: number): Promise<RecordSample>;
  close?(): Promise<void>;
}

export const RECORD_COLUMNS = ['start_time', 'calling_number', 'called_number', 'inbound_peer'] as const;

/** Call records could not be read: a missing column, a time that says no instant, an unreachable table. */
export class RecordFileError extends Error {}

export interface MemoryRecordsOptions {
  /** The zone of zoneless times (null: such a time is refused). */
  timeZone?: string | null;
  label?: string;
  /** Names a record in an error (default "record N"). */
  rowName?: (index: number) => string;
  /** Seconds a record's time may lag the call start (formats that write the answer time). */
  lateSeconds?: number;
}

const lowerBound = (sorted: Float64Array, x: number) => {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

/** Records held in memory, indexed by the called number as E.164 so a lookup reads a handful of rows. */
export class MemoryRecords implements RecordSource {
  readonly #byCalled = new Map<string, TimedRecord[]>();
  readonly #all: TimedRecord[] = [];
  readonly #late: number;
  readonly label: string;
  readonly zone: string;
  readonly #zone: string | null;
  readonly #rowName: (index: number) => string;
  #times: Float64Array = new Float64Array(0);
  #size = 0;
  constructor(records: Iterable<AgentRecord>, opts: MemoryRecordsOptions = {}) {
    this.#zone = opts.timeZone ?? null;
    this.zone = this.#zone ?? 'UTC';
    this.label = opts.label ?? 'records in memory';
    this.#late = opts.lateSeconds ?? 0;
    this.#rowName = opts.rowName ?? ((n) => `record ${n + 1}`);
    this.append(records);
  }

  /**
   * Adds records (a file's new lines). Every time is read first: a record that cannot be read throws,
   * naming it, and adds nothing.
   */
  append(records: Iterable<AgentRecord>, rowName: (index: number) => string = this.#rowName): void {
    const timed: TimedRecord[] = [];
    let n = 0;
    for (const r of records) {
      let at: number;
      try {
        at = parseRecordTime(r.startTime, this.#zone);
      } catch (err) {
        if (!(err instanceof RecordTimeError)) throw err;
        throw new RecordFileError(`${rowName(n)}: start time ${err.message}`);
      }
      n++;
      timed.push({ ...r, at });
    }
    for (const t of timed) {
      this.#all.push(t);
      const key = normalizeNumber(t.calledNumber);
      if (!key) continue;
      const list = this.#byCalled.get(key);
      if (list) list.push(t);
      else this.#byCalled.set(key, [t]);
    }
    this.#size += n;
    // Merged, not sorted again: the new times are few beside those already held.
    const added = Float64Array.from(timed, (r) => r.at).sort();
    const old = this.#times;
    const merged = new Float64Array(old.length + added.length);
    for (let i = 0, j = 0, k = 0; k < merged.length; k++)
      merged[k] = j >= added.length || (i < old.length && old[i]! <= added[j]!) ? old[i++]! : added[j++]!;
    this.#times = merged;
  }

  /** How many records are held. */
  get size(): number {
    return this.#size;
  }

  lookup(call: HopCall, opts: LookupOptions): Promise<Lookup | null> {
    const called = normalizeNumber(call.calledNumber);
    const at = Date.parse(call.startedAt);
    if (!called || Number.isNaN(at)) return Promise.resolve(null);
    const candidates = findCandidates(
      call,
      this.#byCalled.get(called) ?? [],
      opts.toleranceSeconds,
      this.#late,
    );
    if (!candidates) return Promise.resolve(null);
    const w = opts.coverageSeconds * 1000;
    const i = lowerBound(this.#times, at + 1) - 1;
    const j = lowerBound(this.#times, at);
    const before = i >= 0 && this.#times[i]! >= at - w ? this.#times[i]! : null;
    const after = j < this.#times.length && this.#times[j]! <= at + w ? this.#times[j]! : null;
    return Promise.resolve({
      candidates,
      coverage: { before, after, windowSeconds: opts.coverageSeconds, zone: this.zone },
    });
  }

  sample(limit: number): Promise<RecordSample> {
    const t = this.#times;
    return Promise.resolve({
      columns: [],
      records: this.#all.slice(-limit),
      range: t.length ? { from: t[0]!, to: t[t.length - 1]! } : null,
    });
  }
}

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
    assertedNumber: r.asserted_number || undefined,
    identityHeader: r.identity_header || undefined,
  }));
}

export function csvRecordSource(file: string, timeZone: string | null = null): MemoryRecords {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RecordFileError(`--records ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  return new MemoryRecords(readRecordsCsv(text), {
    timeZone,
    label: `${file} (hoptrace columns)`,
    // Line 1 is the header (rows with line breaks inside quotes are rare in call records).
    rowName: (i) => `${file} line ${i + 2}`,
  });
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
