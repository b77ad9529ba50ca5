import { createHash, randomBytes } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import {
  deleteDeadSessions,
  deleteSession,
  findApiKeyUser,
  findLiveSession,
  findUser,
  findUserByEmail,
  findUserTotp,
  insertLoginChallenge,
  insertSession,
  touchApiKey,
  touchSession,
  type Db,
  type Executor,
  type UserRow,
} from '@hoptrace/db';
import type { TRole } from '@hoptrace/contracts';
import { systemActor, type Actor } from './actor';
import { audit } from './audit';
import { deviceOf } from './commands/sessions';
import type { Clock } from './clock/clock';
import { authSettingsOf, type CoreSettings, type RequireMfa } from './context';

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

/** A feed key acts for its source only, never as the staff member who made it. */
export function feedActor(sourceId: number): Actor {
  return {
    userId: null,
    role: 'feed',
    providerId: null,
    label: `feed:${sourceId}`,
    channel: 'api',
    sourceId,
  };
}

/** Where a session comes from, kept with it to name the device in the list of sessions. */
export interface SessionMeta {
  userAgent?: string | undefined;
  ip?: string | undefined;
}

export interface StartedSession {
  user: UserRow;
  token: string;
  sessionId: string;
  expiresAt: Date;
}

/**
 * What a correct password leads to (decision 0020): a session, or a challenge to complete with a code
 * (`totp`), or to set up a second factor first (`enrol`, when HOPTRACE_REQUIRE_MFA covers the user's role).
 */
export type LoginOutcome =
  | ({ kind: 'session' } & StartedSession)
  | { kind: 'totp' | 'enrol'; user: UserRow; challenge: string; expiresAt: Date };

/** How long a sign-in waits for its code, and for setting up a second factor (installing an app takes a while). */
export const CHALLENGE_TTL_MS = { totp: 5 * 60_000, enrol: 15 * 60_000 } as const;
/** Codes tried against one challenge, right or wrong; then the sign-in starts again with the password. */
export const CHALLENGE_TRIES = 5;

/** Whether HOPTRACE_REQUIRE_MFA makes this role set up a second factor: `staff` is admins, analysts, enforcement. */
export function secondFactorRequired(role: TRole, require: RequireMfa): boolean {
  if (require === 'all') return true;
  return require === 'staff' && (role === 'admin' || role === 'analyst' || role === 'enforcement');
}

/** Header values are the client's to choose: control characters out, and a bounded length. */
function cleanMeta(value: string | undefined, max: number): string | null {
  if (!value) return null;
  const cleaned = value
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .slice(0, max)
    .trim();
  return cleaned || null;
}

/** Opens a session for a user who proved who they are; clears away the user's ended sessions on the way (not their challenges: a sign-in may hold one). */
export async function startSession(
  opts: { db: Executor; clock: Clock; settings?: CoreSettings | undefined },
  user: UserRow,
  meta: SessionMeta = {},
): Promise<StartedSession> {
  const now = opts.clock.now();
  const { idleMs, maxMs } = authSettingsOf(opts.settings);
  await deleteDeadSessions(opts.db, now, new Date(now.getTime() - idleMs), user.id);
  const token = generateSecret('hts');
  const expiresAt = new Date(now.getTime() + maxMs);
  const userAgent = cleanMeta(meta.userAgent, 512);
  const ip = cleanMeta(meta.ip, 64);
  const row = await opts.db.transaction(async (tx) => {
    const session = await insertSession(tx, {
      userId: user.id,
      tokenHash: hashSecret(token),
      createdAt: now,
      lastUsedAt: now,
      expiresAt,
      userAgent,
      ip,
    });
    // Who signed in, from where: the session is the user's own act.
    await audit(
      tx,
      { clock: opts.clock, actor: actorFor(user, 'portal') },
      {
        action: 'session.started',
        subject: 'session',
        subjectId: session.id,
        details: { userId: user.id, email: user.email, device: deviceOf(userAgent), ip },
      },
    );
    return session;
  });
  return { user, token, sessionId: row.id, expiresAt };
}

/** A single-use sign-in challenge for this user; only its SHA-256 is stored. */
export async function issueChallenge(
  opts: { db: Executor; clock: Clock },
  userId: string,
  purpose: 'totp' | 'enrol',
): Promise<{ challenge: string; expiresAt: Date }> {
  const now = opts.clock.now();
  const challenge = generateSecret('htc');
  const expiresAt = new Date(now.getTime() + CHALLENGE_TTL_MS[purpose]);
  await insertLoginChallenge(opts.db, {
    userId,
    tokenHash: hashSecret(challenge),
    purpose,
    createdAt: now,
    expiresAt,
  });
  return { challenge, expiresAt };
}

