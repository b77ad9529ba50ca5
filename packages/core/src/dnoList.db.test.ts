import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '@hoptrace/db';
import { asc, gt, sql } from 'drizzle-orm';
import { addDnoEntries, retireDnoEntry } from './commands/dno';
import { DnoList } from './dnoList';
import { setupCore } from './testing/fixtures';

let env: Awaited<ReturnType<typeof setupCore>>;
beforeAll(async () => {
  env = await setupCore();
});
afterAll(async () => {
  await env.close();
});

describe('the shared DNO list', () => {
  it('sees a change made by another process once the recheck interval has passed', async () => {
    let now = 0;
    const mine = new DnoList(env.db, { recheckMs: 1000, now: () => now });
    const other = new DnoList(env.db, { recheckMs: 1000, now: () => now });
    expect((await other.current()).version).toBe(0);
    const { results, version } = await addDnoEntries({
      ...env.ctx(env.analyst),
      input: { entries: [{ category: 'invalid', start: '+12110000000', end: '+12119999999' }] },
    });
    expect((await mine.changed()).check('+12115550100')?.id).toBe(results[0]!.entry.id);
    // The other process still trusts its snapshot inside the interval, then rebuilds.
    expect((await other.current()).version).toBe(0);
    now += 1001;
    const rebuilt = await other.current();
    expect(rebuilt.version).toBe(version);
    expect(rebuilt.check('+12115550100')?.category).toBe('invalid');
    // An unchanged version costs one read and keeps the same snapshot.
    now += 1001;
    expect(await other.current()).toBe(rebuilt);
  });

  it('numbers changes without gaps, in commit order, even when writers race', async () => {
    const list = new DnoList(env.db);
    const before = (await list.current()).version;
    const adds = Array.from({ length: 8 }, (_, i) =>
      addDnoEntries({
        ...env.ctx(env.analyst),
        input: { entries: [{ category: 'unallocated', number: `+1312555${String(1000 + i)}` }] },
      }),
    );
    const done = await Promise.all(adds);
    await retireDnoEntry({ ...env.ctx(env.analyst), entryId: done[0]!.results[0]!.entry.id });
    const rows = await env.db
      .select({ version: schema.dnoChanges.version })
      .from(schema.dnoChanges)
      .where(gt(schema.dnoChanges.version, before))
      .orderBy(asc(schema.dnoChanges.version));
    const versions = rows.map((r) => r.version);
    expect(versions).toEqual(Array.from({ length: 9 }, (_, i) => before + i + 1));
    const snapshot = await list.changed();
    expect(snapshot.version).toBe(before + 9);
    expect(snapshot.check('+13125551000')).toBeNull();
    expect(snapshot.check('+13125551001')?.category).toBe('unallocated');
  });

  it('refuses changes to the change log', async () => {
    await expect(env.db.execute(sql`delete from dno_changes`)).rejects.toThrow();
    await expect(env.db.execute(sql`update dno_changes set kind = 'removed'`)).rejects.toThrow();
  });
});
