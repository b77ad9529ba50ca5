import { issueChallenge, sweepSessions } from '@hoptrace/core';
import type { TSession } from '@hoptrace/contracts';
import { schema } from '@hoptrace/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, expectProblem, type Harness } from './testing/harness';
import {
  CHROME_WINDOWS,
  FIREFOX_MAC,
  passwordLogin,
  personWithPassword,
  sessionOf,
  withCookie,
} from './testing/signIn';

/**
 * Sessions (decision 0020): each user lists theirs (device, address, created, last use, the current one
 * marked) and ends any but the current one; an admin lists a user's and ends them all; the idle timeout
 * (default 60 minutes) and the absolute one (default 12 hours) end them; the worker clears them away.
 */

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const list = async (cookie: string) => {
  const res = await withCookie(h, cookie, 'GET', '/api/v1/auth/sessions');
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: TSession[] }>().items;
};
const alive = async (cookie: string) =>
  (await withCookie(h, cookie, 'GET', '/api/v1/auth/me')).statusCode === 200;

describe('your sessions', () => {
  it('lists the live ones with the device, address and times; the one asking is marked current', async () => {
    const person = await personWithPassword(h);
    const onMac = await sessionOf(h, person.email, FIREFOX_MAC);
    h.clock.advance(120_000);
    const onWindows = await sessionOf(h, person.email, CHROME_WINDOWS);
    const signedInAt = h.clock.now();
    h.clock.advance(120_000);
    const items = await list(onMac);
    expect(items).toHaveLength(2);
    // The most recently used first: the Mac session was just used to ask.
    expect(items.map((s) => [s.device, s.current])).toEqual([
      ['Firefox 128 on macOS', true],
      ['Chrome 126 on Windows', false],
    ]);
    const windows = items[1]!;
    expect(windows).toMatchObject({
      userAgent: CHROME_WINDOWS,
      ip: expect.stringMatching(/^10\.77\.\d+\.\d+$/) as string,
      createdAt: signedInAt.toISOString(),
      lastUsedAt: signedInAt.toISOString(),
      // The idle timeout (60 minutes) comes before the absolute end (12 hours).
      expiresAt: new Date(signedInAt.getTime() + 60 * 60_000).toISOString(),
    });
    expect((await list(onWindows)).find((s) => s.current)?.id).toBe(windows.id);
    // Another user's list holds none of these.
    expect((await h.analyst.get('/api/v1/auth/sessions')).json<{ items: TSession[] }>().items).toEqual([]);
  });

  it('ends another of your sessions at once; not the current one, and nobody else’s', async () => {
    const person = await personWithPassword(h);
    const mine = await sessionOf(h, person.email);
    const lost = await sessionOf(h, person.email, CHROME_WINDOWS);
    const [current, other] = [
      (await list(mine)).find((s) => s.current)!,
      (await list(mine)).find((s) => !s.current)!,
    ];
    const someoneElse = await personWithPassword(h);
    const theirs = await sessionOf(h, someoneElse.email);
    const theirId = (await list(theirs))[0]!.id;

    expectProblem(await withCookie(h, mine, 'DELETE', `/api/v1/auth/sessions/${current.id}`), 409);
    expectProblem(await withCookie(h, mine, 'DELETE', `/api/v1/auth/sessions/${theirId}`), 404);
    expectProblem(await withCookie(h, mine, 'DELETE', '/api/v1/auth/sessions/not-a-uuid'), 400, ['path.id']);
    expect(await alive(theirs)).toBe(true);

    const res = await withCookie(h, mine, 'DELETE', `/api/v1/auth/sessions/${other.id}`);
    expect(res.statusCode, res.body).toBe(204);
    expect(await alive(lost)).toBe(false);
    expect(await alive(mine)).toBe(true);
    expectProblem(await withCookie(h, mine, 'DELETE', `/api/v1/auth/sessions/${other.id}`), 404);
    expectProblem(
      await h.anonymous({ method: 'GET', url: '/api/v1/auth/sessions', remoteAddress: '10.2.2.2' }),
      401,
    );
  });
});

