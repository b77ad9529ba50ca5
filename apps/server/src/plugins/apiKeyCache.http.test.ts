import {
  ApiKeyCache,
  authenticateApiKey,
  disableUser,
  invalidateApiKeys,
  registerApiKeyCache,
  revokeApiKey,
  systemActor,
} from '@hoptrace/core';
import { schema } from '@hoptrace/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, expectProblem, type Harness } from '../testing/harness';
import { apiKeyCacheSecondsFromEnv } from './auth';

const { apiKeys } = schema;

/** The key row of a caller (each harness user has exactly one key). */
async function keyOf(h: Harness, userId: string) {
  const [row] = await h.db.select().from(apiKeys).where(eq(apiKeys.userId, userId));
  if (!row) throw new Error('no key');
  return row;
}

/** What another process does: revoke the key in the database, behind this process's back. */
async function revokeElsewhere(h: Harness, keyId: string) {
  await h.db.update(apiKeys).set({ revokedAt: h.clock.now() }).where(eq(apiKeys.id, keyId));
}

describe('API key cache (default TTL 5 s)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());
  const system = () => ({ db: h.db, clock: h.clock, actor: systemActor('test') });

  it('trusts a key it has seen for the TTL, then asks the database again (injectable clock, no sleeps)', async () => {
    const caller = await h.user('analyst');
    expect((await caller.get('/api/v1/tracebacks')).statusCode).toBe(200);
    await revokeElsewhere(h, (await keyOf(h, caller.userId)).id);
    // Another process's revocation is not seen until the cached entry runs out…
    h.clock.advance(4_900);
    expect((await caller.get('/api/v1/tracebacks')).statusCode).toBe(200);
    // …and is seen as soon as it has.
    h.clock.advance(200);
    expect(expectProblem(await caller.get('/api/v1/tracebacks'), 401).detail).toMatch(
      /not valid or has been revoked/,
    );
  });

  it('a key revoked in this process is refused on the very next request', async () => {
    const caller = await h.user('provider', (await h.provider()).id);
    expect((await caller.get('/api/v1/hops')).statusCode).toBe(200);
    const key = await keyOf(h, caller.userId);
    const revoked = await revokeApiKey({ ...system(), userId: caller.userId, keyId: key.id });
    expect(revoked.revokedAt).not.toBeNull();
    expect(expectProblem(await caller.get('/api/v1/hops'), 401).detail).toMatch(/revoked/);
  });

  it('disabling a user drops every cached key of theirs at once; another user is untouched', async () => {
    const a = await h.user('analyst');
    const b = await h.user('analyst');
    expect((await a.get('/api/v1/tracebacks')).statusCode).toBe(200);
    expect((await b.get('/api/v1/tracebacks')).statusCode).toBe(200);
    await disableUser({ ...system(), userId: a.userId, disabled: true });
    expectProblem(await a.get('/api/v1/tracebacks'), 401);
    expect((await b.get('/api/v1/tracebacks')).statusCode).toBe(200);
  });

  it("revoking is for the key's owner or an admin, and only for a key of that user", async () => {
    const a = await h.user('analyst');
    const b = await h.user('analyst');
    const keyA = await keyOf(h, a.userId);
    const asB = {
      db: h.db,
      clock: h.clock,
      actor: { ...systemActor('x'), role: 'analyst' as const, userId: b.userId },
    };
    await expect(revokeApiKey({ ...asB, userId: a.userId, keyId: keyA.id })).rejects.toThrow(/not found/);
    await expect(revokeApiKey({ ...system(), userId: b.userId, keyId: keyA.id })).rejects.toThrow(
      /not found/,
    );
    expect((await a.get('/api/v1/tracebacks')).statusCode).toBe(200);
  });

  it('writes last_used_at on first use and then at most once a minute, not on every request', async () => {
    const caller = await h.user('analyst');
    expect((await keyOf(h, caller.userId)).lastUsedAt).toBeNull();
    const first = h.clock.now();
    await caller.get('/api/v1/tracebacks');
    expect((await keyOf(h, caller.userId)).lastUsedAt).toEqual(first);
    // Past the cache's TTL (a fresh lookup) but within the minute: no write.
    h.clock.advance(30_000);
    await caller.get('/api/v1/tracebacks');
    h.clock.advance(20_000);
    await caller.get('/api/v1/tracebacks');
    expect((await keyOf(h, caller.userId)).lastUsedAt).toEqual(first);
    // A minute after the last write, the next request writes again (from the cache or not).
    const later = h.clock.advance(10_000);
    await caller.get('/api/v1/tracebacks');
    expect((await keyOf(h, caller.userId)).lastUsedAt).toEqual(later);
  });
});

