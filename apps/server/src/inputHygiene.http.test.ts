import { randomUUID } from 'node:crypto';
import { NUL_MESSAGE, SURROGATE_MESSAGE, unstorableTextReason, type TProblem } from '@hoptrace/contracts';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, expectProblem, type Caller, type Harness } from './testing/harness';

/**
 * Every string input survives a NUL character (U+0000), a lone surrogate and other control characters: walked
 * over every route of the API as its own OpenAPI document describes it (so a new route is walked too), each
 * string field of each body (every branch of a union), each query parameter and each path parameter gets the
 * character in turn. PostgreSQL cannot store NUL or a lone surrogate: the answer must be a 400 problem naming
 * the field, never a 500. Other control characters are stored or refused, never a 500.
 */

type Schema = {
  type?: string;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  minimum?: number;
  minItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
};
type Operation = {
  parameters?: Array<{ in: string; name: string; schema?: Schema }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
};
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

let h: Harness;
let spec: { paths: Record<string, Record<string, Operation>> };
let provider: Awaited<ReturnType<Harness['provider']>>;
/** Real ids for path parameters, so requests reach as far as they can. */
const pathIds: Record<string, string> = {};

beforeAll(async () => {
  h = await createHarness(undefined, { webhookPolicy: { allowHttp: true, allowPrivateNetworks: true } });
  spec = (await h.anonymous({ method: 'GET', url: '/api/openapi.json' })).json();
  provider = await h.provider();
  const tb = await h.openTraceback(provider.id);
  const campaign = await h.analyst.post('/api/v1/campaigns', { name: 'Hygiene', description: 'fictional' });
  const source = await h.analyst.post('/api/v1/call-sources', { name: 'hygiene-feed' });
  const user = await h.user('analyst');
  const agency = await h.admin.post('/api/v1/agencies', { name: 'Hygiene Agency', kind: 'local' });
  const key = await h.admin.post(`/api/v1/users/${user.userId}/api-keys`, { name: 'k' });
  const hook = await provider.user.post(`/api/v1/providers/${provider.id}/webhooks`, {
    url: 'https://hooks.example.test/h',
  });
  Object.assign(pathIds, {
    '/tracebacks/': tb.id,
    '/hops/': tb.hops[0]!.id,
    '/providers/': provider.id,
    '/campaigns/': campaign.json<{ id: string }>().id,
    '/call-sources/': String(source.json<{ id: number }>().id),
    '/users/': user.userId,
    '/agencies/': agency.json<{ id: string }>().id,
    keyId: key.json<{ id: string }>().id,
    webhookId: hook.json<{ id: string }>().id,
  });
});
afterAll(() => h.close());

function pathFor(route: string, params: Record<string, string> = {}): string {
  return route.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (name in params) return params[name]!;
    if (name !== 'id') return pathIds[name] ?? randomUUID();
    const prefix = Object.keys(pathIds).find((p) => route.startsWith(`/api/v1${p}`));
    return prefix ? pathIds[prefix]! : randomUUID();
  });
}

const branches = (s: Schema): Schema[] =>
  (s.oneOf ?? s.anyOf ?? [s]).filter((b) => b.type !== 'null').flatMap((b) => (b.oneOf ? branches(b) : [b]));

/** A value the schema accepts, every optional property included, so that each string field can be probed. */
function example(s: Schema, name: string): Json {
  const [b] = branches(s);
  if (!b) return null;
  if (b.enum) return b.enum[0] as Json;
  switch (b.type ?? '') {
    case 'object':
      return Object.fromEntries(Object.entries(b.properties ?? {}).map(([k, v]) => [k, example(v, k)]));
    case 'array':
      return Array.from({ length: Math.max(1, b.minItems ?? 1) }, () => example(b.items ?? {}, name));
    case 'integer':
    case 'number':
      return b.minimum ?? 1;
    case 'boolean':
      return false;
    case 'string':
      return stringExample(b, name);
    default:
      return 'text';
  }
}

