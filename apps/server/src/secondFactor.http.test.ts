import { createApiKey, systemActor } from '@hoptrace/core';
import { schema } from '@hoptrace/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, expectProblem, type Harness } from './testing/harness';
import {
  challengeOf,
  codeLogin,
  cookieOf,
  enrol,
  passwordLogin,
  personWithPassword,
  postAnonymous,
  sessionOf,
  withCookie,
  type Person,
} from './testing/signIn';
import { totpAt } from './testing/totp';

/**
 * The second factor (decision 0020) over HTTP: TOTP set up from a session and confirmed with a code, sign-in
 * in two steps, wrong codes, replay, recovery codes, the challenge's life, backoff, disable, admin reset.
 * Codes are computed from the secret the API hands out, by RFC 6238 (testing/totp.ts).
 */

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

/** Moves the clock to the next 30-second step, so the next code is one not used yet. */
const nextStep = () => h.clock.advance(30_000);

async function enrolled(role: Person['role'] = 'analyst') {
  const person = await personWithPassword(h, role);
  const cookie = await sessionOf(h, person.email);
  const { secret, recoveryCodes } = await enrol(h, cookie);
  nextStep();
  return { ...person, cookie, secret, recoveryCodes };
}

const totpRow = async (userId: string) =>
  (await h.db.select().from(schema.userTotp).where(eq(schema.userTotp.userId, userId)))[0];

/** Changes to a user's sign-in, from the audit ledger (decision 0024). */
const userEvents = async (type: string) =>
  (
    await h.db
      .select()
      .from(schema.auditLedger)
      .where(and(eq(schema.auditLedger.action, type), eq(schema.auditLedger.subjectType, 'user')))
  ).map((e) => ({
    actorUserId: e.actorUserId,
    actor: e.actor,
    data: { userId: e.subjectId, ...e.details },
  }));

