import {
  changePassword,
  createApiKey,
  createUser,
  hashSecret,
  login,
  logout,
  presentUser,
  revokeApiKey,
  updateUser,
} from '@hoptrace/core';
import {
  ZApiKey,
  ZApiKeyCreate,
  ZApiKeyCreated,
  ZIdParams,
  ZLogin,
  ZLoginResult,
  ZPasswordChange,
  ZUser,
  ZUserCreate,
  ZUserPatch,
  ZUuid,
} from '@hoptrace/contracts';
import { findUser } from '@hoptrace/db';
import { z } from 'zod';
import { bearer, ctxOf, typed, type App } from '../context';
import { requireActor, SESSION_COOKIE } from '../plugins/auth';
import { throttledLogin } from '../plugins/loginGuard';
import { HttpProblem } from '../plugins/problems';
import { answerLogin, sessionMeta } from './secondFactor';

export default function authRoutes(app: App, opts: { secureCookies: boolean }) {
  const r = typed(app);
  r.post(
    '/auth/login',
    {
      config: {
        public: true,
        rateLimit: {
          max: (request) => request.server.limits.loginPerAddressPerMinute,
          timeWindow: '1 minute',
        },
      },
      schema: {
        operationId: 'signIn',
        tags: ['auth'],
        summary:
          'Sign in; sets the session cookie, or answers `mfaRequired` / `mfaEnrollmentRequired` with a challenge for the next step',
        body: ZLogin,
        response: { 200: ZLoginResult },
      },
    },
    async (request, reply) => {
      const { email, password } = request.body;
      const outcome = await throttledLogin(app, request, reply, email, () =>
        login(app, email, password, sessionMeta(request)),
      );
      if (!outcome) throw new HttpProblem(401, 'the email or the password is wrong');
      // Signed in, or the next step (a code, or setting up a second factor): decision 0020.
      return answerLogin(reply, outcome, opts.secureCookies);
    },
  );
  r.post(
    '/auth/logout',
    { config: { public: true }, schema: { operationId: 'signOut', tags: ['auth'], summary: 'Sign out' } },
    async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE];
      if (token) await logout(app, token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    },
  );
  r.get(
    '/auth/me',
    {
      schema: {
        operationId: 'getCurrentUser',
        tags: ['auth'],
        summary: 'The signed-in user',
        security: bearer,
        response: { 200: z.object({ user: ZUser }) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const user = actor.userId ? await findUser(app.db, actor.userId) : undefined;
      if (!user) throw new HttpProblem(401, 'no user behind this session');
      return { user: presentUser(user) };
    },
  );
  r.post(
    '/users',
    {
      schema: {
        operationId: 'createUser',
        tags: ['users'],
        summary: 'Create a user (admin)',
        security: bearer,
        body: ZUserCreate,
        response: { 201: z.object({ user: ZUser }) },
      },
    },
    async (request, reply) => {
      const user = await createUser({ ...ctxOf(app, request), input: request.body });
      return reply.code(201).send({ user: presentUser(user) });
    },
  );
  r.post(
    '/users/:id/api-keys',
    {
      schema: {
        operationId: 'createApiKey',
        tags: ['users'],
        summary: 'Create an API key for a user (admin, or the user itself); the key is shown once',
        security: bearer,
        params: ZIdParams,
        body: ZApiKeyCreate,
        response: { 201: ZApiKeyCreated },
      },
    },
    async (request, reply) => {
      const { row, key } = await createApiKey({
        ...ctxOf(app, request),
        userId: request.params.id,
        input: request.body,
      });
      return reply.code(201).send({
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        scopes: row.scopes,
        createdAt: row.createdAt.toISOString(),
        key,
      });
    },
  );
  r.patch(
    '/users/:id',
    {
      schema: {
        operationId: 'updateUser',
        tags: ['users'],
        summary:
          "Change a user's name, role and provider binding, or disable / enable them (admin); a disabled user's sessions and keys stop working",
        security: bearer,
        params: ZIdParams,
        body: ZUserPatch,
        response: { 200: z.object({ user: ZUser }) },
      },
    },
    async (request) => {
      const user = await updateUser({
        ...ctxOf(app, request),
        userId: request.params.id,
        input: request.body,
      });
      return { user: presentUser(user) };
    },
  );
  r.post(
    '/users/me/password',
    {
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        operationId: 'changeOwnPassword',
        tags: ['users'],
        summary: 'Change your own password (the current one required); your other sessions end',
        security: bearer,
        body: ZPasswordChange,
      },
    },
    async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE];
      await changePassword({
        ...ctxOf(app, request),
        input: request.body,
        keepSessionTokenHash: token ? hashSecret(token) : undefined,
      });
      return reply.code(204).send();
    },
  );
  r.delete(
    '/users/:id/api-keys/:keyId',
    {
      schema: {
        operationId: 'revokeApiKey',
        tags: ['users'],
        summary: 'Revoke an API key (the key owner, or an admin); a revoked key stops working',
        security: bearer,
        params: z.object({ id: ZUuid, keyId: ZUuid }),
        response: { 200: ZApiKey },
      },
    },
    async (request) => {
      const row = await revokeApiKey({
        ...ctxOf(app, request),
        userId: request.params.id,
        keyId: request.params.keyId,
      });
      return {
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        scopes: row.scopes,
        createdAt: row.createdAt.toISOString(),
        revokedAt: row.revokedAt ? row.revokedAt.toISOString() : null,
      };
    },
  );
}
