import { randomBytes } from 'node:crypto';
import { schema } from '@hoptrace/db';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app';
import { createHarness, expectProblem, type Harness } from './testing/harness';
import {
  challengeOf,
  codeLogin,
  cookieOf,
  nextAddress,
  passwordLogin,
  personWithPassword,
  postAnonymous,
  withCookie,
} from './testing/signIn';
import { totpAt } from './testing/totp';

/**
 * HOPTRACE_REQUIRE_MFA=staff (decision 0020): admins, analysts and enforcement users without a second factor
 * set one up at sign-in, with the challenge `POST /auth/login` gives instead of a session; provider users and
 * API keys are not concerned. With HOPTRACE_SECRET_KEY the secrets are sealed in the database.
 */

let h: Harness;
const secretKey = randomBytes(32);
beforeAll(async () => {
  h = await createHarness(undefined, { settings: { auth: { requireMfa: 'staff', secretKey } } });
});
afterAll(() => h.close());

/** Signs in with the password, expecting to be asked to set up a second factor: the challenge. */
async function enrolmentChallenge(email: string): Promise<string> {
  const res = await passwordLogin(h, email);
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json<{ mfaEnrollmentRequired: boolean; challenge: string; expiresAt: string }>();
  expect(body).toEqual({
    mfaEnrollmentRequired: true,
    challenge: expect.stringMatching(/^htc_/) as string,
    expiresAt: new Date(h.clock.now().getTime() + 15 * 60_000).toISOString(),
  });
  expect(res.cookies).toHaveLength(0);
  return body.challenge;
}

const setupWith = async (challenge: string) => {
  const res = await postAnonymous(h, '/api/v1/auth/login/totp/setup', { challenge });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  return res.json<{ secret: string; otpauthUrl: string }>();
};
const enableWith = (challenge: string, code: string) =>
  postAnonymous(h, '/api/v1/auth/login/totp/enable', { challenge, code });

