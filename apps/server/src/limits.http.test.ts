import { createApiKey, createUser, ManualClock, systemActor } from '@hoptrace/core';
import { openDatabase, type Database } from '@hoptrace/db';
import { createTestDatabase } from '@hoptrace/db/testing';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, trustProxyFromEnv, type AppOptions } from './app';
import { ConfigError, limitsFromEnv, startServer, configFromEnv, trustProxyConfig } from './server';
import { expectProblem } from './testing/harness';

/**
 * Limits that hold across processes (decision 0019): two app instances on one database, as two web
 * processes behind a load balancer, count into the same PostgreSQL rows. On PostgreSQL each instance
 * has its own connection pool; on PGlite (one connection per database) they share it, which still
 * shows that no count lives in a process.
 */

const PASSWORD = 'quiet-harbour-lantern-42';
let database: Database & { url?: string };
let second: Database | null = null;
const clock = new ManualClock('2026-11-02T15:00:00Z');
const apps: FastifyInstance[] = [];
let a: FastifyInstance;
let b: FastifyInstance;
let n = 0;

async function instance(opts: Partial<AppOptions> = {}, db = database.db): Promise<FastifyInstance> {
  const app = await buildApp({ db, clock, limitsClock: clock, ...opts });
  await app.ready();
  apps.push(app);
  return app;
}

async function person(role: 'analyst' | 'admin' = 'analyst') {
  n++;
  const email = `person${n}@example.test`;
  const user = await createUser({
    db: database.db,
    clock,
    actor: systemActor('test'),
    input: { email, name: `Person ${n}`, role, password: PASSWORD },
  });
  const { key } = await createApiKey({
    db: database.db,
    clock,
    actor: systemActor('test'),
    userId: user.id,
    input: { name: 'test', scopes: ['api'] },
  });
  return { id: user.id, email, key };
}

const login = (app: FastifyInstance, email: string, password: string, extra: Partial<InjectOptions> = {}) =>
  app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
    remoteAddress: '198.51.100.7',
    ...extra,
  });

beforeAll(async () => {
  database = await createTestDatabase();
  if (database.url) second = await openDatabase({ url: database.url });
  a = await instance();
  b = await instance({}, second?.db ?? database.db);
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await second?.close();
  await database.close();
});

describe('the sign-in limit per address', () => {
  it('is one limit for two processes: ten attempts a minute from an address, whichever process answers', async () => {
    clock.advance(60_000);
    for (let i = 0; i < 10; i++) {
      const res = await login(i % 2 ? b : a, `nobody${i}@example.test`, 'wrong password here');
      expectProblem(res, 401);
    }
    for (const app of [a, b]) {
      const res = await login(app, 'nobody-else@example.test', 'wrong password here');
      const problem = expectProblem(res, 429);
      expect(problem.detail).toMatch(/try again in \d+ s/);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(res.headers['ratelimit-limit']).toBe('10');
      expect(res.headers['ratelimit-remaining']).toBe('0');
    }
    // Another address has its own count; the next minute starts afresh.
    expectProblem(
      await login(a, 'nobody@example.test', 'wrong password', { remoteAddress: '203.0.113.9' }),
      401,
    );
    clock.advance(60_000);
    expectProblem(await login(b, 'nobody@example.test', 'wrong password'), 401);
  });

  it('counts each client behind a trusted proxy apart, and everyone alike when the proxy is not trusted', async () => {
    clock.advance(60_000);
    const proxied = await instance({ trustProxy: ['10.0.0.2'] });
    const via = (client: string) => ({ remoteAddress: '10.0.0.2', headers: { 'x-forwarded-for': client } });
    for (let i = 0; i < 10; i++)
      expectProblem(await login(proxied, `p${i}@example.test`, 'wrong password', via('192.0.2.10')), 401);
    expectProblem(await login(proxied, 'p@example.test', 'wrong password', via('192.0.2.10')), 429);
    expectProblem(await login(proxied, 'p@example.test', 'wrong password', via('192.0.2.11')), 401);
    // Without trust, X-Forwarded-For is ignored: the proxy's address is the one counted.
    clock.advance(60_000);
    for (let i = 0; i < 10; i++)
      expectProblem(await login(a, `q${i}@example.test`, 'wrong password', via(`192.0.2.${20 + i}`)), 401);
    expectProblem(await login(a, 'q@example.test', 'wrong password', via('192.0.2.99')), 429);
  });

  it('reads HOPTRACE_TRUST_PROXY as off, all, or a list of proxies', () => {
    expect(trustProxyFromEnv({})).toBe(false);
    expect(trustProxyFromEnv({ HOPTRACE_TRUST_PROXY: 'false' })).toBe(false);
    expect(trustProxyFromEnv({ HOPTRACE_TRUST_PROXY: 'true' })).toBe(true);
    expect(trustProxyFromEnv({ HOPTRACE_TRUST_PROXY: '10.0.0.2, 10.1.0.0/16' })).toEqual([
      '10.0.0.2',
      '10.1.0.0/16',
    ]);
  });
});

