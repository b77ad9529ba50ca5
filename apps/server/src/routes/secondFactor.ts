import {
  completeTotpLogin,
  disableTotp,
  enableTotp,
  endOwnSession,
  endSessionsOfUser,
  enrolEnableWithChallenge,
  enrolSetupWithChallenge,
  hashSecret,
  listSessions,
  presentUser,
  resetSecondFactor,
  setupTotp,
  SignInError,
  totpStatus,
  type LoginOutcome,
  type SessionMeta,
  type StartedSession,
} from '@hoptrace/core';
import {
  ZIdParams,
  ZLoginEnrolEnable,
  ZLoginEnrolSetup,
  ZLoginTotp,
  ZRecoveryCodes,
  ZSessionList,
  ZSessionsEnded,
  ZTotpDisable,
  ZTotpEnable,
  ZTotpSetup,
  ZTotpStatus,
  ZUser,
  type TLoginResult,
} from '@hoptrace/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { bearer, ctxOf, typed, type App } from '../context';
import { requireActor, SESSION_COOKIE } from '../plugins/auth';
import { HttpProblem } from '../plugins/problems';

/** What a session keeps of the request that opened it: the device (User-Agent) and the address. */
export function sessionMeta(request: FastifyRequest): SessionMeta {
  return { userAgent: request.headers['user-agent'], ip: request.ip };
}

export function setSessionCookie(reply: FastifyReply, session: StartedSession, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, session.token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure,
    expires: session.expiresAt,
  });
}

/** The answer to a correct password: signed in (cookie set), or the next step with its challenge. */
export function answerLogin(reply: FastifyReply, outcome: LoginOutcome, secure: boolean): TLoginResult {
  if (outcome.kind === 'session') {
    setSessionCookie(reply, outcome, secure);
    return { user: presentUser(outcome.user) };
  }
  reply.header('cache-control', 'no-store');
  const step = { challenge: outcome.challenge, expiresAt: outcome.expiresAt.toISOString() };
  return outcome.kind === 'totp' ? { mfaRequired: true, ...step } : { mfaEnrollmentRequired: true, ...step };
}

/** A sign-in step's failure as problem+json: the field to fix, or how long to wait. */
async function signInStep<T>(app: App, reply: FastifyReply, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof SignInError)) throw err;
    switch (err.reason) {
      case 'challenge':
        throw new HttpProblem(401, err.message, [{ path: 'challenge', message: err.message }]);
      case 'code':
        throw new HttpProblem(401, `code ${err.message}`, [{ path: 'code', message: err.message }]);
      case 'locked': {
        const seconds = Math.max(
          1,
          Math.ceil(((err.retryAt?.getTime() ?? 0) - app.clock.now().getTime()) / 1000),
        );
        if (err.retryAt) reply.header('retry-after', String(seconds));
        throw new HttpProblem(429, err.message, [{ path: 'code', message: err.message }]);
      }
      case 'unavailable':
        reply.log.error({ reason: err.message }, 'second factor unavailable');
        throw new HttpProblem(
          503,
          'this server cannot check codes from an authenticator app right now (its HOPTRACE_SECRET_KEY is missing or changed); a recovery code still works, or ask an admin',
        );
    }
  }
}

/** Your own second factor is managed from a signed-in session, never with an API key. */
function requireSession(request: FastifyRequest): void {
  requireActor(request);
  if (!request.sessionId)
    throw new HttpProblem(
      403,
      'manage your second factor from a signed-in session of the portal, not with an API key',
    );
}

const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

/**
 * Answers that carry a secret (a TOTP secret, recovery codes) are never kept for an Idempotency-Key replay:
 * the stored answer would sit in the database in clear. The key is dropped before the idempotency plugin
 * sees it; these calls are safe to repeat anyway (a new secret, or 409).
 */
function noReplayStore(request: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  delete request.headers['idempotency-key'];
  done();
}

