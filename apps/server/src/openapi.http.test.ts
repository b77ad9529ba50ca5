import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './testing/harness';
import { PASSWORD, personWithPassword } from './testing/signIn';

/**
 * The document as integrators find it (issue 19 point 9): every operation named and its problems documented,
 * and a client generated from it (openapi-typescript) that a small program (openapi-fetch) compiles against
 * with tsc and then runs against this app over real HTTP, so the document cannot drift from the server.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

interface Operation {
  operationId?: string;
  requestBody?: { required?: boolean; content: Record<string, unknown> };
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

let h: Harness;
let doc: Document;
let dir: string;

beforeAll(async () => {
  h = await createHarness();
  const res = await h.anonymous({ method: 'GET', url: '/api/openapi.json' });
  expect(res.statusCode).toBe(200);
  doc = res.json<Document>();
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-client-'));
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

function operations(): { method: string; path: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
}

describe('the OpenAPI document', () => {
  it('names every operation once, in camelCase', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThan(100);
    const unnamed = ops.filter((o) => !o.op.operationId).map((o) => `${o.method} ${o.path}`);
    expect(unnamed, 'operations without an operationId').toEqual([]);
    const seen = new Map<string, string>();
    const twice: string[] = [];
    for (const o of ops) {
      const id = o.op.operationId!;
      expect(id, `${o.method} ${o.path}`).toMatch(/^[a-z][a-zA-Z0-9]*$/);
      if (seen.has(id)) twice.push(`${id}: ${seen.get(id)} and ${o.method} ${o.path}`);
      seen.set(id, `${o.method} ${o.path}`);
    }
    expect(twice, 'operationIds used twice').toEqual([]);
  });

  it('documents the problem answers of every operation with the shared Problem schema', () => {
    expect(doc.components.schemas.Problem).toMatchObject({
      type: 'object',
      required: ['type', 'title', 'status'],
    });
    for (const { method, path, op } of operations()) {
      const problems = Object.entries(op.responses).filter(([code]) => /^4\d\d$/.test(code));
      expect(problems.length, `${method} ${path}: no 4xx`).toBeGreaterThan(0);
      for (const [code, response] of problems)
        expect(
          response.content?.['application/problem+json']?.schema?.$ref,
          `${method} ${path} ${code}`,
        ).toBe('#/components/schemas/Problem');
      expect(
        Object.keys(op.responses).some((code) => /^2\d\d$/.test(code)),
        `${method} ${path}: no 2xx`,
      ).toBe(true);
    }
  });

  it('gives each route the problems its shape and authentication imply', () => {
    const codes = (method: string, path: string) => Object.keys(doc.paths[path]![method]!.responses);
    // Public, no input: only an Authorization header that is not valid is refused.
    expect(codes('get', '/api/v1/health')).toEqual(['200', '401']);
    // Authenticated, a path parameter and a body, a POST (Idempotency-Key): everything.
    expect(codes('post', '/api/v1/hops/{id}/answer')).toEqual(
      expect.arrayContaining(['400', '401', '403', '404', '409', '413', '415', '422', '429']),
    );
    // A read without parameters: no 404, no 409, no 413.
    const list = codes('get', '/api/v1/tracebacks');
    expect(list).toEqual(expect.arrayContaining(['400', '401', '403', '429']));
    expect(list).not.toContain('404');
    expect(list).not.toContain('409');
    // A public route with its own rate limit.
    expect(codes('get', '/api/v1/public/statistics')).toContain('429');
    // A file upload without a body schema still refuses a body too large or of another type.
    expect(codes('post', '/api/v1/hops/{id}/attachments')).toEqual(expect.arrayContaining(['413', '415']));
  });

  it('documents the body of every operation that takes one, files by their media types', () => {
    const withoutBody: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops))
        if (METHODS.includes(method) && op.responses['415'] && !op.requestBody)
          withoutBody.push(`${method.toUpperCase()} ${path}`);
    expect(withoutBody).toEqual([]);
    const types = (method: string, path: string) =>
      Object.keys(doc.paths[path]![method]!.requestBody!.content);
    expect(types('post', '/api/v1/tracebacks/bulk')).toEqual(['text/csv']);
    expect(types('post', '/api/v1/hops/{id}/attachments')).toEqual([
      'application/pdf',
      'application/octet-stream',
    ]);
    expect(types('post', '/api/v1/calls')).toEqual(['application/json', 'application/x-ndjson', 'text/csv']);
  });

  it('marks public routes `security: []` and every other route with the bearer key or the session', () => {
    const publicRoutes = operations().filter((o) => o.op.security?.length === 0);
    expect(publicRoutes.map((o) => `${o.method} ${o.path}`)).toEqual(
      expect.arrayContaining([
        'GET /api/v1/health',
        'POST /api/v1/auth/login',
        'GET /api/v1/public/statistics',
        'GET /api/v1/public/audit-head',
      ]),
    );
    for (const { method, path, op } of operations()) {
      expect(op.security, `${method} ${path}`).toBeDefined();
      if (op.security!.length > 0)
        expect(op.security, `${method} ${path}`).toContainEqual({ bearerAuth: [] });
    }
    // What the document says is what the server does: a public route answers without credentials, another refuses.
    return Promise.all([
      h.anonymous({ method: 'GET', url: '/api/v1/health' }).then((r) => expect(r.statusCode).toBe(200)),
      h.anonymous({ method: 'GET', url: '/api/v1/tracebacks' }).then((r) => expect(r.statusCode).toBe(401)),
    ]);
  });
});

/** A program an integrator would write: sign in, list tracebacks, answer a hop, typed by the generated client. */
const PROGRAM = `import createClient from 'openapi-fetch';
import type { paths } from './api.ts';

const [baseUrl, email, password, providerKey, upstreamId] = process.argv.slice(2) as [string, string, string, string, string];
const client = createClient<paths>({ baseUrl });

// Sign in as a person (the session cookie), then list tracebacks with it.
const login = await client.POST('/api/v1/auth/login', { body: { email, password } });
if (!login.data || !('user' in login.data)) throw new Error('sign-in failed: ' + JSON.stringify(login.error));
const signedInAs: string = login.data.user.email;
const cookie = (login.response.headers.get('set-cookie') ?? '').split(';')[0]!;
const tracebacks = await client.GET('/api/v1/tracebacks', { params: { query: { limit: 10 } }, headers: { cookie } });
if (!tracebacks.data) throw new Error('list failed: ' + JSON.stringify(tracebacks.error));
const statuses: string[] = tracebacks.data.items.map((t) => t.status);

// A provider's key: its pending hops, then answer the first by naming its upstream.
const provider = createClient<paths>({ baseUrl, headers: { authorization: 'Bearer ' + providerKey } });
const hops = await provider.GET('/api/v1/hops', { params: { query: { status: 'pending' } } });
const hop = hops.data?.items[0];
if (!hop) throw new Error('no pending hop: ' + JSON.stringify(hops.error));
const answer = await provider.POST('/api/v1/hops/{id}/answer', {
  params: { path: { id: hop.id } },
  body: { kind: 'upstream', upstreamProviderId: upstreamId },
});
if (!answer.data) throw new Error('answer failed: ' + JSON.stringify(answer.error));

// A problem comes back typed as the shared Problem schema.
const missing = await provider.GET('/api/v1/hops/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } });
const problem: { status: number; title: string } | undefined = missing.error;

// The generated types refuse what the server refuses (tsc fails if these compile).
// @ts-expect-error a kind of answer the API does not have
void provider.POST('/api/v1/hops/{id}/answer', { params: { path: { id: hop.id } }, body: { kind: 'maybe' } });
// @ts-expect-error a route the API does not have
void provider.GET('/api/v1/hops/{id}/nothing', { params: { path: { id: hop.id } } });
// @ts-expect-error answering needs the hop's id
void provider.POST('/api/v1/hops/{id}/answer', { body: { kind: 'not_found' } });

console.log(JSON.stringify({
  signedInAs,
  statuses,
  answered: { id: answer.data.id, status: answer.data.status },
  problem: { httpStatus: missing.response.status, status: problem?.status },
}));
`;

