import { createReadStream, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { TProvider, TProviderMergeResult, TTraceback } from '@hoptrace/contracts';
import { renderHopEmail, type EmailPayload } from '@hoptrace/core';
import { schema } from '@hoptrace/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, expectProblem, type Caller, type Harness } from './testing/harness';

type TPage<T> = { items: T[]; nextCursor: string | null };

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const EXPORT = path.resolve(root, '../shared/data/rmd/rmd-export-2025-01.csv');
const LISTING = path.resolve(root, '../shared/data/rmd/rmd-all-filings-7cols.csv');
const SMALL = path.resolve(root, 'packages/registry/src/testdata/rmd-live-shape.csv');
const BROKEN = path.resolve(root, 'packages/registry/src/testdata/rmd-broken-quoting.csv');

let h: Harness;
beforeAll(async () => {
  h = await createHarness(undefined, { webhookPolicy: { allowHttp: true, allowPrivateNetworks: true } });
});
afterAll(() => h.close());

const search = async (caller: Caller, q: string) => {
  const res = await caller.get(`/api/v1/providers?q=${encodeURIComponent(q)}&limit=5`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<TPage<TProvider>>().items;
};

describe('directory search over HTTP', () => {
  it('finds a provider through typos, a DBA name, a lower-case OCN and an FRN without zeros', async () => {
    const p = await h.provider({
      name: 'Acme Telecom LLC',
      dbaNames: ['Roadrunner Voice'],
      ocns: ['7Q3X'],
      frn: '0007654321',
    });
    const user = (await h.provider()).user;
    for (const q of ['Acme Telcom', 'acmetelecom', 'Roadrunr Voice', '7q3x', '7654321']) {
      for (const caller of [h.analyst, user]) expect((await search(caller, q))[0]?.id, q).toBe(p.id);
    }
    // A provider user sees other providers' public fields, never their contacts.
    expect((await search(user, 'acme telcom'))[0]?.contacts).toBeUndefined();
  });

  it('answers a bad cursor with a 400 naming the field', async () => {
    expectProblem(await h.analyst.get('/api/v1/providers?q=acme&cursor=bm9wZQ'), 400, ['query.cursor']);
    const list = (await h.analyst.get('/api/v1/providers?limit=1')).json<TPage<TProvider>>();
    expectProblem(await h.analyst.get(`/api/v1/providers?q=acme&cursor=${list.nextCursor}`), 400, [
      'query.cursor',
    ]);
  });
});

describe('POST /providers/:id/merge', () => {
  it('merges with history; the merged record resolves with mergedInto and leaves the directory', async () => {
    const a = await h.provider({ name: 'Shoveler Telecom' });
    const dup = await h.provider({ name: 'Shoveler Tel', ocns: ['S4V1'] });
    const keep = await h.provider({ name: 'Shoveler Telecom Inc' });
    const tb = await h.openTraceback(a.id);
    const answer = await a.user.post(`/api/v1/hops/${tb.hops[0]!.id}/answer`, {
      kind: 'upstream',
      upstreamProviderId: dup.id,
    });
    expect(answer.statusCode, answer.body).toBe(200);

    const res = await h.admin.post(`/api/v1/providers/${dup.id}/merge`, { into: keep.id });
    expect(res.statusCode, res.body).toBe(200);
    const result = res.json<TProviderMergeResult>();
    expect(result.moved).toMatchObject({ hops: 1, upstreamHops: 1, users: 1 });
    expect(result.tracebackIds).toEqual([tb.id]);
    expect(result.provider.dbaNames).toContain('Shoveler Tel');
    expect(result.provider.ocns).toContain('S4V1');
    expect(result.mergedFrom.mergedInto).toMatchObject({ id: keep.id, name: 'Shoveler Telecom Inc' });

    const old = (await h.analyst.get(`/api/v1/providers/${dup.id}`)).json<TProvider>();
    expect(old.mergedInto?.id).toBe(keep.id);
    const view = (await h.analyst.get(`/api/v1/tracebacks/${tb.id}`)).json<TTraceback>();
    expect(view.hops.map((x) => x.providerId)).toEqual([a.id, keep.id]);
    // The merged record's user now speaks for the record kept: it sees the hop.
    const inbox = await dup.user.get('/api/v1/hops');
    expect(inbox.statusCode, inbox.body).toBe(200);
    expect(JSON.stringify(inbox.json())).toContain(view.hops[1]!.id);
    expect((await search(h.analyst, 'S4V1'))[0]?.id).toBe(keep.id);
    const all = (await h.analyst.get('/api/v1/providers?limit=100')).json<TPage<TProvider>>();
    expect(all.items.map((p) => p.id)).not.toContain(dup.id);
    // Editing the merged record is refused: change the record kept.
    expectProblem(await h.analyst.patch(`/api/v1/providers/${dup.id}`, { name: 'X' }), 409);
  });

  it('refuses bad requests with problems, changing nothing', async () => {
    const x = await h.provider({ name: 'Garganey Voice' });
    const y = await h.provider({ name: 'Garganey Voice LLC' });
    const z = await h.provider({ name: 'Wigeon Carrier' });
    await h.admin.post(`/api/v1/providers/${x.id}/merge`, { into: y.id });
    const before = await h.counts();
    const merge = (caller: Caller, from: string, body: unknown) =>
      caller.post(`/api/v1/providers/${from}/merge`, body);

    expectProblem(await merge(h.analyst, z.id, { into: y.id }), 403);
    expectProblem(await merge(z.user, z.id, { into: y.id }), 403);
    expectProblem(await merge(h.admin, z.id, {}), 400, ['into']);
    expectProblem(await merge(h.admin, z.id, { into: 'not-a-uuid' }), 400, ['into']);
    expectProblem(await merge(h.admin, 'nope', { into: y.id }), 400, ['path.id']);
    expectProblem(await merge(h.admin, '00000000-0000-4000-8000-000000000000', { into: y.id }), 404);
    expectProblem(await merge(h.admin, z.id, { into: '00000000-0000-4000-8000-000000000000' }), 422, [
      'into',
    ]);
    expectProblem(await merge(h.admin, z.id, { into: z.id }), 422, ['into']);
    expectProblem(await merge(h.admin, x.id, { into: z.id }), 409);
    expectProblem(await merge(h.admin, z.id, { into: x.id }), 409);
    expect(await h.counts()).toEqual(before);
  });
});

describe('RMD on closing notices', () => {
  it('tells the provider that accepted traffic from an RMD-absent upstream, and nobody else', async () => {
    // Providers 1 and 3 are in the RMD (linked by FRN); 2 is not.
    const first = await h.provider({ name: 'Bluewave Telecom (directory)', frn: '0001234567' });
    const absent = await h.provider({ name: 'Nowhere Relay Partners' });
    const last = await h.provider({ name: 'Prairie Fiber (directory)', frn: '0000456789' });
    for (const p of [first, absent, last]) {
      const w = await p.user.post(`/api/v1/providers/${p.id}/webhooks`, {
        url: `http://127.0.0.1:9999/hooks/${p.id}`,
      });
      expect(w.statusCode, w.body).toBe(201);
    }
    const imp = await h.admin.request({
      method: 'POST',
      url: '/api/v1/rmd/import',
      payload: readFileSync(SMALL),
      headers: { 'content-type': 'text/csv' },
    });
    expect(imp.statusCode, imp.body).toBe(200);

    const tb = await h.openTraceback(first.id);
    const hop1 = tb.hops[0]!.id;
    await first.user.post(`/api/v1/hops/${hop1}/answer`, { kind: 'upstream', upstreamProviderId: absent.id });
    let view = (await h.analyst.get(`/api/v1/tracebacks/${tb.id}`)).json<TTraceback>();
    await absent.user.post(`/api/v1/hops/${view.hops[1]!.id}/answer`, {
      kind: 'upstream',
      upstreamProviderId: last.id,
    });
    view = (await h.analyst.get(`/api/v1/tracebacks/${tb.id}`)).json<TTraceback>();
    const done = await last.user.post(`/api/v1/hops/${view.hops[2]!.id}/answer`, {
      kind: 'origin',
      customer: { name: 'Fictional Dialer LLC', accountRef: 'A-9' },
      action: 'terminated',
    });
    expect(done.statusCode, done.body).toBe(200);
    view = (await h.analyst.get(`/api/v1/tracebacks/${tb.id}`)).json<TTraceback>();
    expect(view.status).toBe('closed');
    expect(view.hops[1]?.rmd).toMatchObject({ status: 'absent', flagged: true });

    const closing = await h.db
      .select()
      .from(schema.outbox)
      .where(and(eq(schema.outbox.tracebackId, tb.id), eq(schema.outbox.topic, 'traceback.closed')));
    const hooks = closing.filter((r) => r.channel === 'webhook');
    expect(hooks.map((r) => r.providerId).sort()).toEqual([first.id, absent.id, last.id].sort());
    for (const row of hooks) {
      const data = (row.payload as { data: Record<string, unknown> }).data;
      if (row.providerId === first.id)
        expect(data.rmdWarnings).toEqual([
          expect.objectContaining({
            hopId: hop1,
            upstreamProviderId: absent.id,
            upstreamName: 'Nowhere Relay Partners',
            rmdStatus: 'absent',
            rule: '47 CFR 64.6305',
          }),
        ]);
      else expect(data).not.toHaveProperty('rmdWarnings');
    }
    const mails = closing.filter((r) => r.channel === 'email');
    expect(mails.map((r) => r.providerId)).toEqual([first.id]);
    // Rendered as the dispatcher renders it.
    const rendered = renderHopEmail('traceback.closed', mails[0]!.payload as unknown as EmailPayload, null);
    expect(rendered.subject).toMatch(/not in the Robocall Mitigation Database/);
    expect(rendered.text).toContain('You accepted this call from Nowhere Relay Partners');
    expect(rendered.text).toContain('47 CFR 64.6305');
    expect(rendered.text).not.toContain('Fictional Dialer');
    expect(rendered.html).toContain('Nowhere Relay Partners');
  });
});

describe('streaming RMD upload', () => {
  it('refuses broken and oversized uploads whole, leaving the database unchanged', async () => {
    const counts = () =>
      Promise.all([
        h.db.$count(schema.rmdFilings),
        h.db.$count(schema.rmdImports),
        h.db.$count(schema.rmdChanges),
      ]);
    const before = await counts();
    const broken = await h.admin.request({
      method: 'POST',
      url: '/api/v1/rmd/import',
      payload: createReadStream(BROKEN),
      headers: { 'content-type': 'text/csv' },
    });
    expectProblem(broken, 400);
    const declared = await h.admin.request({
      method: 'POST',
      url: '/api/v1/rmd/import',
      payload: 'x',
      headers: { 'content-type': 'text/csv', 'content-length': String(60 * 1024 * 1024) },
    });
    expectProblem(declared, 413);
    // No length given: the stream is counted as it arrives and cut off past 50 MB.
    const header = readFileSync(SMALL, 'utf8').split(/\r?\n/)[0]!;
    const columns = header.split('","').length;
    const big = Readable.from(
      (function* () {
        yield `${header}\n`;
        // A thousand rows a chunk: the cost is the parser's, not the generator's.
        for (let i = 0, sent = 0; sent < 52 * 1024 * 1024;) {
          const lines: string[] = [];
          for (const end = i + 1000; i < end; i++) {
            const fields = [`RMD${String(i).padStart(7, '0')}`, `Fictional Carrier ${i} ${'x'.repeat(300)}`];
            while (fields.length < columns) fields.push('');
            lines.push(`${fields.join(',')}\n`);
          }
          const chunk = lines.join('');
          sent += chunk.length;
          yield chunk;
        }
      })(),
    );
    const huge = await h.admin.request({
      method: 'POST',
      url: '/api/v1/rmd/import',
      payload: big,
      headers: { 'content-type': 'text/csv', 'transfer-encoding': 'chunked' },
    });
    expectProblem(huge, 413);
    expect(await counts()).toEqual(before);
  }, 180_000);

  it.skipIf(!existsSync(EXPORT) || !existsSync(LISTING))(
    'imports the live export (7,346 rows) and the 9,494-row listing, streamed through HTTP',
    async () => {
      for (const [file, rows] of [
        [EXPORT, 7346],
        [LISTING, 9494],
      ] as const) {
        const res = await h.admin.request({
          method: 'POST',
          url: `/api/v1/rmd/import?fileName=${path.basename(file)}`,
          payload: createReadStream(file),
          headers: { 'content-type': 'text/csv' },
        });
        expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
        const report = res.json<{ stats: { rows: number; records: number }; elapsedMs: number }>();
        expect(report.stats.rows).toBe(rows);
        expect(report.stats.records).toBeGreaterThan(rows * 0.9);
        console.log(
          `RMD import streamed over HTTP, ${path.basename(file)}: ${rows} rows in ${Math.round(report.elapsedMs)} ms (${Math.round((rows / report.elapsedMs) * 1000)} rows/s)`,
        );
      }
    },
    300_000,
  );
});