// Spent on unknown emails too, so response time does not tell which accounts exist.
let dummyHash: Promise<string> | undefined;

/**
 * Checks the password; null when it (or the account) is not right. A user with a second factor gets a
 * challenge to complete with a code (`completeTotpLogin`); one whose role must have a second factor and has
 * none gets a challenge to set one up (`enrolWithChallenge`); everyone else a session.
 */
export async function login(
  opts: { db: Db; clock: Clock; settings?: CoreSettings | undefined },
  email: string,
  password: string,
  meta: SessionMeta = {},
): Promise<LoginOutcome | null> {
  const user = await findUserByEmail(opts.db, email);
  if (!user || !user.passwordHash || user.disabledAt) {
    dummyHash ??= hashPassword('not-a-real-password');
    await verifyPassword(await dummyHash, password);
    return null;
  }
  if (!(await verifyPassword(user.passwordHash, password))) return null;
  const totp = await findUserTotp(opts.db, user.id);
  if (totp?.enabledAt) return { kind: 'totp', user, ...(await issueChallenge(opts, user.id, 'totp')) };
  if (secondFactorRequired(user.role, authSettingsOf(opts.settings).requireMfa))
    return { kind: 'enrol', user, ...(await issueChallenge(opts, user.id, 'enrol')) };
  return { kind: 'session', ...(await startSession(opts, user, meta)) };
}

export async function logout(opts: { db: Db; clock: Clock }, token: string): Promise<void> {
  await opts.db.transaction(async (tx) => {
    const gone = await deleteSession(tx, hashSecret(token));
    if (!gone) return;
    const user = await findUser(tx, gone.userId);
    await audit(
      tx,
      { clock: opts.clock, actor: user ? actorFor(user, 'portal') : systemActor('session') },
      {
        action: 'session.ended',
        subject: 'session',
        subjectId: gone.id,
        details: { userId: gone.userId, by: 'sign-out' },
      },
    );
  });
}

/** `sessions.last_used_at` is written at most this often per session (the idle timeout counts from it). */
export const SESSION_TOUCH_INTERVAL_MS = 60_000;

/** The actor behind a session cookie, while the session is alive; the session's last use is recorded. */
export async function authenticateSession(
  opts: { db: Db; clock: Clock; settings?: CoreSettings | undefined },
  token: string,
): Promise<{ actor: Actor; sessionId: string } | null> {
  const now = opts.clock.now();
  const { idleMs } = authSettingsOf(opts.settings);
  const found = await findLiveSession(opts.db, hashSecret(token), now, new Date(now.getTime() - idleMs));
  if (!found) return null;
  if (now.getTime() - found.session.lastUsedAt.getTime() >= SESSION_TOUCH_INTERVAL_MS)
    await touchSession(opts.db, found.session.id, now);
  return { actor: actorFor(found.user, 'portal'), sessionId: found.session.id };
}

export interface ApiKeyAuth {
  actor: Actor;
  scopes: string[];
}

interface CachedKey extends ApiKeyAuth {
  keyId: string;
  expiresAtMs: number;
}

/** Seconds an authenticated API key is trusted without asking the database again. */
export const DEFAULT_API_KEY_CACHE_SECONDS = 5;
/** `api_keys.last_used_at` is written at most this often per key (and process). */
export const API_KEY_LAST_USED_INTERVAL_MS = 60_000;
const MAX_CACHED_KEYS = 10_000;

/**
 * Authenticated API keys (SHA-256 hash → actor and scopes) kept for a few
 * seconds, so a busy client costs no key lookup per request (decision 0009).
 * Revoking a key or disabling a user in this process drops its entries at once
 * (see `invalidateApiKeys`); another process notices within the TTL.
 */
export class ApiKeyCache {
  readonly #entries = new Map<string, CachedKey>();
  readonly #lastUsed = new Map<string, number>();
  /** Database lookups under way, by key hash: requests that arrive together while one runs share it. */
  readonly #loading = new Map<string, Promise<ApiKeyAuth | null>>();
  /** Moves on at every invalidation: a lookup that started before one must not cache what it read. */
  #generation = 0;
  constructor(
    readonly ttlMs: number,
    readonly clock: Clock,
  ) {}

