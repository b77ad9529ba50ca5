import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Executor } from '../client';
import { agencies, apiKeys, sessions, users } from '../schema';

export type UserRow = typeof users.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;

export async function insertUser(db: Executor, row: typeof users.$inferInsert): Promise<UserRow> {
  const [created] = await db.insert(users).values(row).returning();
  if (!created) throw new Error('insert into users returned no row');
  return created;
}

/** A user with the name of its agency (enforcement users), for presenters. */
export type UserView = UserRow & { agencyName: string | null };

export async function findUser(db: Executor, id: string): Promise<UserView | undefined> {
  const [row] = await db
    .select({ u: users, agencyName: agencies.name })
    .from(users)
    .leftJoin(agencies, eq(agencies.id, users.agencyId))
    .where(eq(users.id, id));
  return row ? { ...row.u, agencyName: row.agencyName } : undefined;
}

export async function findUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = lower(${email})`);
  return row;
}

export async function countUsers(db: Executor): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
  return row?.n ?? 0;
}

/** Role, provider binding and name of a user (the users_provider_binding check keeps them consistent). */
export async function updateUserRow(
  db: Executor,
  id: string,
  patch: Partial<Pick<UserRow, 'name' | 'role' | 'providerId' | 'agencyId' | 'passwordHash' | 'disabledAt'>>,
): Promise<UserRow | undefined> {
  const [row] = await db.update(users).set(patch).where(eq(users.id, id)).returning();
  return row;
}

/** Ends a user's sessions, all of them or all but one (the session that asked); returns how many ended. */
export async function deleteSessionsOfUser(
  db: Executor,
  userId: string,
  exceptTokenHash?: string,
): Promise<number> {
  const gone = await db
    .delete(sessions)
    .where(
      exceptTokenHash
        ? and(eq(sessions.userId, userId), ne(sessions.tokenHash, exceptTokenHash))
        : eq(sessions.userId, userId),
    )
    .returning({ id: sessions.id });
  return gone.length;
}

export async function insertSession(
  db: Executor,
  row: typeof sessions.$inferInsert,
): Promise<typeof sessions.$inferSelect> {
  const [created] = await db.insert(sessions).values(row).returning();
  if (!created) throw new Error('insert into sessions returned no row');
  return created;
}

/** Deletes the session with this token hash; returns whose it was (nothing when there was none). */
export async function deleteSession(
  db: Executor,
  tokenHash: string,
): Promise<{ id: string; userId: string } | undefined> {
  const [gone] = await db
    .delete(sessions)
    .where(eq(sessions.tokenHash, tokenHash))
    .returning({ id: sessions.id, userId: sessions.userId });
  return gone;
}

export async function insertApiKey(db: Executor, row: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
  const [created] = await db.insert(apiKeys).values(row).returning();
  if (!created) throw new Error('insert into api_keys returned no row');
  return created;
}

export async function findApiKeyUser(
  db: Executor,
  keyHash: string,
): Promise<{ user: UserRow | null; key: ApiKeyRow } | undefined> {
  // A feed key has no user; a user's key stops working when the user is disabled.
  const [row] = await db
    .select({ user: users, key: apiKeys })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.userId))
    .where(
      and(
        eq(apiKeys.keyHash, keyHash),
        isNull(apiKeys.revokedAt),
        sql`(${apiKeys.sourceId} is not null or (${users.id} is not null and ${users.disabledAt} is null))`,
      ),
    );
  return row;
}

/** Records that a key was used; callers write this at most once a minute per key, not per request. */
export async function touchApiKey(db: Executor, id: string, at: Date): Promise<void> {
  await db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id));
}

/** Revokes a key of this user; undefined when there is no such key (or it is another user's). */
export async function revokeApiKeyRow(
  db: Executor,
  userId: string,
  keyId: string,
  at: Date,
): Promise<ApiKeyRow | undefined> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${at.toISOString()}::timestamptz)` })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.userId, userId)))
    .returning();
  return row;
}

/** Disables a user (or enables again with null); their sessions and keys stop working. */
export async function setUserDisabled(
  db: Executor,
  id: string,
  at: Date | null,
): Promise<UserRow | undefined> {
  const [row] = await db.update(users).set({ disabledAt: at }).where(eq(users.id, id)).returning();
  return row;
}
