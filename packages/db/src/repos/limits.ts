import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../client';
import { busySlots, idempotencyKeys, loginThrottles, rateLimits } from '../schema';

// ---------------------------------------------------------------------------------------------
// Idempotency-Key claims (decisions 0005, 0019)

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;

/**
 * Claims an idempotency key until `lockedUntil`. A claim whose lease has lapsed without a response
 * (its process died before answering) is taken over, whatever body it was for: that request did
 * not finish. Otherwise returns the row that holds the key.
 */
export async function claimIdempotencyKey(
  db: Executor,
  row: {
    owner: string;
    key: string;
    method: string;
    path: string;
    requestHash: string | null;
    now: Date;
    lockedUntil: Date;
  },
): Promise<{ claimed: true; takenOver: boolean } | { claimed: false; existing: IdempotencyRow }> {
  const { now, ...values } = row;
  const claimed = await db
    .insert(idempotencyKeys)
    .values({ ...values, createdAt: now })
    .onConflictDoUpdate({
      target: [idempotencyKeys.owner, idempotencyKeys.key],
      set: {
        method: values.method,
        path: values.path,
        requestHash: values.requestHash,
        lockedUntil: values.lockedUntil,
        createdAt: now,
      },
      setWhere: and(
        isNull(idempotencyKeys.statusCode),
        or(isNull(idempotencyKeys.lockedUntil), lte(idempotencyKeys.lockedUntil, now)),
      ),
    })
    // xmax is 0 on a freshly inserted row version and set on one written by the update.
    .returning({ takenOver: sql<boolean>`xmax <> 0` });
  if (claimed[0]) return { claimed: true, takenOver: Boolean(claimed[0].takenOver) };
  const [existing] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.owner, row.owner), eq(idempotencyKeys.key, row.key)));
  if (!existing) return claimIdempotencyKey(db, row);
  return { claimed: false, existing };
}

/** Pushes a running claim's lease on; false when the claim is no longer ours to renew. */
export async function renewIdempotencyKey(
  db: Executor,
  owner: string,
  key: string,
  lockedUntil: Date,
): Promise<boolean> {
  const rows = await db
    .update(idempotencyKeys)
    .set({ lockedUntil })
    .where(
      and(eq(idempotencyKeys.owner, owner), eq(idempotencyKeys.key, key), isNull(idempotencyKeys.statusCode)),
    )
    .returning({ key: idempotencyKeys.key });
  return rows.length > 0;
}

/** Stores the answer for good (and, for a streamed body, the hash of what was read). */
export async function completeIdempotencyKey(
  db: Executor,
  owner: string,
  key: string,
  answer: { statusCode: number; responseBody: string; requestHash?: string | undefined },
): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({
      statusCode: answer.statusCode,
      responseBody: answer.responseBody,
      lockedUntil: null,
      ...(answer.requestHash ? { requestHash: answer.requestHash } : {}),
    })
    .where(and(eq(idempotencyKeys.owner, owner), eq(idempotencyKeys.key, key)));
}

/** A request that failed with a server error (or whose body could not be read) may be retried with the same key. */
export async function releaseIdempotencyKey(db: Executor, owner: string, key: string): Promise<void> {
  await db
    .delete(idempotencyKeys)
    .where(
      and(eq(idempotencyKeys.owner, owner), eq(idempotencyKeys.key, key), isNull(idempotencyKeys.statusCode)),
    );
}

// ---------------------------------------------------------------------------------------------
// Rate limits: fixed windows counted in the database, so every process counts the same hits

/** Counts one hit in a bucket's window; returns the hits of that window so far, this one included. */
export async function hitRateLimit(
  db: Executor,
  hit: { bucket: string; windowStart: Date; expiresAt: Date },
): Promise<number> {
  const [row] = await db
    .insert(rateLimits)
    .values({ ...hit, hits: 1 })
    .onConflictDoUpdate({
      target: [rateLimits.bucket, rateLimits.windowStart],
      set: { hits: sql`${rateLimits.hits} + 1` },
    })
    .returning({ hits: rateLimits.hits });
  return row!.hits;
}

