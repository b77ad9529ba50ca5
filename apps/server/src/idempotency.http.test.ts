import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { generateSecret, hashSecret } from '@hoptrace/core';
import { insertHopLink, schema } from '@hoptrace/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyRequestHash } from './plugins/idempotency';
import { createHarness, expectProblem, type Harness } from './testing/harness';

/**
 * Idempotency-Key beyond the happy path (decision 0019): a claim left by a request that died, one-hop
 * link answers, and streamed bodies hashed by their content.
 */

const TESTDATA = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../packages/registry/src/testdata',
);
const RMD = readFileSync(path.join(TESTDATA, 'rmd-live-shape.csv'), 'utf8');
/** The same export with one filing renamed: another file. */
const RMD_OTHER = RMD.replace('Bluewave Telecom, LLC', 'Bluewave Telecom, Inc.');
const LEASE_MS = 300;

let h: Harness;
let p: Awaited<ReturnType<Harness['provider']>>;
let upstream: Awaited<ReturnType<Harness['provider']>>;
beforeAll(async () => {
  // A short lease, so the test sees a lapsed claim by moving the manual clock one second.
  h = await createHarness(undefined, { idempotencyLeaseMs: LEASE_MS });
  p = await h.provider();
  upstream = await h.provider();
});
afterAll(() => h.close());

const answer = (hopId: string, key: string, body: unknown, headers: Record<string, string> = {}) =>
  p.user.post(`/api/v1/hops/${hopId}/answer`, body, { 'idempotency-key': key, ...headers });

describe('a claim whose request was cut off before commit', () => {
  it('answers 409 with Retry-After while its lease holds, and lets the retry run once it has lapsed', async () => {
    const tb = await h.openTraceback(p.id);
    const hopId = tb.hops[0]!.id;
    const key = `agent-${hopId}`;
    const body = { kind: 'upstream', upstreamProviderId: upstream.id };
    // What a process killed between claiming the key and committing leaves behind: a claim with a
    // lease and no answer, and no process left to renew it or to answer.
    await h.db.insert(schema.idempotencyKeys).values({
      owner: `user:${p.user.userId}`,
      key,
      method: 'POST',
      path: `/api/v1/hops/${hopId}/answer`,
      requestHash: idempotencyRequestHash('POST', `/api/v1/hops/${hopId}/answer`, body),
      createdAt: h.clock.now(),
      lockedUntil: new Date(h.clock.now().getTime() + LEASE_MS),
    });
    const busy = await answer(hopId, key, body);
    expectProblem(busy, 409);
    expect(Number(busy.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await p.user.get(`/api/v1/hops/${hopId}`)).json()).toMatchObject({ status: 'pending' });

    h.clock.advance(1_000);
    const retried = await answer(hopId, key, body);
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(retried.json()).toMatchObject({ status: 'answered', answer: { kind: 'upstream' } });
    // From now on the key has its answer for good: the next retry replays it.
    h.clock.advance(60_000);
    const replayed = await answer(hopId, key, body);
    expect(replayed.statusCode).toBe(200);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.json()).toEqual(retried.json());
  });

  it('keeps a slow request’s claim alive by renewing it, so a retry never runs beside it', async () => {
    const body = new PassThrough();
    const key = 'rmd-slow-import';
    const first = h.admin.request({
      method: 'POST',
      url: '/api/v1/rmd/import?fileName=slow.csv',
      payload: body,
      headers: { 'content-type': 'text/csv', 'idempotency-key': key },
    });
    body.write(RMD.slice(0, 200));
    await until(async () => (await claimOf(key)) !== undefined);
    const retry = () =>
      h.admin.request({
        method: 'POST',
        url: '/api/v1/rmd/import?fileName=slow.csv',
        payload: RMD,
        headers: { 'content-type': 'text/csv', 'idempotency-key': key },
      });
    expectProblem(await retry(), 409);
    // Far past the lease on the clock; the running request renews its claim (every third of the lease).
    h.clock.advance(5_000);
    await new Promise((r) => setTimeout(r, LEASE_MS));
    expectProblem(await retry(), 409);
    body.end(RMD.slice(200));
    const done = await first;
    expect(done.statusCode, done.body).toBe(200);
    const replayed = await retry();
    expect(replayed.statusCode).toBe(200);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.json()).toEqual(done.json());
  });
});