describe('setting up from the profile', () => {
  it('a secret and its otpauth URL, confirmed with a code; ten recovery codes shown once; the secret never again', async () => {
    const person = await personWithPassword(h);
    const cookie = await sessionOf(h, person.email);
    const before = await withCookie(h, cookie, 'GET', '/api/v1/auth/totp');
    expect(before.json()).toEqual({ enabled: false, enabledAt: null, recoveryCodesLeft: 0, required: false });

    const setup = await withCookie(h, cookie, 'POST', '/api/v1/auth/totp/setup');
    expect(setup.statusCode, setup.body).toBe(200);
    expect(setup.headers['cache-control']).toBe('no-store');
    const { secret, otpauthUrl } = setup.json<{ secret: string; otpauthUrl: string }>();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const url = new URL(otpauthUrl);
    expect(url.searchParams.get('secret')).toBe(secret);
    expect(decodeURIComponent(url.pathname)).toBe(`/hoptrace:${person.email}`);
    // Not on yet: the password alone still signs in.
    expect((await passwordLogin(h, person.email)).json()).toHaveProperty('user');

    const wrong = String((Number(totpAt(secret, h.clock.now())) + 1) % 1e6).padStart(6, '0');
    expectProblem(await withCookie(h, cookie, 'POST', '/api/v1/auth/totp/enable', { code: wrong }), 400, [
      'code',
    ]);
    const enabled = await h.anonymous({
      method: 'POST',
      url: '/api/v1/auth/totp/enable',
      headers: { cookie, 'idempotency-key': 'enable-once' },
      payload: { code: totpAt(secret, h.clock.now()) },
    });
    expect(enabled.statusCode, enabled.body).toBe(200);
    expect(enabled.headers['cache-control']).toBe('no-store');
    // Not kept for an Idempotency-Key replay: the stored answer would hold the codes in clear.
    expect(
      await h.db.$count(schema.idempotencyKeys, eq(schema.idempotencyKeys.owner, `user:${person.id}`)),
    ).toBe(0);
    const { recoveryCodes } = enabled.json<{ recoveryCodes: string[] }>();
    expect(recoveryCodes).toHaveLength(10);

    const status = await withCookie(h, cookie, 'GET', '/api/v1/auth/totp');
    expect(status.json()).toEqual({
      enabled: true,
      enabledAt: h.clock.now().toISOString(),
      recoveryCodesLeft: 10,
      required: false,
    });
    expect(status.body).not.toContain(secret);
    expectProblem(await withCookie(h, cookie, 'POST', '/api/v1/auth/totp/setup'), 409);
    expectProblem(
      await withCookie(h, cookie, 'POST', '/api/v1/auth/totp/enable', {
        code: totpAt(secret, h.clock.now()),
      }),
      409,
    );

    // Stored: the secret as the active one (no key in this harness: marked plain), the codes only as hashes.
    const row = await totpRow(person.id);
    expect(row).toMatchObject({ secret: `plain.${secret}`, pendingSecret: null });
    const stored = await h.db
      .select()
      .from(schema.recoveryCodes)
      .where(eq(schema.recoveryCodes.userId, person.id));
    expect(stored).toHaveLength(10);
    const hashes = stored.map((r) => r.codeHash).join(' ');
    for (const c of recoveryCodes) {
      expect(hashes).not.toContain(c);
      expect(hashes).not.toContain(c.replaceAll('-', ''));
    }
    const listed = await h.admin.get(`/api/v1/users?q=${person.email}`);
    expect(listed.json<{ items: Array<{ twoFactor: boolean }> }>().items[0]?.twoFactor).toBe(true);
    expect((await userEvents('user.totp_enabled')).some((e) => e.data.userId === person.id)).toBe(true);
  });

  it('is done from a signed-in session: an API key cannot set up, enable or disable one', async () => {
    const person = await personWithPassword(h);
    const system = { db: h.db, clock: h.clock, actor: systemActor('test') };
    const { key } = await createApiKey({
      ...system,
      userId: person.id,
      input: { name: 't', scopes: ['api'] },
    });
    const caller = h.callerFor(person.id, key, null);
    expectProblem(await caller.post('/api/v1/auth/totp/setup'), 403);
    expectProblem(await caller.post('/api/v1/auth/totp/enable', { code: '123456' }), 403);
    expectProblem(await caller.post('/api/v1/auth/totp/disable', { code: '123456' }), 403);
    expect((await caller.get('/api/v1/auth/totp')).json()).toMatchObject({ enabled: false });
    expectProblem(
      await h.anonymous({ method: 'POST', url: '/api/v1/auth/totp/setup', remoteAddress: '10.1.1.1' }),
      401,
    );
    expect(await totpRow(person.id)).toBeUndefined();
  });
});

