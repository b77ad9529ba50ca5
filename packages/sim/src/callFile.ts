import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { CALL_CSV_COLUMNS, type TCallRecordInput } from '@hoptrace/contracts';

/** The CSV header of a call-record import file: the contract's snake_case names, in its order. */
export const CALL_FILE_COLUMNS: readonly string[] = Object.keys(CALL_CSV_COLUMNS);
const FIELDS = CALL_FILE_COLUMNS.map((c) => CALL_CSV_COLUMNS[c]!);

export type CallRecordFileFormat = 'csv' | 'jsonl';

const NEEDS_QUOTES = /[",\r\n]/;
const isBlank = (code: number) => code === 32 || code === 9;

/** One CSV cell (RFC 4180): absent is empty, objects are JSON, and a cell with a comma, quote, line break or edge space is quoted. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint'
        ? String(value)
        : JSON.stringify(value);
  if (text === '') return text;
  if (!NEEDS_QUOTES.test(text) && !isBlank(text.charCodeAt(0)) && !isBlank(text.charCodeAt(text.length - 1)))
    return text;
  return `"${text.includes('"') ? text.replace(/"/g, '""') : text}"`;
}

export const callRecordCsvHeader = (): string => `${CALL_FILE_COLUMNS.join(',')}\n`;

/** A record as one CSV row (ending in a line break; a transcript's own line breaks stay inside quotes). */
export function callRecordCsvLine(record: TCallRecordInput): string {
  let line = '';
  for (let i = 0; i < FIELDS.length; i++) line += (i ? ',' : '') + csvCell(record[FIELDS[i]!]);
  return `${line}\n`;
}

/** A record as one JSON line, with the contract's camelCase names and nulls for absent fields. */
export function callRecordJsonLine(record: TCallRecordInput): string {
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) out[f] = record[f] ?? null;
  return `${JSON.stringify(out)}\n`;
}

/** The lines of an import file: the header first for CSV. */
export function* callRecordLines(
  records: Iterable<TCallRecordInput>,
  format: CallRecordFileFormat = 'csv',
): Generator<string, void, undefined> {
  if (format === 'csv') yield callRecordCsvHeader();
  const line = format === 'csv' ? callRecordCsvLine : callRecordJsonLine;
  for (const r of records) yield line(r);
}

/**
 * Writes records to a stream as an import file, in chunks of about 64 KB and waiting when the
 * stream asks to (a million records go to disk without piling up in memory). Resolves with the
 * number of records written; the stream is left open.
 */
export async function writeCallRecords(
  records: Iterable<TCallRecordInput> | AsyncIterable<TCallRecordInput>,
  stream: Writable,
  format: CallRecordFileFormat = 'csv',
): Promise<number> {
  const line = format === 'csv' ? callRecordCsvLine : callRecordJsonLine;
  let chunk = format === 'csv' ? callRecordCsvHeader() : '';
  let count = 0;
  const flush = async () => {
    if (!stream.write(chunk)) await once(stream, 'drain');
    chunk = '';
  };
  if (Symbol.iterator in records) {
    // A plain loop: `for await` over a million synchronous records would cost a promise each.
    for (const r of records) {
      chunk += line(r);
      count++;
      if (chunk.length >= 65_536) await flush();
    }
  } else
    for await (const r of records) {
      chunk += line(r);
      count++;
      if (chunk.length >= 65_536) await flush();
    }
  if (chunk) await flush();
  return count;
}

/** `writeCallRecords` as CSV. */
export const writeCallRecordsCsv = (
  records: Iterable<TCallRecordInput> | AsyncIterable<TCallRecordInput>,
  stream: Writable,
): Promise<number> => writeCallRecords(records, stream, 'csv');
