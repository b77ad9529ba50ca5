import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import type { CsvErrorCode } from 'csv-parse';
import { unstorableTextReason } from '@hoptrace/contracts';

/** Anything a CSV can be read from: a stream (file, upload), or the whole text in memory. */
export type CsvInput = Readable | AsyncIterable<Uint8Array | string> | string | Uint8Array;

export interface CsvProgress {
  bytesRead: number;
  /** Null when the size of the input is not known in advance (an upload without a length). */
  totalBytes: number | null;
  records: number;
}

export interface CsvReadOptions {
  totalBytes?: number | null;
  onProgress?: (progress: CsvProgress) => void;
}

/** Why the CSV could not be read to its end. Records handed over before it stay valid. */
export interface CsvReadError {
  code: 'malformed_csv' | 'unreadable';
  /** The physical line (1-based) where the record that could not be parsed starts. */
  line: number | null;
  message: string;
}

export interface CsvReadSummary {
  error: CsvReadError | null;
  records: number;
  bytesRead: number;
  /** True when the row callback asked to stop before the end of the input. */
  stopped: boolean;
}

/**
 * Called with each record (the header too: it is the first) and the physical line it starts on.
 * Return `false` to stop reading, e.g. once the header shows the file is not what was expected.
 */
export type CsvRowHandler = (fields: string[], line: number) => boolean | void;

const MAX_RECORD_CHARS = 1_000_000;

function toReadable(input: CsvInput): Readable {
  if (input instanceof Readable) return input;
  if (typeof input === 'string' || input instanceof Uint8Array) return Readable.from([input]);
  return Readable.from(input);
}

function countLineBreaks(fields: readonly string[]): number {
  let breaks = 0;
  for (const field of fields) {
    for (let i = field.indexOf('\n'); i !== -1; i = field.indexOf('\n', i + 1)) breaks++;
    // A bare CR (old Mac files) also ends a line; CRLF was already counted by its LF.
    for (let i = field.indexOf('\r'); i !== -1; i = field.indexOf('\r', i + 1)) {
      if (field.charCodeAt(i + 1) !== 10) breaks++;
    }
  }
  return breaks;
}

function byteLength(chunk: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk);
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}

/**
 * Streams a CSV through csv-parse and hands over each record with the line it starts on. Never
 * throws: a read error or broken quoting ends the read and is returned as `error`.
 *
 * Line numbers are counted here rather than taken from csv-parse's `info.lines`, which counts a
 * CRLF inside a quoted field as two lines (the FCC export is CRLF with multi-line addresses).
 * The line of a parse error is where the failing record starts: where a broken quote opened.
 */
export async function readCsv(
  input: CsvInput,
  onRow: CsvRowHandler,
  options: CsvReadOptions = {},
): Promise<CsvReadSummary> {
  const source = toReadable(input);
  let bytesRead = 0;
  let records = 0;
  let lastEndLine = 0;
  let stopped = false;
  let header: string[] | null = null;
  let badText: CsvReadError | null = null;
  const totalBytes = options.totalBytes ?? null;
  const onProgress = options.onProgress;

  // Records are handled in on_record, as csv-parse finds them, rather than read from the stream:
  // a parse error destroys the stream and drops records it had buffered, and the rows before a
  // broken quote must still be reported, with the right line for the error.
  const handle = (record: string[]): null => {
    if (stopped) return null;
    const startLine = lastEndLine + 1;
    lastEndLine = startLine + countLineBreaks(record);
    if (record.length === 1 && record[0] === '') return null;
    records++;
    header ??= record;
    // Text PostgreSQL cannot store (NUL, a lone surrogate) ends the read: a file that holds it is broken.
    const bad = record.findIndex((f) => unstorableTextReason(f) !== null);
    if (bad !== -1) {
      const name = header[bad]?.trim();
      const column = name ? `column ${name}` : `column ${bad + 1}`;
      badText = {
        code: 'malformed_csv',
        line: startLine,
        message: `line ${startLine}, ${column}: ${unstorableTextReason(record[bad]!)}`,
      };
    }
    if (badText || onRow(record, startLine) === false) {
      stopped = true;
      source.unpipe(parser);
      source.destroy();
      parser.destroy();
    }
    return null;
  };
  const parser = parse({
    bom: true,
    // Empty lines come through as [''] and are skipped above, so every physical line is counted.
    skip_empty_lines: false,
    relax_column_count: true,
    // A stray quote early in a large file would otherwise swallow the rest of it into one field.
    max_record_size: MAX_RECORD_CHARS,
    on_record: handle,
  });

  const outcome = new Promise<unknown>((resolve) => {
    parser.once('error', resolve);
    parser.once('end', () => resolve(null));
    parser.once('close', () => resolve(null));
    // pipe() does not forward a read error (a missing file).
    source.once('error', resolve);
  });
  source.on('data', (chunk: unknown) => {
    bytesRead += byteLength(chunk);
    onProgress?.({ bytesRead, totalBytes, records });
  });
  source.pipe(parser);
  parser.resume();
  const err = await outcome;

  if (err && !stopped) {
    source.unpipe(parser);
    source.destroy();
    parser.destroy();
    if (err instanceof CsvError) {
      const line = lastEndLine + 1;
      return {
        error: { code: 'malformed_csv', line, message: describeCsvError(err, line) },
        records,
        bytesRead,
        stopped,
      };
    }
    return {
      error: { code: 'unreadable', line: null, message: describeError(err) },
      records,
      bytesRead,
      stopped,
    };
  }
  onProgress?.({ bytesRead, totalBytes, records });
  if (badText) return { error: badText, records, bytesRead, stopped: false };
  return { error: null, records, bytesRead, stopped };
}

const CSV_ERROR_MESSAGES: Partial<Record<CsvErrorCode, (line: number) => string>> = {
  CSV_QUOTE_NOT_CLOSED: (line) =>
    `a quoted field opened in the record starting at line ${line} is never closed`,
  CSV_INVALID_CLOSING_QUOTE: (line) =>
    `a quoted field in the record starting at line ${line} is followed by text before the next comma`,
  INVALID_OPENING_QUOTE: (line) =>
    `a quote appears inside an unquoted field in the record starting at line ${line}`,
  CSV_MAX_RECORD_SIZE: (line) =>
    `the record starting at line ${line} is longer than ${MAX_RECORD_CHARS} characters (an unclosed quote?)`,
};

function describeCsvError(err: CsvError, line: number): string {
  const message = CSV_ERROR_MESSAGES[err.code];
  return message
    ? message(line)
    : `the CSV cannot be parsed at the record starting at line ${line} (${err.code}: ${err.message})`;
}

function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : 'the input could not be read';
}

/** Reads a file from disk with its size known, so progress can be shown as a fraction. */
export async function readCsvFile(
  path: string,
  onRow: CsvRowHandler,
  options: Omit<CsvReadOptions, 'totalBytes'> = {},
): Promise<CsvReadSummary> {
  let totalBytes: number;
  try {
    totalBytes = (await stat(path)).size;
  } catch (err) {
    return {
      error: { code: 'unreadable', line: null, message: describeError(err) },
      records: 0,
      bytesRead: 0,
      stopped: false,
    };
  }
  return readCsv(createReadStream(path), onRow, { ...options, totalBytes });
}

/** Header names compared without case, spaces, underscores or punctuation: "RMD Number" = "rmd_number". */
export function headerKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}