export default function secondFactorRoutes(app: App, opts: { secureCookies: boolean }) {
  const r = typed(app);
  const signInLimit = { max: 10, timeWindow: '1 minute' };

  // --- Signing in: the steps after the password (public: the challenge is the credential) ---------------
  r.post(
    '/auth/login/totp',
    {
      config: { public: true, rateLimit: signInLimit },
      schema: {
        operationId: 'completeSignIn',
        tags: ['auth'],
        summary:
          'Complete a sign-in with a code from the authenticator app (or a recovery code, which is then spent); sets the session cookie',
        body: ZLoginTotp,
        response: { 200: z.object({ user: ZUser, recoveryCodesLeft: z.number().int() }) },
      },
    },
    async (request, reply) => {
      const signedIn = await signInStep(app, reply, () =>
        completeTotpLogin(app, { ...request.body, meta: sessionMeta(request) }),
      );
      setSessionCookie(reply, signedIn, opts.secureCookies);
      return { user: presentUser(signedIn.user), recoveryCodesLeft: signedIn.recoveryCodesLeft };
    },
  );
  r.post(
    '/auth/login/totp/setup',
    {
      config: { public: true, rateLimit: signInLimit },
      schema: {
        operationId: 'startRequiredTotpSetup',
        tags: ['auth'],
        summary:
          'Enforced enrolment: with the challenge of an `mfaEnrollmentRequired` sign-in, start setting up a second factor',
        body: ZLoginEnrolSetup,
        response: { 200: ZTotpSetup },
      },
    },
    async (request, reply) => {
      noStore(reply);
      return signInStep(app, reply, () => enrolSetupWithChallenge(app, request.body.challenge));
    },
  );
  r.post(
    '/auth/login/totp/enable',
    {
      config: { public: true, rateLimit: signInLimit },
      schema: {
        operationId: 'enableRequiredTotp',
        tags: ['auth'],
        summary:
          'Enforced enrolment: confirm the new second factor with a code; signs in and returns the recovery codes (shown once)',
        body: ZLoginEnrolEnable,
        response: { 200: z.object({ user: ZUser, recoveryCodes: z.array(z.string()) }) },
      },
    },
    async (request, reply) => {
      const done = await signInStep(app, reply, () =>
        enrolEnableWithChallenge(app, { ...request.body, meta: sessionMeta(request) }),
      );
      noStore(reply);
      setSessionCookie(reply, done, opts.secureCookies);
      return { user: presentUser(done.user), recoveryCodes: done.recoveryCodes };
    },
  );

  // --- Your own second factor --------------------------------------------------------------------------
  r.get(
    '/auth/totp',
    {
      schema: {
        operationId: 'getTotpStatus',
        tags: ['auth'],
        summary:
          'Whether your second factor is on, the recovery codes left, and whether your role requires one',
        security: bearer,
        response: { 200: ZTotpStatus },
      },
    },
    (request) => totpStatus(ctxOf(app, request)),
  );
  r.post(
    '/auth/totp/setup',
    {
      onRequest: noReplayStore,
      schema: {
        operationId: 'startTotpSetup',
        tags: ['auth'],
        summary:
          'Start setting up TOTP: a new secret and its otpauth:// URL (for the QR code), shown this once (session only)',
        security: bearer,
        response: { 200: ZTotpSetup },
      },
    },
    async (request, reply) => {
      requireSession(request);
      noStore(reply);
      return setupTotp(ctxOf(app, request));
    },
  );
  r.post(
    '/auth/totp/enable',
    {
      onRequest: noReplayStore,
      schema: {
        operationId: 'enableTotp',
        tags: ['auth'],
        summary:
          'Confirm the setup with a code from the app: the second factor is on; returns the recovery codes, shown once (session only)',
        security: bearer,
        body: ZTotpEnable,
        response: { 200: ZRecoveryCodes },
      },
    },
    async (request, reply) => {
      requireSession(request);
      noStore(reply);
      return signInStep(app, reply, () => enableTotp({ ...ctxOf(app, request), code: request.body.code }));
    },
  );
  r.post(
    '/auth/totp/disable',
    {
      schema: {
        operationId: 'disableTotp',
        tags: ['auth'],
        summary: 'Turn the second factor off, with a code from the app or a recovery code (session only)',
        security: bearer,
        body: ZTotpDisable,
      },
    },
    async (request, reply) => {
      requireSession(request);
      await signInStep(app, reply, () => disableTotp({ ...ctxOf(app, request), code: request.body.code }));
      return reply.code(204).send();
    },
  );

  // --- Sessions ------------------------------------------------------------------------------------------
  r.get(
    '/auth/sessions',
    {
      schema: {
        operationId: 'listOwnSessions',
        tags: ['auth'],
        summary:
          'Your live sessions: device, address, when signed in and last used; `current` marks this one',
        security: bearer,
        response: { 200: ZSessionList },
      },
    },
    async (request) => {
      const ctx = ctxOf(app, request);
      const items = await listSessions({
        ...ctx,
        userId: ctx.actor.userId ?? '',
        currentSessionId: request.sessionId,
      });
      return { items };
    },
  );
  r.delete(
    '/auth/sessions/:id',
    {
      schema: {
        operationId: 'endOwnSession',
        tags: ['auth'],
        summary: 'End one of your sessions (not the one you are using: sign out for that)',
        security: bearer,
        params: ZIdParams,
      },
    },
    async (request, reply) => {
      await endOwnSession({
        ...ctxOf(app, request),
        sessionId: request.params.id,
        currentSessionId: request.sessionId,
      });
      return reply.code(204).send();
    },
  );
  r.get(
    '/users/:id/sessions',
    {
      schema: {
        operationId: 'listUserSessions',
        tags: ['users'],
        summary: "A user's live sessions (admin, or the user itself)",
        security: bearer,
        params: ZIdParams,
        response: { 200: ZSessionList },
      },
    },
    async (request) => ({
      items: await listSessions({
        ...ctxOf(app, request),
        userId: request.params.id,
        currentSessionId: request.sessionId,
      }),
    }),
  );
  r.post(
    '/users/:id/sessions/revoke',
    {
      schema: {
        operationId: 'endUserSessions',
        tags: ['users'],
        summary:
          "End all of a user's sessions (admin; your own: all but this one); recorded as an event. API keys are revoked apart",
        security: bearer,
        params: ZIdParams,
        response: { 200: ZSessionsEnded },
      },
    },
    async (request) => {
      const token = request.cookies[SESSION_COOKIE];
      const ended = await endSessionsOfUser({
        ...ctxOf(app, request),
        userId: request.params.id,
        keepTokenHash: token ? hashSecret(token) : undefined,
      });
      return { ended };
    },
  );
  r.post(
    '/users/:id/totp/reset',
    {
      schema: {
        operationId: 'resetUserTotp',
        tags: ['users'],
        summary:
          "Reset a user's second factor (admin; not your own): it and the recovery codes are removed; recorded as an event",
        security: bearer,
        params: ZIdParams,
        response: { 200: z.object({ reset: z.boolean() }) },
      },
    },
    async (request) => {
      const { hadOne } = await resetSecondFactor({ ...ctxOf(app, request), userId: request.params.id });
      return { reset: hadOne };
    },
  );
}