describe('timeouts', () => {
  it('a session unused for 60 minutes has ended; each use keeps it alive', async () => {
    const person = await personWithPassword(h);
    const cookie = await sessionOf(h, person.email);
    h.clock.advance(59 * 60_000);
    expect(await alive(cookie)).toBe(true);
    h.clock.advance(59 * 60_000);
    expect(await alive(cookie)).toBe(true);
    h.clock.advance(60 * 60_000);
    expectProblem(await withCookie(h, cookie, 'GET', '/api/v1/auth/me'), 401);
    // A session that ended is not listed (another session of the same user asks).
    const next = await sessionOf(h, person.email);
    expect(await list(next)).toHaveLength(1);
  });

  it('however used, a session ends 12 hours after sign-in', async () => {
    const person = await personWithPassword(h);
    const cookie = await sessionOf(h, person.email);
    const res = await passwordLogin(h, person.email);
    const expires = res.cookies.find((c) => c.name === 'hoptrace_session')?.expires;
    expect(expires?.getTime()).toBe(h.clock.now().getTime() + 12 * 3_600_000);
    for (let i = 0; i < 14; i++) {
      h.clock.advance(50 * 60_000);
      expect(await alive(cookie), `after ${(i + 1) * 50} minutes`).toBe(true);
    }
    h.clock.advance(50 * 60_000); // 750 minutes: past the 12 hours
    expect(await alive(cookie)).toBe(false);
  });

  it("the worker's sweep deletes ended sessions and expired sign-in challenges", async () => {
    const person = await personWithPassword(h);
    await sessionOf(h, person.email);
    await issueChallenge({ db: h.db, clock: h.clock }, person.id, 'totp');
    const challenges = () =>
      h.db.$count(schema.loginChallenges, eq(schema.loginChallenges.userId, person.id));
    const count = () => h.db.$count(schema.sessions, eq(schema.sessions.userId, person.id));
    // Other tests' ended sessions may go in this sweep; this user's live one stays.
    await sweepSessions({ db: h.db, clock: h.clock });
    expect(await count()).toBe(1);
    expect(await challenges()).toBe(1);
    h.clock.advance(61 * 60_000);
    expect(await sweepSessions({ db: h.db, clock: h.clock })).toBeGreaterThanOrEqual(2);
    expect(await count()).toBe(0);
    expect(await challenges()).toBe(0);
  });
});

describe("an admin and a user's sessions", () => {
  it('lists them and ends them all (recorded as an event); API keys are not sessions', async () => {
    const person = await personWithPassword(h);
    const one = await sessionOf(h, person.email);
    const two = await sessionOf(h, person.email, CHROME_WINDOWS);
    const listed = await h.admin.get(`/api/v1/users/${person.id}/sessions`);
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json<{ items: TSession[] }>().items.map((s) => s.current)).toEqual([false, false]);

    const res = await h.admin.post(`/api/v1/users/${person.id}/sessions/revoke`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ ended: 2 });
    expect(await alive(one)).toBe(false);
    expect(await alive(two)).toBe(false);
    const entries = await h.db
      .select()
      .from(schema.auditLedger)
      .where(
        and(eq(schema.auditLedger.action, 'user.sessions_ended'), eq(schema.auditLedger.subjectType, 'user')),
      );
    expect(entries.find((e) => e.subjectId === person.id)).toMatchObject({
      actorUserId: h.admin.userId,
      details: { email: person.email, ended: 2 },
    });
    // The harness's admin and analyst act with API keys: ending sessions leaves keys alone.
    expect((await h.admin.post(`/api/v1/users/${h.analyst.userId}/sessions/revoke`)).json()).toEqual({
      ended: 0,
    });
    expect((await h.analyst.get('/api/v1/auth/me')).statusCode).toBe(200);
  });

  it('an admin ending their own sessions keeps the one asking', async () => {
    const admin = await personWithPassword(h, 'admin');
    const here = await sessionOf(h, admin.email);
    const elsewhere = await sessionOf(h, admin.email, CHROME_WINDOWS);
    const res = await withCookie(h, here, 'POST', `/api/v1/users/${admin.id}/sessions/revoke`);
    expect(res.json()).toEqual({ ended: 1 });
    expect(await alive(here)).toBe(true);
    expect(await alive(elsewhere)).toBe(false);
  });

  it('admins only; unknown users 404; bad ids 400 at the path', async () => {
    const person = await personWithPassword(h);
    const cookie = await sessionOf(h, person.email);
    expectProblem(await h.analyst.get(`/api/v1/users/${person.id}/sessions`), 404);
    expectProblem(await h.analyst.post(`/api/v1/users/${person.id}/sessions/revoke`), 404);
    expectProblem(await withCookie(h, cookie, 'POST', `/api/v1/users/${person.id}/sessions/revoke`), 404);
    expect(await alive(cookie)).toBe(true);
    // A user reads their own list under their id too.
    expect((await withCookie(h, cookie, 'GET', `/api/v1/users/${person.id}/sessions`)).statusCode).toBe(200);
    expectProblem(await h.admin.get(`/api/v1/users/${crypto.randomUUID()}/sessions`), 404);
    expectProblem(await h.admin.post(`/api/v1/users/${crypto.randomUUID()}/sessions/revoke`), 404);
    expectProblem(await h.admin.post('/api/v1/users/x/sessions/revoke'), 400, ['path.id']);
  });
});

describe('what a session keeps of the sign-in', () => {
  it('the User-Agent cut to 512 characters; a client that is no browser is named by itself', async () => {
    const person = await personWithPassword(h);
    const long = `${'x'.repeat(600)}`;
    const a = await sessionOf(h, person.email, long);
    const b = await sessionOf(h, person.email, 'curl/8.5.0');
    const items = await list(a);
    expect(items.find((s) => s.current)!.userAgent).toHaveLength(512);
    expect(items.find((s) => s.userAgent === 'curl/8.5.0')?.device).toBe('curl/8.5.0');
    expect(await alive(b)).toBe(true);
  });
});
