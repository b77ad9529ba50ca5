import { performance } from 'node:perf_hooks';
import { headerKey, readCsv, readCsvFile } from '../csv/readCsv';
import type { CsvInput, CsvProgress, CsvReadSummary, CsvRowHandler } from '../csv/readCsv';
import { classifyNumber } from './classify';
import type { DnoCategory } from './types';

/** A row of a DNO import, normalised: numbers in E.164, a single number has start = end. */
export interface DnoImportEntry {
  start: string;
  end: string;
  category: DnoCategory;
  source: string | null;
  reason: string | null;
  /** Who asked for a subscriber-requested entry (an agency, a bank). */
  organisation: string | null;
  evidence: string | null;
  line: number;
}

export interface DnoCsvRowReport {
  line: number;
  status: 'accepted' | 'rejected';
  /** Why a row was rejected, or the warnings on an accepted row ("" when there are none). */
  message: string;
}

export interface DnoCsvFileProblem {
  code: 'unreadable' | 'empty' | 'not_dno' | 'missing_columns' | 'malformed_csv';
  line: number | null;
  message: string;
}

export interface DnoCsvResult {
  /** False when the file as a whole cannot be used: the caller should import nothing. */
  ok: boolean;
  entries: DnoImportEntry[];
  /** One report per data row, in file order. */
  rows: DnoCsvRowReport[];
  fileProblems: DnoCsvFileProblem[];
  stats: { rows: number; accepted: number; rejected: number; withWarnings: number; elapsedMs: number };
}

export interface ParseDnoCsvOptions {
  /** Source recorded on rows without one, e.g. "upload dno-2025-12.csv by admin@…". */
  defaultSource?: string;
  onProgress?: (progress: CsvProgress) => void;
  totalBytes?: number | null;
}

type Column = 'number' | 'start' | 'end' | 'category' | 'source' | 'reason' | 'organisation' | 'evidence';

const ALIASES: Record<Column, readonly string[]> = {
  number: ['number', 'tn', 'telephonenumber', 'phonenumber', 'phone', 'e164'],
  start: ['start', 'rangestart', 'from', 'first'],
  end: ['end', 'rangeend', 'to', 'last'],
  category: ['category', 'type', 'kind'],
  source: ['source'],
  reason: ['reason', 'note', 'notes'],
  organisation: ['organisation', 'organization', 'org', 'requestedby', 'subscriber'],
  evidence: ['evidence', 'evidenceurl', 'document'],
};

const CATEGORY_ALIASES: Record<string, DnoCategory> = {
  subscriber_requested: 'subscriber_requested',
  subscriber: 'subscriber_requested',
  inbound_only: 'subscriber_requested',
  invalid: 'invalid',
  unallocated: 'unallocated',
  allocated_unused: 'allocated_unused',
  allocated_but_unused: 'allocated_unused',
};

// One NPA is 10^7 numbers; a range larger than that spans area codes, which is seldom meant.
const LARGE_RANGE = 10_000_000;

/**
 * A range endpoint in E.164. Not `classifyNumber`: endpoints need not be dialable numbers
 * (+12020000000 starts a block at exchange 000), only digits of the right shape.
 */
function endpoint(raw: string): string | null {
  const trimmed = raw.trim();
  if (!/^\+?[\d\s().\-/]+$/.test(trimmed)) return null;
  const digits = trimmed.replace(/\D/g, '');
  if (trimmed.startsWith('+')) return /^[1-9]\d{1,14}$/.test(digits) ? `+${digits}` : null;
  if (/^[2-9]\d{9}$/.test(digits)) return `+1${digits}`;
  if (/^1[2-9]\d{9}$/.test(digits)) return `+${digits}`;
  return null;
}

class DnoCsvReader {
  readonly entries: DnoImportEntry[] = [];
  readonly rows: DnoCsvRowReport[] = [];
  readonly fileProblems: DnoCsvFileProblem[] = [];
  private index: Partial<Record<Column, number>> | null = null;
  private readonly seen = new Map<string, number>();

  constructor(private readonly defaultSource: string | null) {}

  readonly onRow: CsvRowHandler = (fields, line) => {
    if (!this.index) return this.readHeader(fields, line);
    this.readRow(fields, line);
    return true;
  };

  private readHeader(fields: string[], line: number): boolean {
    const index: Partial<Record<Column, number>> = {};
    fields.forEach((name, i) => {
      const key = headerKey(name);
      for (const [column, aliases] of Object.entries(ALIASES) as Array<[Column, readonly string[]]>) {
        if (index[column] === undefined && aliases.includes(key)) index[column] = i;
      }
    });
    const hasNumbers = index.number !== undefined || index.start !== undefined || index.end !== undefined;
    if (!hasNumbers && index.category === undefined) {
      this.fileProblems.push({
        code: 'not_dno',
        line,
        message: 'the header has neither a number (or start, end) nor a category column',
      });
      return false;
    }
    const missing: string[] = [];
    if (!hasNumbers) missing.push('number (or start and end)');
    if (index.number === undefined && (index.start === undefined) !== (index.end === undefined))
      missing.push(index.start === undefined ? 'start' : 'end');
    if (index.category === undefined) missing.push('category');
    if (missing.length > 0) {
      this.fileProblems.push({
        code: 'missing_columns',
        line,
        message: `missing column: ${missing.join(', ')}`,
      });
      return false;
    }
    this.index = index;
    return true;
  }

