import { listAgencies, listReferrals, referTraceback, withdrawReferral } from '@hoptrace/core';
import {
  ZAgencyList,
  ZIdParams,
  ZReferral,
  ZReferralCreate,
  ZReferralList,
  ZReferralParams,
} from '@hoptrace/contracts';
import { bearer, ctxOf, typed, type App } from '../context';

/** Referrals of tracebacks to enforcement agencies, whose users then read them (read-only). */
export default function referralRoutes(app: App) {
  const r = typed(app);
  r.post(
    '/tracebacks/:id/referrals',
    {
      schema: {
        tags: ['referrals'],
        summary:
          'Refer a traceback (open or closed) to an agency: its enforcement users may read it, origin included (staff)',
        security: bearer,
        params: ZIdParams,
        body: ZReferralCreate,
        response: { 201: ZReferral },
      },
    },
    async (request, reply) => {
      const referral = await referTraceback({
        ...ctxOf(app, request),
        tracebackId: request.params.id,
        input: request.body,
      });
      return reply.code(201).send(referral);
    },
  );
  r.get(
    '/tracebacks/:id/referrals',
    {
      schema: {
        tags: ['referrals'],
        summary:
          "A traceback's referrals: staff see all (withdrawn too); an enforcement user its own agency's live one",
        security: bearer,
        params: ZIdParams,
        response: { 200: ZReferralList },
      },
    },
    (request) => listReferrals({ ...ctxOf(app, request), tracebackId: request.params.id }),
  );
  r.delete(
    '/tracebacks/:id/referrals/:referralId',
    {
      schema: {
        tags: ['referrals'],
        summary: "Withdraw a referral: the agency's users no longer see the traceback (staff)",
        security: bearer,
        params: ZReferralParams,
        response: { 200: ZReferral },
      },
    },
    (request) =>
      withdrawReferral({
        ...ctxOf(app, request),
        tracebackId: request.params.id,
        referralId: request.params.referralId,
      }),
  );
  r.get(
    '/agencies',
    {
      schema: {
        tags: ['referrals'],
        summary: 'Agencies to refer to: those of enforcement users and of past referrals (staff)',
        security: bearer,
        response: { 200: ZAgencyList },
      },
    },
    async (request) => ({ items: await listAgencies(ctxOf(app, request)) }),
  );
}