function stringExample(s: Schema, name: string): string {
  if (s.format === 'uuid') return randomUUID();
  if (s.format === 'email') return `someone-${randomUUID().slice(0, 8)}@example.test`;
  if (s.format === 'date-time') return '2026-11-01T14:03:00Z';
  if (s.format === 'date') return '2026-12-24';
  if (s.format === 'uri') return 'https://hooks.example.test/x';
  const pattern = s.pattern ?? '';
  if (pattern === '^[A-Z]{2}$') return 'US';
  if (pattern.includes('RMD')) return 'RMD0001234';
  if (pattern.includes('\\+[1-9]')) return '+12025550143';
  if (pattern.includes('[0-9A-Z]{4}')) return '1234';
  if (pattern.includes('\\d{1,10}')) return '123';
  // A statistics period (a month that has ended) and a year.
  if (pattern.includes('(0[1-9]|1[0-2])')) return '2025-01';
  if (pattern === '^\\d{4}$') return '2025';
  if (pattern.includes('A-Za-z0-9+/')) return Buffer.from('%PDF-1.4 fictional').toString('base64');
  if (pattern.includes('[01]\\d|2[0-3]')) return name === 'close' ? '17:00' : '08:00';
  if (pattern.includes('[A-Za-z0-9][A-Za-z0-9._-]')) return `name-${randomUUID().slice(0, 8)}`;
  // A token with a prefix (`^htc_[A-Za-z0-9_-]{43}$`: a sign-in challenge).
  const token = /^\^([a-z]+_)\[A-Za-z0-9_-\]\{(\d+)\}\$$/.exec(pattern);
  if (token) return `${token[1]}${'a'.repeat(Number(token[2]))}`;
  if (pattern) throw new Error(`no example for the pattern of ${name}: ${pattern}`);
  if (/number|phone/i.test(name)) return '+12025550143';
  if (name === 'timezone') return 'America/Chicago';
  if (name === 'password' || name === 'newPassword' || name === 'currentPassword')
    return 'a long enough passphrase';
  return 'text'.padEnd(s.minLength ?? 0, 'x');
}

/** Bodies the generated example does not fit (rules across fields): the base each probe starts from. */
const BASES: Record<string, Json[]> = {
  'POST /api/v1/users': [
    {
      email: 'a@example.test',
      name: 'A',
      role: 'enforcement',
      agencyId: randomUUID(),
      password: 'a long enough passphrase',
    },
  ],
  'PATCH /api/v1/users/{id}': [{ name: 'A', role: 'enforcement', agencyId: randomUUID() }],
  'POST /api/v1/tracebacks/{id}/referrals': [{ agencyIds: [randomUUID()], note: 'n' }],
  'POST /api/v1/traceback-requests': [
    {
      call: {
        startedAt: '2026-11-01T14:03:00Z',
        callingNumber: '+12025550143',
        calledNumber: '+13125550188',
        terminatingProviderId: randomUUID(),
      },
      reason: 'why',
      urgency: 'urgent',
      attachments: [{ name: 'a.pdf', dataBase64: Buffer.from('%PDF-1.4 x').toString('base64') }],
    },
  ],
  'POST /api/v1/hops/{id}/answer#0': [
    { kind: 'upstream', upstreamProviderId: randomUUID(), comment: 'c' },
    {
      kind: 'upstream',
      upstreamProvider: {
        name: 'N',
        country: 'US',
        contactName: 'C',
        contactEmail: 'c@example.test',
        contactPhone: '+12025550143',
      },
      comment: 'c',
    },
  ],
};

/** Fields whose documented rule is to drop control characters, NUL included: cleaned, not refused. */
const CLEANED = ['POST /api/v1/campaigns/{id}/trace-forward note', 'POST /api/v1/calls '];
/** Text fields whose content the schema checks (a time zone, a phone number): refused by that check. */
const CHECKED_TEXT = new Set([
  'timezone',
  'callingNumber',
  'calledNumber',
  'number',
  'numbers',
  'fromNumber',
  'paiNumber',
]);
/** Query parameters a route needs to get as far as its body. */
const QUERY: Record<string, string> = {
  'POST /api/v1/calls': '?source=hygiene-feed',
  'GET /api/v1/rmd/filings': '?q=link',
};

