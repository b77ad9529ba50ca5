import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvider, ManualClock, systemActor } from '@hoptrace/core';
import type { Database } from '@hoptrace/db';
import { createTestDatabase } from '@hoptrace/db/testing';
import { cliOn } from './testing/cli';

let database: Database;
let hoptrace: ReturnType<typeof cliOn>;
const dir = mkdtempSync(join(tmpdir(), 'hoptrace-open-bulk-'));
const clock = new ManualClock('2026-12-01T15:00:00Z');

beforeAll(async () => {
  database = await createTestDatabase();
  await createProvider({
    db: database.db,
    clock,
    actor: systemActor('test'),
    input: {
      name: 'Lakeshore Bulk Voice',
      dbaNames: [],
      country: 'US',
      ocns: [],
      contacts: [],
      escalationContacts: [],
    },
  });
  hoptrace = cliOn(database, { cwd: dir, clock });
});
afterAll(async () => {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return name;
};

describe('hoptrace tracebacks open-bulk', () => {
  it('opens the good rows, reports each refused one by line and column, and opens nothing twice', async () => {
    const csv = file(
      'open.csv',
      [
        'call_time,calling_number,called_number,first_provider,campaign,note',
        '2026-11-30T14:03:11Z,+12025550143,+13125550187,Lakeshore Bulk Voice,,first',
        '2026-11-30T14:05:00Z,+12025550144,+13125550188,Lakeshore Bulk Voice,,second',
        'not a time,+12025550145,+13125550189,Nobody Such,,bad',
        '2026-11-30T14:09:00Z,+12025550146,+13125550190,Lakeshore Bulk Voice,,"third, quoted"',
      ].join('\n'),
    );
    const first = await hoptrace('tracebacks', 'open-bulk', csv);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^line 4: refused — /);
    expect(lines[0]).toContain('call_time');
    expect(lines[0]).toContain('first_provider');
    expect(lines[1]).toBe('3 opened, 0 existing, 1 refused (4 rows)');

    const again = await hoptrace('tracebacks', 'open-bulk', csv);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^line 2: existing — this call already has a traceback \([0-9a-f-]{36}\)$/m);
    expect(again.stdout.trim().split('\n').at(-1)).toBe('0 opened, 3 existing, 1 refused (4 rows)');
  });

  it('refuses a file it cannot use as a whole with exit 2, opening nothing', async () => {
    const missing = await hoptrace('tracebacks', 'open-bulk', 'nowhere.csv');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read nowhere.csv: no such file');

    const noHeader = await hoptrace(
      'tracebacks',
      'open-bulk',
      file('columns.csv', 'time,from,to\n2026-11-30T14:03:11Z,+12025550143,+13125550187\n'),
    );
    expect(noHeader.code).toBe(2);
    expect(noHeader.stderr).toMatch(/columns\.csv: .*nothing was opened/);

    const broken = await hoptrace(
      'tracebacks',
      'open-bulk',
      file(
        'broken.csv',
        'call_time,calling_number,called_number,first_provider\n"2026-11-30T14:03:11Z,+12025550143,+13125550187,Lakeshore Bulk Voice\n',
      ),
    );
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/broken\.csv: .*nothing was opened/);
    expect(
      (
        await hoptrace(
          'tracebacks',
          'open-bulk',
          file('ok.csv', 'call_time,calling_number,called_number,first_provider\n'),
        )
      ).stdout,
    ).toBe('0 opened, 0 existing, 0 refused (0 rows)\n');
  });
});
