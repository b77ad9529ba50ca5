import { listReferrals, referTraceback, withdrawReferral } from '@hoptrace/core';
import {
  ZIdParams,
  ZReferral,
  ZReferralCreate,
  ZReferralList,
  ZReferralParams,
  ZReferralResult,
} from '@hoptrace/contracts';
import { bearer, ctxOf, typed, type App } from '../context';

/** Referrals of tracebacks to enforcement agencies, whose users then read them (read-only). */
export default function referralRoutes(app: App) {
  const r = typed(app);
  r.post(
    '/tracebacks/:id/referrals',
    {
      schema: {
        operationId: 'referTraceback',
        tags: ['referrals'],
        summary:
          'Refer a traceback (open or closed) to agencies of the directory, `agencyIds` or `all`: their users may read it, origin included, and their contacts are emailed a link; agencies already referred are reported, not refused (staff)',
        security: bearer,
        params: ZIdParams,
        body: ZReferralCreate,
        response: { 201: ZReferralResult, 200: ZReferralResult },
      },
    },
    async (request, reply) => {
      const result = await referTraceback({
        ...ctxOf(app, request),
        tracebackId: request.params.id,
        input: request.body,
      });
      // 201 when something was referred; 200 when every agency named already had a live referral.
      return reply.code(result.referred.length > 0 ? 201 : 200).send(result);
    },
  );
  r.get(
    '/tracebacks/:id/referrals',
    {
      schema: {
        operationId: 'listReferrals',
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
        operationId: 'withdrawReferral',
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
}
