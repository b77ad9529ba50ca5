import { normalizeSecondFactorCode, type TTotpSetup, type TTotpStatus } from '@hoptrace/contracts';
import {
  claimChallengeTry,
  countRecoveryCodesLeft,
  deleteChallenge,
  deleteSecondFactor,
  findLiveChallenge,
  findUser,
  findUserTotp,
  lockChallengesOfUser,
  lockUserTotp,
  replaceRecoveryCodes,
  savePendingTotp,
  spendRecoveryCode,
  updateUserTotp,
  type Db,
  type Executor,
  type UserRow,
} from '@hoptrace/db';
import type { Actor } from '../actor';
import { audit } from '../audit';
import {
  CHALLENGE_TRIES,
  hashSecret,
  secondFactorRequired,
  startSession,
  type SessionMeta,
  type StartedSession,
} from '../auth';
import type { Clock } from '../clock/clock';
import { authSettingsOf, type CommandContext, type CoreSettings } from '../context';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { authorize, policy } from '../policies';
import {
  hashRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  openSecret,
  sealSecret,
  SecretKeyError,
  totpStepOf,
  totpUrl,
} from '../totp';

/**
 * The second factor (decision 0020): TOTP set up from the profile (a pending secret, confirmed by a code),
 * recovery codes shown once, sign-in completed with a code against a short-lived challenge, disabled with a
 * code, reset by an admin. Every code check for a user runs under a lock on their `user_totp` row, so the
 * replay rule (each time step's code once) and the backoff after wrong codes hold under concurrency.
 */

type AuthOpts = { db: Executor; clock: Clock; settings?: CoreSettings | undefined };

/** Wrong codes in a row after which each further try waits: 1 minute, then doubling, at most an hour. */
export const TOTP_FREE_FAILURES = 5;
const BACKOFF_CAP_MS = 3_600_000;

export function totpRetryAt(failedAttempts: number, lastFailedAt: Date | null): Date | null {
  if (failedAttempts < TOTP_FREE_FAILURES || !lastFailedAt) return null;
  const wait = Math.min(60_000 * 2 ** (failedAttempts - TOTP_FREE_FAILURES), BACKOFF_CAP_MS);
  return new Date(lastFailedAt.getTime() + wait);
}

/**
 * Why a sign-in step or a code check failed, for the door to answer: `challenge` (expired, used or out of
 * tries: sign in again), `code` (wrong or already used), `locked` (too many wrong codes: wait until
 * `retryAt`), `unavailable` (this server cannot open the stored secret: HOPTRACE_SECRET_KEY).
 */
export class SignInError extends Error {
  constructor(
    readonly reason: 'challenge' | 'code' | 'locked' | 'unavailable',
    message: string,
    readonly retryAt?: Date,
  ) {
    super(message);
  }
}

/** What a transaction decided: a value, or an error to throw once what it counted is committed. */
type Outcome<T> = { error: Error } | { value: T };

type CheckResult =
  { ok: true; method: 'totp' | 'recovery' } | { ok: false; error: SignInError | InvalidInputError };

/**
 * Checks a code (from the app, or a recovery code, which is then spent) against a user's enabled second
 * factor, inside the caller's transaction and under a lock on the user's row. A wrong code counts towards
 * the backoff; a right one clears it. Never throws for a wrong code: the caller commits what was counted.
 */
