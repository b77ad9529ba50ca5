import { and, eq, gt, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../client';
import { loginChallenges, recoveryCodes, sessions, userTotp, users } from '../schema';

export type UserTotpRow = typeof userTotp.$inferSelect;
export type LoginChallengeRow = typeof loginChallenges.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;

// --- TOTP -----------------------------------------------------------------------------------------------

export async function findUserTotp(db: Executor, userId: string): Promise<UserTotpRow | undefined> {
  const [row] = await db.select().from(userTotp).where(eq(userTotp.userId, userId));
  return row;
}

/** The row locked for the rest of the transaction: a user's code checks run one at a time. */
export async function lockUserTotp(db: Executor, userId: string): Promise<UserTotpRow | undefined> {
  const [row] = await db.select().from(userTotp).where(eq(userTotp.userId, userId)).for('update');
  return row;
}

/** Starts (or restarts) setting up a second factor: the sealed secret waits for a code to confirm it. */
export async function savePendingTotp(
  db: Executor,
  userId: string,
  pendingSecret: string,
  at: Date,
): Promise<void> {
  await db
    .insert(userTotp)
    .values({ userId, pendingSecret, createdAt: at })
    .onConflictDoUpdate({ target: userTotp.userId, set: { pendingSecret } });
}

export async function updateUserTotp(
  db: Executor,
  userId: string,
  patch: Partial<Omit<UserTotpRow, 'userId' | 'createdAt'>>,
): Promise<void> {
  await db.update(userTotp).set(patch).where(eq(userTotp.userId, userId));
}

/**
 * Removes a user's second factor, its recovery codes and any sign-in waiting for a code. Lock order, as
 * at sign-in: the challenges, then the factor, then the codes.
 */
export async function deleteSecondFactor(db: Executor, userId: string): Promise<boolean> {
  await db.delete(loginChallenges).where(eq(loginChallenges.userId, userId));
  const removed = await db
    .delete(userTotp)
    .where(eq(userTotp.userId, userId))
    .returning({ secret: userTotp.secret });
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  return removed.some((r) => r.secret !== null);
}

/**
 * Locks a user's waiting sign-ins before their factor is locked (the order a sign-in takes them in), so a
 * change to the factor and a sign-in under way cannot deadlock.
 */
export async function lockChallengesOfUser(db: Executor, userId: string): Promise<void> {
  await db
    .select({ id: loginChallenges.id })
    .from(loginChallenges)
    .where(eq(loginChallenges.userId, userId))
    .for('update');
}

// --- Recovery codes -------------------------------------------------------------------------------------

/** Replaces a user's recovery codes with these (hashes). */
export async function replaceRecoveryCodes(
  db: Executor,
  userId: string,
  codeHashes: string[],
  at: Date,
): Promise<void> {
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  if (codeHashes.length)
    await db
      .insert(recoveryCodes)
      .values(codeHashes.map((codeHash) => ({ userId, codeHash, createdAt: at })));
}

/** Spends one unused recovery code; false when there is no such code or it was spent already. */
export async function spendRecoveryCode(
  db: Executor,
  userId: string,
  codeHash: string,
  at: Date,
): Promise<boolean> {
  const spent = await db
    .update(recoveryCodes)
    .set({ usedAt: at })
    .where(
      and(
        eq(recoveryCodes.userId, userId),
        eq(recoveryCodes.codeHash, codeHash),
        isNull(recoveryCodes.usedAt),
      ),
    )
    .returning({ id: recoveryCodes.id });
  return spent.length > 0;
}

export async function countRecoveryCodesLeft(db: Executor, userId: string): Promise<number> {
  return db.$count(recoveryCodes, and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
}

// --- Sign-in challenges ---------------------------------------------------------------------------------

export async function insertLoginChallenge(
  db: Executor,
  row: typeof loginChallenges.$inferInsert,
): Promise<LoginChallengeRow> {
  const [created] = await db.insert(loginChallenges).values(row).returning();
  if (!created) throw new Error('insert into login_challenges returned no row');
  return created;
}

/**
 * Takes one try of a live challenge of this purpose (not expired, tries left), atomically: two requests
 * with the same challenge cannot both take its last try. Undefined when there is none to take.
 */
export async function claimChallengeTry(
  db: Executor,
  tokenHash: string,
  purpose: LoginChallengeRow['purpose'],
  now: Date,
  maxTries: number,
): Promise<LoginChallengeRow | undefined> {
  const [row] = await db
    .update(loginChallenges)
    .set({ attempts: sql`${loginChallenges.attempts} + 1` })
    .where(
      and(
        eq(loginChallenges.tokenHash, tokenHash),
        eq(loginChallenges.purpose, purpose),
        gt(loginChallenges.expiresAt, now),
        lt(loginChallenges.attempts, maxTries),
      ),
    )
    .returning();
  return row;
}

/** A live challenge, without taking a try (setting up the secret during enrolment is no guess). */
export async function findLiveChallenge(
  db: Executor,
  tokenHash: string,
  purpose: LoginChallengeRow['purpose'],
  now: Date,
  maxTries: number,
): Promise<LoginChallengeRow | undefined> {
  const [row] = await db
    .select()
    .from(loginChallenges)
    .where(
      and(
        eq(loginChallenges.tokenHash, tokenHash),
        eq(loginChallenges.purpose, purpose),
        gt(loginChallenges.expiresAt, now),
        lt(loginChallenges.attempts, maxTries),
      ),
    );
  return row;
}

/** Uses a challenge up; false when another request did first (it is single-use). */
export async function deleteChallenge(db: Executor, id: string): Promise<boolean> {
  const gone = await db
    .delete(loginChallenges)
    .where(eq(loginChallenges.id, id))
    .returning({ id: loginChallenges.id });
  return gone.length > 0;
}

// --- Sessions -------------------------------------------------------------------------------------------

/** A session is alive until its absolute end and while it was used within the idle timeout. */
const alive = (now: Date, idleSince: Date) =>
  and(gt(sessions.expiresAt, now), gt(sessions.lastUsedAt, idleSince));

/** The session behind a token with its user, when both are alive (not expired, not idle, user not disabled). */
export async function findLiveSession(
  db: Executor,
  tokenHash: string,
  now: Date,
  idleSince: Date,
): Promise<{ session: SessionRow; user: typeof users.$inferSelect } | undefined> {
  const [row] = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, tokenHash), alive(now, idleSince), isNull(users.disabledAt)));
  return row;
}

