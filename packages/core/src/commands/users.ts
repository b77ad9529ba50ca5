import type { TPasswordChange, TUserCreate, TUserPatch } from '@hoptrace/contracts';
import {
  deleteSessionsOfUser,
  findAgency,
  updateUserRow,
  findProvider,
  findUser,
  findUserByEmail,
  insertApiKey,
  insertUser,
  revokeApiKeyRow,
  setUserDisabled,
  type ApiKeyRow,
  type UserView,
} from '@hoptrace/db';
import { generateSecret, hashPassword, hashSecret, invalidateApiKeys, verifyPassword } from '../auth';
import { audit, changedFields } from '../audit';
import type { CommandContext } from '../context';
import { assertStrongPassword } from '../passwords';
import { pgErrorCode } from '../context';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { authorize, policy } from '../policies';

export async function createUser(ctx: CommandContext & { input: TUserCreate }): Promise<UserView> {
  const { db, actor, input } = ctx;
  authorize(policy.manageUsers(actor), 'route');
  if (input.providerId && !(await findProvider(db, input.providerId)))
    throw InvalidInputError.field('providerId', 'is not a provider in the directory');
  if (input.role === 'enforcement' && !input.agencyId)
    throw InvalidInputError.field('agencyId', 'an enforcement user must name its agency');
  if (input.role !== 'enforcement' && input.agencyId)
    throw InvalidInputError.field('agencyId', 'only enforcement users act for an agency');
  if (input.agencyId && !(await findAgency(db, input.agencyId)))
    throw InvalidInputError.field('agencyId', 'is not an agency in the directory');
  if (await findUserByEmail(db, input.email))
    throw new ConflictError(`a user with email ${input.email} already exists`);
  if (input.password) assertStrongPassword('password', input.password, [input.email, input.name]);
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  try {
    const created = await db.transaction(async (tx) => {
      const user = await insertUser(tx, {
        email: input.email.toLowerCase(),
        name: input.name,
        role: input.role,
        providerId: input.providerId ?? null,
        agencyId: input.role === 'enforcement' ? (input.agencyId ?? null) : null,
        passwordHash,
        createdAt: ctx.clock.now(),
      });
      await audit(tx, ctx, {
        action: 'user.created',
        subject: 'user',
        subjectId: user.id,
        details: {
          email: user.email,
          role: user.role,
          providerId: user.providerId,
          agencyId: user.agencyId,
          password: passwordHash !== null,
        },
      });
      return user;
    });
    return { ...created, agencyName: (await findUser(db, created.id))?.agencyName ?? null };
  } catch (err) {
    if (pgErrorCode(err) === '23505')
      throw new ConflictError(`a user with email ${input.email} already exists`);
    throw err;
  }
}

/** Returns the key once; only its SHA-256 is stored. */
export async function createApiKey(
  ctx: CommandContext & { userId: string; input: { name: string; scopes: string[] } },
): Promise<{ row: ApiKeyRow; key: string }> {
  const { db, actor, userId, input } = ctx;
  if (!policy.createApiKey(actor, userId)) throw new NotFoundError('user');
  if (!(await findUser(db, userId))) throw new NotFoundError('user');
  const key = generateSecret('htk');
  const row = await db.transaction(async (tx) => {
    const created = await insertApiKey(tx, {
      userId,
      name: input.name,
      prefix: key.slice(0, 12),
      keyHash: hashSecret(key),
      scopes: [...new Set(input.scopes)],
      createdAt: ctx.clock.now(),
    });
    await audit(tx, ctx, {
      action: 'api_key.created',
      subject: 'api_key',
      subjectId: created.id,
      details: { userId, name: created.name, scopes: created.scopes },
    });
    return created;
  });
  return { row, key };
}

/** Revokes one of a user's keys; this process stops accepting it at once, others within the key cache's TTL. */
export async function revokeApiKey(
  ctx: CommandContext & { userId: string; keyId: string },
): Promise<ApiKeyRow> {
  const { db, actor, userId, keyId } = ctx;
  if (!policy.createApiKey(actor, userId)) throw new NotFoundError('API key');
  const row = await db.transaction(async (tx) => {
    const revoked = await revokeApiKeyRow(tx, userId, keyId, ctx.clock.now());
    if (revoked)
      await audit(tx, ctx, {
        action: 'api_key.revoked',
        subject: 'api_key',
        subjectId: revoked.id,
        details: { userId, name: revoked.name },
      });
    return revoked;
  });
  if (!row) throw new NotFoundError('API key');
  invalidateApiKeys({ keyId: row.id });
  return row;
}

/** Disables (or re-enables) a user: their sessions and API keys stop working, in this process at once. */
export async function disableUser(
  ctx: CommandContext & { userId: string; disabled: boolean },
): Promise<UserView> {
  const { db, actor, userId } = ctx;
  authorize(policy.manageUsers(actor), 'route');
  const row = await db.transaction(async (tx) => {
    const changed = await setUserDisabled(tx, userId, ctx.disabled ? ctx.clock.now() : null);
    if (changed)
      await audit(tx, ctx, {
        action: ctx.disabled ? 'user.disabled' : 'user.enabled',
        subject: 'user',
        subjectId: userId,
        details: { email: changed.email },
      });
    return changed;
  });
  if (!row) throw new NotFoundError('user');
  invalidateApiKeys({ userId });
  return { ...row, agencyName: (await findUser(db, userId))?.agencyName ?? null };
}

