import { describe, expect, it } from 'vitest';
import { testdata } from '../testing/sharedData';
import { parseDnoCsv, parseDnoCsvFile } from './csv';

describe('parseDnoCsv', () => {
  it('reports every row: accepted with warnings, or rejected with the reason', async () => {
    const result = await parseDnoCsvFile(testdata('dno-import.csv'), { defaultSource: 'upload by admin' });
    expect(result.ok).toBe(true);
    expect(result.rows.map((r) => [r.line, r.status])).toEqual([
      [2, 'accepted'],
      [3, 'accepted'],
      [4, 'rejected'],
      [5, 'accepted'],
      [6, 'rejected'],
      [7, 'rejected'],
      [8, 'rejected'],
      [9, 'rejected'],
      [10, 'rejected'],
      [11, 'rejected'],
      [12, 'accepted'],
      [13, 'rejected'],
      [15, 'accepted'],
    ]);
    const message = (line: number) => result.rows.find((r) => r.line === line)?.message;
    expect(message(2)).toBe('');
    expect(message(3)).toBe('');
    expect(message(4)).toMatch(/needs the organisation/);
    expect(message(6)).toMatch(/different lengths/);
    expect(message(7)).toMatch(/after end/);
    expect(message(8)).toMatch(/number "not a number": contains characters/);
    expect(message(9)).toMatch(/same number and category as line 2/);
    expect(message(10)).toMatch(/unknown category "spam"/);
    expect(message(11)).toMatch(/either a number or a start and end/);
    expect(message(12)).toMatch(/covers 1,000,000,000 numbers/);
    expect(message(13)).toMatch(/needs both start and end/);
    expect(result.stats).toMatchObject({ rows: 13, accepted: 5, rejected: 8, withWarnings: 1 });

    expect(result.entries).toEqual([
      {
        start: '+12025550143',
        end: '+12025550143',
        category: 'subscriber_requested',
        source: 'agency letter',
        reason: 'inbound-only help line',
        organisation: 'Example State Revenue Department',
        evidence: 'https://evidence.example/letter-1.pdf',
        line: 2,
      },
      expect.objectContaining({
        start: '+12025550100',
        end: '+12025550199',
        category: 'unallocated',
        line: 3,
      }),
      expect.objectContaining({
        start: '+13035550000',
        end: '+13035550999',
        category: 'allocated_unused',
        source: 'carrier report',
      }),
      expect.objectContaining({ start: '+12000000000', end: '+12999999999', source: 'test' }),
      expect.objectContaining({ start: '+442079460958', category: 'allocated_unused', source: 'ofcom' }),
    ]);
  });

  it('uses the default source, and warns when there is none', async () => {
    const csv = 'number,category\n2025550143,invalid\n';
    expect((await parseDnoCsv(csv, { defaultSource: 'cli' })).entries[0]?.source).toBe('cli');
    const withoutSource = await parseDnoCsv(csv);
    expect(withoutSource.rows).toEqual([{ line: 2, status: 'accepted', message: 'no source' }]);
  });

  it('reads columns in any order and by alias', async () => {
    const result = await parseDnoCsv('Category,Range End,Range Start\nUnallocated,3035550999,3035550000\n');
    expect(result.entries[0]).toMatchObject({
      start: '+13035550000',
      end: '+13035550999',
      category: 'unallocated',
    });
  });

  it('refuses files it cannot use, never throwing', async () => {
    const codes = async (text: string) => (await parseDnoCsv(text)).fileProblems.map((p) => p.code);
    expect(await codes('sku,price\nA-1,2\n')).toEqual(['not_dno']);
    expect(await codes('number,reason\n2025550143,x\n')).toEqual(['missing_columns']);
    expect(await codes('start,category\n2025550143,invalid\n')).toEqual(['missing_columns']);
    expect(await codes('number,category\n"2025550143,invalid\n')).toEqual(['malformed_csv']);
    expect(await codes('')).toEqual(['empty']);
    expect((await parseDnoCsvFile(testdata('missing.csv'))).fileProblems.map((p) => p.code)).toEqual([
      'unreadable',
    ]);
  });
});