async function claimOf(key: string) {
  const rows = await h.db.select().from(schema.idempotencyKeys);
  return rows.find((r) => r.key === key);
}

async function until(check: () => Promise<boolean>, ms = 5_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('one-hop link answers', () => {
  it('replay the first answer for a repeated key and refuse the key with another answer', async () => {
    const tb = await h.openTraceback(p.id);
    const hopId = tb.hops[0]!.id;
    const token = generateSecret('hl');
    await insertHopLink(h.db, { hopId, tokenHash: hashSecret(token), createdAt: h.clock.now() });
    const post = (payload: unknown, key: string) =>
      h.app.inject({
        method: 'POST',
        url: `/api/v1/hops/${hopId}/answer`,
        payload: payload as Record<string, unknown>,
        headers: { authorization: `HopLink ${token}`, 'idempotency-key': key },
      });
    const body = { kind: 'not_found', comment: 'no record of this call' };
    const first = await post(body, 'link-retry-1');
    expect(first.statusCode, first.body).toBe(200);
    const again = await post(body, 'link-retry-1');
    expect(again.statusCode, again.body).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expectProblem(await post({ kind: 'upstream', upstreamProviderId: upstream.id }, 'link-retry-1'), 422);
    // The key belongs to the link's hop: the provider's user may use the same key for its own request.
    const other = await h.openTraceback(p.id);
    const mine = await answer(other.hops[0]!.id, 'link-retry-1', body);
    expect(mine.statusCode, mine.body).toBe(200);
    expect(mine.headers['idempotent-replayed']).toBeUndefined();
  });
});

describe('a streamed body (RMD import)', () => {
  const upload = (body: string, key: string, query = '') =>
    h.admin.request({
      method: 'POST',
      url: `/api/v1/rmd/import${query}`,
      payload: body,
      headers: { 'content-type': 'text/csv', 'idempotency-key': key },
    });

  it('is hashed by its content: the same key with another file is refused, with the same file replayed', async () => {
    const first = await upload(RMD, 'rmd-2025-01');
    expect(first.statusCode, first.body).toBe(200);
    const imports = await h.db.$count(schema.rmdImports);
    const other = await upload(RMD_OTHER, 'rmd-2025-01');
    const problem = expectProblem(other, 422);
    expect(problem.detail).toMatch(/different request/);
    // The same file under another name is another request too.
    expectProblem(await upload(RMD, 'rmd-2025-01', '?fileName=renamed.csv'), 422);
    expect(await h.db.$count(schema.rmdImports)).toBe(imports);
    const same = await upload(RMD, 'rmd-2025-01');
    expect(same.statusCode).toBe(200);
    expect(same.headers['idempotent-replayed']).toBe('true');
    expect(same.json()).toEqual(first.json());
    // Another key runs the other file.
    const shorter = await upload(RMD_OTHER, 'rmd-2025-01-b');
    expect(shorter.statusCode, shorter.body).toBe(200);
    expect(shorter.headers['idempotent-replayed']).toBeUndefined();
    expect(await h.db.$count(schema.rmdImports)).toBe(imports + 1);
  });

  it('stores a refused file’s answer under its hash too', async () => {
    const refused = await upload('not,an,rmd,export\n1,2,3,4\n', 'rmd-refused');
    expectProblem(refused, 400);
    const again = await upload('not,an,rmd,export\n1,2,3,4\n', 'rmd-refused');
    expectProblem(again, 400);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expectProblem(await upload(RMD, 'rmd-refused'), 422);
  });
});