describe('the sign-in throttle per account', () => {
  it('backs off after failures on an account, in both processes, and lets the right password in once it passes', async () => {
    clock.advance(60_000);
    const who = await person();
    // Five failures are free; the sixth is checked and blocks the next attempt for a second.
    for (let i = 0; i < 6; i++) expectProblem(await login(i % 2 ? b : a, who.email, `wrong ${i}`), 401);
    for (const app of [a, b]) {
      const res = await login(app, who.email, PASSWORD);
      const problem = expectProblem(res, 429);
      expect(problem.detail).toMatch(/this account from your address/);
      expect(res.headers['retry-after']).toBe('1');
    }
    clock.advance(1_000);
    expectProblem(await login(b, who.email, 'wrong again'), 401);
    // Each further failure doubles the wait.
    expect((await login(a, who.email, PASSWORD)).headers['retry-after']).toBe('2');
    // (A minute on: the address's own limit of ten attempts a minute starts afresh too.)
    clock.advance(60_000);
    const ok = await login(a, who.email, PASSWORD);
    expect(ok.statusCode, ok.body).toBe(200);
    // A success starts the count again.
    for (let i = 0; i < 5; i++) expectProblem(await login(b, who.email, `wrong ${i}`), 401);
    expect((await login(a, who.email, PASSWORD)).statusCode).toBe(200);
  });

  it('cannot be used to lock the real user out: capped, and not at all from an address the account signed in from', async () => {
    clock.advance(60_000);
    const who = await person();
    const home = { remoteAddress: '198.51.100.50' };
    expect((await login(a, who.email, PASSWORD, home)).statusCode).toBe(200);
    // An attacker spreads guesses over many addresses (one each, so no address is held back).
    const attacker = (i: number) => ({ remoteAddress: `203.0.113.${(i % 250) + 1}` });
    for (let i = 0; i < 11; i++) expectProblem(await login(b, who.email, `guess ${i}`, attacker(i)), 401);
    const refused = await login(a, who.email, 'guess 11', attacker(11));
    expect(expectProblem(refused, 429).detail).toMatch(/not held back/);
    // From an address never used before, the real user waits like anyone; at home they are not held back.
    expectProblem(await login(a, who.email, PASSWORD, { remoteAddress: '192.0.2.200' }), 429);
    expect((await login(b, who.email, PASSWORD, home)).statusCode).toBe(200);
    // However long the attack goes on, the wait never passes five minutes.
    let longest = 0;
    for (let i = 12; i < 45; i++) {
      const res = await login(i % 2 ? a : b, who.email, `guess ${i}`, attacker(i));
      if (res.statusCode === 429) {
        const wait = Number(res.headers['retry-after']);
        longest = Math.max(longest, wait);
        clock.advance(wait * 1000);
      } else expectProblem(res, 401);
    }
    // 1 s, 2 s, 4 s … 256 s, then five minutes and no more.
    expect(longest).toBe(300);
  });
});