/** Every path to a string in a value, with whether its schema makes it free text (no enum, format or pattern). */
function stringPaths(
  value: Json,
  s: Schema | undefined,
  path: string[] = [],
): Array<{ path: string[]; free: boolean }> {
  const b = s
    ? (branches(s).find(
        (x) =>
          x.type === typeof value ||
          (x.type === 'array' && Array.isArray(value)) ||
          (x.type === 'object' && typeof value === 'object'),
      ) ?? branches(s)[0])
    : undefined;
  if (typeof value === 'string')
    return [{ path, free: !!b && !b.enum && !b.format && !b.pattern && b.type === 'string' }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, b?.items, [...path, String(i)]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => stringPaths(v, b?.properties?.[k], [...path, k]));
  return [];
}

function withValue(base: Json, path: string[], value: string): Json {
  if (path.length === 0) return value;
  const copy = structuredClone(base) as Record<string, Json>;
  let at: Record<string, Json> = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string, Json>;
  at[path.at(-1)!] = value;
  return copy;
}

interface Probe {
  label: string;
  request: InjectOptions;
  /** The field the answer must name; null when only "no 500" is asked. */
  field: string | null;
  /** The exact message expected at that field (free text), or any message (enums, formats). */
  message?: string;
}

function operations(): Array<{ method: string; route: string; op: Operation }> {
  return Object.entries(spec.paths)
    .filter(([route]) => route.startsWith('/api/v1/'))
    .flatMap(([route, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), route, op })),
    );
}

/**
 * The probes for one character: every string field of every body, every query and path parameter. In a URL
 * the character goes as its UTF-8 percent-escape; a lone surrogate has none, so its URL probes send the bytes
 * UTF-8 would give it (%ED%A0%80, not UTF-8) and ask only for no 500.
 */
function probes(char: string, expected: string | null): Probe[] {
  const out: Probe[] = [];
  const poison = `before${char}after`;
  const wellFormed = unstorableTextReason(char) !== SURROGATE_MESSAGE;
  const inUrl = wellFormed ? encodeURIComponent(poison) : 'before%ED%A0%80after';
  const urlExpected = wellFormed ? expected : null;
  for (const { method, route, op } of operations()) {
    const url = pathFor(route) + (QUERY[`${method} ${route}`] ?? '');
    const schema = op.requestBody?.content['application/json']?.schema;
    const bodies: Array<{ key: string; base: Json; schema: Schema }> = [];
    if (schema)
      branches(schema).forEach((b, i) => {
        const given = BASES[`${method} ${route}#${i}`] ?? BASES[`${method} ${route}`];
        for (const base of given ?? [example(b, '')])
          bodies.push({ key: `${method} ${route}`, base, schema: b });
      });
    for (const { key, base, schema: b } of bodies)
      for (const { path, free } of stringPaths(base, b)) {
        const field = path.join('.') || '(body)';
        const cleaned = CLEANED.some((c) => `${key} ${field}`.startsWith(c));
        // An item of a list (`numbers.0`) is checked by the list's name.
        const checked = CHECKED_TEXT.has(path.findLast((p) => !/^\d+$/.test(p)) ?? '');
        out.push({
          label: `${key} body ${field}`,
          request: {
            method,
            url,
            payload: withValue(base, path, poison) as object,
          },
          field: expected && !cleaned ? field : null,
          ...(free && !checked && expected ? { message: expected } : {}),
        });
      }
    const firstBody = bodies[0]?.base;
    for (const p of op.parameters ?? []) {
      if (p.in === 'query')
        out.push({
          label: `${method} ${route} query ${p.name}`,
          request: {
            method,
            url: `${url}${url.includes('?') ? '&' : '?'}${p.name}=${inUrl}`,
            ...(firstBody !== undefined ? { payload: firstBody as object } : {}),
          },
          field: urlExpected ? `query.${p.name}` : null,
        });
      if (p.in === 'path')
        out.push({
          label: `${method} ${route} path ${p.name}`,
          request: {
            method,
            url: pathFor(route, { [p.name]: inUrl }),
            ...(firstBody !== undefined ? { payload: firstBody as object } : {}),
          },
          field: urlExpected ? `path.${p.name}` : null,
        });
    }
  }
  return out;
}

