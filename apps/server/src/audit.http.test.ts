import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TAuditEntry, TAuditHead, TAuditHeads, TAuditPage } from '@hoptrace/contracts';
import { verifyAuditLedger } from '@hoptrace/core';
import { createHarness, expectProblem, type Harness } from './testing/harness';
import { cookieOf, passwordLogin, personWithPassword, withCookie } from './testing/signIn';
import { JOBS } from './worker/jobs';

/**
 * The audit ledger through the API (decision 0024): what each door changes and who read customer
 * details is in it, admins read it page by page and filtered, the published head is public.
 */

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

const page = async (query: string) => {
  const res = await h.admin.get(`/api/v1/audit?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<TAuditPage>();
};
const latest = async (query: string): Promise<TAuditEntry> => (await page(`limit=1&${query}`)).items[0]!;

describe('the audit ledger over HTTP', () => {
  it('records what the API changes, with who did it, and no secret', async () => {
    const person = await personWithPassword(h, 'analyst');
    const created = await latest(`action=user.created&subject=user:${person.id}`);
    expect(created.actor).toBe(h.admin.email);
    expect(created.actorUserId).toBe(h.admin.userId);
    expect(created.details).toMatchObject({ email: person.email, role: 'analyst', password: true });
    expect(JSON.stringify(created)).not.toContain('correct horse');

    const login = await passwordLogin(h, person.email);
    const cookie = cookieOf(login);
    const started = await latest(`action=session.started&actor=${person.id}`);
    expect(started.details).toMatchObject({ userId: person.id, device: expect.any(String) as string });
    expect(JSON.stringify(started)).not.toMatch(/hts_|hoptrace_session/);
    await withCookie(h, cookie, 'POST', '/api/v1/auth/logout');
    expect((await latest(`action=session.ended&actor=${person.id}`)).subject).toEqual({
      type: 'session',
      id: started.subject.id,
    });

    const key = await h.admin.post(`/api/v1/users/${person.id}/api-keys`, { name: 'ci', scopes: ['api'] });
    expect(key.statusCode, key.body).toBe(201);
    const secret = key.json<{ key: string }>().key;
    const keyEntry = await latest('action=api_key.created');
    expect(keyEntry.details).toMatchObject({ userId: person.id, name: 'ci' });
    expect(JSON.stringify(keyEntry)).not.toContain(secret.slice(4));

    const p = await h.provider();
    expect((await latest(`subject=provider:${p.id}`)).action).toBe('provider.created');
    const patched = await h.analyst.patch(`/api/v1/providers/${p.id}`, { timezone: 'America/Denver' });
    expect(patched.statusCode, patched.body).toBe(200);
    expect((await latest(`subject=provider:${p.id}`)).details).toMatchObject({ changed: ['timezone'] });
  });

  it('records each traceback event and each read of customer details, at commit', async () => {
    const a = await h.provider();
    const tb = await h.openTraceback(a.id);
    const answer = await a.user.post(`/api/v1/hops/${tb.hops[0]!.id}/answer`, {
      kind: 'origin',
      customer: { name: 'Fictional Dialer LLC', address: '1 Nowhere Rd', accountRef: 'ACCT-1' },
      action: 'terminated',
    });
    expect(answer.statusCode, answer.body).toBe(200);
    const read = await h.analyst.get(`/api/v1/tracebacks/${tb.id}`);
    expect(read.statusCode).toBe(200);
    const entries = (await page(`limit=50&subject=traceback:${tb.id}`)).items;
    const actions = entries.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['traceback.opened', 'hop.answered', 'origin.viewed']));
    const viewed = entries.find((e) => e.action === 'origin.viewed')!;
    expect(viewed.actor).toBe(h.analyst.email);
    // Who read it, never what was read.
    expect(JSON.stringify(entries)).not.toMatch(/Fictional Dialer|Nowhere Rd|ACCT-1/);
    expect((await verifyAuditLedger(h.db)).ok).toBe(true);
  });

  it('pages newest first with a cursor, and filters by action prefix', async () => {
    const first = await page('limit=1&action=hop.');
    expect(first.items).toHaveLength(1);
    expect(first.items.every((e) => e.action.startsWith('hop.'))).toBe(true);
    const seqs = first.items.map((e) => e.seq);
    expect([...seqs].sort((x, y) => y - x)).toEqual(seqs);
    const second = await page(`limit=1&action=hop.&cursor=${first.nextCursor}`);
    expect(second.items.length).toBe(1);
    expect(second.items.every((e) => e.action.startsWith('hop.') && e.seq < seqs[0]!)).toBe(true);
  });

  it('is for admins only, and says what is wrong with a bad query', async () => {
    expectProblem(await h.analyst.get('/api/v1/audit'), 404);
    const p = await h.provider();
    expectProblem(await p.user.get('/api/v1/audit'), 404);
    expectProblem(await h.anonymous({ method: 'GET', url: '/api/v1/audit' }), 401);
    expectProblem(await h.admin.get('/api/v1/audit?cursor=abc'), 400, ['query.cursor']);
    expectProblem(await h.admin.get('/api/v1/audit?action=hop%20answered'), 400, ['query.action']);
    expectProblem(await h.admin.get('/api/v1/audit?limit=0'), 400, ['query.limit']);
    expectProblem(await h.analyst.get('/api/v1/audit/head'), 404);
  });

  it('publishes the head through the worker job, and serves it without credentials', async () => {
    const none = await h.anonymous({ method: 'GET', url: '/api/v1/public/audit-head' });
    expectProblem(none, 404);
    const job = JOBS.find((j) => j.id === 'audit.publish-head')!;
    const logged: Record<string, unknown>[] = [];
    const ctx = {
      db: h.db,
      clock: h.clock,
      dispatcher: {} as never,
      log: (_msg: string, extra?: Record<string, unknown>) => void logged.push(extra ?? {}),
    };
    expect(await job.run(ctx)).toBe(1);
    expect(await job.run(ctx)).toBe(0); // not due again for an hour
    const res = await h.anonymous({ method: 'GET', url: '/api/v1/public/audit-head' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    const head = res.json<TAuditHead>();
    expect(logged).toEqual([{ seq: head.seq, hash: head.hash }]);
    const heads = (await h.admin.get('/api/v1/audit/head')).json<TAuditHeads>();
    expect(heads.published).toEqual(head);
    expect(heads.current!.seq).toBeGreaterThanOrEqual(head.seq);
  });
});
