import { callRowFields } from '@hoptrace/contracts';
import { describe, expect, it } from 'vitest';
import { callIdOf, claimedAttestation } from './ingest';
import {
  CallFileError,
  callFormatOf,
  callRecordsOf,
  csvCallRecords,
  jsonCallRecords,
  jsonlCallRecords,
  MAX_JSON_LINE_CHARS,
  type RawCallRecord,
} from './records';

async function* chunks(...parts: Array<string | Uint8Array>): AsyncGenerator<string | Uint8Array> {
  for (const p of parts) yield await Promise.resolve(p);
}
type ReadRecord = Exclude<RawCallRecord, { row: string[] }>;
/** What was read, CSV rows shown as the object of their non-empty cells (what parseCallRow reads). */
async function all(gen: AsyncIterable<RawCallRecord[]>): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  for await (const batch of gen)
    for (const r of batch)
      out.push('row' in r ? { line: r.line, fields: callRowFields(r.layout, r.row) } : r);
  return out;
}
async function fileError(gen: AsyncIterable<RawCallRecord[]>): Promise<CallFileError> {
  try {
    await all(gen);
  } catch (err) {
    expect(err).toBeInstanceOf(CallFileError);
    return err as CallFileError;
  }
  throw new Error('no CallFileError');
}

describe('callFormatOf', () => {
  it('reads the format from a file name by its extension', () => {
    expect(callFormatOf('calls.csv')).toBe('csv');
    expect(callFormatOf('CALLS.CSV')).toBe('csv');
    expect(callFormatOf('calls.jsonl')).toBe('jsonl');
    expect(callFormatOf('calls.ndjson')).toBe('jsonl');
    expect(callFormatOf('calls.json')).toBe('json');
    expect(callFormatOf('.csv')).toBe('csv');
    expect(callFormatOf('/home/feed/2026/calls.csv')).toBe('csv');
    expect(callFormatOf('C:\\feeds\\calls.jsonl')).toBe('jsonl');
  });

  it('looks at the file, not the folders or words around it', () => {
    expect(callFormatOf('/data/csv/calls.json')).toBe('json');
    expect(callFormatOf('/data/ndjson/calls.json')).toBe('json');
    expect(callFormatOf('/data/jsonl/calls.txt')).toBeNull();
    expect(callFormatOf('my-csv-notes.txt')).toBeNull();
    expect(callFormatOf('calls.csv.gz')).toBeNull();
    expect(callFormatOf('calls')).toBeNull();
    expect(callFormatOf('calls.xlsx')).toBeNull();
    expect(callFormatOf('')).toBeNull();
  });

  it('reads the format from a media type', () => {
    expect(callFormatOf('text/csv')).toBe('csv');
    expect(callFormatOf('text/csv; charset=utf-8')).toBe('csv');
    expect(callFormatOf('application/csv')).toBe('csv');
    expect(callFormatOf('application/x-ndjson')).toBe('jsonl');
    expect(callFormatOf('application/ndjson')).toBe('jsonl');
    expect(callFormatOf('application/jsonl')).toBe('jsonl');
    expect(callFormatOf('application/json-seq')).toBe('jsonl');
    expect(callFormatOf('application/json')).toBe('json');
    expect(callFormatOf('Application/JSON; charset=utf-8')).toBe('json');
    expect(callFormatOf('text/plain')).toBeNull();
    expect(callFormatOf('application/vnd.ms-excel')).toBeNull();
  });
});

