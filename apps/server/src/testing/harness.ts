import {
  agencyIdByName,
  createAgency,
  createApiKey,
  createUser,
  ManualClock,
  sweepOverdueHops,
  systemActor,
} from '@hoptrace/core';
import { ZProblem, type TProblem, type TRole, type TTraceback } from '@hoptrace/contracts';
import { schema } from '@hoptrace/db';
import { createTestDatabase } from '@hoptrace/db/testing';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { buildApp, type AppOptions } from '../app';

export interface Caller {
  userId: string;
  email: string;
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
export async function createHarness(start = '2026-11-02T15:00:00Z', opts: Partial<AppOptions> = {}) {
  const database = await createTestDatabase();
  const clock = new ManualClock(start);
  // Limits and leases run on the manual clock too, so a test moves through their windows.
  const app = await buildApp({
    db: database.db,
    clock,
    limitsClock: clock,
    poolStats: () => database.poolStats(),
    ...opts,
  });
  await app.ready();
  const system = { db: database.db, clock, actor: systemActor('test') };
  let n = 0;

  function callerFor(userId: string, key: string, providerId: string | null, email = ''): Caller {
    const request = (opts: InjectOptions) =>
      app.inject({ ...opts, headers: { authorization: `Bearer ${key}`, ...(opts.headers ?? {}) } });
    return {
      userId,
      email,
      key,
      providerId,
      request,
      get: (url) => request({ method: 'GET', url }),
      post: (url, payload, headers) =>
        request({ method: 'POST', url, payload: payload as InjectOptions['payload'], headers }),
      patch: (url, payload) =>
        request({ method: 'PATCH', url, payload: payload as InjectOptions['payload'] }),
    };
  }

  /** The id of the agency of this name in the directory, added (kind state) when it is not there yet. */
  async function agencyId(name: string): Promise<string> {
    const found = await agencyIdByName({ ...system, name });
    if (found) return found;
    return (await createAgency({ ...system, input: { name, kind: 'state', contacts: [] } })).id;
  }

  /** A user of a role; an enforcement user acts for `agency` (default "Test Agency"), added to the directory if new. */
  async function user(role: TRole, providerId?: string, agency = 'Test Agency'): Promise<Caller> {
    n++;
    const u = await createUser({
      ...system,
      input: {
        email: `${role}${n}@example.test`,
        name: `${role} ${n}`,
        role,
        ...(providerId ? { providerId } : {}),
        ...(role === 'enforcement' ? { agencyId: await agencyId(agency) } : {}),
      },
    });
    const { key } = await createApiKey({ ...system, userId: u.id, input: { name: 'test', scopes: ['api'] } });
    return callerFor(u.id, key, u.providerId, u.email);
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

  /** A request with no credentials at all. */
  const anonymous = (opts: InjectOptions) => app.inject(opts);

  /** Opens a traceback as the analyst and returns the staff view. */
  async function openTraceback(
    firstProviderId: string,
    extra: Record<string, unknown> = {},
  ): Promise<TTraceback> {
    const res = await analyst.post('/api/v1/tracebacks', { call: CALL, firstProviderId, ...extra });
    if (res.statusCode !== 201) throw new Error(`traceback setup failed: ${res.body}`);
    return res.json<TTraceback>();
  }

  /** Row counts of the tables a request could write to, to prove a refused request wrote nothing. */
  async function counts(): Promise<Record<CountedTable, number>> {
    const entries = await Promise.all(
      COUNTED_TABLES.map(async (t) => [t, await database.db.$count(schema[t])] as const),
    );
    return Object.fromEntries(entries) as Record<CountedTable, number>;
  }

  /** The clock's sweep, as the worker will run it (there is no HTTP route for it). */
  const sweep = () => sweepOverdueHops({ db: database.db, clock, actor: systemActor('clock') });

  return {
    app,
    db: database.db,
    clock,
    admin,
    analyst,
    user,
    agencyId,
    provider,
    callerFor,
    anonymous,
    openTraceback,
    counts,
    sweep,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;

const COUNTED_TABLES = [
  'tracebacks',
  'hops',
  'events',
  'origins',
  'providers',
  'campaigns',
  'users',
  'apiKeys',
  'auditLedger',
  'agencies',
  'referrals',
  'tracebackRequests',
  'requestAttachments',
  'outbox',
  'legalRequests',
  'providerLetters',
  'evidencePackages',
] as const satisfies ReadonlyArray<keyof typeof schema>;
type CountedTable = (typeof COUNTED_TABLES)[number];

/**
 * Asserts an RFC 9457 problem: the content type, the documented members and no
 * others, and (when given) the paths of the field errors.
 */
export function expectProblem(res: LightMyRequestResponse, status: number, paths?: string[]): TProblem {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = ZProblem.strict().parse(res.json());
  expect(body.status).toBe(status);
  expect(body.type).toMatch(/^urn:hoptrace:problem:[a-z-]+$/);
  expect(body.title.length).toBeGreaterThan(0);
  expect(body.detail?.length ?? 0, 'a problem explains itself in detail').toBeGreaterThan(0);
  if (paths) {
    expect(body.errors, 'field errors').toBeDefined();
    for (const e of body.errors ?? []) expect(e.message.length).toBeGreaterThan(0);
    expect(body.errors!.map((e) => e.path)).toEqual(expect.arrayContaining(paths));
  }
  return body;
}

export const CALL = {
  startedAt: '2026-11-01T14:03:00Z',
  callingNumber: '(202) 555-0143',
  calledNumber: '+1 312-555-0188',
};
