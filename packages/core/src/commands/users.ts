import type { TUserCreate } from '@hoptrace/contracts';
import {
  findProvider,
  findUser,
  findUserByEmail,
  insertApiKey,
  insertUser,
  type ApiKeyRow,
  type UserRow,
} from '@hoptrace/db';
import { generateSecret, hashPassword, hashSecret } from '../auth';
import type { CommandContext } from '../context';
import { pgErrorCode } from '../context';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { authorize, policy } from '../policies';

export async function createUser(ctx: CommandContext & { input: TUserCreate }): Promise<UserRow> {
  const { db, actor, input } = ctx;
  authorize(policy.manageUsers(actor), 'route');
  if (input.providerId && !(await findProvider(db, input.providerId)))
    throw InvalidInputError.field('providerId', 'is not a provider in the directory');
  if (await findUserByEmail(db, input.email))
    throw new ConflictError(`a user with email ${input.email} already exists`);
  try {
    return await insertUser(db, {
      email: input.email.toLowerCase(),
      name: input.name,
      role: input.role,
      providerId: input.providerId ?? null,
      passwordHash: input.password ? await hashPassword(input.password) : null,
      createdAt: ctx.clock.now(),
    });
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
  const row = await insertApiKey(db, {
    userId,
    name: input.name,
    prefix: key.slice(0, 12),
    keyHash: hashSecret(key),
    scopes: [...new Set(input.scopes)],
    createdAt: ctx.clock.now(),
  });
  return { row, key };
}