async function checkSecondFactor(
  tx: Executor,
  opts: AuthOpts,
  userId: string,
  raw: string,
): Promise<CheckResult> {
  const now = opts.clock.now();
  const row = await lockUserTotp(tx, userId);
  if (!row?.secret || !row.enabledAt)
    return { ok: false, error: new SignInError('challenge', 'no second factor is set up for this user') };
  const retryAt = totpRetryAt(row.failedAttempts, row.lastFailedAt);
  if (retryAt && retryAt > now)
    return {
      ok: false,
      error: new SignInError(
        'locked',
        `too many wrong codes in a row; try again after ${retryAt.toISOString()}`,
        retryAt,
      ),
    };
  const code = normalizeSecondFactorCode(raw);
  const fail = async (message: string): Promise<CheckResult> => {
    await updateUserTotp(tx, userId, { failedAttempts: row.failedAttempts + 1, lastFailedAt: now });
    return { ok: false, error: new SignInError('code', message) };
  };
  if (!code)
    return fail(
      'enter the 6-digit code from your authenticator app, or a recovery code (xxxx-xxxx-xxxx-xxxx)',
    );
  if (code.kind === 'recovery') {
    if (!(await spendRecoveryCode(tx, userId, hashRecoveryCode(code.code), now)))
      return fail('is not one of your recovery codes, or it was used already');
    await updateUserTotp(tx, userId, { failedAttempts: 0, lastFailedAt: null });
    return { ok: true, method: 'recovery' };
  }
  let secret: string;
  try {
    secret = openSecret(row.secret, userId, authSettingsOf(opts.settings).secretKey);
  } catch (err) {
    if (err instanceof SecretKeyError)
      return { ok: false, error: new SignInError('unavailable', err.message) };
    throw err;
  }
  const step = totpStepOf(secret, code.code, now);
  if (step === null) return fail('is not the current code of your authenticator app');
  if (row.lastStep !== null && step <= row.lastStep)
    return fail('was used already; wait for the next code in your authenticator app');
  await updateUserTotp(tx, userId, { lastStep: step, failedAttempts: 0, lastFailedAt: null });
  return { ok: true, method: 'totp' };
}

// --- Signing in -----------------------------------------------------------------------------------------

const CHALLENGE_GONE =
  'this sign-in has expired, was completed, or had too many wrong codes; sign in again with your password';

/** A sign-in whose code was right: the session, how the code was given, and the recovery codes left. */
export type SecondFactorSignIn = StartedSession & { method: 'totp' | 'recovery'; recoveryCodesLeft: number };

/**
 * Completes a sign-in with a code (or a recovery code) against the challenge `login` gave. The challenge is
 * bound to its user, lives five minutes, takes five tries and is used up by the first right one.
 */