describe('signing in with a second factor', () => {
  it('the password alone gives a challenge and no session; the code completes it for that user', async () => {
    const person = await enrolled();
    const res = await passwordLogin(h, person.email);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ mfaRequired: boolean; challenge: string; expiresAt: string }>();
    expect(body).toEqual({
      mfaRequired: true,
      challenge: expect.stringMatching(/^htc_/) as string,
      expiresAt: new Date(h.clock.now().getTime() + 5 * 60_000).toISOString(),
    });
    expect(res.cookies).toHaveLength(0);
    expect(res.headers['cache-control']).toBe('no-store');
    // The challenge is no session.
    expectProblem(
      await h.anonymous({
        method: 'GET',
        url: '/api/v1/auth/me',
        headers: { cookie: `hoptrace_session=${body.challenge}` },
      }),
      401,
    );

    const done = await codeLogin(h, body.challenge, totpAt(person.secret, h.clock.now()));
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({
      user: { id: person.id, email: person.email },
      recoveryCodesLeft: 10,
    });
    const me = await withCookie(h, cookieOf(done), 'GET', '/api/v1/auth/me');
    expect(me.json<{ user: { id: string } }>().user.id).toBe(person.id);
    // Single use: the same challenge does not sign in twice.
    nextStep();
    expectProblem(await codeLogin(h, body.challenge, totpAt(person.secret, h.clock.now())), 401, [
      'challenge',
    ]);
  });

  it('a challenge signs in once, even when two right codes race for it', async () => {
    const person = await enrolled();
    const challenge = await challengeOf(h, person.email);
    const sessions = () => h.db.$count(schema.sessions, eq(schema.sessions.userId, person.id));
    const before = await sessions();
    const results = await Promise.all([
      codeLogin(h, challenge, totpAt(person.secret, h.clock.now())),
      codeLogin(h, challenge, totpAt(person.secret, h.clock.now(), 1)),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
    expect(await sessions()).toBe(before + 1);
  });

  it('a wrong code is a 401 at the code with the tries left; the fifth ends the challenge; then the backoff', async () => {
    const person = await enrolled();
    const challenge = await challengeOf(h, person.email);
    const right = totpAt(person.secret, h.clock.now());
    const wrong = String((Number(right) + 500_000) % 1e6).padStart(6, '0');
    for (const left of [4, 3, 2, 1]) {
      const p = expectProblem(await codeLogin(h, challenge, wrong), 401, ['code']);
      expect(p.errors![0]!.message).toContain(`${left} ${left === 1 ? 'try' : 'tries'} left`);
    }
    const last = expectProblem(await codeLogin(h, challenge, wrong), 401, ['code']);
    expect(last.errors![0]!.message).toContain('sign in again');
    expectProblem(await codeLogin(h, challenge, right), 401, ['challenge']);

    // Five wrong codes in a row: the next try, even a right one on a new challenge, waits a minute.
    const again = await challengeOf(h, person.email);
    const locked = await codeLogin(h, again, right);
    expectProblem(locked, 429, ['code']);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(60);
    h.clock.advance(61_000);
    const ok = await codeLogin(h, await challengeOf(h, person.email), totpAt(person.secret, h.clock.now()));
    expect(ok.statusCode, ok.body).toBe(200);
    expect(await totpRow(person.id)).toMatchObject({ failedAttempts: 0, lastFailedAt: null });
  });

  it('each code works once: the same code again, even on a new challenge, is refused (replay)', async () => {
    const person = await enrolled();
    const code = totpAt(person.secret, h.clock.now());
    expect((await codeLogin(h, await challengeOf(h, person.email), code)).statusCode).toBe(200);
    const replay = expectProblem(await codeLogin(h, await challengeOf(h, person.email), code), 401, ['code']);
    expect(replay.errors![0]!.message).toContain('used already');
    // The step before is older than the one used: refused as well, though within the drift window.
    const earlier = totpAt(person.secret, h.clock.now(), -1);
    expectProblem(await codeLogin(h, await challengeOf(h, person.email), earlier), 401, ['code']);
    nextStep();
    const fresh = await codeLogin(
      h,
      await challengeOf(h, person.email),
      totpAt(person.secret, h.clock.now()),
    );
    expect(fresh.statusCode, fresh.body).toBe(200);
  });

  it('a code of the next step is accepted (clock drift), and the current one is then spent', async () => {
    const person = await enrolled();
    const ahead = totpAt(person.secret, h.clock.now(), 1);
    expect((await codeLogin(h, await challengeOf(h, person.email), ahead)).statusCode).toBe(200);
    expectProblem(
      await codeLogin(h, await challengeOf(h, person.email), totpAt(person.secret, h.clock.now())),
      401,
      ['code'],
    );
  });

  it('a recovery code signs in once in place of a code, however it is typed', async () => {
    const person = await enrolled();
    const typed = ` ${person.recoveryCodes[3]!.toUpperCase().replaceAll('-', ' ')} `;
    const res = await codeLogin(h, await challengeOf(h, person.email), typed);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ recoveryCodesLeft: 9 });
    const spent = expectProblem(
      await codeLogin(h, await challengeOf(h, person.email), person.recoveryCodes[3]!),
      401,
      ['code'],
    );
    expect(spent.errors![0]!.message).toContain('used already');
    // Another user's recovery code is not this user's.
    const other = await enrolled();
    expectProblem(await codeLogin(h, await challengeOf(h, person.email), other.recoveryCodes[0]!), 401, [
      'code',
    ]);
    expect((await withCookie(h, cookieOf(res), 'GET', '/api/v1/auth/totp')).json()).toMatchObject({
      recoveryCodesLeft: 9,
    });
  });

  it('the challenge lives five minutes', async () => {
    const person = await enrolled();
    const challenge = await challengeOf(h, person.email);
    h.clock.advance(5 * 60_000 + 1_000);
    expectProblem(await codeLogin(h, challenge, totpAt(person.secret, h.clock.now())), 401, ['challenge']);
    const ok = await codeLogin(h, await challengeOf(h, person.email), totpAt(person.secret, h.clock.now()));
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it("a challenge is its user's: another user's right code does not complete it", async () => {
    const person = await enrolled();
    const other = await enrolled();
    const challenge = await challengeOf(h, person.email);
    expectProblem(await codeLogin(h, challenge, totpAt(other.secret, h.clock.now())), 401, ['code']);
  });

  it('a wrong password gives no challenge; API keys of a user with a second factor work as before', async () => {
    const person = await enrolled();
    const wrong = await passwordLogin(h, person.email, 'not the password at all');
    expectProblem(wrong, 401);
    expect(wrong.body).not.toContain('htc_');
    const system = { db: h.db, clock: h.clock, actor: systemActor('test') };
    const { key } = await createApiKey({
      ...system,
      userId: person.id,
      input: { name: 't', scopes: ['api'] },
    });
    const me = await h.callerFor(person.id, key, null).get('/api/v1/auth/me');
    expect(me.statusCode, me.body).toBe(200);
  });
});

describe('turning it off', () => {
  it('disable needs a right code (or a recovery code); then the password alone signs in', async () => {
    const person = await enrolled();
    const wrong = String((Number(totpAt(person.secret, h.clock.now())) + 1) % 1e6).padStart(6, '0');
    expectProblem(
      await withCookie(h, person.cookie, 'POST', '/api/v1/auth/totp/disable', { code: wrong }),
      400,
      ['code'],
    );
    expectProblem(
      await withCookie(h, person.cookie, 'POST', '/api/v1/auth/totp/disable', {
        code: 'zzzz-zzzz-zzzz-zzzz',
      }),
      400,
      ['code'],
    );
    const off = await withCookie(h, person.cookie, 'POST', '/api/v1/auth/totp/disable', {
      code: person.recoveryCodes[0],
    });
    expect(off.statusCode, off.body).toBe(204);
    expect(await totpRow(person.id)).toBeUndefined();
    expect(await h.db.$count(schema.recoveryCodes, eq(schema.recoveryCodes.userId, person.id))).toBe(0);
    expect((await passwordLogin(h, person.email)).json()).toHaveProperty('user');
    expectProblem(
      await withCookie(h, person.cookie, 'POST', '/api/v1/auth/totp/disable', {
        code: totpAt(person.secret, h.clock.now()),
      }),
      409,
    );
    expect((await userEvents('user.totp_disabled')).some((e) => e.data.userId === person.id)).toBe(true);
  });
});

describe('POST /users/:id/totp/reset', () => {
  it('an admin resets a lost second factor: recorded; the user signs in with the password; sessions stay', async () => {
    const person = await enrolled();
    const waiting = await challengeOf(h, person.email);
    const res = await h.admin.post(`/api/v1/users/${person.id}/totp/reset`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ reset: true });
    const events = (await userEvents('user.totp_reset')).filter((e) => e.data.userId === person.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorUserId: h.admin.userId,
      actor: h.admin.email,
      data: { userId: person.id, email: person.email, hadOne: true },
    });
    expect(JSON.stringify(events[0]!.data)).not.toContain(person.secret);
    // A sign-in that was waiting for a code is gone with it.
    expectProblem(await codeLogin(h, waiting, totpAt(person.secret, h.clock.now())), 401, ['challenge']);
    expect((await passwordLogin(h, person.email)).json()).toHaveProperty('user');
    expect((await withCookie(h, person.cookie, 'GET', '/api/v1/auth/me')).statusCode).toBe(200);
    expect((await h.admin.post(`/api/v1/users/${person.id}/totp/reset`)).json()).toEqual({ reset: false });
  });

  it('admins only, not their own; unknown users are 404, bad ids 400 at the path', async () => {
    const person = await enrolled();
    expectProblem(await h.analyst.post(`/api/v1/users/${person.id}/totp/reset`), 404);
    expectProblem(await h.admin.post(`/api/v1/users/${h.admin.userId}/totp/reset`), 409);
    expectProblem(await h.admin.post(`/api/v1/users/${crypto.randomUUID()}/totp/reset`), 404);
    expectProblem(await h.admin.post('/api/v1/users/not-a-uuid/totp/reset'), 400, ['path.id']);
    expect(await totpRow(person.id)).toMatchObject({ enabledAt: expect.any(Date) as Date });
  });
});

