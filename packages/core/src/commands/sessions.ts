import type { TSession } from '@hoptrace/contracts';
import {
  deleteDeadSessions,
  deleteExpiredChallenges,
  deleteSessionOfUser,
  deleteSessionsOfUser,
  findUser,
  listLiveSessions,
  type Db,
  type SessionRow,
} from '@hoptrace/db';
import Bowser from 'bowser';
import type { Clock } from '../clock/clock';
import { authSettingsOf, type CommandContext, type CoreSettings } from '../context';
import { ConflictError, NotFoundError } from '../errors';
import { authorize, policy } from '../policies';
import { audit } from '../audit';
import { recordUserEvent } from './secondFactor';

/**
 * Sessions (decision 0020): a user lists theirs and ends any but the one they are using (signing out ends
 * that); an admin lists a user's and ends them all. Idle and absolute timeouts are applied where sessions
 * are read (`authenticateSession`), and the worker clears away the ended ones.
 */

/** "Chrome 126 on macOS", from the User-Agent kept at sign-in; a client that is no browser by its own name. */
export function deviceOf(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const parsed = Bowser.getParser(userAgent);
  const browser = parsed.getBrowserName();
  const os = parsed.getOSName();
  if (!browser && !os) return userAgent.split(/\s/)[0]!.slice(0, 60) || 'Unknown device';
  const major = parsed.getBrowserVersion()?.split('.')[0];
  const name = browser ? `${browser}${major ? ` ${major}` : ''}` : 'A browser';
  return os ? `${name} on ${os}` : name;
}

function present(row: SessionRow, idleMs: number, currentSessionId: string | null): TSession {
  const idleEnd = row.lastUsedAt.getTime() + idleMs;
  return {
    id: row.id,
    device: deviceOf(row.userAgent),
    userAgent: row.userAgent,
    ip: row.ip,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt.toISOString(),
    expiresAt: new Date(Math.min(idleEnd, row.expiresAt.getTime())).toISOString(),
    current: row.id === currentSessionId,
  };
}

/** The live sessions of a user: their own, or anyone's for an admin. */
export async function listSessions(
  ctx: CommandContext & { userId: string; currentSessionId: string | null },
): Promise<TSession[]> {
  const { actor, userId } = ctx;
  const self = actor.userId === userId && !actor.hopScope;
  if (!self && !policy.manageUsers(actor)) throw new NotFoundError('user');
  if (!self && !(await findUser(ctx.db, userId))) throw new NotFoundError('user');
  const now = ctx.clock.now();
  const { idleMs } = authSettingsOf(ctx.settings);
  const rows = await listLiveSessions(ctx.db, userId, now, new Date(now.getTime() - idleMs));
  return rows.map((r) => present(r, idleMs, ctx.currentSessionId));
}

/** Ends one of your own sessions; not the one making the request (sign out for that). */
export async function endOwnSession(
  ctx: CommandContext & { sessionId: string; currentSessionId: string | null },
): Promise<void> {
  const { actor } = ctx;
  if (!actor.userId || actor.hopScope) throw new NotFoundError('session');
  if (ctx.sessionId === ctx.currentSessionId)
    throw new ConflictError(
      'this is the session you are using; sign out (POST /api/v1/auth/logout) to end it',
    );
  const userId = actor.userId;
  await ctx.db.transaction(async (tx) => {
    if (!(await deleteSessionOfUser(tx, userId, ctx.sessionId))) throw new NotFoundError('session');
    await audit(tx, ctx, {
      action: 'session.ended',
      subject: 'session',
      subjectId: ctx.sessionId,
      details: { userId, by: 'user' },
    });
  });
}

/**
 * An admin ends every session of a user (recorded as `user.sessions_ended`); ending your own keeps the
 * session that asked. API keys are not sessions: revoke them apart.
 */
export async function endSessionsOfUser(
  ctx: CommandContext & { userId: string; keepTokenHash?: string | undefined },
): Promise<number> {
  const { actor, userId } = ctx;
  authorize(policy.manageUsers(actor), 'route');
  return ctx.db.transaction(async (tx) => {
    const user = await findUser(tx, userId);
    if (!user) throw new NotFoundError('user');
    const ended = await deleteSessionsOfUser(
      tx,
      userId,
      actor.userId === userId ? ctx.keepTokenHash : undefined,
    );
    await recordUserEvent(tx, ctx.clock.now(), actor, 'user.sessions_ended', user, { ended });
    return ended;
  });
}

/** The worker's sweep: sessions past their end or idle timeout, and expired sign-in challenges, are deleted. */
export async function sweepSessions(opts: {
  db: Db;
  clock: Clock;
  settings?: CoreSettings | undefined;
}): Promise<number> {
  const now = opts.clock.now();
  const { idleMs } = authSettingsOf(opts.settings);
  return (
    (await deleteDeadSessions(opts.db, now, new Date(now.getTime() - idleMs))) +
    (await deleteExpiredChallenges(opts.db, now))
  );
}
