import { createHash } from 'node:crypto';
import { drizzle } from 'drizzle-orm/node-postgres';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { Db, Tx } from './client';
import * as schema from './schema';
import { deferWrites, discardHeldWrites, flushWrites, heldWritesStatement } from './repos/deferred';

const dialect = new PgDialect();

/** Names given to held-write statements so far (each connection prepares a name once). */
const statementNames = new Map<string, string>();
/** Beyond this many different texts, statements go unnamed (planned each time) rather than pile up. */
const MAX_NAMED = 256;

/**
 * The held writes as a named statement: their text depends only on the shape of the batch (which
 * tables, which columns, how many rows to update), so PostgreSQL plans each shape once per
 * connection instead of once per batch (a plan of the combined statement costs ~0.4 ms).
 */
function named(q: { sql: string; params: unknown[] }): pg.QueryConfig {
  let name = statementNames.get(q.sql);
  if (name === undefined && statementNames.size < MAX_NAMED) {
    name = `held_writes_${createHash('sha1').update(q.sql).digest('hex').slice(0, 20)}`;
    statementNames.set(q.sql, name);
  }
  return name === undefined ? { text: q.sql, values: q.params } : { name, text: q.sql, values: q.params };
}

/**
 * A batch's statements are prepared by name and written so that their plan does not depend on
 * their parameters (keys found by index, from arrays of ids). PostgreSQL would still plan them
 * again on every run (a "custom" plan: the run's array looks cheaper than the generic guess),
 * about 0.1–0.3 ms each; within the batch's transaction it keeps the plan it has instead.
 */
const GENERIC_PLANS = 'SET LOCAL plan_cache_mode = force_generic_plan';

/**
 * One Drizzle session per pooled connection, kept with it: statements prepared by name on it
 * (repos keep them per executor) are built once per connection, not once per transaction.
 */
const sessions = new WeakMap<pg.PoolClient, Tx>();

/**
 * A transaction in two round trips, for group commit (a batch of hop answers): its writes are
 * held (repos/deferred.ts) and leave with its COMMIT. On PostgreSQL the connection is in pg's
 * pipeline mode, so
 * - BEGIN leaves with the statements `fn` issues first — issued together (`Promise.all`), the
 *   lock and the reads of a batch are one round trip with it;
 * - the held writes leave with COMMIT, without waiting in between.
 * That is two round trips where `db.transaction` with a flush takes four or more; on a machine
 * where a round trip to the database costs most of a millisecond, that is most of an answer's wait.
 *
 * `fn`'s statements run on generic plans (see GENERIC_PLANS): they should find their rows by key,
 * as the answer path's do; a search whose best plan depends on its parameters' values does not
 * belong in a batch. `fn` must hold every write whose result it does not read back. If `fn`
 * throws, nothing is written. If the held writes fail, the COMMIT behind them finds the transaction aborted and
 * rolls it back, and the write's error is thrown. The transaction passed to `fn` does not nest
 * (no savepoints).
 *
 * On PGlite (in this process, no round trips), or on a pool not in pipeline mode (`openDatabase`
 * always makes one that is), it is `db.transaction` with the same held writes.
 */
export async function batchTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const pool = (db as { $client?: unknown }).$client;
  if (!(pool instanceof pg.Pool) || !(pool.options as { pipeline?: boolean }).pipeline)
    return db.transaction(async (tx) => {
      deferWrites(tx);
      const result = await fn(tx);
      await flushWrites(tx);
      return result;
    });
  const client = await pool.connect();
  // A connection whose ROLLBACK or COMMIT failed is in an unknown state: the pool drops it.
  let broken: Error | undefined;
  try {
    let tx = sessions.get(client);
    if (!tx) sessions.set(client, (tx = drizzle(client, { schema }) as unknown as Tx));
    deferWrites(tx);
    const rollback = async () => {
      discardHeldWrites(tx);
      await client.query('ROLLBACK').catch((e: Error) => (broken = e));
    };
    // Not awaited: the first statements of `fn` follow it on the wire.
    const begin = client.query('BEGIN');
    begin.catch(() => undefined);
    // Behind it, in the same round trip: the batch's prepared statements run on the plan their
    // connection keeps (GENERIC_PLANS).
    client.query(GENERIC_PLANS).catch(() => undefined);
    let result: T;
    let write: pg.QueryConfig | undefined;
    try {
      result = await fn(tx);
      // Every statement of `fn` came after BEGIN and has answered, so BEGIN has too.
      await begin;
      const held = heldWritesStatement(tx);
      if (held) write = named(dialect.sqlToQuery(held));
    } catch (error) {
      await rollback();
      throw error;
    }
    // Both are sent here, in this order, before either answers.
    const [written, committed] = await Promise.allSettled([
      write ? client.query(write) : undefined,
      client.query('COMMIT'),
    ]);
    if (committed.status === 'rejected') broken = committed.reason as Error;
    if (written.status === 'rejected') throw written.reason;
    if (committed.status === 'rejected') throw committed.reason;
    return result;
  } finally {
    client.release(broken ?? false);
  }
}
