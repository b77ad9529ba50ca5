import { aliasedTable, and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../client';
import { referrals, users } from '../schema';

export type ReferralRow = typeof referrals.$inferSelect;
export type ReferralInsert = typeof referrals.$inferInsert;
/** A referral with the emails of who referred and who withdrew it, for presenters. */
export type ReferralView = ReferralRow & { referredByEmail: string | null; withdrawnByEmail: string | null };

/** Inserts a live referral; the partial unique index refuses a second live one for the same traceback and agency (23505). */
export async function insertReferral(db: Executor, row: ReferralInsert): Promise<ReferralRow> {
  const [created] = await db.insert(referrals).values(row).returning();
  if (!created) throw new Error('insert into referrals returned no row');
  return created;
}

/** The live referrals of a traceback among these agencies (to report the ones already referred). */
export async function liveReferralsTo(
  db: Executor,
  tracebackId: string,
  agencyIds: string[],
): Promise<ReferralRow[]> {
  if (agencyIds.length === 0) return [];
  return db
    .select()
    .from(referrals)
    .where(
      and(
        eq(referrals.tracebackId, tracebackId),
        inArray(referrals.agencyId, agencyIds),
        isNull(referrals.withdrawnAt),
      ),
    );
}

export async function findReferral(db: Executor, id: string): Promise<ReferralRow | undefined> {
  const [row] = await db.select().from(referrals).where(eq(referrals.id, id));
  return row;
}

/** The live referral of a traceback to an agency, if any. */
export async function findLiveReferral(
  db: Executor,
  tracebackId: string,
  agencyId: string,
): Promise<ReferralRow | undefined> {
  const [row] = await db
    .select()
    .from(referrals)
    .where(
      and(
        eq(referrals.tracebackId, tracebackId),
        eq(referrals.agencyId, agencyId),
        isNull(referrals.withdrawnAt),
      ),
    );
  return row;
}

/** Marks a live referral withdrawn; undefined when it was already withdrawn (or is not of this traceback). */
export async function withdrawReferralRow(
  db: Executor,
  tracebackId: string,
  id: string,
  by: string | null,
  at: Date,
): Promise<ReferralRow | undefined> {
  const [row] = await db
    .update(referrals)
    .set({ withdrawnAt: at, withdrawnBy: by })
    .where(and(eq(referrals.id, id), eq(referrals.tracebackId, tracebackId), isNull(referrals.withdrawnAt)))
    .returning();
  return row;
}

const referrer = aliasedTable(users, 'referrer');
const withdrawer = aliasedTable(users, 'withdrawer');

/**
 * A traceback's referrals, oldest first, with who made and withdrew them. With `agency`, only that
 * agency's live ones (what an enforcement user may see).
 */
export async function referralsOf(
  db: Executor,
  tracebackId: string,
  only?: { agencyId: string },
): Promise<ReferralView[]> {
  const rows = await db
    .select({ r: referrals, referredByEmail: referrer.email, withdrawnByEmail: withdrawer.email })
    .from(referrals)
    .leftJoin(referrer, eq(referrer.id, referrals.referredBy))
    .leftJoin(withdrawer, eq(withdrawer.id, referrals.withdrawnBy))
    .where(
      only
        ? and(
            eq(referrals.tracebackId, tracebackId),
            eq(referrals.agencyId, only.agencyId),
            isNull(referrals.withdrawnAt),
          )
        : eq(referrals.tracebackId, tracebackId),
    )
    .orderBy(asc(referrals.referredAt), asc(referrals.id));
  return rows.map((x) => ({
    ...x.r,
    referredByEmail: x.referredByEmail,
    withdrawnByEmail: x.withdrawnByEmail,
  }));
}

/** Whether a live referral of the traceback to the user's agency exists (one indexed probe). */
export async function isReferredToUser(db: Executor, tracebackId: string, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ one: sql<number>`1` })
    .from(referrals)
    .innerJoin(users, eq(users.agencyId, referrals.agencyId))
    .where(and(eq(users.id, userId), eq(referrals.tracebackId, tracebackId), isNull(referrals.withdrawnAt)))
    .limit(1);
  return row !== undefined;
}
