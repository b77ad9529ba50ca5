import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign, systemActor, type BulkOpenResult } from '@hoptrace/core';
import type { TEvent, TTraceback } from '@hoptrace/contracts';
import { createHarness, expectProblem, type Caller, type Harness } from '../testing/harness';

const HEADER = 'call_time,calling_number,called_number,first_provider,campaign,note';

describe('opening tracebacks in bulk from a CSV', () => {
  let h: Harness;
  let first: Awaited<ReturnType<Harness['provider']>>;
  let second: Awaited<ReturnType<Harness['provider']>>;
  let campaignId: string;

  const upload = (caller: Caller, csv: string, contentType = 'text/csv') =>
    caller.request({
      method: 'POST',
      url: '/api/v1/tracebacks/bulk',
      payload: csv,
      headers: { 'content-type': contentType },
    });

  beforeAll(async () => {
    h = await createHarness();
    first = await h.provider({ name: 'Fictional Terminating Telecom' });
    second = await h.provider();
    const campaign = await createCampaign({
      db: h.db,
      clock: h.clock,
      actor: systemActor('test'),
      input: { name: 'Fictional warranty script', description: 'Test campaign' },
    });
    campaignId = campaign.id;
  });
  afterAll(async () => {
    await h.close();
  });

  /** Row i: a distinct call a day before now; ten lines (every 100th) are wrong in one way or another. */
  function thousandRows(): { csv: string; bad: Map<number, string> } {
    const now = h.clock.now().getTime();
    const lines = [HEADER];
    const bad = new Map<number, string>();
    const wrong: Array<(cells: string[]) => string> = [
      (c) => ((c[0] = 'yesterday'), 'call_time'),
      (c) => ((c[1] = '12'), 'calling_number'),
      (c) => ((c[2] = ''), 'called_number'),
      (c) => ((c[3] = 'No Such Telecom'), 'first_provider'),
      (c) => ((c[4] = 'No such campaign'), 'campaign'),
      (c) => ((c[0] = new Date(now + 86_400_000).toISOString()), 'call_time'),
      (c) => ((c[3] = '00000000-0000-4000-8000-000000000001'), 'first_provider'),
      (c) => ((c[5] = 'nul\u0000byte'), 'note'),
      (c) => ((c[0] = '1989-12-31T23:00:00Z'), 'call_time'),
      (c) => ((c[1] = 'not a number'), 'calling_number'),
    ];
    for (let i = 0; i < 1000; i++) {
      const cells = [
        new Date(now - 86_400_000 - i * 60_000).toISOString(),
        `+1202555${String(i).padStart(4, '0')}`,
        '+13125550188',
        i % 2 ? second.id : 'fictional terminating telecom',
        i % 3 ? campaignId : '',
        i % 5 ? '' : `row ${i}, "quoted"`,
      ];
      if (i % 100 === 42) bad.set(i + 2, wrong[(i - 42) / 100]!(cells));
      lines.push(cells.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(','));
    }
    return { csv: `${lines.join('\r\n')}\r\n`, bad };
  }

  it('opens 990 of 1,000 rows; each of the 10 bad rows is refused with its line and column; again, nothing twice', async () => {
    const { csv, bad } = thousandRows();
    const started = performance.now();
    const res = await upload(h.analyst, csv);
    const ms = performance.now() - started;
    expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
    const report = res.json<BulkOpenResult>();
    console.info(`bulk open: 1,000 rows in ${Math.round(ms)} ms (${Math.round(1000 / (ms / 1000))} rows/s)`);
    expect(report).toMatchObject({ total: 1000, opened: 990, existing: 0, refused: 10 });
    const refused = report.rows.filter((r) => r.status === 'refused');
    expect(refused.map((r) => [r.line, r.errors?.[0]?.path])).toEqual([...bad.entries()]);
    for (const r of refused) expect(r.errors?.[0]?.message).toBeTruthy();

    const one = report.rows.find((r) => r.line === 2)!;
    expect(one).toMatchObject({ status: 'opened' });
    const tb = (await h.analyst.get(`/api/v1/tracebacks/${one.tracebackId}`)).json<TTraceback>();
    expect(tb).toMatchObject({ status: 'open', firstProviderId: first.id, campaignId: null });
    expect(tb.hops).toHaveLength(1);
    expect(tb.hops[0]).toMatchObject({ providerId: first.id, status: 'pending' });
    const events = (await h.analyst.get(`/api/v1/tracebacks/${one.tracebackId}/events`)).json<{
      items: TEvent[];
    }>().items;
    expect(events.map((e) => e.type)).toEqual(['traceback.opened', 'hop.requested']);
    // The first provider hears of each request, as for a traceback opened alone.
    const inbox = await first.user.get('/api/v1/hops?status=pending&limit=200');
    expect(inbox.json<{ items: unknown[] }>().items.length).toBeGreaterThan(100);

    const again = (await upload(h.analyst, csv)).json<BulkOpenResult>();
    expect(again).toMatchObject({ total: 1000, opened: 0, existing: 990, refused: 10 });
    expect(again.rows.find((r) => r.line === 2)?.tracebackId).toBe(one.tracebackId);
  }, 240_000);

  it('a line repeated in the file opens one traceback; a provider may not open; a file that is not CSV is refused', async () => {
    const when = new Date(h.clock.now().getTime() - 3_600_000).toISOString();
    const row = `${when},+12025559999,+13125550100,${first.id},,`;
    const res = await upload(h.analyst, `${HEADER}\n${row}\n${row}\n`);
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json<BulkOpenResult>();
    expect(report).toMatchObject({ opened: 1, existing: 1, refused: 0 });
    expect(report.rows[1]).toMatchObject({ line: 3, tracebackId: report.rows[0]!.tracebackId });
    expect(report.rows[1]!.reason).toMatch(/line 2/);

    expectProblem(await upload(first.user, `${HEADER}\n${row}\n`), 404);
    expectProblem(await upload(h.analyst, 'calling_number\n+12025550100\n'), 400, [
      'header.call_time',
      'header.called_number',
      'header.first_provider',
    ]);
    expectProblem(await upload(h.analyst, '{"a":1}', 'application/json'), 415);
    expectProblem(await upload(h.analyst, `${HEADER}\n"unterminated,+1,+1,x,,\n`), 400);
  });
});