describe('HOPTRACE_REQUIRE_MFA=staff', () => {
  it('an analyst without a second factor sets one up at sign-in, and only then is signed in', async () => {
    const person = await personWithPassword(h, 'analyst');
    const challenge = await enrolmentChallenge(person.email);
    // An enrolment challenge is not a sign-in with a code.
    expectProblem(await codeLogin(h, challenge, '123456'), 401, ['challenge']);

    const { secret, otpauthUrl } = await setupWith(challenge);
    expect(otpauthUrl).toContain(`secret=${secret}`);
    const wrong = String((Number(totpAt(secret, h.clock.now())) + 1) % 1e6).padStart(6, '0');
    const refused = expectProblem(await enableWith(challenge, wrong), 401, ['code']);
    expect(refused.errors![0]!.message).toContain('4 tries left');

    const done = await enableWith(challenge, totpAt(secret, h.clock.now()));
    expect(done.statusCode, done.body).toBe(200);
    const body = done.json<{ user: { id: string }; recoveryCodes: string[] }>();
    expect(body.user.id).toBe(person.id);
    expect(body.recoveryCodes).toHaveLength(10);
    const cookie = cookieOf(done);
    expect((await withCookie(h, cookie, 'GET', '/api/v1/auth/totp')).json()).toMatchObject({
      enabled: true,
      required: true,
      recoveryCodesLeft: 10,
    });
    // Used up.
    expectProblem(await enableWith(challenge, totpAt(secret, h.clock.now(), 1)), 401, ['challenge']);

    // Sealed with HOPTRACE_SECRET_KEY: the database holds no readable secret.
    const [row] = await h.db.select().from(schema.userTotp).where(eq(schema.userTotp.userId, person.id));
    expect(row!.secret).toMatch(/^v1\./);
    expect(row!.secret).not.toContain(secret);

    // From now on: password, then code.
    h.clock.advance(30_000);
    const next = await codeLogin(h, await challengeOf(h, person.email), totpAt(secret, h.clock.now()));
    expect(next.statusCode, next.body).toBe(200);
  });

  it('admins and enforcement users too; provider users and API keys are not concerned', async () => {
    for (const role of ['admin', 'enforcement'] as const) {
      const person = await personWithPassword(h, role);
      await enrolmentChallenge(person.email);
    }
    const p = await h.provider();
    const provider = await h.admin.post('/api/v1/users', {
      email: 'desk@carrier-mfa.example',
      name: 'Traceback desk',
      role: 'provider',
      providerId: p.id,
      password: 'correct horse battery staple',
    });
    expect(provider.statusCode, provider.body).toBe(201);
    expect((await passwordLogin(h, 'desk@carrier-mfa.example')).json()).toHaveProperty('user');
    // The harness's staff act with API keys, and have no second factor.
    expect((await h.analyst.get('/api/v1/auth/me')).statusCode).toBe(200);
    expect((await h.admin.get('/api/v1/users')).statusCode).toBe(200);
  });

  it('the enrolment challenge lives fifteen minutes; setting up again gives a new secret', async () => {
    const person = await personWithPassword(h, 'analyst');
    const challenge = await enrolmentChallenge(person.email);
    const first = await setupWith(challenge);
    const second = await setupWith(challenge);
    expect(second.secret).not.toBe(first.secret);
    // Only the latest secret counts.
    expectProblem(await enableWith(challenge, totpAt(first.secret, h.clock.now())), 401, ['code']);
    h.clock.advance(15 * 60_000 + 1_000);
    expectProblem(await enableWith(challenge, totpAt(second.secret, h.clock.now())), 401, ['challenge']);
    expectProblem(await postAnonymous(h, '/api/v1/auth/login/totp/setup', { challenge }), 401, ['challenge']);
  });

  it('turning the factor off is allowed; the next sign-in sets one up again', async () => {
    const person = await personWithPassword(h, 'analyst');
    const challenge = await enrolmentChallenge(person.email);
    const { secret } = await setupWith(challenge);
    const cookie = cookieOf(await enableWith(challenge, totpAt(secret, h.clock.now())));
    h.clock.advance(30_000);
    const off = await withCookie(h, cookie, 'POST', '/api/v1/auth/totp/disable', {
      code: totpAt(secret, h.clock.now()),
    });
    expect(off.statusCode, off.body).toBe(204);
    await enrolmentChallenge(person.email);
  });
});

describe('a server without the key the secrets were sealed with', () => {
  let other: FastifyInstance;
  beforeAll(async () => {
    other = await buildApp({ db: h.db, clock: h.clock, settings: { auth: { requireMfa: 'staff' } } });
    await other.ready();
  });
  afterAll(() => other.close());

  it('answers 503 to a code (logged, no 500) and still takes a recovery code', async () => {
    const person = await personWithPassword(h, 'analyst');
    const challenge = await enrolmentChallenge(person.email);
    const { secret } = await setupWith(challenge);
    const { recoveryCodes } = (await enableWith(challenge, totpAt(secret, h.clock.now()))).json<{
      recoveryCodes: string[];
    }>();
    h.clock.advance(30_000);
    const post = (url: string, payload: Record<string, string>) =>
      other.inject({ method: 'POST', url, payload, remoteAddress: nextAddress() });
    const login = await post('/api/v1/auth/login', {
      email: person.email,
      password: 'correct horse battery staple',
    });
    const c1 = login.json<{ challenge: string }>().challenge;
    const res = await post('/api/v1/auth/login/totp', { challenge: c1, code: totpAt(secret, h.clock.now()) });
    expectProblem(res, 503);
    expect(res.body).toContain('recovery code');
    const ok = await post('/api/v1/auth/login/totp', { challenge: c1, code: recoveryCodes[0]! });
    expect(ok.statusCode, ok.body).toBe(200);
  });
});
