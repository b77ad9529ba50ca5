import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, expectProblem, type Caller, type Harness } from '../testing/harness';

interface BulkResult {
  total: number;
  applied: number;
  unchanged: number;
  refused: number;
  rows: Array<{
    line: number;
    hopId: string | null;
    status: string;
    reason?: string;
    errors?: Array<{ path: string }>;
  }>;
}

const HEADER =
  'hop_id,kind,upstream_provider_id,upstream_name,upstream_contact_email,upstream_country,customer_name,customer_address,customer_contact,customer_account_ref,action,comment';

describe('bulk answers', () => {
  let h: Harness;
  let terminating: Awaited<ReturnType<Harness['provider']>>;
  let upstream: Awaited<ReturnType<Harness['provider']>>;
  let other: Awaited<ReturnType<Harness['provider']>>;

  const upload = (caller: Caller, csv: string, contentType = 'text/csv') =>
    caller.request({
      method: 'POST',
      url: '/api/v1/hops/bulk-answers',
      payload: csv,
      headers: { 'content-type': contentType },
    });

  async function pendingHopIds(caller: Caller): Promise<string[]> {
    const res = await caller.get('/api/v1/hops/export.csv?status=pending');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const [header, ...rows] = res.body.trim().split('\r\n');
    expect(header!.split(',').slice(0, 2)).toEqual(['hop_id', 'traceback_id']);
    return rows.map((r) => r.split(',')[0]!);
  }

  beforeAll(async () => {
    h = await createHarness();
    terminating = await h.provider();
    upstream = await h.provider();
    other = await h.provider();
  });
  afterAll(() => h.close());

  it('downloads pending hops, applies an answers file, and a repeated upload changes nothing', async () => {
    for (let i = 0; i < 3; i++) await h.openTraceback(terminating.id);
    const ids = await pendingHopIds(terminating.user);
    expect(ids).toHaveLength(3);
    const csv = [
      HEADER,
      `${ids[0]},upstream,${upstream.id},,,,,,,,,"Arrived on trunk 7, per our CDRs"`,
      `${ids[1]},origin,,,,,"Sunny Meadow Outreach LLC (fictional)","1 Example Street, Springfield",,ACCT-1,terminated,`,
      `${ids[2]},not_found,,,,,,,,,,`,
    ].join('\n');
    const first = await upload(terminating.user, csv);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json<BulkResult>()).toMatchObject({ total: 3, applied: 3, unchanged: 0, refused: 0 });
    const hop = await terminating.user.get(`/api/v1/hops/${ids[0]}`);
    expect(hop.json()).toMatchObject({
      status: 'answered',
      answeredVia: 'bulk',
      answer: { kind: 'upstream' },
    });
    const before = await h.counts();
    const again = await upload(terminating.user, csv);
    expect(again.json<BulkResult>()).toMatchObject({ total: 3, applied: 0, unchanged: 3, refused: 0 });
    expect(await h.counts()).toEqual(before);
    // The upstream's new hop is in its own export, not in the terminating provider's.
    expect(await pendingHopIds(upstream.user)).toHaveLength(1);
    expect(await pendingHopIds(terminating.user)).toHaveLength(0);
  });

  it('refuses malformed, conflicting and foreign rows one by one and applies the good ones', async () => {
    const a = (await h.openTraceback(terminating.id)).hops[0]!.id;
    const b = (await h.openTraceback(terminating.id)).hops[0]!.id;
    const theirs = (await h.openTraceback(other.id)).hops[0]!.id;
    const csv = [
      HEADER,
      `not-a-uuid,not_found,,,,,,,,,,`,
      `${a},maybe,,,,,,,,,,`,
      `${a},upstream,,,,,,,,,,`,
      `${a},origin,,,,,,,,,terminated,`,
      `${a},upstream,${upstream.id},,,,,,,,,`,
      `${a},upstream,${upstream.id},,,,,,,,,`,
      `${a},not_found,,,,,,,,,,`,
      `${theirs},not_found,,,,,,,,,,`,
      `${randomUUID()},not_found,,,,,,,,,,`,
      `${b},upstream,${randomUUID()},,,,,,,,,`,
      `${b},not_found,,`,
    ].join('\r\n');
    const res = await upload(terminating.user, csv);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<BulkResult>();
    const byLine = new Map(body.rows.map((r) => [r.line, r]));
    expect(body.total).toBe(11);
    expect(byLine.get(2)).toMatchObject({ status: 'refused', errors: [{ path: 'hop_id' }] });
    expect(byLine.get(3)).toMatchObject({ status: 'refused', errors: [{ path: 'kind' }] });
    expect(byLine.get(4)).toMatchObject({ status: 'refused', errors: [{ path: 'upstream_provider_id' }] });
    expect(byLine.get(5)?.errors?.map((e) => e.path)).toContain('customer_name');
    expect(byLine.get(6)).toMatchObject({ status: 'applied' });
    expect(byLine.get(7)).toMatchObject({ status: 'unchanged', reason: 'same answer as line 6' });
    expect(byLine.get(8)?.status).toBe('refused');
    expect(byLine.get(8)?.reason).toContain('line 6');
    expect(byLine.get(9)).toMatchObject({ status: 'refused', reason: 'hop not found' });
    expect(byLine.get(10)).toMatchObject({ status: 'refused', reason: 'hop not found' });
    expect(byLine.get(11)).toMatchObject({ status: 'refused', errors: [{ path: 'upstream_provider_id' }] });
    expect(byLine.get(12)?.status).toBe('refused');
    expect(byLine.get(12)?.reason).toContain('fields');
    expect(body.applied).toBe(1);
    // The other provider's hop is untouched.
    expect((await other.user.get(`/api/v1/hops/${theirs}`)).json()).toMatchObject({ status: 'pending' });
  });

  it('refuses a file it cannot read as a whole with a problem naming what is wrong', async () => {
    expectProblem(await upload(terminating.user, 'hop,answer\n1,2\n'), 400, ['header.hop_id', 'header.kind']);
    expectProblem(await upload(terminating.user, ''), 400);
    expectProblem(await upload(terminating.user, JSON.stringify({ rows: [] }), 'application/json'), 415);
    expectProblem(await upload(terminating.user, 'hop_id,kind\n', 'text/plain'), 415);
  });

  it('handles a 50,000-row file', async () => {
    const real: string[] = [];
    for (let i = 0; i < 20; i++) real.push((await h.openTraceback(terminating.id)).hops[0]!.id);
    const lines = [HEADER];
    for (let i = 0; i < 50_000; i++) {
      if (i % 2500 === 0) lines.push(`${real[i / 2500]!},not_found,,,,,,,,,,row ${i}`);
      else if (i % 7 === 0) lines.push(`${randomUUID()},sideways,,,,,,,,,,`);
      else lines.push(`${randomUUID()},not_found,,,,,,,,,,row ${i}`);
    }
    const csv = `${lines.join('\n')}\n`;
    const started = Date.now();
    const res = await upload(terminating.user, csv);
    expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
    const body = res.json<BulkResult>();
    expect(body.total).toBe(50_000);
    expect(body.applied).toBe(20);
    expect(body.refused).toBe(49_980);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 120_000);
});
