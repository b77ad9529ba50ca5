import type { TReferral, TReferralCreate, TReferralResult } from '@hoptrace/contracts';
import {
  appendEvents,
  findAgencies,
  findUser,
  insertReferral,
  isReferredToUser,
  listAgencyRows,
  liveReferralsTo,
  lockTraceback,
  referralsOf,
  findTraceback,
  withdrawReferralRow,
  type AgencyRow,
  type EventInsert,
  type Executor,
  type ReferralView,
} from '@hoptrace/db';
import type { Actor } from '../actor';
import type { CommandContext } from '../context';
import { pgErrorCode } from '../context';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { noticeReferral } from '../notify/notices';
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
export async function agencyIdOf(db: Executor, actor: Actor): Promise<string | null> {
  if (actor.role !== 'enforcement' || !actor.userId || actor.hopScope) return null;
  return (await findUser(db, actor.userId))?.agencyId ?? null;
}

export function presentReferral(actor: Actor, r: ReferralView): TReferral {
  return {
    id: r.id,
    tracebackId: r.tracebackId,
    agencyId: r.agencyId,
    agency: r.agency,
    note: r.note,
    referredAt: r.referredAt.toISOString(),
    referredBy: r.referredByEmail,
    withdrawnAt: r.withdrawnAt ? r.withdrawnAt.toISOString() : null,
    withdrawnBy: r.withdrawnByEmail,
    can: { withdraw: policy.referTraceback(actor) && !r.withdrawnAt },
  };
}

/**
 * Refers a traceback (open or closed) to agencies of the directory in one action: the named ones, or all of
 * them. Each agency without a live referral gets one, a `traceback.referred` event, and an email to each of
 * its contacts with a link; agencies that already have a live referral are reported, not refused, so sending
 * again is harmless. One transaction: an unknown agency id refuses the whole action and writes nothing.
 */
export async function referTraceback(
  ctx: CommandContext & { tracebackId: string; input: TReferralCreate },
): Promise<TReferralResult> {
  const { db, actor, clock, tracebackId, input } = ctx;
  authorize(policy.referTraceback(actor), 'traceback');
  const note = input.note?.trim() || null;
  const created = await db
    .transaction(async (tx) => {
      // Lock order: the traceback row first, like every change to a traceback.
      const t = await lockTraceback(tx, tracebackId);
      if (!t) throw new NotFoundError('traceback');
      let targets: AgencyRow[];
      if (input.all) {
        targets = await listAgencyRows(tx);
        if (targets.length === 0) throw InvalidInputError.field('all', 'the agencies directory is empty');
      } else {
        const ids = [...new Set(input.agencyIds ?? [])];
        targets = await findAgencies(tx, ids);
        const known = new Set(targets.map((a) => a.id));
        const i = (input.agencyIds ?? []).findIndex((id) => !known.has(id));
        if (i >= 0) throw InvalidInputError.field(`agencyIds.${i}`, 'is not an agency in the directory');
      }
      const live = new Map(
        (
          await liveReferralsTo(
            tx,
            t.id,
            targets.map((a) => a.id),
          )
        ).map((r) => [r.agencyId, r]),
      );
      const now = clock.now();
      const events: EventInsert[] = [];
      const referred: string[] = [];
      for (const agency of targets) {
        if (live.has(agency.id)) continue;
        const row = await insertReferral(tx, {
          tracebackId: t.id,
          agencyId: agency.id,
          agency: agency.name,
          note,
          referredBy: actor.userId,
          referredAt: now,
        });
        referred.push(row.id);
        events.push({
          tracebackId: t.id,
          at: now,
          actorUserId: actor.userId,
          actor: actor.label,
          type: 'traceback.referred',
          data: { agencyId: agency.id, agency: agency.name, referralId: row.id, ...(note ? { note } : {}) },
        });
        await noticeReferral(tx, { traceback: t, agency, referralId: row.id, note, now });
      }
      await appendEvents(tx, events);
      return {
        referred,
        already: targets
          .filter((a) => live.has(a.id))
          .map((a) => ({ agencyId: a.id, agency: a.name, referralId: live.get(a.id)!.id })),
      };
    })
    .catch((err: unknown) => {
      // Two staff referring at once serialise on the traceback lock; this is the belt to those braces.
      if (pgErrorCode(err) === '23505')
        throw new ConflictError('this traceback was referred meanwhile; try again');
      throw err;
    });
  const views = new Map((await referralsOf(db, tracebackId)).map((r) => [r.id, r]));
  return {
    referred: created.referred.flatMap((id) => {
      const v = views.get(id);
      return v ? [presentReferral(actor, v)] : [];
    }),
    alreadyReferred: created.already,
  };
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
        data: { agencyId: row.agencyId, agency: row.agency, referralId: row.id },
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
  const agencyId = await agencyIdOf(db, actor);
  if (!agencyId) throw new NotFoundError('traceback');
  const rows = await referralsOf(db, tracebackId, { agencyId });
  if (rows.length === 0) throw new NotFoundError('traceback');
  return { items: rows.map((r) => presentReferral(actor, r)), can: { refer: false } };
}