export async function completeTotpLogin(
  opts: AuthOpts & { db: Db },
  input: { challenge: string; code: string; meta?: SessionMeta },
): Promise<SecondFactorSignIn> {
  const outcome = await opts.db.transaction(async (tx): Promise<Outcome<SecondFactorSignIn>> => {
    const now = opts.clock.now();
    const challenge = await claimChallengeTry(tx, hashSecret(input.challenge), 'totp', now, CHALLENGE_TRIES);
    if (!challenge) return { error: new SignInError('challenge', CHALLENGE_GONE) };
    const user = await findUser(tx, challenge.userId);
    if (!user || user.disabledAt) return { error: new SignInError('challenge', CHALLENGE_GONE) };
    const checked = await checkSecondFactor(tx, opts, user.id, input.code);
    if (!checked.ok) {
      const left = CHALLENGE_TRIES - challenge.attempts;
      const error =
        checked.error instanceof SignInError && checked.error.reason === 'code'
          ? new SignInError(
              'code',
              left > 0
                ? `${checked.error.message} (${left} ${left === 1 ? 'try' : 'tries'} left)`
                : `${checked.error.message}; that was the last try: sign in again with your password`,
            )
          : checked.error;
      return { error };
    }
    if (!(await deleteChallenge(tx, challenge.id)))
      return { error: new SignInError('challenge', CHALLENGE_GONE) };
    const session = await startSession(
      { db: tx, clock: opts.clock, settings: opts.settings },
      user,
      input.meta,
    );
    return {
      value: {
        ...session,
        method: checked.method,
        recoveryCodesLeft: await countRecoveryCodesLeft(tx, user.id),
      },
    };
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}

/** The secret being set up: a new one each time (a reload starts over), sealed until a code confirms it. */
async function beginSetup(tx: Executor, opts: AuthOpts, user: UserRow): Promise<TTotpSetup> {
  const existing = await lockUserTotp(tx, user.id);
  if (existing?.enabledAt)
    throw new ConflictError(
      'a second factor is already enabled; disable it (with a code) to set up a new one',
    );
  const secret = newTotpSecret();
  await savePendingTotp(
    tx,
    user.id,
    sealSecret(secret, user.id, authSettingsOf(opts.settings).secretKey),
    opts.clock.now(),
  );
  return { secret, otpauthUrl: totpUrl(secret, user.email) };
}

/**
 * Confirms the pending secret with a code from the app: it becomes the user's second factor, the code's time
 * step counts as used, and new recovery codes replace any old ones. Null when the code is not right.
 */
async function confirmSetup(
  tx: Executor,
  opts: AuthOpts,
  user: UserRow,
  raw: string,
): Promise<{ recoveryCodes: string[] } | null> {
  const now = opts.clock.now();
  const row = await lockUserTotp(tx, user.id);
  if (row?.enabledAt) throw new ConflictError('a second factor is already enabled');
  if (!row?.pendingSecret)
    throw new ConflictError('no second factor is being set up; start with POST /api/v1/auth/totp/setup');
  const code = normalizeSecondFactorCode(raw);
  let secret: string;
  try {
    secret = openSecret(row.pendingSecret, user.id, authSettingsOf(opts.settings).secretKey);
  } catch (err) {
    if (err instanceof SecretKeyError) throw new SignInError('unavailable', err.message);
    throw err;
  }
  const step = code?.kind === 'totp' ? totpStepOf(secret, code.code, now) : null;
  if (step === null) return null;
  await updateUserTotp(tx, user.id, {
    secret: row.pendingSecret,
    enabledAt: now,
    pendingSecret: null,
    lastStep: step,
    failedAttempts: 0,
    lastFailedAt: null,
  });
  const recoveryCodes = newRecoveryCodes();
  await replaceRecoveryCodes(
    tx,
    user.id,
    recoveryCodes.map((c) => hashRecoveryCode(normalizeSecondFactorCode(c)!.code)),
    now,
  );
  return { recoveryCodes };
}

const WRONG_SETUP_CODE =
  'is not the current code for this secret; check the clock of the device with the app, and that the secret was entered whole';

/**
 * Enforced enrolment (HOPTRACE_REQUIRE_MFA): with the challenge `login` gave instead of a session, the user
 * sets up a second factor; the challenge's user, expiry (15 minutes) and tries hold as for a code.
 */
export async function enrolSetupWithChallenge(
  opts: AuthOpts & { db: Db },
  challenge: string,
): Promise<TTotpSetup> {
  return opts.db.transaction(async (tx) => {
    const now = opts.clock.now();
    const found = await findLiveChallenge(tx, hashSecret(challenge), 'enrol', now, CHALLENGE_TRIES);
    if (!found) throw new SignInError('challenge', CHALLENGE_GONE);
    const user = await findUser(tx, found.userId);
    if (!user || user.disabledAt) throw new SignInError('challenge', CHALLENGE_GONE);
    return beginSetup(tx, opts, user);
  });
}

/** Completes an enforced enrolment: the code confirms the secret, and the user is signed in. */
export async function enrolEnableWithChallenge(
  opts: AuthOpts & { db: Db },
  input: { challenge: string; code: string; meta?: SessionMeta },
): Promise<StartedSession & { recoveryCodes: string[] }> {
  const outcome = await opts.db.transaction(
    async (tx): Promise<Outcome<StartedSession & { recoveryCodes: string[] }>> => {
      const now = opts.clock.now();
      const challenge = await claimChallengeTry(
        tx,
        hashSecret(input.challenge),
        'enrol',
        now,
        CHALLENGE_TRIES,
      );
      if (!challenge) return { error: new SignInError('challenge', CHALLENGE_GONE) };
      const user = await findUser(tx, challenge.userId);
      if (!user || user.disabledAt) return { error: new SignInError('challenge', CHALLENGE_GONE) };
      const confirmed = await confirmSetup(tx, opts, user, input.code);
      if (!confirmed) {
        const left = CHALLENGE_TRIES - challenge.attempts;
        return {
          error: new SignInError(
            'code',
            left > 0 ? `${WRONG_SETUP_CODE} (${left} ${left === 1 ? 'try' : 'tries'} left)` : CHALLENGE_GONE,
          ),
        };
      }
      if (!(await deleteChallenge(tx, challenge.id)))
        return { error: new SignInError('challenge', CHALLENGE_GONE) };
      await recordUserEvent(tx, now, userActor(user), 'user.totp_enabled', user);
      const session = await startSession(
        { db: tx, clock: opts.clock, settings: opts.settings },
        user,
        input.meta,
      );
      return { value: { ...session, recoveryCodes: confirmed.recoveryCodes } };
    },
  );
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}

// --- From the profile (a signed-in user) ---------------------------------------------------------------

async function selfOf(ctx: CommandContext): Promise<UserRow> {
  const { actor } = ctx;
  if (!actor.userId || actor.hopScope || actor.role === 'feed') throw new NotFoundError('user');
  const user = await findUser(ctx.db, actor.userId);
  if (!user) throw new NotFoundError('user');
  return user;
}

export async function totpStatus(ctx: CommandContext): Promise<TTotpStatus> {
  const user = await selfOf(ctx);
  const row = await findUserTotp(ctx.db, user.id);
  const enabled = !!row?.enabledAt;
  return {
    enabled,
    enabledAt: row?.enabledAt ? row.enabledAt.toISOString() : null,
    recoveryCodesLeft: enabled ? await countRecoveryCodesLeft(ctx.db, user.id) : 0,
    required: secondFactorRequired(user.role, authSettingsOf(ctx.settings).requireMfa),
  };
}

/** Starts setting up TOTP: a new secret, shown this once (the QR code and the text). */
export async function setupTotp(ctx: CommandContext): Promise<TTotpSetup> {
  const user = await selfOf(ctx);
  return ctx.db.transaction((tx) => beginSetup(tx, ctx, user));
}

/** Confirms the setup with a code; returns the recovery codes, shown this once. */
export async function enableTotp(
  ctx: CommandContext & { code: string },
): Promise<{ recoveryCodes: string[] }> {
  const user = await selfOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const confirmed = await confirmSetup(tx, ctx, user, ctx.code);
    if (!confirmed) throw InvalidInputError.field('code', WRONG_SETUP_CODE);
    await recordUserEvent(tx, ctx.clock.now(), ctx.actor, 'user.totp_enabled', user);
    return confirmed;
  });
}

