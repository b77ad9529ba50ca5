import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ZProblem } from '@hoptrace/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, expectProblem, type Harness } from './testing/harness';

/**
 * What no cache may keep (customer details, new keys, evidence, exports), and the requests refused before
 * routing (a broken percent-escape, headers too large) answered as problem+json like every other error.
 */

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n', 'latin1');

describe('Cache-Control: no-store', () => {
  it('on a traceback with its customer details, and on every other API answer that may carry them', async () => {
    const p = await h.provider();
    const tb = await h.openTraceback(p.id);
    const hopId = tb.hops[0]!.id;
    const attached = await p.user.request({
      method: 'POST',
      url: `/api/v1/hops/${hopId}/attachments?name=LOA.pdf`,
      payload: pdf,
      headers: { 'content-type': 'application/pdf' },
    });
    expect(attached.statusCode, attached.body).toBe(201);
    const answered = await p.user.post(`/api/v1/hops/${hopId}/answer`, {
      kind: 'origin',
      customer: { name: 'Sunny Meadow Outreach LLC (fictional)', accountRef: 'ACCT-1' },
      action: 'terminated',
    });
    expect(answered.statusCode, answered.body).toBe(200);

    const traceback = await h.analyst.get(`/api/v1/tracebacks/${tb.id}`);
    expect(traceback.json<{ origin: { customer: { name: string } } }>().origin.customer.name).toBe(
      'Sunny Meadow Outreach LLC (fictional)',
    );
    const responses = {
      traceback,
      hop: await p.user.get(`/api/v1/hops/${hopId}`),
      evidence: await p.user.get(`/api/v1/attachments/${attached.json<{ id: string }>().id}`),
      export: await p.user.get('/api/v1/hops/export.csv'),
      newKey: await h.analyst.post(`/api/v1/users/${h.analyst.userId}/api-keys`, { name: 'ci' }),
      me: await h.analyst.get('/api/v1/auth/me'),
      problem: await h.analyst.get('/api/v1/tracebacks/00000000-0000-4000-8000-000000000000'),
      login: await h.anonymous({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'nobody@example.test', password: 'not a password at all' },
      }),
    };
    for (const [name, res] of Object.entries(responses)) {
      expect(res.statusCode, `${name}: ${res.body.slice(0, 200)}`).toBeLessThan(500);
      expect(res.headers['cache-control'], name).toMatch(/(^|,\s*)no-store(,|$)/);
    }
    expect(responses.newKey.statusCode).toBe(201);
    expect(responses.evidence.statusCode).toBe(200);
  });

  it('leaves a route its own policy: the DNO list revalidates by ETag', async () => {
    const res = await h.analyst.get('/api/v1/dno/list');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('private, no-cache');
  });
});

describe('requests refused before routing', () => {
  it('answers a malformed percent-escape in the path with a 400 problem', async () => {
    for (const url of ['/api/v1/hops/%ZZ', '/api/v1/tracebacks/%E0%A4%A', '/api/v1/%']) {
      const problem = expectProblem(await h.analyst.get(url), 400, ['(path)']);
      expect(problem.detail).toMatch(/percent-escape/);
    }
  });

  it('answers headers larger than the server accepts with a 431 problem, over real HTTP', async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as AddressInfo;
    const res = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/api/v1/health', headers: { 'x-filler': 'a'.repeat(64 * 1024) } },
        (r) => {
          let body = '';
          r.setEncoding('utf8');
          r.on('data', (c: string) => (body += c));
          r.on('end', () =>
            resolve({ status: r.statusCode!, type: String(r.headers['content-type']), body }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(res.status).toBe(431);
    expect(res.type).toMatch(/^application\/problem\+json/);
    const problem = ZProblem.strict().parse(JSON.parse(res.body));
    expect(problem).toMatchObject({ status: 431, type: 'urn:hoptrace:problem:headers-too-large' });
    expect(problem.detail).toMatch(/headers are larger/);
  });
});
