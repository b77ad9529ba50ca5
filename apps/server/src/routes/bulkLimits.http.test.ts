import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { schema } from '@hoptrace/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, expectProblem, type Caller, type Harness } from '../testing/harness';

/**
 * Heavy bulk uploads must not starve other users (decision 0019): a size and a row limit (413), one
 * upload at a time per provider (429), and a file read and checked in slices with turns of the event
 * loop between them.
 */

const HEADER =
  'hop_id,kind,upstream_provider_id,upstream_name,upstream_contact_email,upstream_country,customer_name,customer_address,customer_contact,customer_account_ref,action,comment';
const MAX_BYTES = 2 * 1024 * 1024;
const MAX_ROWS = 20_000;

let h: Harness;
let p: Awaited<ReturnType<Harness['provider']>>;
let q: Awaited<ReturnType<Harness['provider']>>;
beforeAll(async () => {
  h = await createHarness(undefined, { limits: { bulkMaxBytes: MAX_BYTES, bulkMaxRows: MAX_ROWS } });
  p = await h.provider();
  q = await h.provider();
});
afterAll(() => h.close());

const upload = (caller: Caller, payload: string | PassThrough) =>
  caller.request({
    method: 'POST',
    url: '/api/v1/hops/bulk-answers',
    payload,
    headers: { 'content-type': 'text/csv' },
  });

/** A file of `rows` answers to hops that do not exist (refused row by row), with `firstHop` answered on line 2. */
function file(rows: number, firstHop?: string, comment = ''): string {
  const lines = [HEADER];
  if (firstHop) lines.push(`${firstHop},not_found,,,,,,,,,,`);
  while (lines.length <= rows) lines.push(`${randomUUID()},not_found,,,,,,,,,,${comment}`);
  return `${lines.join('\n')}\n`;
}

describe('bulk answer limits', () => {
  it('refuses a file over the size limit with 413, whether it says its length or not, and applies nothing', async () => {
    const hop = (await h.openTraceback(p.id)).hops[0]!.id;
    const big = file(10_000, hop, 'x'.repeat(200));
    expect(big.length).toBeGreaterThan(MAX_BYTES);
    const before = await h.counts();
    const declared = expectProblem(await upload(p.user, big), 413);
    expect(declared.detail).toContain(String(MAX_BYTES));
    // Streamed without a length: stopped as it passes the limit, even when that happens before the
    // route reads (here while the Idempotency-Key is claimed), and the key is free again.
    for (let i = 0; i < 2; i++) {
      const stream = new PassThrough();
      stream.end(big);
      const streamed = expectProblem(
        await p.user.request({
          method: 'POST',
          url: '/api/v1/hops/bulk-answers',
          payload: stream,
          headers: { 'content-type': 'text/csv', 'idempotency-key': 'too-big' },
        }),
        413,
      );
      expect(streamed.detail).toMatch(/HOPTRACE_BULK_MAX_BYTES/);
      expect(streamed.detail).not.toMatch(/Idempotency/);
    }
    expect(await h.counts()).toEqual(before);
    expect((await p.user.get(`/api/v1/hops/${hop}`)).json()).toMatchObject({ status: 'pending' });
  });

  it('refuses a file with more rows than the limit with 413 and applies none of them', async () => {
    const hop = (await h.openTraceback(p.id)).hops[0]!.id;
    const before = await h.counts();
    const res = expectProblem(await upload(p.user, file(MAX_ROWS + 1, hop)), 413);
    expect(res.detail).toContain(`more than ${MAX_ROWS} rows`);
    expect(await h.counts()).toEqual(before);
    expect((await p.user.get(`/api/v1/hops/${hop}`)).json()).toMatchObject({ status: 'pending' });
    expect((await upload(p.user, file(MAX_ROWS, hop))).statusCode).toBe(200);
  });

  it('runs one upload per provider at a time: a second gets 429 with Retry-After, another provider goes ahead', async () => {
    const first = new PassThrough();
    const running = upload(p.user, first);
    first.write(`${HEADER}\n`);
    // The first upload holds its slot (in the database) once it has started.
    for (let i = 0; (await h.db.$count(schema.busySlots)) === 0; i++) {
      if (i > 500) throw new Error('the first upload never started');
      await new Promise((r) => setTimeout(r, 20));
    }
    const second = await upload(p.user, file(3));
    const problem = expectProblem(second, 429);
    expect(problem.detail).toMatch(/already running/);
    expect(Number(second.headers['retry-after'])).toBeGreaterThan(0);
    const other = await upload(q.user, file(3));
    expect(other.statusCode, other.body).toBe(200);
    first.end(`${randomUUID()},not_found,,,,,,,,,,\n`);
    const done = await running;
    expect(done.statusCode, done.body).toBe(200);
    expect((await upload(p.user, file(3))).statusCode).toBe(200);
  });

  it('reads, checks and reports a large file in slices, letting the event loop turn between them', async () => {
    const big = file(MAX_ROWS);
    // Turns of the event loop while the upload runs alone: work done in one go would allow none.
    let done = false;
    let turns = 0;
    const tick = () => {
      turns++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    const res = await upload(p.user, big).finally(() => (done = true));
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.json<{ total: number; refused: number }>()).toMatchObject({
      total: MAX_ROWS,
      refused: MAX_ROWS,
    });
    // At least one turn per 500 rows read and checked, and as many again while the rows are matched to hops.
    expect(turns).toBeGreaterThanOrEqual((2 * MAX_ROWS) / 500);
  }, 60_000);

  it('serves small requests while a large upload runs', async () => {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    let done = false;
    let served = 0;
    const started = Date.now();
    const heavy = upload(p.user, file(MAX_ROWS)).finally(() => (done = true));
    while (!done) {
      // A request from a socket arrives as an I/O event: the loop turns between them.
      await new Promise((r) => setImmediate(r));
      const res = await q.user.get('/api/v1/auth/me');
      expect(res.statusCode).toBe(200);
      served++;
    }
    expect((await heavy).statusCode).toBe(200);
    delay.disable();
    const took = Date.now() - started;
    expect(served).toBeGreaterThan(5);
    // Generous, so a busy machine cannot fail it: no wait came near the length of the upload (the
    // whole file in one go held the loop for most of it: 519 ms of 597).
    expect(delay.max / 1e6).toBeLessThan(took / 2);
  }, 60_000);
});
