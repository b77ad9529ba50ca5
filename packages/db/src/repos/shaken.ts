import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../client';
import { hops, providers, shakenPathFlags, tracebacks, tracebackShaken } from '../schema';
import { insertOrDefer } from './deferred';
import type { ProviderRow } from './providers';

export type TracebackShakenRow = typeof tracebackShaken.$inferSelect;
export type TracebackShakenInsert = typeof tracebackShaken.$inferInsert;

export async function insertTracebackShaken(
  db: Executor,
  row: TracebackShakenInsert,
): Promise<TracebackShakenRow> {
  const [created] = await db.insert(tracebackShaken).values(row).returning();
  if (!created) throw new Error('insert into traceback_shaken returned no row');
  return created;
}

export async function findTracebackShaken(
  db: Executor,
  tracebackId: string,
): Promise<TracebackShakenRow | undefined> {
  const [row] = await db.select().from(tracebackShaken).where(eq(tracebackShaken.tracebackId, tracebackId));
  return row;
}

/** The verification records of several tracebacks, by traceback id (one query). */
export async function findTracebackShakenMany(
  db: Executor,
  tracebackIds: string[],
): Promise<Map<string, TracebackShakenRow>> {
  if (tracebackIds.length === 0) return new Map();
  const rows = await db
    .select()
    .from(tracebackShaken)
    .where(inArray(tracebackShaken.tracebackId, [...new Set(tracebackIds)]));
  return new Map(rows.map((r) => [r.tracebackId, r]));
}

export async function updateTracebackShaken(
  db: Executor,
  tracebackId: string,
  patch: Partial<Omit<TracebackShakenInsert, 'tracebackId'>>,
): Promise<TracebackShakenRow> {
  const [row] = await db
    .update(tracebackShaken)
    .set(patch)
    .where(eq(tracebackShaken.tracebackId, tracebackId))
    .returning();
  if (!row) throw new Error(`traceback_shaken ${tracebackId} vanished during update`);
  return row;
}

/**
 * The provider that holds an SPC (OCN): merged-away records are skipped; if several hold it,
 * a verified one first, then the oldest.
 */
export async function findProviderByOcn(db: Executor, ocn: string): Promise<ProviderRow | undefined> {
  const [row] = await db
    .select()
    .from(providers)
    .where(and(sql`${providers.ocns} @> ARRAY[${ocn}]::text[]`, isNull(providers.mergedIntoId)))
    .orderBy(desc(providers.verified), asc(providers.createdAt))
    .limit(1);
  return row;
}

export interface ShakenSignerCounts {
  signed: number;
  byVerdict: Record<string, number>;
  byAttest: Record<string, number>;
  inconsistencies: Record<string, number>;
  /** Path flags counted against the provider: tracebacks per flag. */
  path: Record<string, number>;
}

export type ShakenPathFlagRow = typeof shakenPathFlags.$inferSelect;

/** The call of each hop (the traceback's call time and numbers), by hop id: what a received header is verified against. */
export async function callsOfHops(
  db: Executor,
  hopIds: string[],
): Promise<Map<string, { startedAt: Date; callingNumber: string; calledNumber: string }>> {
  if (hopIds.length === 0) return new Map();
  const rows = await db
    .select({
      hopId: hops.id,
      startedAt: tracebacks.callStartedAt,
      callingNumber: tracebacks.callingNumber,
      calledNumber: tracebacks.calledNumber,
    })
    .from(hops)
    .innerJoin(tracebacks, eq(tracebacks.id, hops.tracebackId))
    .where(inArray(hops.id, [...new Set(hopIds)]));
  return new Map(rows.map(({ hopId, ...call }) => [hopId, call]));
}

/** Raises path flags (held with the batch's writes when the transaction defers them); a flag raised before stays as it was. */
export async function raiseShakenPathFlags(
  db: Executor,
  rows: Array<typeof shakenPathFlags.$inferInsert>,
): Promise<void> {
  await insertOrDefer(db, shakenPathFlags, rows, { ignoreConflicts: true });
}

/** The path flags of a traceback. */
export async function shakenPathFlagsOf(db: Executor, tracebackId: string): Promise<ShakenPathFlagRow[]> {
  return db
    .select()
    .from(shakenPathFlags)
    .where(eq(shakenPathFlags.tracebackId, tracebackId))
    .orderBy(asc(shakenPathFlags.at), asc(shakenPathFlags.code));
}

/** Tracebacks signed by a provider, by verdict and attestation, and the inconsistencies found on them. */
export async function shakenCountsOfSigner(db: Executor, providerId: string): Promise<ShakenSignerCounts> {
  const groups = await db
    .select({
      verdict: tracebackShaken.verdict,
      attest: tracebackShaken.attest,
      n: sql<number>`count(*)::int`,
    })
    .from(tracebackShaken)
    .where(eq(tracebackShaken.signerProviderId, providerId))
    .groupBy(tracebackShaken.verdict, tracebackShaken.attest);
  const codes = await db
    .select({ code: sql<string>`code`, n: sql<number>`count(*)::int` })
    .from(sql`${tracebackShaken}, unnest(${tracebackShaken.inconsistencies}) AS code`)
    .where(eq(tracebackShaken.signerProviderId, providerId))
    .groupBy(sql`code`);
  const path = await db
    .select({
      code: shakenPathFlags.code,
      n: sql<number>`count(DISTINCT ${shakenPathFlags.tracebackId})::int`,
    })
    .from(shakenPathFlags)
    .where(eq(shakenPathFlags.providerId, providerId))
    .groupBy(shakenPathFlags.code);
  const counts: ShakenSignerCounts = {
    signed: 0,
    byVerdict: {},
    byAttest: {},
    inconsistencies: {},
    path: Object.fromEntries(path.map((p) => [p.code, p.n])),
  };
  for (const g of groups) {
    counts.signed += g.n;
    counts.byVerdict[g.verdict] = (counts.byVerdict[g.verdict] ?? 0) + g.n;
    const attest = g.attest ?? 'none';
    counts.byAttest[attest] = (counts.byAttest[attest] ?? 0) + g.n;
  }
  for (const c of codes) counts.inconsistencies[c.code] = c.n;
  return counts;
}