export async function touchSession(db: Executor, id: string, at: Date): Promise<void> {
  await db.update(sessions).set({ lastUsedAt: at }).where(eq(sessions.id, id));
}

/** A user's live sessions, the most recently used first. */
export async function listLiveSessions(
  db: Executor,
  userId: string,
  now: Date,
  idleSince: Date,
): Promise<SessionRow[]> {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), alive(now, idleSince)))
    .orderBy(sql`${sessions.lastUsedAt} DESC, ${sessions.createdAt} DESC, ${sessions.id} DESC`)
    .limit(200);
}

/** Ends one of a user's sessions; false when the user has no such session. */
export async function deleteSessionOfUser(db: Executor, userId: string, id: string): Promise<boolean> {
  const gone = await db
    .delete(sessions)
    .where(and(eq(sessions.id, id), eq(sessions.userId, userId)))
    .returning({ id: sessions.id });
  return gone.length > 0;
}

/** Deletes every session past its end or its idle timeout (of one user, or all); returns how many. */
export async function deleteDeadSessions(
  db: Executor,
  now: Date,
  idleSince: Date,
  userId?: string,
): Promise<number> {
  const dead = or(lte(sessions.expiresAt, now), lte(sessions.lastUsedAt, idleSince));
  const gone = await db
    .delete(sessions)
    .where(userId ? and(eq(sessions.userId, userId), dead) : dead)
    .returning({ id: sessions.id });
  return gone.length;
}

/** Deletes the sign-in challenges that have expired; returns how many. */
export async function deleteExpiredChallenges(db: Executor, now: Date): Promise<number> {
  const gone = await db
    .delete(loginChallenges)
    .where(lte(loginChallenges.expiresAt, now))
    .returning({ id: loginChallenges.id });
  return gone.length;
}
