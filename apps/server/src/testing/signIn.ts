import type { TRole, TUser } from '@hoptrace/contracts';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Harness } from './harness';
import { totpAt } from './totp';

/**
 * Signing in as a person does, for the second-factor and session tests: a password, then a code computed
 * from the secret (testing/totp.ts). Each sign-in comes from its own address, so the per-address rate
 * limits of the sign-in routes do not mix the tests up.
 */

export const PASSWORD = 'correct horse battery staple';
export const FIREFOX_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0';
export const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

let addresses = 0;
export function nextAddress(): string {
  addresses++;
  return `10.77.${Math.floor(addresses / 250)}.${(addresses % 250) + 1}`;
}

export interface Person {
  id: string;
  email: string;
  role: TRole;
}

/** A user with a password, made by the admin through the API. */
export async function personWithPassword(h: Harness, role: TRole = 'analyst'): Promise<Person> {
  const email = `person-${Math.random().toString(36).slice(2, 10)}@example.test`;
  const res = await h.admin.post('/api/v1/users', {
    email,
    name: 'Fictional Person',
    role,
    password: PASSWORD,
    ...(role === 'enforcement' ? { agencyId: await h.agencyId('Fictional Agency') } : {}),
  });
  expect(res.statusCode, res.body).toBe(201);
  const user = res.json<{ user: TUser }>().user;
  return { id: user.id, email, role };
}

/** `POST /auth/login` from a fresh address. */
export function postAnonymous(
  h: Harness,
  url: string,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return h.anonymous({
    method: 'POST',
    url,
    payload: payload as Record<string, unknown>,
    headers,
    remoteAddress: nextAddress(),
  });
}

export const passwordLogin = (h: Harness, email: string, password = PASSWORD, userAgent = FIREFOX_MAC) =>
  postAnonymous(h, '/api/v1/auth/login', { email, password }, { 'user-agent': userAgent });

export function cookieOf(res: LightMyRequestResponse): string {
  const cookie = res.cookies.find((c) => c.name === 'hoptrace_session');
  expect(cookie, `a session cookie in ${res.statusCode} ${res.body}`).toBeDefined();
  return `hoptrace_session=${cookie!.value}`;
}

export function withCookie(
  h: Harness,
  cookie: string,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  payload?: unknown,
): Promise<LightMyRequestResponse> {
  return h.anonymous({
    method,
    url,
    headers: { cookie },
    remoteAddress: nextAddress(),
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  });
}

/** Signs in with the password (no second factor yet): the session cookie. */
export async function sessionOf(h: Harness, email: string, userAgent = FIREFOX_MAC): Promise<string> {
  const res = await passwordLogin(h, email, PASSWORD, userAgent);
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json()).toHaveProperty('user');
  return cookieOf(res);
}

/** Sets up TOTP from a signed-in session, confirmed with the current code: the secret and the recovery codes. */
export async function enrol(
  h: Harness,
  cookie: string,
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const setup = await withCookie(h, cookie, 'POST', '/api/v1/auth/totp/setup');
  expect(setup.statusCode, setup.body).toBe(200);
  const { secret } = setup.json<{ secret: string }>();
  const enabled = await withCookie(h, cookie, 'POST', '/api/v1/auth/totp/enable', {
    code: totpAt(secret, h.clock.now()),
  });
  expect(enabled.statusCode, enabled.body).toBe(200);
  return { secret, recoveryCodes: enabled.json<{ recoveryCodes: string[] }>().recoveryCodes };
}

/** The challenge of a sign-in that needs a code. */
export async function challengeOf(h: Harness, email: string): Promise<string> {
  const res = await passwordLogin(h, email);
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json<{ mfaRequired?: boolean; challenge?: string }>();
  expect(body.mfaRequired, res.body).toBe(true);
  expect(res.cookies.find((c) => c.name === 'hoptrace_session')).toBeUndefined();
  return body.challenge!;
}

export const codeLogin = (h: Harness, challenge: string, code: string) =>
  postAnonymous(h, '/api/v1/auth/login/totp', { challenge, code }, { 'user-agent': CHROME_WINDOWS });