const OWN_FORM = new Set(['code']);

async function run(caller: Caller, list: Probe[]): Promise<string[]> {
  const failures: string[] = [];
  for (const probe of list) {
    const res = await caller.request(probe.request);
    if (res.statusCode >= 500) {
      failures.push(`${probe.label}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      continue;
    }
    if (probe.field === null) continue;
    const problem = String(res.headers['content-type']).startsWith('application/problem+json')
      ? res.json<TProblem>()
      : null;
    // An array parameter is named with its index (query.ids.0).
    const at = problem?.errors?.find((e) => e.path === probe.field || e.path.startsWith(`${probe.field}.`));
    if (res.statusCode !== 400 || !at)
      failures.push(
        `${probe.label}: ${res.statusCode}, no error at ${probe.field}: ${res.body.slice(0, 300)}`,
      );
    // A one-time code is checked for its form first (six digits, or a recovery code), which refuses a
    // NUL with its own message; still a 400 naming the field.
    else if (probe.message && at.message !== probe.message && !OWN_FORM.has(probe.field.split('.').pop()!))
      failures.push(`${probe.label}: "${at.message}" instead of "${probe.message}"`);
  }
  return failures;
}

describe('every route, every string input', () => {
  it('walks the whole API', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(70);
    const list = probes('\u0000', NUL_MESSAGE);
    expect(list.length).toBeGreaterThan(200);
    // Each operation with a string in its body, or with parameters, is probed.
    for (const { method, route, op } of ops) {
      const body = op.requestBody?.content['application/json']?.schema;
      const strings = body ? branches(body).some((b) => stringPaths(example(b, ''), b).length > 0) : false;
      if (strings || op.parameters?.length)
        expect(
          list.some((p) => p.label.startsWith(`${method} ${route} `)),
          `${method} ${route}`,
        ).toBe(true);
    }
  });

  it('refuses NUL (U+0000) with a 400 naming the field, never a 500', async () => {
    expect(await run(h.admin, probes('\u0000', NUL_MESSAGE))).toEqual([]);
  });

  it('refuses a lone surrogate with a 400 naming the field, never a 500', async () => {
    expect(await run(h.admin, probes('\ud800', SURROGATE_MESSAGE))).toEqual([]);
  });

  it('stores or refuses other control characters, never a 500', async () => {
    expect(await run(h.admin, probes('\u0001\u0008\u000b\u001b\u007f\u0085\u2028', null))).toEqual([]);
  });
});

describe('the routes the attack test named', () => {
  const expectNamed = (res: LightMyRequestResponse, field: string) => {
    const problem = expectProblem(res, 400, [field]);
    expect(problem.errors!.find((e) => e.path === field)!.message).toBe(NUL_MESSAGE);
    expect(problem.detail).toContain(field);
  };

  it('unauthenticated sign-in', async () => {
    const res = await h.anonymous({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'someone@example.test', password: 'pass\u0000word' },
    });
    expectNamed(res, 'password');
  });

  it('a provider searching the directory', async () => {
    expectNamed(await provider.user.get('/api/v1/providers?q=%00'), 'query.q');
  });

  it("a hop answer's comment and customer, and nothing written", async () => {
    const tb = await h.openTraceback(provider.id);
    const hopId = tb.hops[0]!.id;
    const before = await h.counts();
    const answer = (customer: Record<string, string>, comment = 'ok') =>
      provider.user.post(`/api/v1/hops/${hopId}/answer`, {
        kind: 'origin',
        customer,
        action: 'terminated',
        comment,
      });
    expectNamed(await answer({ name: 'Sunny\u0000Meadow' }), 'customer.name');
    expectNamed(await answer({ name: 'Sunny', address: '1 Example St\u0000' }), 'customer.address');
    expectNamed(await answer({ name: 'Sunny', accountRef: '\u0000' }), 'customer.accountRef');
    expectNamed(await answer({ name: 'Sunny' }, 'see\u0000notes'), 'comment');
    expect(await h.counts()).toEqual(before);
    const ok = await answer({ name: 'Sunny Meadow\u0007 (bell kept)' }, 'tab\tand\u001b escape');
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('a trace-forward note drops control characters, as documented', async () => {
    const res = await h.analyst.post(`/api/v1/campaigns/${pathIds['/campaigns/']}/trace-forward`, {
      number: '+12025550143',
      providerId: provider.id,
      note: 'asked\u0000 by the desk',
    });
    // The campaign has no callback numbers: refused at number, not at note.
    const problem = expectProblem(res, 400, ['number']);
    expect(problem.errors!.map((e) => e.path)).not.toContain('note');
  });
});

describe('CSV cells', () => {
  const csv = (caller: Caller, url: string, body: string) =>
    caller.request({ method: 'POST', url, payload: body, headers: { 'content-type': 'text/csv' } });

  it('a bulk answer row with NUL is refused on its own, naming the column', async () => {
    const tb = await h.openTraceback(provider.id);
    const hopId = tb.hops[0]!.id;
    const other = (await h.openTraceback(provider.id)).hops[0]!.id;
    const res = await csv(
      provider.user,
      '/api/v1/hops/bulk-answers',
      [
        'hop_id,kind,customer_name,customer_account_ref,action,comment',
        `${hopId},origin,"Sunny\u0000Meadow",ACCT-1,terminated,`,
        `${other},not_found,,,,"fine"`,
      ].join('\n'),
    );
    expect(res.statusCode, res.body).toBe(200);
    const rows = res.json<{
      rows: Array<{ line: number; status: string; errors?: Array<{ path: string; message: string }> }>;
    }>().rows;
    expect(rows[0]).toMatchObject({ line: 2, status: 'refused' });
    expect(rows[0]!.errors).toEqual([{ path: 'customer_name', message: NUL_MESSAGE }]);
    expect(rows[1]).toMatchObject({ line: 3, status: 'applied' });
  });

  it('a DNO import with NUL in a cell is refused whole, naming the line and column', async () => {
    const before = await h.counts();
    const res = await csv(
      h.analyst,
      '/api/v1/dno/import',
      'number,category,reason\n+12025550111,invalid,fine\n+12025550112,invalid,"bad\u0000reason"\n',
    );
    const problem = expectProblem(res, 400, ['file.line.3']);
    expect(problem.errors!.find((e) => e.path === 'file.line.3')!.message).toBe(
      `line 3, column reason: ${NUL_MESSAGE}`,
    );
    expect(await h.counts()).toEqual(before);
  });

  it('call records drop NUL from their text, as documented', async () => {
    const res = await csv(
      h.analyst,
      '/api/v1/calls?source=hygiene-feed',
      'external_id,started_at,calling_number,called_number,transcript\nx1,2026-11-01T14:03:00Z,+12025550143,+13125550188,"hello\u0000 there"\n',
    );
    expect(res.statusCode, res.body).toBe(200);
    const json = await h.analyst.request({
      method: 'POST',
      url: '/api/v1/calls?source=hygiene-feed',
      payload: [
        {
          externalId: 'x2',
          startedAt: '2026-11-01T14:04:00Z',
          transcript: 'hi\u0000',
          metadata: { 'k\u0000': 'v\u0000' },
        },
      ],
    });
    expect(json.statusCode, json.body).toBe(200);
  });
});