  get(keyHash: string): CachedKey | undefined {
    const hit = this.#entries.get(keyHash);
    if (!hit) return undefined;
    if (hit.expiresAtMs > this.clock.now().getTime()) return hit;
    this.#entries.delete(keyHash);
    return undefined;
  }

  /** Which invalidation this cache is at; pass it back to `set` to keep a lookup's result only if none came since. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Runs `load` for this key unless a run for it is under way, whose result is then shared (single
   * flight): when a busy key's entry runs out, the requests that arrive together cost one lookup.
   */
  loadOnce(keyHash: string, load: () => Promise<ApiKeyAuth | null>): Promise<ApiKeyAuth | null> {
    const running = this.#loading.get(keyHash);
    if (running) return running;
    const started = load().finally(() => {
      if (this.#loading.get(keyHash) === started) this.#loading.delete(keyHash);
    });
    this.#loading.set(keyHash, started);
    return started;
  }

  set(keyHash: string, value: Omit<CachedKey, 'expiresAtMs'>, generation = this.#generation): void {
    if (this.ttlMs <= 0 || generation !== this.#generation) return;
    if (this.#entries.size >= MAX_CACHED_KEYS) {
      // Oldest first: Map keeps insertion order.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(keyHash, { ...value, expiresAtMs: this.clock.now().getTime() + this.ttlMs });
  }

  /** True when `last_used_at` is due to be written for this key (once a minute), and records that it will be. */
  claimLastUsed(keyId: string, storedLastUsed: Date | null): boolean {
    const now = this.clock.now().getTime();
    const last = this.#lastUsed.get(keyId) ?? storedLastUsed?.getTime() ?? -Infinity;
    if (now - last < API_KEY_LAST_USED_INTERVAL_MS) {
      if (!this.#lastUsed.has(keyId)) this.#lastUsed.set(keyId, last);
      return false;
    }
    if (this.#lastUsed.size >= MAX_CACHED_KEYS) this.#lastUsed.clear();
    this.#lastUsed.set(keyId, now);
    return true;
  }

  invalidate(match: { keyId?: string; userId?: string }): void {
    this.#forgetLookups();
    for (const [hash, entry] of this.#entries)
      if (entry.keyId === match.keyId || entry.actor.userId === match.userId) this.#entries.delete(hash);
  }

  clear(): void {
    this.#forgetLookups();
    this.#entries.clear();
  }

  /**
   * A lookup under way may have read a key before the change: its result is not cached, and the
   * requests that come after this start their own.
   */
  #forgetLookups(): void {
    this.#generation++;
    this.#loading.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

// Every cache in this process, so a revocation reaches all of them (one per app; tests build several).
const caches = new Set<ApiKeyCache>();

export function registerApiKeyCache(cache: ApiKeyCache): () => void {
  caches.add(cache);
  return () => caches.delete(cache);
}

/** Forget cached keys of this process at once: one key (revoked) or all keys of a user (disabled, role changed). */
export function invalidateApiKeys(match: { keyId?: string; userId?: string }): void {
  for (const cache of caches) cache.invalidate(match);
}

/**
 * The actor behind an API key. With a cache, a key seen in the last TTL
 * seconds is answered from memory; `last_used_at` is written at most once a
 * minute per key either way.
 */
export async function authenticateApiKey(
  opts: { db: Db; cache?: ApiKeyCache | undefined },
  key: string,
): Promise<ApiKeyAuth | null> {
  const keyHash = hashSecret(key);
  const { cache } = opts;
  const hit = cache?.get(keyHash);
  if (hit) {
    if (cache!.claimLastUsed(hit.keyId, null)) await touchApiKey(opts.db, hit.keyId, cache!.clock.now());
    return { actor: hit.actor, scopes: hit.scopes };
  }
  const lookup = async (): Promise<ApiKeyAuth | null> => {
    const generation = cache?.generation;
    const found = await findApiKeyUser(opts.db, keyHash);
    if (!found) return null;
    // The check constraint gives every key exactly one of a user and a source.
    const actor =
      found.key.sourceId !== null ? feedActor(found.key.sourceId) : found.user && actorFor(found.user, 'api');
    if (!actor) return null;
    const auth: ApiKeyAuth = { actor, scopes: found.key.scopes };
    if (cache) {
      cache.set(keyHash, { ...auth, keyId: found.key.id }, generation);
      if (cache.claimLastUsed(found.key.id, found.key.lastUsedAt))
        await touchApiKey(opts.db, found.key.id, cache.clock.now());
    }
    return auth;
  };
  return cache ? cache.loadOnce(keyHash, lookup) : lookup();
}