describe('the limit per API key', () => {
  it('answers 429 with Retry-After and RateLimit headers past the limit, counted across processes, per key', async () => {
    clock.advance(60_000);
    const limited = [await instance({ limits: { apiKeyPerMinute: 4 } })];
    limited.push(await instance({ limits: { apiKeyPerMinute: 4 } }, second?.db ?? database.db));
    const one = await person();
    const two = await person();
    const get = (app: FastifyInstance, key: string) =>
      app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${key}` } });
    for (let i = 0; i < 4; i++) {
      const res = await get(limited[i % 2]!, one.key);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['ratelimit-limit']).toBe('4');
      expect(res.headers['ratelimit-remaining']).toBe(String(3 - i));
    }
    for (const app of limited) {
      const res = await get(app, one.key);
      const problem = expectProblem(res, 429);
      expect(problem.detail).toMatch(/this API key/);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(res.headers['ratelimit-remaining']).toBe('0');
      expect(res.headers['ratelimit-reset']).toBe(res.headers['retry-after']);
    }
    // Another key has its own count; an app without the setting does not limit keys.
    expect((await get(limited[0]!, two.key)).statusCode).toBe(200);
    expect((await get(a, one.key)).statusCode).toBe(200);
    clock.advance(60_000);
    expect((await get(limited[1]!, one.key)).statusCode).toBe(200);
  });
});

describe('settings', () => {
  it('reads the limits from the environment and refuses values that cannot be used', () => {
    expect(limitsFromEnv({})).toEqual({
      loginPerAddressPerMinute: 10,
      apiKeyPerMinute: 600,
      bulkMaxBytes: 20 * 1024 * 1024,
      bulkMaxRows: 50_000,
      bulkUploadsAtOnce: 1,
    });
    expect(limitsFromEnv({ HOPTRACE_API_KEY_RATE_LIMIT: '0', HOPTRACE_BULK_MAX_ROWS: '1000' })).toMatchObject(
      {
        apiKeyPerMinute: 0,
        bulkMaxRows: 1000,
      },
    );
    expect(() => limitsFromEnv({ HOPTRACE_API_KEY_RATE_LIMIT: 'lots' })).toThrow(ConfigError);
    expect(() => limitsFromEnv({ HOPTRACE_BULK_UPLOADS_AT_ONCE: '0' })).toThrow(
      /HOPTRACE_BULK_UPLOADS_AT_ONCE/,
    );
    expect(trustProxyConfig({ HOPTRACE_TRUST_PROXY: '10.0.0.2,fd00::/8' })).toEqual(['10.0.0.2', 'fd00::/8']);
    expect(() => trustProxyConfig({ HOPTRACE_TRUST_PROXY: '1' })).toThrow(/proxies' addresses/);
    expect(() => trustProxyConfig({ HOPTRACE_TRUST_PROXY: 'proxy.local' })).toThrow(ConfigError);
    expect(configFromEnv({}).idempotencyLeaseMs).toBe(30_000);
    expect(configFromEnv({ HOPTRACE_IDEMPOTENCY_LEASE_MS: '3000' }).idempotencyLeaseMs).toBe(3000);
    expect(() => configFromEnv({ HOPTRACE_IDEMPOTENCY_LEASE_MS: '500' })).toThrow(
      /HOPTRACE_IDEMPOTENCY_LEASE_MS/,
    );
  });

  it('refuses to start with a first admin password that is easy to guess, before touching the database', async () => {
    await expect(
      startServer({
        ...configFromEnv({}),
        port: 0,
        host: '127.0.0.1',
        dataDir: 'memory://',
        adminPassword: 'Password1234',
        secureCookies: false,
        logLevel: 'silent',
        version: 'test',
        role: 'web',
        mailFrom: 'test <t@example.test>',
        webhookPolicy: { allowHttp: false, allowPrivateNetworks: false },
        reminders: { beforeDueHours: [12, 2], escalateAtDue: true },
      }),
    ).rejects.toThrow(/HOPTRACE_ADMIN_PASSWORD is too easy to guess/);
  });
});

describe('passwords', () => {
  it('refuses a common or easily guessed password where one is set, naming the field', async () => {
    const admin = await person('admin');
    const create = (password: string, email = 'new.person@example.test') =>
      a.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: { authorization: `Bearer ${admin.key}` },
        payload: { email, name: 'New Person', role: 'analyst', password },
      });
    for (const weak of [
      'Password1234',
      'qwertyuiop123',
      'iloveyou12345',
      'aaaaaaaaaaaaaaaa',
      'new.person@example.test',
    ])
      expect(expectProblem(await create(weak), 400, ['password']).detail).toMatch(/too easy to guess/);
    expect((await create('amber-orchard-telescope-7')).statusCode).toBe(201);

    const me = await person();
    const session = await login(a, me.email, PASSWORD, { remoteAddress: '198.51.100.80' });
    const cookie = String(session.headers['set-cookie']).split(';')[0]!;
    const change = (newPassword: string) =>
      a.inject({
        method: 'POST',
        url: '/api/v1/users/me/password',
        headers: { cookie },
        payload: { currentPassword: PASSWORD, newPassword },
      });
    expectProblem(await change('letmein123456'), 400, ['newPassword']);
    expect((await change('copper-meadow-violin-88')).statusCode).toBe(204);
  });
});
