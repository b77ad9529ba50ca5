import { callFieldOf, callRowLayout, type CallRowLayout } from '@hoptrace/contracts';
import { readCsvRecords } from './csvStream';

/**
 * One record as it came out of a file or body: its fields by name, a CSV row with the layout its
 * header gives (read by `parseCallRow`, no object per row), or why it could not be read.
 */
export type RawCallRecord =
  | { line: number; fields: Record<string, unknown> }
  | { line: number; row: string[]; layout: CallRowLayout }
  | { line: number; error: { path: string; message: string } };

export type CallFileFormat = 'csv' | 'jsonl' | 'json';

/** Thrown when the input as a whole cannot be read (no header, broken CSV, not JSON): nothing is imported. */
export class CallFileError extends Error {
  constructor(
    message: string,
    readonly line: number | null = null,
  ) {
    super(line === null ? message : `line ${line}: ${message}`);
  }
}

export const MAX_JSON_LINE_CHARS = 1_000_000;

const EXTENSIONS: Readonly<Record<string, CallFileFormat>> = {
  csv: 'csv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  json: 'json',
};

/**
 * The format a file name (its extension: `/data/csv/calls.json` is JSON) or a media type names,
 * or null.
 */
export function callFormatOf(nameOrType: string): CallFileFormat | null {
  const v = nameOrType.trim().toLowerCase();
  const type = /^[a-z]+\/([a-z0-9.+-]+)\s*(;.*)?$/.exec(v)?.[1] ?? '';
  if (/^(x-)?csv$|\+csv$/.test(type)) return 'csv';
  if (/^(x-)?(ndjson|jsonl|json-seq)$/.test(type)) return 'jsonl';
  if (/^json$|\+json$/.test(type)) return 'json';
  const ext = /\.([a-z0-9]+)$/.exec(v.split(/[\\/]/).pop() ?? '')?.[1];
  return ext && Object.hasOwn(EXTENSIONS, ext) ? EXTENSIONS[ext]! : null;
}

/**
 * CSV with a header row: snake_case or camelCase names of the record's fields; other columns are
 * kept in the record's metadata. Records come in the reader's batches.
 */
export async function* csvCallRecords(
  chunks: AsyncIterable<string | Uint8Array>,
): AsyncGenerator<RawCallRecord[]> {
  let layout: CallRowLayout | null = null;
  try {
    for await (const batch of readCsvRecords(chunks)) {
      const out: RawCallRecord[] = [];
      for (const rec of batch) {
        if (!layout) {
          const header = rec.fields.map((f) => f.trim());
          if (!header.some((h) => callFieldOf(h) === 'externalId'))
            throw new CallFileError(
              `the header row has no external_id column (found: ${header.slice(0, 12).join(', ') || 'nothing'})`,
              rec.line,
            );
          const seen = new Set<string>();
          for (const h of header) {
            const name = callFieldOf(h) ?? h;
            if (seen.has(name)) throw new CallFileError(`the header names ${name} twice`, rec.line);
            seen.add(name);
          }
          layout = callRowLayout(header);
          continue;
        }
        if (rec.fields.length !== layout.columns.length) {
          out.push({
            line: rec.line,
            error: {
              path: 'row',
              message: `has ${rec.fields.length} fields where the header has ${layout.columns.length}`,
            },
          });
          continue;
        }
        out.push({ line: rec.line, row: rec.fields, layout });
      }
      if (out.length) yield out;
    }
  } catch (err) {
    if (err instanceof CallFileError) throw err;
    if (err instanceof Error && 'line' in err && typeof err.line === 'number')
      throw new CallFileError(err.message.replace(/^line \d+: /, ''), err.line);
    throw err;
  }
  if (!layout) throw new CallFileError('the file is empty: a header row and records were expected');
}

/** One JSON object a line (blank lines skipped). A line that is not an object is refused on its own. */
export async function* jsonlCallRecords(
  chunks: AsyncIterable<string | Uint8Array>,
): AsyncGenerator<RawCallRecord[]> {
  const decoder = new TextDecoder();
  let rest = '';
  let line = 0;
  // Inside a line too long to keep: its text is dropped up to its end, and it is refused once.
  let skipping = false;
  const pushLine = (raw: string, out: RawCallRecord[]) => {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch (err) {
      out.push({
        line,
        error: {
          path: 'line',
          message: `is not JSON (${err instanceof Error ? err.message : 'unreadable'})`,
        },
      });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      out.push({ line, error: { path: 'line', message: 'is not a JSON object' } });
    else out.push({ line, fields: value as Record<string, unknown> });
  };
  const tooLong = { path: 'line', message: `is longer than ${MAX_JSON_LINE_CHARS} characters` };
  const take = (text: string, out: RawCallRecord[]) => {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      if (skipping) skipping = false;
      else {
        line++;
        if (nl - start > MAX_JSON_LINE_CHARS) out.push({ line, error: tooLong });
        else pushLine(text.slice(start, nl), out);
      }
      start = nl + 1;
    }
    rest = text.slice(start);
    if (!skipping && rest.length > MAX_JSON_LINE_CHARS) {
      line++;
      out.push({ line, error: tooLong });
      skipping = true;
    }
    if (skipping) rest = '';
  };
  for await (const chunk of chunks) {
    const out: RawCallRecord[] = [];
    take(rest + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })), out);
    if (out.length) yield out;
  }
  const out: RawCallRecord[] = [];
  take(rest + decoder.decode() + '\n', out);
  if (out.length) yield out;
}

/** A JSON body: an array of records, or `{ "calls": [...] }`. The index (from 1) stands for the line. */
export function jsonCallRecords(body: unknown): RawCallRecord[] {
  const list = Array.isArray(body)
    ? body
    : typeof body === 'object' && body !== null && Array.isArray((body as { calls?: unknown }).calls)
      ? (body as { calls: unknown[] }).calls
      : null;
  if (!list) throw new CallFileError('the body must be a JSON array of call records, or { "calls": [...] }');
  return list.map((value, i) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? { line: i + 1, fields: value as Record<string, unknown> }
      : { line: i + 1, error: { path: `[${i}]`, message: 'is not a JSON object' } },
  );
}

export async function* callRecordsOf(
  format: CallFileFormat,
  chunks: AsyncIterable<string | Uint8Array>,
): AsyncGenerator<RawCallRecord[]> {
  if (format === 'csv') yield* csvCallRecords(chunks);
  else if (format === 'jsonl') yield* jsonlCallRecords(chunks);
  else {
    let text = '';
    const decoder = new TextDecoder();
    for await (const c of chunks) text += typeof c === 'string' ? c : decoder.decode(c, { stream: true });
    let body: unknown;
    try {
      body = JSON.parse(text + decoder.decode());
    } catch (err) {
      throw new CallFileError(`the file is not JSON (${err instanceof Error ? err.message : 'unreadable'})`);
    }
    yield jsonCallRecords(body);
  }
}