describe('API key cache lookups', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('requests that arrive together for an uncached key share one database lookup', async () => {
    const caller = await h.user('analyst');
    const cache = new ApiKeyCache(5_000, h.clock);
    let lookups = 0;
    const load = cache.loadOnce.bind(cache);
    cache.loadOnce = (hash, run) =>
      load(hash, () => {
        lookups++;
        return run();
      });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => authenticateApiKey({ db: h.db, cache }, caller.key)),
    );
    expect(lookups).toBe(1);
    expect(new Set(results.map((r) => r?.actor.userId))).toEqual(new Set([caller.userId]));
    // Once it is cached, no lookup at all; once it runs out, one more.
    await authenticateApiKey({ db: h.db, cache }, caller.key);
    expect(lookups).toBe(1);
    h.clock.advance(5_001);
    await Promise.all([1, 2, 3].map(() => authenticateApiKey({ db: h.db, cache }, caller.key)));
    expect(lookups).toBe(2);
  });

  it('a key revoked while its lookup is under way is not cached from that lookup', async () => {
    const caller = await h.user('analyst');
    const cache = new ApiKeyCache(5_000, h.clock);
    const unregister = registerApiKeyCache(cache);
    try {
      const key = await keyOf(h, caller.userId);
      // The lookup has left for the database when the revocation reaches this process's caches.
      const lookup = authenticateApiKey({ db: h.db, cache }, caller.key);
      invalidateApiKeys({ keyId: key.id });
      await revokeElsewhere(h, key.id);
      // Whatever it read, nothing of it stays behind…
      await lookup;
      expect(cache.size).toBe(0);
      // …so the next request asks the database and is refused.
      expect(await authenticateApiKey({ db: h.db, cache }, caller.key)).toBeNull();
    } finally {
      unregister();
    }
  });

  it('an unknown key is never cached and each request asks again', async () => {
    const cache = new ApiKeyCache(5_000, h.clock);
    expect(await authenticateApiKey({ db: h.db, cache }, 'htk_not_a_key')).toBeNull();
    expect(cache.size).toBe(0);
  });
});

describe('API key cache disabled (HOPTRACE_API_KEY_CACHE_SECONDS=0)', () => {
  let h: Harness;
  beforeAll(async () => {
    process.env.HOPTRACE_API_KEY_CACHE_SECONDS = '0';
    try {
      h = await createHarness();
    } finally {
      delete process.env.HOPTRACE_API_KEY_CACHE_SECONDS;
    }
  });
  afterAll(() => h.close());

  it("sees another process's revocation on the next request", async () => {
    const caller = await h.user('analyst');
    expect((await caller.get('/api/v1/tracebacks')).statusCode).toBe(200);
    await revokeElsewhere(h, (await keyOf(h, caller.userId)).id);
    expectProblem(await caller.get('/api/v1/tracebacks'), 401);
  });
});

describe('HOPTRACE_API_KEY_CACHE_SECONDS', () => {
  it('defaults to 5 seconds and accepts 0 to disable', () => {
    expect(apiKeyCacheSecondsFromEnv({})).toBe(5);
    expect(apiKeyCacheSecondsFromEnv({ HOPTRACE_API_KEY_CACHE_SECONDS: '0' })).toBe(0);
    expect(apiKeyCacheSecondsFromEnv({ HOPTRACE_API_KEY_CACHE_SECONDS: '2.5' })).toBe(2.5);
  });

  it('refuses nonsense with a message naming the variable', () => {
    for (const bad of ['soon', '-1', '301', 'Infinity'])
      expect(() => apiKeyCacheSecondsFromEnv({ HOPTRACE_API_KEY_CACHE_SECONDS: bad })).toThrow(
        /HOPTRACE_API_KEY_CACHE_SECONDS must be seconds between 0 and 300/,
      );
  });
});
