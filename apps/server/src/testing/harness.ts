import { createApiKey, createUser, ManualClock, systemActor } from '@hoptrace/core';
import type { TRole } from '@hoptrace/contracts';
import { createTestDatabase } from '@hoptrace/db/testing';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../app';

export interface Caller {
  userId: string;
  key: string;
  providerId: string | null;
  request(opts: InjectOptions): Promise<LightMyRequestResponse>;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, payload?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  patch(url: string, payload?: unknown): Promise<LightMyRequestResponse>;
}

/**
 * An app on a fresh database with a manual clock, and callers for each role
 * that talk to it through `app.inject` with their own API keys.
 */
export async function createHarness(start = '2026-11-02T15:00:00Z') {
  const database = await createTestDatabase();
  const clock = new ManualClock(start);
  const app = await buildApp({ db: database.db, clock });
  await app.ready();
  const system = { db: database.db, clock, actor: systemActor('test') };
  let n = 0;

  function callerFor(userId: string, key: string, providerId: string | null): Caller {
    const request = (opts: InjectOptions) =>
      app.inject({ ...opts, headers: { authorization: `Bearer ${key}`, ...(opts.headers ?? {}) } });
    return {
      userId,
      key,
      providerId,
      request,
      get: (url) => request({ method: 'GET', url }),
      post: (url, payload, headers) => request({ method: 'POST', url, payload: payload as InjectOptions['payload'], headers }),
      patch: (url, payload) => request({ method: 'PATCH', url, payload: payload as InjectOptions['payload'] }),
    };
  }

  async function user(role: TRole, providerId?: string): Promise<Caller> {
    n++;
    const u = await createUser({
      ...system,
      input: { email: `${role}${n}@example.test`, name: `${role} ${n}`, role, ...(providerId ? { providerId } : {}) },
    });
    const { key } = await createApiKey({ ...system, userId: u.id, input: { name: 'test', scopes: ['api'] } });
    return callerFor(u.id, key, u.providerId);
  }

  const admin = await user('admin');
  const analyst = await user('analyst');

  /** A provider in the directory, with one provider user. */
  async function provider(overrides: Record<string, unknown> = {}) {
    n++;
    const res = await analyst.post('/api/v1/providers', {
      name: `Fictional Carrier ${n}`,
      ocns: [String(2000 + n)],
      timezone: 'America/Chicago',
      contacts: [{ name: 'Traceback desk', email: `tb@carrier${n}.example` }],
      ...overrides,
    });
    if (res.statusCode !== 201) throw new Error(`provider setup failed: ${res.body}`);
    const p = res.json<{ id: string; name: string }>();
    return { ...p, user: await user('provider', p.id) };
  }

  return {
    app,
    db: database.db,
    clock,
    admin,
    analyst,
    user,
    provider,
    callerFor,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;

export const CALL = { startedAt: '2026-11-01T14:03:00Z', callingNumber: '(202) 555-0143', calledNumber: '+1 312-555-0188' };
