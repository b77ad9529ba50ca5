import type { TReferral, TReferralCreate } from '@hoptrace/contracts';
import {
  appendEvents,
  findLiveReferral,
  findUser,
  insertReferral,
  isReferredToUser,
  listAgencies as listAgencyRows,
  lockTraceback,
  referralsOf,
  findTraceback,
  withdrawReferralRow,
  type Executor,
  type ReferralView,
} from '@hoptrace/db';
import type { Actor } from '../actor';
import type { CommandContext } from '../context';
import { pgErrorCode } from '../context';
import { ConflictError, NotFoundError } from '../errors';
import { authorize, policy } from '../policies';

/**
 * Referrals hand a traceback to an enforcement agency: while a referral is live, the agency's enforcement
 * users read the traceback (path, timeline, attachments, origin with its customer), read-only. A traceback may
 * be referred open or closed (usually closed, once the origin is known); the `traceback.referred` event is the
 * record of the disclosure, and each later read of the origin is recorded like anyone's (`origin.viewed`).
 */

/** Whether the actor is an enforcement user whose agency has a live referral of this traceback. */
export async function referredToActor(db: Executor, actor: Actor, tracebackId: string): Promise<boolean> {
  if (actor.role !== 'enforcement' || !actor.userId || actor.hopScope) return false;
  return isReferredToUser(db, tracebackId, actor.userId);
}

/** The agency an enforcement actor acts for, read from its user (so a changed agency applies at once). */
async function agencyOf(db: Executor, actor: Actor): Promise<string | null> {
  if (actor.role !== 'enforcement' || !actor.userId || actor.hopScope) return null;
  return (await findUser(db, actor.userId))?.agency ?? null;
}

export function presentReferral(actor: Actor, r: ReferralView): TReferral {
  return {
    id: r.id,
    tracebackId: r.tracebackId,
    agency: r.agency,
    note: r.note,
    referredAt: r.referredAt.toISOString(),
    referredBy: r.referredByEmail,
    withdrawnAt: r.withdrawnAt ? r.withdrawnAt.toISOString() : null,
    withdrawnBy: r.withdrawnByEmail,
    can: { withdraw: policy.referTraceback(actor) && !r.withdrawnAt },
  };
}

/** Refers a traceback (open or closed) to an agency; a second live referral to the same agency is a conflict. */
export async function referTraceback(
  ctx: CommandContext & { tracebackId: string; input: TReferralCreate },
): Promise<TReferral> {
  const { db, actor, clock, tracebackId, input } = ctx;
  authorize(policy.referTraceback(actor), 'traceback');
  const agency = input.agency.trim();
  const note = input.note?.trim() || null;
  const id = await db
    .transaction(async (tx) => {
      // Lock order: the traceback row first, like every change to a traceback.
      const t = await lockTraceback(tx, tracebackId);
      if (!t) throw new NotFoundError('traceback');
      if (await findLiveReferral(tx, t.id, agency))
        throw new ConflictError(`this traceback is already referred to ${agency}`);
      const now = clock.now();
      const row = await insertReferral(tx, {
        tracebackId: t.id,
        agency,
        note,
        referredBy: actor.userId,
        referredAt: now,
      });
      await appendEvents(tx, [
        {
          tracebackId: t.id,
          at: now,
          actorUserId: actor.userId,
          actor: actor.label,
          type: 'traceback.referred',
          data: { agency, referralId: row.id, ...(note ? { note } : {}) },
        },
      ]);
      return row.id;
    })
    .catch((err: unknown) => {
      if (pgErrorCode(err) === '23505')
        throw new ConflictError(`this traceback is already referred to ${agency}`);
      throw err;
    });
  const [view] = (await referralsOf(db, tracebackId)).filter((r) => r.id === id);
  if (!view) throw new NotFoundError('referral');
  return presentReferral(actor, view);
}

/** Withdraws a live referral: the agency's users no longer see the traceback. Withdrawing twice is a conflict. */
export async function withdrawReferral(
  ctx: CommandContext & { tracebackId: string; referralId: string },
): Promise<TReferral> {
  const { db, actor, clock, tracebackId, referralId } = ctx;
  authorize(policy.referTraceback(actor), 'referral');
  await db.transaction(async (tx) => {
    const t = await lockTraceback(tx, tracebackId);
    if (!t) throw new NotFoundError('traceback');
    const now = clock.now();
    const row = await withdrawReferralRow(tx, t.id, referralId, actor.userId, now);
    if (!row) {
      const known = (await referralsOf(tx, t.id)).some((r) => r.id === referralId);
      if (!known) throw new NotFoundError('referral');
      throw new ConflictError('this referral was already withdrawn');
    }
    await appendEvents(tx, [
      {
        tracebackId: t.id,
        at: now,
        actorUserId: actor.userId,
        actor: actor.label,
        type: 'traceback.referral_withdrawn',
        data: { agency: row.agency, referralId: row.id },
      },
    ]);
  });
  const [view] = (await referralsOf(db, tracebackId)).filter((r) => r.id === referralId);
  if (!view) throw new NotFoundError('referral');
  return presentReferral(actor, view);
}

/**
 * A traceback's referrals: staff see all of them (withdrawn ones too); an enforcement user whose agency it
 * was referred to sees only its own agency's live referral. Anyone else: not found.
 */
export async function listReferrals(
  ctx: CommandContext & { tracebackId: string },
): Promise<{ items: TReferral[]; can: { refer: boolean } }> {
  const { db, actor, tracebackId } = ctx;
  if (policy.readAnyTraceback(actor)) {
    if (!(await findTraceback(db, tracebackId))) throw new NotFoundError('traceback');
    const rows = await referralsOf(db, tracebackId);
    return {
      items: rows.map((r) => presentReferral(actor, r)),
      can: { refer: policy.referTraceback(actor) },
    };
  }
  const agency = await agencyOf(db, actor);
  if (!agency) throw new NotFoundError('traceback');
  const rows = await referralsOf(db, tracebackId, { agency });
  if (rows.length === 0) throw new NotFoundError('traceback');
  return { items: rows.map((r) => presentReferral(actor, r)), can: { refer: false } };
}

/** Agencies to offer in the referral form: of enforcement users and of past referrals (staff). */
export async function listAgencies(ctx: CommandContext): Promise<string[]> {
  authorize(policy.referTraceback(ctx.actor), 'route');
  return listAgencyRows(ctx.db);
}