describe('csvCallRecords', () => {
  it('maps header names to fields, keeps unknown columns, leaves empty cells out', async () => {
    const text =
      'external_id,startedAt,calling_number,trap\r\nhp-1,2026-11-30,2025550143,nyc\r\n"hp-2","",,\r\n';
    expect(await all(csvCallRecords(chunks(text)))).toEqual([
      {
        line: 2,
        fields: { external_id: 'hp-1', startedAt: '2026-11-30', calling_number: '2025550143', trap: 'nyc' },
      },
      { line: 3, fields: { external_id: 'hp-2' } },
    ]);
  });

  it('trims header names and reads a byte-order mark', async () => {
    expect(await all(csvCallRecords(chunks('\ufeff id , kind\nx,honeypot\n')))).toEqual([
      { line: 2, fields: { id: 'x', kind: 'honeypot' } },
    ]);
  });

  it('refuses a row with the wrong number of fields on its own, with its line', async () => {
    const text = 'external_id,kind\na,honeypot\nb\nc,complaint,extra\n"d\nstill d",voicemail\n';
    expect(await all(csvCallRecords(chunks(text)))).toEqual([
      { line: 2, fields: { external_id: 'a', kind: 'honeypot' } },
      { line: 3, error: { path: 'row', message: 'has 1 fields where the header has 2' } },
      { line: 4, error: { path: 'row', message: 'has 3 fields where the header has 2' } },
      { line: 5, fields: { external_id: 'd\nstill d', kind: 'voicemail' } },
    ]);
  });

  it('refuses a file without an id column, with a header naming a field twice, or empty', async () => {
    const noId = await fileError(csvCallRecords(chunks('number,transcript\n1,2\n')));
    expect(noId.message).toBe('line 1: the header row has no external_id column (found: number, transcript)');
    expect(noId.line).toBe(1);
    const twice = await fileError(csvCallRecords(chunks('id,external_id\n1,2\n')));
    expect(twice.message).toBe('line 1: the header names externalId twice');
    expect((await fileError(csvCallRecords(chunks('')))).message).toContain('the file is empty');
  });

  it('turns broken quoting into a file error naming its line', async () => {
    const err = await fileError(csvCallRecords(chunks('external_id,kind\na,b\n"c"d,e\n')));
    expect(err.line).toBe(3);
    expect(err.message).toMatch(/^line 3: text after a closing quote/);
  });
});

