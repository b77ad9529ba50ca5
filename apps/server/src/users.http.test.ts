import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TApiKey, TUser } from '@hoptrace/contracts';

type TApiKeyCreated = TApiKey & { key: string };
import { createHarness, expectProblem, type Harness } from './testing/harness';

/**
 * User administration: an admin changes roles and provider bindings, disables and enables users (their
 * sessions and keys stop at once), revokes keys; everyone changes their own password and revokes their own keys.
 */

let h: Harness;
let p1: Awaited<ReturnType<Harness['provider']>>;
let p2: Awaited<ReturnType<Harness['provider']>>;
const PASSWORD = 'correct horse battery staple';

async function signedIn(email: string, password = PASSWORD): Promise<string> {
  const res = await h.anonymous({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  expect(res.statusCode, res.body).toBe(200);
  const cookie = res.cookies.find((c) => c.name === 'hoptrace_session');
  return `hoptrace_session=${cookie!.value}`;
}
const withCookie = (cookie: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
  h.anonymous({ method, url, headers: { cookie }, ...(payload ? { payload: payload } : {}) });

async function personWithPassword(role: 'analyst' | 'provider', providerId?: string) {
  const email = `person${Math.random().toString(36).slice(2, 8)}@example.test`;
  const res = await h.admin.post('/api/v1/users', {
    email,
    name: 'Fictional Person',
    role,
    password: PASSWORD,
    ...(providerId ? { providerId } : {}),
  });
  expect(res.statusCode, res.body).toBe(201);
  const user = res.json<{ user: TUser }>().user;
  const key = (
    await h.admin.post(`/api/v1/users/${user.id}/api-keys`, { name: 'ci', scopes: ['api'] })
  ).json<TApiKeyCreated>();
  return { user, email, key, caller: h.callerFor(user.id, key.key, user.providerId, email) };
}

beforeAll(async () => {
  h = await createHarness();
  p1 = await h.provider();
  p2 = await h.provider();
});
afterAll(() => h.close());

describe('PATCH /users/:id', () => {
  it('an admin disables a user: sign-in, the session and the API key stop working; enabling restores sign-in', async () => {
    const person = await personWithPassword('analyst');
    const cookie = await signedIn(person.email);
    expect((await withCookie(cookie, 'GET', '/api/v1/auth/me')).statusCode).toBe(200);
    expect((await person.caller.get('/api/v1/auth/me')).statusCode).toBe(200);

    const res = await h.admin.patch(`/api/v1/users/${person.user.id}`, { disabled: true });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ user: TUser }>().user.disabled).toBe(true);
    expectProblem(await withCookie(cookie, 'GET', '/api/v1/auth/me'), 401);
    expectProblem(await person.caller.get('/api/v1/auth/me'), 401);
    expectProblem(
      await h.anonymous({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: person.email, password: PASSWORD },
      }),
      401,
    );
    const listed = (await h.admin.get(`/api/v1/users?q=${person.email}`)).json<{
      items: Array<{ id: string; disabled: boolean }>;
    }>();
    expect(listed.items.find((u) => u.id === person.user.id)?.disabled).toBe(true);

    const enabled = await h.admin.patch(`/api/v1/users/${person.user.id}`, { disabled: false });
    expect(enabled.json<{ user: TUser }>().user.disabled).toBeUndefined();
    await signedIn(person.email);
    expect((await person.caller.get('/api/v1/auth/me')).statusCode).toBe(200);
  });

  it('changes the role and the provider binding; the binding follows the role', async () => {
    const person = await personWithPassword('provider', p1.id);
    const moved = await h.admin.patch(`/api/v1/users/${person.user.id}`, { providerId: p2.id });
    expect(moved.json<{ user: TUser }>().user.providerId).toBe(p2.id);
    expect(
      (await person.caller.get(`/api/v1/providers/${p2.id}`)).json<{ can: { update: boolean } }>().can.update,
    ).toBe(true);
    const analyst = await h.admin.patch(`/api/v1/users/${person.user.id}`, { role: 'analyst' });
    expect(analyst.json<{ user: TUser }>().user).toMatchObject({ role: 'analyst', providerId: null });
    expectProblem(await h.admin.patch(`/api/v1/users/${person.user.id}`, { role: 'provider' }), 400, [
      'providerId',
    ]);
    const back = await h.admin.patch(`/api/v1/users/${person.user.id}`, {
      role: 'provider',
      providerId: p1.id,
    });
    expect(back.json<{ user: TUser }>().user).toMatchObject({ role: 'provider', providerId: p1.id });
  });

  it('bad input is a 400 at the field; admins cannot lock themselves out', async () => {
    const person = await personWithPassword('analyst');
    const url = `/api/v1/users/${person.user.id}`;
    expectProblem(await h.admin.patch(url, { role: 'superuser' }), 400, ['role']);
    expectProblem(await h.admin.patch(url, { disabled: 'yes' }), 400, ['disabled']);
    expectProblem(await h.admin.patch(url, { providerId: p1.id }), 400, ['providerId']);
    expectProblem(await h.admin.patch(url, { role: 'provider', providerId: crypto.randomUUID() }), 400, [
      'providerId',
    ]);
    expectProblem(await h.admin.patch(url, { email: 'x@example.test' }), 400);
    expectProblem(await h.admin.patch(url, {}), 400);
    expectProblem(await h.admin.patch(`/api/v1/users/${h.admin.userId}`, { disabled: true }), 400, [
      'disabled',
    ]);
    expectProblem(await h.admin.patch(`/api/v1/users/${h.admin.userId}`, { role: 'analyst' }), 400, ['role']);
    expectProblem(await h.admin.patch(`/api/v1/users/${crypto.randomUUID()}`, { disabled: true }), 404);
  });

  it('only admins: analysts and provider users get 404 and change nothing', async () => {
    const person = await personWithPassword('analyst');
    expectProblem(await h.analyst.patch(`/api/v1/users/${person.user.id}`, { disabled: true }), 404);
    expectProblem(await p1.user.patch(`/api/v1/users/${p1.user.userId}`, { role: 'admin' }), 404);
    expect((await person.caller.get('/api/v1/auth/me')).statusCode).toBe(200);
  });
});