describe('a client generated from the document', () => {
  it('compiles with tsc and calls the server over HTTP as typed', { timeout: 180_000 }, async () => {
    writeFileSync(join(dir, 'api.ts'), astToString(await openapiTS(doc as never)));
    writeFileSync(join(dir, 'program.ts'), PROGRAM);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noUncheckedIndexedAccess: true,
          allowImportingTsExtensions: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          lib: ['ES2023', 'DOM'],
        },
        files: ['program.ts'],
      }),
    );
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');

    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], {
      encoding: 'utf8',
    });
    expect(tsc.stdout + tsc.stderr, 'tsc --noEmit on the program').toBe('');
    expect(tsc.status).toBe(0);

    // The same program, run against the app listening on a port of its own.
    const person = await personWithPassword(h, 'analyst');
    const origin = await h.provider();
    const upstream = await h.provider();
    const tb = await h.openTraceback(origin.id);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const address = h.app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    // Run apart, without blocking this process: the server answers from its event loop.
    const run = await promisify(execFile)(
      process.execPath,
      [
        join(dir, 'program.ts'),
        `http://127.0.0.1:${port}`,
        person.email,
        PASSWORD,
        origin.user.key,
        upstream.id,
      ],
      { encoding: 'utf8', cwd: dir, timeout: 60_000 },
    );
    const out = JSON.parse(run.stdout) as {
      signedInAs: string;
      statuses: string[];
      answered: { id: string; status: string };
      problem: { httpStatus: number; status: number };
    };
    expect(out.signedInAs).toBe(person.email);
    expect(out.statuses).toEqual(['open']);
    expect(out.answered).toEqual({ id: tb.hops[0]!.id, status: 'answered' });
    expect(out.problem).toEqual({ httpStatus: 404, status: 404 });
    // The answer is the server's: the path went on to the named upstream.
    const after = await h.analyst.get(`/api/v1/tracebacks/${tb.id}`);
    expect(after.json<{ hops: { providerId: string }[] }>().hops.map((x) => x.providerId)).toEqual([
      origin.id,
      upstream.id,
    ]);
  });
});
