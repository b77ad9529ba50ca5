import { createHash, randomBytes } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import {
  deleteSession,
  findApiKeyUser,
  findSessionUser,
  findUserByEmail,
  insertSession,
  type Db,
  type UserRow,
} from '@hoptrace/db';
import type { Actor } from './actor';
import type { Clock } from './clock/clock';

// OWASP's argon2id baseline (m=19 MiB, t=2, p=1); algorithm 2 = argon2id.
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => argon2Hash(password, ARGON2);

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2Verify(hash, password);
  } catch {
    return false;
  }
}

/**
 * Keys, session tokens and links are 256-bit random values: guessing is out of
 * reach, so a fast hash (SHA-256) is enough to store them; argon2 is for
 * passwords, which people choose.
 */
export function generateSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

export function actorFor(user: UserRow, channel: Actor['channel']): Actor {
  return {
    userId: user.id,
    role: user.role,
    providerId: user.providerId,
    label: user.email,
    channel,
  };
}

export const SESSION_TTL_MS = 12 * 3_600_000;

// Spent on unknown emails too, so response time does not tell which accounts exist.
let dummyHash: Promise<string> | undefined;

export async function login(
  opts: { db: Db; clock: Clock },
  email: string,
  password: string,
): Promise<{ user: UserRow; token: string; expiresAt: Date } | null> {
  const user = await findUserByEmail(opts.db, email);
  if (!user || !user.passwordHash || user.disabledAt) {
    dummyHash ??= hashPassword('not-a-real-password');
    await verifyPassword(await dummyHash, password);
    return null;
  }
  if (!(await verifyPassword(user.passwordHash, password))) return null;
  const token = generateSecret('hts');
  const expiresAt = new Date(opts.clock.now().getTime() + SESSION_TTL_MS);
  await insertSession(opts.db, { userId: user.id, tokenHash: hashSecret(token), expiresAt });
  return { user, token, expiresAt };
}

export async function logout(opts: { db: Db }, token: string): Promise<void> {
  await deleteSession(opts.db, hashSecret(token));
}

export async function authenticateSession(
  opts: { db: Db; clock: Clock },
  token: string,
): Promise<Actor | null> {
  const user = await findSessionUser(opts.db, hashSecret(token), opts.clock.now());
  return user ? actorFor(user, 'portal') : null;
}

export async function authenticateApiKey(
  opts: { db: Db },
  key: string,
): Promise<{ actor: Actor; scopes: string[] } | null> {
  const found = await findApiKeyUser(opts.db, hashSecret(key));
  return found ? { actor: actorFor(found.user, 'api'), scopes: found.key.scopes } : null;
}
