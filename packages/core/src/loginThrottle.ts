import { createHash } from 'node:crypto';
import { lockLoginThrottles, saveLoginThrottle, type Db, type LoginThrottleRow } from '@hoptrace/db';
import type { Clock } from './clock/clock';

/**
 * Sign-in throttling per account (decision 0019). Failures are counted twice: for the account from
 * this address, and for the account from anywhere. Past a free allowance, each further failure
 * blocks the next attempt for a doubling delay, capped:
 *
 * - account and address: 5 free, then 1 s, 2 s, 4 s … up to 15 minutes. An attacker guessing from
 *   one address is slowed to a handful of tries an hour, and nobody else is affected.
 * - account, any address: 10 free, then 1 s … up to 5 minutes. Guessing spread over many
 *   addresses is slowed too, but the account is never closed for more than 5 minutes at a time,
 *   and not at all from an address it signed in from successfully in the last 30 days: the real
 *   user on their usual address is not locked out by someone else's failures.
 *
 * Attempts while blocked are refused without checking the password and are not counted. A success
 * resets both counters. Failures older than a day are forgotten. Every attempt is counted when it
 * starts (and undone by its success), so attempts sent in parallel cannot slip past the count.
 */
export interface ThrottlePolicy {
  free: number;
  baseMs: number;
  maxMs: number;
}

export const ACCOUNT_THROTTLE: ThrottlePolicy = { free: 10, baseMs: 1_000, maxMs: 5 * 60_000 };
export const ADDRESS_THROTTLE: ThrottlePolicy = { free: 5, baseMs: 1_000, maxMs: 15 * 60_000 };
export const KNOWN_ADDRESS_MS = 30 * 24 * 3_600_000;
export const FORGET_FAILURES_MS = 24 * 3_600_000;

/** How long the failures counted so far block the next attempt (0: not blocked). */
export function blockMs(policy: ThrottlePolicy, failures: number): number {
  const over = failures - policy.free;
  if (over <= 0) return 0;
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(over - 1, 30));
}

const digest = (s: string) => createHash('sha256').update(s).digest('hex');

/** The rows' keys: hashes, so the table holds no email or address. */
export function loginThrottleKeys(email: string, address: string): { account: string; pair: string } {
  const account = email.trim().toLowerCase();
  return {
    account: `a:${digest(`account\n${account}`)}`,
    pair: `p:${digest(`pair\n${account}\n${address}`)}`,
  };
}

export type LoginAttempt =
  | { ok: true; keys: { account: string; pair: string } }
  | { ok: false; retryAfterSeconds: number; scope: 'account' | 'address' };

/** Counts an attempt to sign in as `email` from `address`, or refuses it while the account is blocked. */
export async function beginLoginAttempt(
  opts: { db: Db; clock: Clock },
  who: { email: string; address: string },
): Promise<LoginAttempt> {
  const keys = loginThrottleKeys(who.email, who.address);
  const now = opts.clock.now();
  return opts.db.transaction(async (tx) => {
    const rows = await lockLoginThrottles(tx, [keys.account, keys.pair]);
    const account = rows.find((r) => r.key === keys.account)!;
    const pair = rows.find((r) => r.key === keys.pair)!;
    const known =
      pair.lastSuccessAt !== null && now.getTime() - pair.lastSuccessAt.getTime() < KNOWN_ADDRESS_MS;
    const blockedUntil = (row: LoginThrottleRow) =>
      row.blockedUntil && row.blockedUntil.getTime() > now.getTime() ? row.blockedUntil.getTime() : 0;
    const byPair = blockedUntil(pair);
    const byAccount = known ? 0 : blockedUntil(account);
    if (byPair || byAccount) {
      const until = Math.max(byPair, byAccount);
      return {
        ok: false as const,
        retryAfterSeconds: Math.max(1, Math.ceil((until - now.getTime()) / 1000)),
        scope: byPair >= byAccount ? ('address' as const) : ('account' as const),
      };
    }
    for (const [row, policy] of [
      [account, ACCOUNT_THROTTLE],
      [pair, ADDRESS_THROTTLE],
    ] as const) {
      const stale = !row.lastFailureAt || now.getTime() - row.lastFailureAt.getTime() > FORGET_FAILURES_MS;
      const failures = (stale ? 0 : row.failures) + 1;
      const ms = blockMs(policy, failures);
      await saveLoginThrottle(tx, {
        key: row.key,
        failures,
        lastFailureAt: now,
        blockedUntil: ms ? new Date(now.getTime() + ms) : null,
      });
    }
    return { ok: true as const, keys };
  });
}

/** The attempt succeeded: both counters start again, and the address is one this account signs in from. */
export async function loginSucceeded(
  opts: { db: Db; clock: Clock },
  keys: { account: string; pair: string },
): Promise<void> {
  const now = opts.clock.now();
  await opts.db.transaction(async (tx) => {
    await lockLoginThrottles(tx, [keys.account, keys.pair]);
    await saveLoginThrottle(tx, { key: keys.account, failures: 0, blockedUntil: null });
    await saveLoginThrottle(tx, { key: keys.pair, failures: 0, blockedUntil: null, lastSuccessAt: now });
  });
}
