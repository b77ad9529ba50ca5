import { randomUUID } from 'node:crypto';
import { inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchTransaction } from './batchTransaction';
import type { Database } from './client';
import { insertOrDefer, updateOrDefer } from './repos/deferred';
import { providers } from './schema';
import { createTestDatabase } from './testing';

// On PostgreSQL (DATABASE_URL) this is the pipelined path; on PGlite, db.transaction.
let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
});

async function namesOf(ids: string[]) {
  const rows = await database.db.select().from(providers).where(inArray(providers.id, ids));
  return new Map(rows.map((r) => [r.id, r.name]));
}

const firstRow = (result: unknown) => (result as { rows: Array<{ t: string; x: string }> }).rows[0];
const provider = (id: string, name: string) => ({ id, name, ocns: [] as string[] });

describe('batchTransaction', () => {
  it('runs the statements issued together inside the transaction and commits the held writes', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const result = await batchTransaction(database.db, async (tx) => {
      // now() is the transaction's start: statements sent together with BEGIN share it.
      const [first, second] = await Promise.all([
        tx.execute(sql`SELECT now()::text AS t, txid_current()::text AS x`),
        tx.execute(sql`SELECT now()::text AS t, txid_current()::text AS x`),
      ]);
      await insertOrDefer(tx, providers, [provider(a, 'Held One'), provider(b, 'Held Two')]);
      await updateOrDefer(tx, providers, providers.id, b, { name: 'Held Two, renamed' });
      // Held, so not yet visible even inside the transaction.
      const seen = await tx
        .select()
        .from(providers)
        .where(inArray(providers.id, [a, b]));
      return { first: firstRow(first), second: firstRow(second), seen: seen.length };
    });
    expect(result.first).toEqual(result.second);
    expect(result.seen).toBe(0);
    // On PostgreSQL the batch's prepared statements keep their plan within the transaction, and
    // only there: the connection goes back to the pool with PostgreSQL's own choice.
    if (database.kind === 'postgres') {
      const inside = await batchTransaction(database.db, (tx) =>
        tx.execute(sql`SELECT current_setting('plan_cache_mode') AS t, '' AS x`),
      );
      expect(firstRow(inside)?.t).toBe('force_generic_plan');
      const after = await Promise.all(
        Array.from({ length: 4 }, () =>
          database.db.execute(sql`SELECT current_setting('plan_cache_mode') AS t`),
        ),
      );
      expect(after.map((r) => firstRow(r)?.t)).toEqual(['auto', 'auto', 'auto', 'auto']);
    }
    expect(await namesOf([a, b])).toEqual(
      new Map([
        [a, 'Held One'],
        [b, 'Held Two, renamed'],
      ]),
    );
  });

  it('writes nothing when the work throws, held or not, and the next transaction is clean', async () => {
    const [held, direct] = [randomUUID(), randomUUID()];
    await expect(
      batchTransaction(database.db, async (tx) => {
        await tx.insert(providers).values(provider(direct, 'Written at once'));
        await insertOrDefer(tx, providers, [provider(held, 'Held')]);
        throw new Error('the batch gave up');
      }),
    ).rejects.toThrow('the batch gave up');
    expect(await namesOf([held, direct])).toEqual(new Map());
    // Nothing held from the failed transaction leaks into the next one on the same connection.
    const next = randomUUID();
    await batchTransaction(database.db, async (tx) => {
      await insertOrDefer(tx, providers, [provider(next, 'Next')]);
    });
    expect(await namesOf([held, direct, next])).toEqual(new Map([[next, 'Next']]));
  });

  it('rolls everything back and throws the write error when the held writes fail', async () => {
    const [direct, good] = [randomUUID(), randomUUID()];
    await expect(
      batchTransaction(database.db, async (tx) => {
        await tx.insert(providers).values(provider(direct, 'Written at once'));
        // PostgreSQL refuses a NUL byte in text: the held write fails at COMMIT time.
        await insertOrDefer(tx, providers, [provider(good, 'Good'), provider(randomUUID(), 'Bad\u0000')]);
      }),
    ).rejects.toThrow();
    expect(await namesOf([direct, good])).toEqual(new Map());
    // The connection went back to the pool usable.
    const after = randomUUID();
    await batchTransaction(database.db, async (tx) => {
      await insertOrDefer(tx, providers, [provider(after, 'After')]);
    });
    expect(await namesOf([after])).toEqual(new Map([[after, 'After']]));
  });

  it('keeps working when the same shapes repeat on every connection, and side by side', async () => {
    const ids = Array.from({ length: 40 }, () => randomUUID());
    // Sequential (each shape's named statement is met again on connections that prepared it)…
    for (const id of ids.slice(0, 20))
      await batchTransaction(database.db, async (tx) => {
        await insertOrDefer(tx, providers, [provider(id, `Seq ${id.slice(0, 4)}`)]);
      });
    // …and concurrent, as two batches in flight are.
    await Promise.all(
      ids.slice(20).map((id) =>
        batchTransaction(database.db, async (tx) => {
          await insertOrDefer(tx, providers, [provider(id, `Par ${id.slice(0, 4)}`)]);
          await updateOrDefer(tx, providers, providers.id, id, { verified: true });
        }),
      ),
    );
    const rows = await database.db.select().from(providers).where(inArray(providers.id, ids));
    expect(rows).toHaveLength(40);
    expect(rows.filter((r) => r.verified)).toHaveLength(20);
  });
});
