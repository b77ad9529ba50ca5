import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, readCsvRecords, type CsvRecord } from './csvStream';

/** A small deterministic generator (mulberry32), so a failure names a seed that reproduces it. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!,
  };
}

// Pieces a field is made of: the characters that matter to CSV, and text that is several UTF-16
// units or several UTF-8 bytes long (so chunk boundaries fall inside characters).
const PIECES = ['a', 'Z', '7', ' ', ',', '"', '""', '\n', '\r\n', 'é', '€', '😀', '中文', 'x y', '\t'];
const PLAIN = ['a', 'Z', '7', ' ', 'é', '€', '😀', '中文', 'x y', '\t', '-'];

interface Generated {
  text: string;
  expected: CsvRecord[];
}

/**
 * A CSV file and what it holds: each record's fields and the physical line it starts on, counted
 * here from the text written (csv-parse's own `info.lines` counts differently).
 */
function generate(seed: number, records: number): Generated {
  const r = rng(seed);
  const eol = r.next() < 0.5 ? '\n' : '\r\n';
  let text = r.next() < 0.2 ? '\ufeff' : '';
  let line = 1;
  const expected: CsvRecord[] = [];
  for (let k = 0; k < records; k++) {
    if (r.next() < 0.1) {
      // A blank line between records is no record.
      text += eol;
      line++;
    }
    const width = 1 + r.int(5);
    const fields: string[] = [];
    const written: string[] = [];
    for (let f = 0; f < width; f++) {
      const quoted = r.next() < 0.5;
      let value = '';
      const len = r.int(6);
      for (let c = 0; c < len; c++) value += quoted ? r.pick(PIECES) : r.pick(PLAIN);
      // A record of one empty field is a blank line: give it something.
      if (width === 1 && value === '') value = 'solo';
      fields.push(value);
      written.push(quoted ? `"${value.replace(/"/g, '""')}"` : value);
    }
    expected.push({ fields, line });
    const row = written.join(',');
    text += row;
    line += (row.match(/\n/g) ?? []).length;
    if (k < records - 1 || r.next() < 0.7) {
      text += eol;
      line++;
    }
  }
  return { text, expected };
}

async function* chunksOf(parts: Array<string | Uint8Array>): AsyncGenerator<string | Uint8Array> {
  for (const p of parts) yield await Promise.resolve(p);
}

async function readAll(
  parts: Array<string | Uint8Array>,
  opts: { maxRecordChars?: number } = {},
): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const batch of readCsvRecords(chunksOf(parts), opts)) out.push(...batch);
  return out;
}

/** What csv-parse reads from the same text, as a check that the generator writes what it means. */
function csvParse(text: string): string[][] {
  const records: string[][] = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true });
  return records;
}

function splitAt(text: string, cuts: number[]): string[] {
  const parts: string[] = [];
  let prev = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    parts.push(text.slice(prev, c));
    prev = c;
  }
  parts.push(text.slice(prev));
  return parts;
}

function splitBytes(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    parts.push(bytes.subarray(prev, c));
    prev = c;
  }
  parts.push(bytes.subarray(prev));
  return parts;
}

