import { createTestDatabase } from '@hoptrace/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEmptyDatabase, loadDemo } from './demo';

describe('the demo history', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  it('loads every outcome into an empty database, and never into one with data', async () => {
    const lines: string[] = [];
    const result = await loadDemo({
      db: database.db,
      now: new Date('2026-11-23T12:00:00Z'),
      print: (l) => lines.push(l),
    });
    console.log(lines.join('\n'));
    expect(result.loaded).toBe(true);
    for (const outcome of [
      'origin_identified',
      'foreign_origin',
      'non_responsive',
      'dead_end',
      'cancelled',
      'open',
    ])
      expect(result.outcomes[outcome], outcome).toBeGreaterThan(0);
    expect(new Set(result.credentials.map((c) => c.role))).toEqual(
      new Set(['admin', 'analyst', 'provider', 'enforcement']),
    );
    expect(await isEmptyDatabase(database.db)).toBe(false);
    expect((await loadDemo({ db: database.db })).loaded).toBe(false);
  }, 180_000);
});