describe('POST /users/me/password', () => {
  it('changes the password with the current one; other sessions end, this one stays', async () => {
    const person = await personWithPassword('analyst');
    const other = await signedIn(person.email);
    const mine = await signedIn(person.email);
    const wrong = await withCookie(mine, 'POST', '/api/v1/users/me/password', {
      currentPassword: 'not my password at all',
      newPassword: 'a brand new long passphrase',
    });
    expectProblem(wrong, 400, ['currentPassword']);
    const short = await withCookie(mine, 'POST', '/api/v1/users/me/password', {
      currentPassword: PASSWORD,
      newPassword: 'short',
    });
    expectProblem(short, 400, ['newPassword']);
    const same = await withCookie(mine, 'POST', '/api/v1/users/me/password', {
      currentPassword: PASSWORD,
      newPassword: PASSWORD,
    });
    expectProblem(same, 400, ['newPassword']);
    const ok = await withCookie(mine, 'POST', '/api/v1/users/me/password', {
      currentPassword: PASSWORD,
      newPassword: 'a brand new long passphrase',
    });
    expect(ok.statusCode, ok.body).toBe(204);
    expect((await withCookie(mine, 'GET', '/api/v1/auth/me')).statusCode).toBe(200);
    expectProblem(await withCookie(other, 'GET', '/api/v1/auth/me'), 401);
    expectProblem(
      await h.anonymous({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: person.email, password: PASSWORD },
      }),
      401,
    );
    await signedIn(person.email, 'a brand new long passphrase');
  });

  it('needs a signed-in user', async () => {
    expectProblem(
      await h.anonymous({
        method: 'POST',
        url: '/api/v1/users/me/password',
        payload: { currentPassword: 'x', newPassword: 'a brand new long passphrase' },
      }),
      401,
    );
  });
});

describe('DELETE /users/:id/api-keys/:keyId', () => {
  it('the owner revokes their own key; it stops working at once', async () => {
    const person = await personWithPassword('provider', p1.id);
    const spare = (
      await person.caller.post(`/api/v1/users/${person.user.id}/api-keys`, { name: 'spare', scopes: ['api'] })
    ).json<TApiKeyCreated>();
    const spareCaller = h.callerFor(person.user.id, spare.key, p1.id);
    expect((await spareCaller.get('/api/v1/auth/me')).statusCode).toBe(200);
    const res = await person.caller.request({
      method: 'DELETE',
      url: `/api/v1/users/${person.user.id}/api-keys/${spare.id}`,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<TApiKey>().revokedAt).not.toBeNull();
    expectProblem(await spareCaller.get('/api/v1/auth/me'), 401);
    expect((await person.caller.get('/api/v1/auth/me')).statusCode).toBe(200);
  });

  it("an admin revokes anyone's key; others get 404; bad ids are 400 at the path", async () => {
    const person = await personWithPassword('analyst');
    const url = `/api/v1/users/${person.user.id}/api-keys/${person.key.id}`;
    expectProblem(await p1.user.request({ method: 'DELETE', url }), 404);
    expectProblem(await h.analyst.request({ method: 'DELETE', url }), 404);
    expect((await person.caller.get('/api/v1/auth/me')).statusCode).toBe(200);
    expect((await h.admin.request({ method: 'DELETE', url })).statusCode).toBe(200);
    expectProblem(await person.caller.get('/api/v1/auth/me'), 401);
    expectProblem(
      await h.admin.request({ method: 'DELETE', url: `/api/v1/users/${person.user.id}/api-keys/nope` }),
      400,
      ['path.keyId'],
    );
    // A key of another user under this user's id is not found.
    expectProblem(
      await h.admin.request({
        method: 'DELETE',
        url: `/api/v1/users/${h.analyst.userId}/api-keys/${person.key.id}`,
      }),
      404,
    );
  });
});