describe('readCsvRecords against csv-parse', () => {
  it('reads generated files whole like csv-parse, with the line each record starts on', async () => {
    for (let seed = 1; seed <= 300; seed++) {
      const { text, expected } = generate(seed, 1 + (seed % 12));
      expect(csvParse(text), `seed ${seed}: the generator and csv-parse agree`).toEqual(
        expected.map((e) => e.fields),
      );
      expect(await readAll([text]), `seed ${seed}`).toEqual(expected);
    }
  });

  it('reads small files split into two chunks at every position, as text and as UTF-8 bytes', async () => {
    for (let seed = 1000; seed < 1060; seed++) {
      const { text, expected } = generate(seed, 1 + (seed % 4));
      expect(csvParse(text).length, `seed ${seed}`).toBe(expected.length);
      for (let i = 0; i <= text.length; i++)
        expect(await readAll(splitAt(text, [i])), `seed ${seed}, text cut at ${i}`).toEqual(expected);
      const bytes = new TextEncoder().encode(text);
      for (let i = 0; i <= bytes.length; i++)
        expect(await readAll(splitBytes(bytes, [i])), `seed ${seed}, bytes cut at ${i}`).toEqual(expected);
    }
  });

  it('reads small files one character and one byte at a time', async () => {
    for (let seed = 2000; seed < 2030; seed++) {
      const { text, expected } = generate(seed, 3);
      expect(await readAll([...text]), `seed ${seed}`).toEqual(expected);
      const bytes = new TextEncoder().encode(text);
      expect(await readAll([...bytes].map((b) => Uint8Array.of(b))), `seed ${seed}`).toEqual(expected);
    }
  });

  it('reads larger files split at random positions', async () => {
    for (let seed = 3000; seed < 3040; seed++) {
      const { text, expected } = generate(seed, 200 + (seed % 300));
      expect(csvParse(text), `seed ${seed}`).toEqual(expected.map((e) => e.fields));
      const r = rng(seed);
      const cuts = Array.from({ length: 1 + r.int(60) }, () => r.int(text.length + 1));
      expect(await readAll(splitAt(text, cuts)), `seed ${seed}`).toEqual(expected);
      const bytes = new TextEncoder().encode(text);
      const byteCuts = Array.from({ length: 1 + r.int(60) }, () => r.int(bytes.length + 1));
      expect(await readAll(splitBytes(bytes, byteCuts)), `seed ${seed}`).toEqual(expected);
    }
  });

  it('keeps a UTF-8 byte-order mark out of the first field, as text or bytes', async () => {
    const text = '\ufeffexternal_id,b\r\n1,2\r\n';
    const expected = [
      { fields: ['external_id', 'b'], line: 1 },
      { fields: ['1', '2'], line: 2 },
    ];
    expect(await readAll([text])).toEqual(expected);
    expect(await readAll(['\ufeff', 'external_id,b\r\n1,2\r\n'])).toEqual(expected);
    const bytes = new TextEncoder().encode(text);
    expect(await readAll([bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2)])).toEqual(expected);
  });

  it('reads the corner cases csv-parse reads', async () => {
    const cases = [
      'a,b\n,\n', // two empty fields
      'a,"",b\n', // an empty quoted field
      '"""",x\n', // a field that is one quote
      '"a\nb",c\nd,e', // a line break inside quotes, no final line end
      '"a\r\nb"\r\nc\r\n', // CRLF inside and outside quotes
      'x,\n', // a trailing comma: a last empty field
      'a,b,c', // no line end at all
    ];
    for (const text of cases) {
      const ours = await readAll([text]);
      expect(
        ours.map((r) => r.fields),
        JSON.stringify(text),
      ).toEqual(csvParse(text));
    }
    expect((await readAll(['"a\nb",c\nd,e'])).map((r) => r.line)).toEqual([1, 3]);
  });
});

describe('readCsvRecords refusals', () => {
  async function failure(parts: string[], opts: { maxRecordChars?: number } = {}): Promise<CsvSyntaxError> {
    try {
      await readAll(parts, opts);
    } catch (err) {
      expect(err).toBeInstanceOf(CsvSyntaxError);
      return err as CsvSyntaxError;
    }
    throw new Error('no CsvSyntaxError');
  }

  it('names the line of text after a closing quote, however the text is cut', async () => {
    const text = 'a,b\n1,2\n"multi\nline"x,3\n4,5\n';
    for (let i = 0; i <= text.length; i++) {
      const err = await failure(splitAt(text, [i]));
      expect(err.line, `cut at ${i}`).toBe(4);
      expect(err.message).toMatch(/^line 4: text after a closing quote/);
    }
  });

  it('hands over the records before a broken one, even in the same chunk, then fails', async () => {
    const got: CsvRecord[] = [];
    const read = async () => {
      for await (const batch of readCsvRecords(
        (async function* () {
          yield await Promise.resolve('a,b\n1,2\n3,4\n"x"y,5\n6,7\n');
        })(),
      ))
        got.push(...batch);
    };
    await expect(read()).rejects.toBeInstanceOf(CsvSyntaxError);
    expect(got.map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('names the line a never-closed quote opens on', async () => {
    const text = 'a,b\n1,2\n3,"open\nand on\n';
    for (let i = 0; i <= text.length; i++) {
      const err = await failure(splitAt(text, [i]));
      expect(err.line, `cut at ${i}`).toBe(3);
      expect(err.message).toContain('never closed');
    }
  });

  it('refuses a record longer than the limit, whole or arriving in pieces, and keeps shorter ones', async () => {
    const long = 'y'.repeat(200);
    const text = `a,b\n1,2\n3,${long}\n4,5\n`;
    expect((await failure([text], { maxRecordChars: 100 })).line).toBe(3);
    const pieces = text.match(/.{1,7}/gs)!;
    const err = await failure(pieces, { maxRecordChars: 100 });
    expect(err.line).toBe(3);
    expect(err.message).toContain('longer than 100 characters');
    const quoted = `a,b\n"${'z\n'.repeat(80)}",2\n`;
    expect((await failure(quoted.match(/.{1,5}/gs)!, { maxRecordChars: 100 })).line).toBe(2);
    expect(await readAll([text], { maxRecordChars: 300 })).toHaveLength(4);
  });
});