/** The hits of a bucket's window so far, without counting one. */
export async function readRateLimit(db: Executor, bucket: string, windowStart: Date): Promise<number> {
  const [row] = await db
    .select({ hits: rateLimits.hits })
    .from(rateLimits)
    .where(and(eq(rateLimits.bucket, bucket), eq(rateLimits.windowStart, windowStart)));
  return row?.hits ?? 0;
}

/** Windows that have ended count for nothing; any process may drop them. */
export async function deleteExpiredRateLimits(db: Executor, now: Date): Promise<void> {
  await db.delete(rateLimits).where(lt(rateLimits.expiresAt, now));
}

// ---------------------------------------------------------------------------------------------
// Login throttles

export type LoginThrottleRow = typeof loginThrottles.$inferSelect;

/**
 * The throttle rows of these keys, created when missing and locked for the transaction (in key
 * order, so two sign-ins for one account serialise instead of deadlocking). Call inside a transaction.
 */
export async function lockLoginThrottles(tx: Executor, keys: string[]): Promise<LoginThrottleRow[]> {
  const sorted = [...new Set(keys)].sort();
  await tx
    .insert(loginThrottles)
    .values(sorted.map((key) => ({ key })))
    .onConflictDoNothing();
  return tx
    .select()
    .from(loginThrottles)
    .where(inArray(loginThrottles.key, sorted))
    .orderBy(asc(loginThrottles.key))
    .for('update');
}

export async function saveLoginThrottle(
  tx: Executor,
  row: Pick<LoginThrottleRow, 'key'> & Partial<Omit<LoginThrottleRow, 'key'>>,
): Promise<void> {
  const { key, ...set } = row;
  await tx.update(loginThrottles).set(set).where(eq(loginThrottles.key, key));
}

/** Rows with nothing left to remember: no failure since `before` and no success to keep the address known. */
export async function deleteStaleLoginThrottles(db: Executor, before: Date): Promise<void> {
  await db
    .delete(loginThrottles)
    .where(
      and(
        or(isNull(loginThrottles.lastFailureAt), lt(loginThrottles.lastFailureAt, before)),
        or(isNull(loginThrottles.lastSuccessAt), lt(loginThrottles.lastSuccessAt, before)),
        or(isNull(loginThrottles.blockedUntil), lt(loginThrottles.blockedUntil, before)),
      ),
    );
}

// ---------------------------------------------------------------------------------------------
// Busy slots: at most so many of a kind of work at once, across processes

/**
 * Takes the first free one of `names` for `holder` until `expiresAt` (a slot whose holder let its
 * lease lapse is free). Returns the slot's name, or null when all are held.
 */
export async function claimBusySlot(
  db: Executor,
  names: string[],
  holder: string,
  now: Date,
  expiresAt: Date,
): Promise<string | null> {
  for (const name of names) {
    const [row] = await db
      .insert(busySlots)
      .values({ name, holder, expiresAt })
      .onConflictDoUpdate({
        target: busySlots.name,
        set: { holder, expiresAt },
        setWhere: lte(busySlots.expiresAt, now),
      })
      .returning({ name: busySlots.name });
    if (row) return row.name;
  }
  return null;
}

export async function renewBusySlot(
  db: Executor,
  name: string,
  holder: string,
  expiresAt: Date,
): Promise<void> {
  await db
    .update(busySlots)
    .set({ expiresAt })
    .where(and(eq(busySlots.name, name), eq(busySlots.holder, holder)));
}

export async function releaseBusySlot(db: Executor, name: string, holder: string): Promise<void> {
  await db.delete(busySlots).where(and(eq(busySlots.name, name), eq(busySlots.holder, holder)));
}