  private readRow(fields: string[], line: number): void {
    if (fields.every((f) => f.trim() === '')) return;
    const index = this.index ?? {};
    const get = (column: Column): string => {
      const i = index[column];
      return i === undefined ? '' : (fields[i] ?? '').trim();
    };
    const reject = (message: string): void => {
      this.rows.push({ line, status: 'rejected', message });
    };
    const warnings: string[] = [];

    const number = get('number');
    const rawStart = get('start');
    const rawEnd = get('end');
    let start: string;
    let end: string;
    if (number !== '' && (rawStart !== '' || rawEnd !== '')) {
      return reject('give either a number or a start and end, not both');
    } else if (number !== '') {
      const classified = classifyNumber(number);
      if (classified.kind === 'invalid') return reject(`number "${number}": ${classified.message}`);
      start = end = classified.e164;
    } else if (rawStart !== '' && rawEnd !== '') {
      const s = endpoint(rawStart);
      const e = endpoint(rawEnd);
      if (!s) return reject(`start "${rawStart}" is not a phone number`);
      if (!e) return reject(`end "${rawEnd}" is not a phone number`);
      if (s.length !== e.length) return reject(`start ${s} and end ${e} have different lengths`);
      if (s > e) return reject(`start ${s} is after end ${e}`);
      const size = Number(e.slice(1)) - Number(s.slice(1)) + 1;
      if (size > LARGE_RANGE) warnings.push(`the range covers ${size.toLocaleString('en-US')} numbers`);
      start = s;
      end = e;
    } else {
      return reject(rawStart !== '' || rawEnd !== '' ? 'a range needs both start and end' : 'no number');
    }

    const rawCategory = get('category');
    const category =
      CATEGORY_ALIASES[
        rawCategory
          .toLowerCase()
          .replace(/[^a-z]+/g, '_')
          .replace(/^_|_$/g, '')
      ];
    if (!category)
      return reject(
        rawCategory === ''
          ? 'no category'
          : `unknown category "${rawCategory}" (subscriber_requested, invalid, unallocated, allocated_unused)`,
      );

    const organisation = get('organisation') || null;
    const evidence = get('evidence') || null;
    if (category === 'subscriber_requested') {
      if (!organisation)
        return reject('a subscriber-requested entry needs the organisation that asked for it');
      if (!evidence) warnings.push('no evidence of the request');
    }
    const source = get('source') || this.defaultSource;
    if (!source) warnings.push('no source');

    const key = `${start}|${end}|${category}`;
    const earlier = this.seen.get(key);
    if (earlier !== undefined)
      return reject(`same ${start === end ? 'number' : 'range'} and category as line ${earlier}`);
    this.seen.set(key, line);

    this.entries.push({
      start,
      end,
      category,
      source,
      reason: get('reason') || null,
      organisation,
      evidence,
      line,
    });
    this.rows.push({ line, status: 'accepted', message: warnings.join('; ') });
  }

  result(read: CsvReadSummary, elapsedMs: number): DnoCsvResult {
    const fileProblems = [...this.fileProblems];
    if (read.error) fileProblems.push({ ...read.error });
    else if (read.records === 0)
      fileProblems.push({ code: 'empty', line: null, message: 'the file is empty' });
    const rejected = this.rows.filter((r) => r.status === 'rejected').length;
    return {
      ok: fileProblems.length === 0,
      entries: this.entries,
      rows: this.rows,
      fileProblems,
      stats: {
        rows: this.rows.length,
        accepted: this.rows.length - rejected,
        rejected,
        withWarnings: this.rows.filter((r) => r.status === 'accepted' && r.message !== '').length,
        elapsedMs,
      },
    };
  }
}

/**
 * Reads a DNO import CSV: `number` or `start,end`, `category`, and optionally `source`, `reason`,
 * `organisation`, `evidence`, in any order. Every data row gets a report; rejected rows are not in
 * `entries`. Never throws.
 */
export async function parseDnoCsv(input: CsvInput, options: ParseDnoCsvOptions = {}): Promise<DnoCsvResult> {
  const started = performance.now();
  const reader = new DnoCsvReader(options.defaultSource ?? null);
  const read = await readCsv(input, reader.onRow, {
    totalBytes: options.totalBytes ?? null,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return reader.result(read, performance.now() - started);
}

export async function parseDnoCsvFile(
  path: string,
  options: Omit<ParseDnoCsvOptions, 'totalBytes'> = {},
): Promise<DnoCsvResult> {
  const started = performance.now();
  const reader = new DnoCsvReader(options.defaultSource ?? null);
  const read = await readCsvFile(
    path,
    reader.onRow,
    options.onProgress ? { onProgress: options.onProgress } : {},
  );
  return reader.result(read, performance.now() - started);
}