/**
 * Turns the second factor off, proven with a code or a recovery code. Wrong codes count towards the backoff
 * as at sign-in (they are committed before the refusal).
 */
export async function disableTotp(ctx: CommandContext & { code: string }): Promise<void> {
  const user = await selfOf(ctx);
  const outcome = await ctx.db.transaction(async (tx): Promise<Outcome<true>> => {
    await lockChallengesOfUser(tx, user.id);
    const current = await findUserTotp(tx, user.id);
    if (!current?.enabledAt) return { error: new ConflictError('no second factor is enabled') };
    const checked = await checkSecondFactor(tx, ctx, user.id, ctx.code);
    if (!checked.ok) return { error: checked.error };
    await deleteSecondFactor(tx, user.id);
    await recordUserEvent(tx, ctx.clock.now(), ctx.actor, 'user.totp_disabled', user);
    return { value: true };
  });
  if ('error' in outcome) {
    const e = outcome.error;
    throw e instanceof SignInError && e.reason === 'code' ? InvalidInputError.field('code', e.message) : e;
  }
}

/**
 * An admin (or the operator through the CLI) removes a user's second factor, recovery codes and waiting
 * sign-ins, e.g. after a lost phone; recorded as a `user.totp_reset` event. The user's sessions stay (an
 * admin ends them apart); their next sign-in is with the password, or sets up a new factor when required.
 * Admins cannot reset their own (disable it with a code, or ask another admin).
 */
export async function resetSecondFactor(
  ctx: CommandContext & { userId: string },
): Promise<{ hadOne: boolean }> {
  const { actor, userId } = ctx;
  authorize(policy.manageUsers(actor), 'route');
  if (actor.userId === userId)
    throw new ConflictError(
      'you cannot reset your own second factor; disable it with a code, or ask another admin',
    );
  return ctx.db.transaction(async (tx) => {
    const user = await findUser(tx, userId);
    if (!user) throw new NotFoundError('user');
    const hadOne = await deleteSecondFactor(tx, userId);
    await recordUserEvent(tx, ctx.clock.now(), actor, 'user.totp_reset', user, { hadOne });
    return { hadOne };
  });
}

// --- The record ----------------------------------------------------------------------------------------

const userActor = (user: UserRow): Actor => ({
  userId: user.id,
  role: user.role,
  providerId: user.providerId,
  label: user.email,
  channel: 'portal',
});

/**
 * Changes to a user's sign-in, in the audit ledger (decision 0024): who did it, to whom. Never a
 * secret, code or hash. Call it last in the transaction (the ledger's head is held until commit).
 */
export async function recordUserEvent(
  tx: Executor,
  at: Date,
  actor: Actor,
  type: 'user.totp_enabled' | 'user.totp_disabled' | 'user.totp_reset' | 'user.sessions_ended',
  user: UserRow,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await audit(
    tx,
    { clock: { now: () => at }, actor },
    {
      action: type,
      subject: 'user',
      subjectId: user.id,
      details: { email: user.email, ...extra },
    },
  );
}