describe('bad input', () => {
  it('is a 400 problem naming the field, never a 500', async () => {
    const person = await enrolled();
    const challenge = await challengeOf(h, person.email);
    const login = (payload: unknown) => postAnonymous(h, '/api/v1/auth/login/totp', payload);
    expectProblem(await login({ challenge }), 400, ['code']);
    expectProblem(await login({ challenge, code: 'abc' }), 400, ['code']);
    expectProblem(await login({ challenge, code: '12345\u0000' }), 400, ['code']);
    expectProblem(await login({ challenge, code: 123456 }), 400, ['code']);
    expectProblem(await login({ challenge, code: '1'.repeat(65) }), 400, ['code']);
    expectProblem(await login({ challenge: 'nope', code: '123456' }), 400, ['challenge']);
    expectProblem(await login({ challenge: `${challenge}\u0000`, code: '123456' }), 400, ['challenge']);
    expectProblem(await login({ code: '123456' }), 400, ['challenge']);
    // Well formed but unknown: a sign-in to start again.
    expectProblem(await login({ challenge: `htc_${'A'.repeat(43)}`, code: '123456' }), 401, ['challenge']);
    // None of these spent a try: the challenge still works.
    expect((await login({ challenge, code: totpAt(person.secret, h.clock.now()) })).statusCode).toBe(200);

    const fresh = await personWithPassword(h);
    const cookie = await sessionOf(h, fresh.email);
    expectProblem(await withCookie(h, cookie, 'POST', '/api/v1/auth/totp/enable', { code: '123456' }), 409);
    await withCookie(h, cookie, 'POST', '/api/v1/auth/totp/setup');
    for (const code of ['abcd-efgh-jkmn-pqrs', '', '12 34 5', null])
      expectProblem(await withCookie(h, cookie, 'POST', '/api/v1/auth/totp/enable', { code }), 400, ['code']);
    expectProblem(await withCookie(h, cookie, 'POST', '/api/v1/auth/totp/disable', {}), 400, ['code']);
    expectProblem(await postAnonymous(h, '/api/v1/auth/login/totp/setup', { challenge: 'htc_short' }), 400, [
      'challenge',
    ]);
    expectProblem(
      await postAnonymous(h, '/api/v1/auth/login/totp/enable', {
        challenge: `htc_${'B'.repeat(43)}`,
        code: 'x',
      }),
      400,
      ['code'],
    );
  });
});
