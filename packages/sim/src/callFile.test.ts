import { PassThrough, Writable } from 'node:stream';
import { CALL_CSV_COLUMNS, parseCallRecord, type TCallRecordInput } from '@hoptrace/contracts';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  CALL_FILE_COLUMNS,
  callRecordCsvLine,
  callRecordLines,
  csvCell,
  writeCallRecords,
  writeCallRecordsCsv,
} from './callFile';
import { defaultHoneypotSources, honeypotCalls } from './honeypot';
import { buildNetwork } from './network';

const network = buildNetwork({ seed: 7 });
const feed = [
  ...honeypotCalls(network, {
    sources: defaultHoneypotSources(network),
    from: new Date('2026-11-20T00:00:00Z'),
    to: new Date('2026-11-23T00:00:00Z'),
    count: 1500,
    // Every transcript on several lines, so quoting of line breaks is exercised throughout.
    noise: { level: 1, rates: { newlines: 1, noCommas: 0 } },
  }),
].map((c) => c.record);

const awkward: TCallRecordInput[] = [
  {
    externalId: 'edge-1',
    startedAt: '2026-11-20T10:00:00Z',
    callingNumber: null,
    calledNumber: '+12025550143',
    transcript: 'He said "press 1", then: hold,\r\nplease.\nBye',
    language: 'en',
    durationSeconds: 12.5,
    identityHeader: null,
    audioFingerprint: 'afp1:a,b"c',
    kind: 'honeypot',
    metadata: { note: 'a, "quoted" note\nover lines', n: 3, nested: { ok: true } },
  },
  {
    externalId: ' leading space',
    startedAt: '2026-11-20',
    callingNumber: '+12025550101',
    calledNumber: '+12025550143',
    transcript: ' Oprima 1 para hablar con un oficial, ¿entiende? ',
    language: 'es',
    durationSeconds: 0,
    identityHeader: 'eyJ.a.b;info=<https://sti-cr.sim.hoptrace.example/certs/Z101.pem>;alg=ES256;ppt=shaken',
    audioFingerprint: null,
    kind: 'voicemail',
    metadata: null,
  },
];

/** A parsed CSV row back into a record: names from the header, empty cells absent, metadata as JSON. */
function fromRow(row: Record<string, string>): TCallRecordInput {
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    const field = CALL_CSV_COLUMNS[column]!;
    out[field] =
      value === ''
        ? null
        : field === 'metadata'
          ? JSON.parse(value)
          : field === 'durationSeconds'
            ? Number(value)
            : value;
  }
  return out as TCallRecordInput;
}

const normalised = (r: TCallRecordInput) =>
  Object.fromEntries(CALL_FILE_COLUMNS.map((c) => [CALL_CSV_COLUMNS[c]!, r[CALL_CSV_COLUMNS[c]!] ?? null]));

describe('call-record import files', () => {
  it('quotes cells with commas, quotes, line breaks and edge spaces only', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell('plain text')).toBe('plain text');
    expect(csvCell('a, b')).toBe('"a, b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('one\ntwo')).toBe('"one\ntwo"');
    expect(csvCell('cr\r')).toBe('"cr\r"');
    expect(csvCell(' padded')).toBe('" padded"');
    expect(csvCell(42)).toBe('42');
    expect(csvCell({ a: 1, b: 'x' })).toBe('"{""a"":1,""b"":""x""}"');
    expect(callRecordCsvLine(awkward[0]!).endsWith('\n')).toBe(true);
  });

  it('round-trips records through csv-parse', () => {
    const records = [...awkward, ...feed];
    expect(feed.filter((r) => r.transcript?.includes('\n')).length).toBeGreaterThan(500);
    const text = [...callRecordLines(records)].join('');
    const rows = parse<Record<string, string>>(text, { columns: true });
    expect(Object.keys(rows[0]!)).toEqual([...CALL_FILE_COLUMNS]);
    expect(rows.map(fromRow)).toEqual(records.map(normalised));
    // And the import's own parser reads the same record from the row as from the original.
    for (let i = 0; i < records.length; i += 10)
      expect(parseCallRecord(rows[i]!)).toEqual(parseCallRecord(records[i]!));
  });

  it('writes JSON lines with the contract’s names', () => {
    const lines = [...callRecordLines(awkward, 'jsonl')];
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual(awkward.map(normalised));
  });

  it('streams to a slow writer, waiting when it asks to', async () => {
    const chunks: string[] = [];
    let writes = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString('utf8'));
        writes++;
        setImmediate(done);
      },
    });
    const count = await writeCallRecordsCsv(feed, slow);
    expect(count).toBe(feed.length);
    expect(writes).toBeGreaterThan(1);
    expect(chunks.join('')).toBe([...callRecordLines(feed)].join(''));

    const out = new PassThrough();
    const text: string[] = [];
    out.on('data', (c: Buffer) => text.push(c.toString('utf8')));
    async function* later() {
      await Promise.resolve();
      yield* awkward;
    }
    expect(await writeCallRecords(later(), out, 'jsonl')).toBe(2);
    expect(text.join('')).toBe([...callRecordLines(awkward, 'jsonl')].join(''));
  });
});