describe('jsonlCallRecords', () => {
  it('reads one object a line, skips blank lines, counts lines with CRLF', async () => {
    const text = '{"id":"a"}\r\n\r\n  \n{"id":"b"}\n{"id":"c"}';
    expect(await all(jsonlCallRecords(chunks(text)))).toEqual([
      { line: 1, fields: { id: 'a' } },
      { line: 4, fields: { id: 'b' } },
      { line: 5, fields: { id: 'c' } },
    ]);
  });

  it('reads lines cut anywhere, as text or as bytes cut inside a character', async () => {
    const text = '\ufeff{"id":"é😀"}\n{"id":"b"}\n';
    const expected = [
      { line: 1, fields: { id: 'é😀' } },
      { line: 2, fields: { id: 'b' } },
    ];
    for (let i = 0; i <= text.length; i++)
      expect(await all(jsonlCallRecords(chunks(text.slice(0, i), text.slice(i)))), `cut ${i}`).toEqual(
        expected,
      );
    const bytes = new TextEncoder().encode(text);
    for (let i = 0; i <= bytes.length; i++)
      expect(
        await all(jsonlCallRecords(chunks(bytes.subarray(0, i), bytes.subarray(i)))),
        `byte ${i}`,
      ).toEqual(expected);
  });

  it('refuses a line that is not JSON or not an object on its own', async () => {
    const out = await all(jsonlCallRecords(chunks('{"id":"a"}\n{"id":\n[1,2]\n"s"\nnull\n{"id":"b"}\n')));
    expect(out.map((r) => ('error' in r ? [r.line, r.error.path] : [r.line, r.fields.id]))).toEqual([
      [1, 'a'],
      [2, 'line'],
      [3, 'line'],
      [4, 'line'],
      [5, 'line'],
      [6, 'b'],
    ]);
    const bad = out[1]!;
    expect('error' in bad && bad.error.message).toMatch(/^is not JSON \(/);
    const arr = out[2]!;
    expect('error' in arr && arr.error.message).toBe('is not a JSON object');
  });

  it('refuses a line that is too long once, without holding it, and goes on after it', async () => {
    const long = 'x'.repeat(MAX_JSON_LINE_CHARS + 10);
    // Arriving in pieces: the line is refused once its kept text passes the limit, the rest is dropped.
    const pieces = ['{"id":"a"}\n{"id":"', ...long.match(/.{1,65536}/gs)!, '"}\n{"id":"b"}\n'];
    const out = await all(jsonlCallRecords(chunks(...pieces)));
    expect(out).toEqual([
      { line: 1, fields: { id: 'a' } },
      { line: 2, error: { path: 'line', message: `is longer than ${MAX_JSON_LINE_CHARS} characters` } },
      { line: 3, fields: { id: 'b' } },
    ]);
    // Whole in one chunk, and as the last line without a line end.
    expect(await all(jsonlCallRecords(chunks(`{"id":"${long}"}\n{"id":"b"}`)))).toEqual([
      { line: 1, error: { path: 'line', message: `is longer than ${MAX_JSON_LINE_CHARS} characters` } },
      { line: 2, fields: { id: 'b' } },
    ]);
    expect(await all(jsonlCallRecords(chunks('{"id":"a"}\n', long)))).toEqual([
      { line: 1, fields: { id: 'a' } },
      { line: 2, error: { path: 'line', message: `is longer than ${MAX_JSON_LINE_CHARS} characters` } },
    ]);
  });
});

describe('jsonCallRecords and callRecordsOf', () => {
  it('reads an array or { calls: [...] }, numbering records from 1', () => {
    expect(jsonCallRecords([{ id: 'a' }, 3, [1]])).toEqual([
      { line: 1, fields: { id: 'a' } },
      { line: 2, error: { path: '[1]', message: 'is not a JSON object' } },
      { line: 3, error: { path: '[2]', message: 'is not a JSON object' } },
    ]);
    expect(jsonCallRecords({ calls: [{ id: 'b' }] })).toEqual([{ line: 1, fields: { id: 'b' } }]);
    for (const body of [{ id: 'a' }, 'x', null, { calls: 'no' }])
      expect(() => jsonCallRecords(body), JSON.stringify(body)).toThrow(CallFileError);
  });

  it('reads a JSON file whole, and refuses one that is not JSON', async () => {
    expect(await all(callRecordsOf('json', chunks('[{"id":', '"a"}]')))).toEqual([
      { line: 1, fields: { id: 'a' } },
    ]);
    expect((await fileError(callRecordsOf('json', chunks('[{"id"')))).message).toMatch(
      /^the file is not JSON/,
    );
    expect(await all(callRecordsOf('csv', chunks('id\nz\n')))).toEqual([{ line: 2, fields: { id: 'z' } }]);
    expect(await all(callRecordsOf('jsonl', chunks('{"id":"z"}')))).toEqual([
      { line: 1, fields: { id: 'z' } },
    ]);
  });
});

describe('callIdOf', () => {
  it('is the same for the same source and id, different otherwise, and a version 5 UUID', () => {
    const id = callIdOf(1, 'hp-1');
    // Fixed: stored ids must never change between releases.
    expect(id).toBe(callIdOf(1, 'hp-1'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(callIdOf(2, 'hp-1')).not.toBe(id);
    expect(callIdOf(1, 'hp-2')).not.toBe(id);
    // The separator cannot be forged by an id that contains it.
    expect(callIdOf(1, '2:x')).not.toBe(callIdOf(12, 'x'));
    const ids = new Set(Array.from({ length: 10_000 }, (_, i) => callIdOf(7, `c${i}`)));
    expect(ids.size).toBe(10_000);
  });

  it('has not changed (ids already stored stay valid)', () => {
    expect(callIdOf(1, 'hp-1')).toMatchInlineSnapshot(`"f491ef16-833b-54ec-a7fb-d5476fb9cbec"`);
  });
});

describe('claimedAttestation', () => {
  it('calls a header it cannot read unreadable', () => {
    expect(claimedAttestation('not a header')).toEqual({ attestation: null, status: 'unreadable' });
  });
});