/**
 * An admin changes a user's name, role and provider binding, or disables them (sessions end, keys stop
 * working) and enables them again. Admins cannot demote or disable themselves (nobody would be left to undo it).
 */
export async function updateUser(
  ctx: CommandContext & { userId: string; input: TUserPatch },
): Promise<UserView> {
  const { db, actor, userId, input } = ctx;
  authorize(policy.manageUsers(actor), 'route');
  const user = await findUser(db, userId);
  if (!user) throw new NotFoundError('user');
  if (actor.userId === userId) {
    if (input.role !== undefined && input.role !== user.role)
      throw InvalidInputError.field('role', 'you cannot change your own role; ask another admin');
    if (input.disabled) throw InvalidInputError.field('disabled', 'you cannot disable your own account');
  }
  const role = input.role ?? user.role;
  // Leaving the provider role drops the binding; taking it needs one (given now or kept from before).
  let providerId =
    input.providerId !== undefined ? input.providerId : role === 'provider' ? user.providerId : null;
  if (role !== 'provider' && input.providerId)
    throw InvalidInputError.field('providerId', 'only provider users are bound to a provider');
  if (role === 'provider') {
    if (!providerId) throw InvalidInputError.field('providerId', 'a provider user must name its provider');
    if (!(await findProvider(db, providerId)))
      throw InvalidInputError.field('providerId', 'is not a provider in the directory');
  } else providerId = null;
  // The same for enforcement users and their agency.
  let agencyId =
    input.agencyId !== undefined ? input.agencyId : role === 'enforcement' ? user.agencyId : null;
  if (role !== 'enforcement' && input.agencyId)
    throw InvalidInputError.field('agencyId', 'only enforcement users act for an agency');
  if (role === 'enforcement') {
    if (!agencyId) throw InvalidInputError.field('agencyId', 'an enforcement user must name its agency');
    if (!(await findAgency(db, agencyId)))
      throw InvalidInputError.field('agencyId', 'is not an agency in the directory');
  } else agencyId = null;
  const disabledAt =
    input.disabled === undefined
      ? user.disabledAt
      : input.disabled
        ? (user.disabledAt ?? ctx.clock.now())
        : null;
  const row = await db.transaction(async (tx) => {
    const updated = await updateUserRow(tx, userId, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      role,
      providerId,
      agencyId,
      disabledAt,
    });
    // A disabled user is signed out everywhere; a changed role or provider also ends old sessions.
    if (disabledAt || role !== user.role || providerId !== user.providerId || agencyId !== user.agencyId)
      await deleteSessionsOfUser(tx, userId);
    const changed = changedFields(user, { name: input.name, role, providerId, agencyId, disabledAt });
    if (updated && changed.length)
      await audit(tx, ctx, {
        action: 'user.updated',
        subject: 'user',
        subjectId: userId,
        details: {
          email: user.email,
          changed,
          ...(role !== user.role ? { role: { from: user.role, to: role } } : {}),
          ...(providerId !== user.providerId
            ? { providerId: { from: user.providerId, to: providerId } }
            : {}),
          ...(agencyId !== user.agencyId ? { agencyId: { from: user.agencyId, to: agencyId } } : {}),
          ...(changed.includes('disabledAt') ? { disabled: disabledAt !== null } : {}),
        },
      });
    return updated;
  });
  if (!row) throw new NotFoundError('user');
  invalidateApiKeys({ userId });
  return { ...row, agencyName: (await findUser(db, userId))?.agencyName ?? null };
}

/**
 * A user changes their own password, proving the current one; their other sessions end. A user without a
 * password (made for API keys only) cannot set one here.
 */
export async function changePassword(
  ctx: CommandContext & { input: TPasswordChange; keepSessionTokenHash?: string | undefined },
): Promise<void> {
  const { db, actor, input } = ctx;
  if (!actor.userId || actor.hopScope) throw new NotFoundError('user');
  const user = await findUser(db, actor.userId);
  if (!user) throw new NotFoundError('user');
  if (!user.passwordHash || !(await verifyPassword(user.passwordHash, input.currentPassword)))
    throw InvalidInputError.field('currentPassword', 'is not your current password');
  assertStrongPassword('newPassword', input.newPassword, [user.email, user.name]);
  const passwordHash = await hashPassword(input.newPassword);
  await db.transaction(async (tx) => {
    await updateUserRow(tx, user.id, { passwordHash });
    const ended = await deleteSessionsOfUser(tx, user.id, ctx.keepSessionTokenHash);
    await audit(tx, ctx, {
      action: 'user.password_changed',
      subject: 'user',
      subjectId: user.id,
      details: { email: user.email, sessionsEnded: ended },
    });
  });
}
