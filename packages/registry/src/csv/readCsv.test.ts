import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { testdata } from '../testing/sharedData';
import { headerKey, readCsv, readCsvFile } from './readCsv';
import type { CsvProgress } from './readCsv';

async function collect(input: Parameters<typeof readCsv>[0]) {
  const rows: Array<{ line: number; fields: string[] }> = [];
  const summary = await readCsv(input, (fields, line) => {
    rows.push({ line, fields });
  });
  return { rows, summary };
}

describe('readCsv', () => {
  it('numbers records by the physical line they start on, with CRLF inside quoted fields', async () => {
    const text = 'a,b\r\n1,"x\r\ny"\r\n\r\n2,z\r\n3,"q\r\nr\r\ns"\r\n4,5\r\n';
    const { rows, summary } = await collect(text);
    expect(rows.map((r) => [r.line, r.fields[0]])).toEqual([
      [1, 'a'],
      [2, '1'],
      [5, '2'],
      [6, '3'],
      [9, '4'],
    ]);
    expect(rows[1]?.fields[1]).toBe('x\r\ny');
    expect(summary).toMatchObject({ error: null, records: 5, stopped: false });
  });

  it('counts LF and bare-CR line breaks the same way', async () => {
    const { rows } = await collect('a,b\n1,"x\ny"\n\n\n2,z\n');
    expect(rows.map((r) => r.line)).toEqual([1, 2, 6]);
  });

  it('reports broken quoting with the line where the failing record starts, and never throws', async () => {
    const { rows, summary } = await collect('a,b\n1,2\n3,"never closed\n4,5\n6,7\n');
    expect(rows.map((r) => r.line)).toEqual([1, 2]);
    expect(summary.error).toMatchObject({ code: 'malformed_csv', line: 3 });
    expect(summary.error?.message).toMatch(/never closed/);
  });

  it('ends at a cell PostgreSQL cannot store (NUL), naming its line and column', async () => {
    const nul = await collect(
      'number,reason\n+12025550100,fine\n+12025550101,"bad\u0000"\n+12025550102,after\n',
    );
    expect(nul.rows.map((r) => r.line)).toEqual([1, 2]);
    expect(nul.summary.error).toEqual({
      code: 'malformed_csv',
      line: 3,
      message: 'line 3, column reason: must not contain the NUL character (U+0000)',
    });
    // Files are bytes: a lone surrogate cannot arrive (UTF-8 decoding makes it U+FFFD).
    // Other control characters are data.
    expect((await collect('a\nbell\u0007\n')).summary.error).toBeNull();
  });

  it('reports a quote inside an unquoted field', async () => {
    const { summary } = await collect('a,b\n1,2\n3,x"y\n');
    expect(summary.error).toMatchObject({ code: 'malformed_csv', line: 3 });
  });

  it('reads from a stream, from bytes and from an async iterable', async () => {
    const text = 'a,b\n1,2\n';
    for (const input of [
      Readable.from([Buffer.from(text)]),
      Buffer.from(text),
      (async function* () {
        yield 'a,';
        yield await Promise.resolve('b\n1,2\n');
      })(),
    ]) {
      const { rows } = await collect(input);
      expect(rows.map((r) => r.fields)).toEqual([
        ['a', 'b'],
        ['1', '2'],
      ]);
    }
  });

  it('strips a byte-order mark from the first header', async () => {
    const { rows } = await collect('\ufeffnumber,frn\nRMD0000001,1\n');
    expect(rows[0]?.fields[0]).toBe('number');
  });

  it('stops when the row handler returns false', async () => {
    const lines = ['h', ...Array.from({ length: 50_000 }, (_, i) => String(i))].join('\n');
    let seen = 0;
    const summary = await readCsv(lines, () => ++seen < 3);
    expect(seen).toBe(3);
    expect(summary.stopped).toBe(true);
  });

  it('reports progress up to the file size', async () => {
    const progress: CsvProgress[] = [];
    const summary = await readCsvFile(testdata('rmd-live-shape.csv'), () => undefined, {
      onProgress: (p) => progress.push(p),
    });
    const last = progress.at(-1);
    expect(last?.totalBytes).toBeGreaterThan(0);
    expect(last?.bytesRead).toBe(last?.totalBytes);
    expect(summary.bytesRead).toBe(last?.totalBytes);
  });

  it('returns a missing file as unreadable', async () => {
    const summary = await readCsvFile(testdata('no-such-file.csv'), () => undefined);
    expect(summary.error?.code).toBe('unreadable');
  });
});

describe('headerKey', () => {
  it('ignores case, spaces, underscores and punctuation', () => {
    expect(headerKey('RMD Number')).toBe(headerKey('rmd_number'));
    expect(headerKey('STIR/SHAKEN Implementation')).toBe('stirshakenimplementation');
    expect(headerKey('Other FRN(s)')).toBe('otherfrns');
  });
});
