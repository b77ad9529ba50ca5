import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { alertRmdUpstreams, systemActor } from '@hoptrace/core';
import type { TTraceback } from '@hoptrace/contracts';
import { schema } from '@hoptrace/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from './server';
import { createHarness, type Harness } from './testing/harness';
import { startMailbox } from './testing/mailbox';
import { dispatchOnce } from './worker/dispatcher';
import { createEmailTransport } from './worker/email';
import { JOBS, startWorker, type JobContext, type RunningWorker } from './worker/jobs';
import { parseRmdSource, rmdReader } from './worker/rmdSource';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SMALL = readFileSync(path.resolve(root, 'packages/registry/src/testdata/rmd-live-shape.csv'), 'utf8');
// The fixture's records end in CRLF (as the FCC's export does); kept so.
const [HEADER, ...RECORDS] = SMALL.trimEnd().split(/\r\n(?="RMD009)/);
/** The first export: all four filings. The second: Bluewave's filing (FRN 0001234567) is gone. */
const EXPORT_1 = [HEADER, ...RECORDS].join('\r\n') + '\r\n';
const EXPORT_2 = [HEADER, ...RECORDS.filter((r) => !r.includes('0001234567'))].join('\r\n') + '\r\n';
const DAY = 86_400_000;
const policy = { allowHttp: true, allowPrivateNetworks: true };
const WATCH_JOBS = JOBS.filter((j) => j.id === 'rmd.watch');

let h: Harness;
let dir: string;
let file: string;
let mailbox: Awaited<ReturnType<typeof startMailbox>>;
const workers: RunningWorker[] = [];

function worker(extra: Partial<JobContext> = {}, log?: (msg: string, x?: Record<string, unknown>) => void) {
  const w = startWorker(
    {
      db: h.db,
      clock: h.clock,
      dispatcher: {} as JobContext['dispatcher'],
      rmdWatch: { everyHours: 24, read: rmdReader({ kind: 'file', path: file }), source: file },
      ...extra,
    },
    { jobs: WATCH_JOBS, ...(log ? { log } : {}) },
  );
  workers.push(w);
  return w;
}

const alertRows = () =>
  h.db.select().from(schema.outbox).where(eq(schema.outbox.topic, 'rmd.upstream_removed'));

beforeAll(async () => {
  h = await createHarness('2026-11-02T15:00:00Z', { webhookPolicy: policy });
  dir = mkdtempSync(path.join(tmpdir(), 'rmdwatch-'));
  file = path.join(dir, 'rmd.csv');
  mailbox = await startMailbox();
});
afterAll(async () => {
  for (const w of workers) await w.stop();
  await mailbox.stop();
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('RMD watch', () => {
  let down: Awaited<ReturnType<Harness['provider']>>;
  let up: Awaited<ReturnType<Harness['provider']>>;
  let origin: Awaited<ReturnType<Harness['provider']>>;
  let firstHop: string;

  it('imports the export once per period, whichever worker claims it, and alerts nobody while all are filed', async () => {
    // down (in no filing) named up (Bluewave), which named origin (Prairie Fiber).
    down = await h.provider({ name: 'Lakeshore Access Telephone' });
    up = await h.provider({ name: 'Bluewave Telecom (directory)', frn: '0001234567' });
    origin = await h.provider({ name: 'Prairie Fiber (directory)', frn: '0000456789' });
    for (const p of [down, up, origin]) {
      const w = await p.user.post(`/api/v1/providers/${p.id}/webhooks`, {
        url: `http://127.0.0.1:9999/hooks/${p.id}`,
      });
      expect(w.statusCode, w.body).toBe(201);
      expect(w.json<{ events: string[] }>().events).toContain('rmd.upstream_removed');
    }
    const tb = await h.openTraceback(down.id);
    firstHop = tb.hops[0]!.id;
    const a1 = await down.user.post(`/api/v1/hops/${firstHop}/answer`, {
      kind: 'upstream',
      upstreamProviderId: up.id,
    });
    expect(a1.statusCode, a1.body).toBe(200);
    let view = (await h.analyst.get(`/api/v1/tracebacks/${tb.id}`)).json<TTraceback>();
    const a2 = await up.user.post(`/api/v1/hops/${view.hops[1]!.id}/answer`, {
      kind: 'upstream',
      upstreamProviderId: origin.id,
    });
    expect(a2.statusCode, a2.body).toBe(200);
    view = (await h.analyst.get(`/api/v1/tracebacks/${tb.id}`)).json<TTraceback>();
    expect(view.hops).toHaveLength(3);

    writeFileSync(file, EXPORT_1);
    const [w1, w2] = [worker(), worker()];
    await Promise.all([w1.tick(), w2.tick()]);
    await w1.tick();
    const imports = await h.db.select().from(schema.rmdImports);
    expect(imports).toHaveLength(1);
    expect(imports[0]).toMatchObject({ fileName: 'rmd.csv', added: 4, removed: 0 });
    expect(await alertRows()).toEqual([]);
    const links = await h.db.select().from(schema.providerRmdLinks);
    expect(links.map((l) => l.providerId).sort()).toEqual([up.id, origin.id].sort());
  });

  it("tells the downstream once when its upstream's filing disappears; nobody else, nothing on a re-run", async () => {
    writeFileSync(file, EXPORT_2);
    // Same period: claimed already, so nothing is read.
    await workers[0]!.tick();
    expect(await h.db.$count(schema.rmdImports)).toBe(1);
    const auditBefore = await h.db.$count(schema.auditLedger);

    h.clock.advance(DAY);
    await Promise.all([workers[0]!.tick(), workers[1]!.tick()]);
    const imports = await h.db.select().from(schema.rmdImports);
    expect(imports).toHaveLength(2);
    expect(imports.find((i) => i.removed === 1)).toBeDefined();

    const rows = await alertRows();
    const emails = rows.filter((r) => r.channel === 'email');
    const hooks = rows.filter((r) => r.channel === 'webhook');
    expect(emails).toHaveLength(1);
    expect(hooks).toHaveLength(1);
    expect(emails[0]!.providerId).toBe(down.id);
    expect(emails[0]!.recipient).toMatch(/^tb@carrier\d+\.example$/);
    expect(hooks[0]!.providerId).toBe(down.id);
    const data = (hooks[0]!.payload as { event: string; data: Record<string, unknown> }).data;
    expect((hooks[0]!.payload as { event: string }).event).toBe('rmd.upstream_removed');
    expect(data).toMatchObject({
      upstreamProviderId: up.id,
      upstreamName: 'Bluewave Telecom (directory)',
      rmdStatus: 'removed',
      filingNumber: 'RMD0090001',
      hops: 1,
      yourHopIds: [firstHop],
      rule: '47 CFR 64.6305',
    });
    expect(data).not.toHaveProperty('providerName');

    // One audit entry for the batch (plus the import's own).
    const entries = await h.db
      .select()
      .from(schema.auditLedger)
      .where(eq(schema.auditLedger.action, 'rmd.upstream_alerts'));
    expect(entries).toHaveLength(1);
    expect(await h.db.$count(schema.auditLedger)).toBe(auditBefore + 2);

    // The email as the dispatcher sends it, through a real SMTP server.
    const sent = await dispatchOnce({
      db: h.db,
      clock: h.clock,
      email: createEmailTransport({ smtpUrl: mailbox.url, mailDir: '/nonexistent' }),
      mailFrom: 'hoptrace <noreply@hoptrace.test>',
      publicUrl: 'https://hoptrace.example',
      webhookPolicy: policy,
      webhookTimeoutMs: 300,
    });
    expect(sent.claimed).toBeGreaterThanOrEqual(1);
    const mail = mailbox.received.filter(
      (m) => m.to.includes(emails[0]!.recipient) && /Mitigation Database/.test(m.subject ?? ''),
    );
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toBe(
      'Your upstream Bluewave Telecom (directory) was removed from the Robocall Mitigation Database',
    );
    expect(mail[0]!.text).toContain('47 CFR 64.6305');
    expect(mail[0]!.text).toContain(firstHop);

    // The next period reads the same file: nothing changes at all.
    const counts = await h.counts();
    h.clock.advance(DAY);
    await workers[0]!.tick();
    expect(await h.db.$count(schema.rmdImports)).toBe(2);
    expect(await h.counts()).toEqual(counts);
    // And telling again, even with the export re-imported, writes nothing new.
    const again = await alertRmdUpstreams({
      db: h.db,
      clock: h.clock,
      actor: systemActor('test'),
      importId: null,
    });
    expect(again).toMatchObject({ pairs: 1, emails: 0, webhooks: 0 });
    expect(await alertRows()).toHaveLength(2);
    expect(await h.counts()).toEqual(counts);
    // The downstream itself is in no filing but only ever appears as a downstream: no alert names it.
    const named = (r: (typeof rows)[number]) =>
      (r.payload as { upstreamProviderId?: string; data?: { upstreamProviderId?: string } })
        .upstreamProviderId ??
      (r.payload as { data?: { upstreamProviderId?: string } }).data?.upstreamProviderId;
    expect(rows.map(named)).toEqual([up.id, up.id]);
    const upRows = await h.db
      .select()
      .from(schema.outbox)
      .where(and(eq(schema.outbox.topic, 'rmd.upstream_removed'), eq(schema.outbox.providerId, up.id)));
    expect(upRows).toEqual([]);
  });
});

describe('a bad HOPTRACE_RMD_SOURCE', () => {
  it('stops start-up with a clear message that repeats no credentials or query', () => {
    expect(() => configFromEnv({ HOPTRACE_RMD_SOURCE: 'exports/rmd.csv' })).toThrow(/absolute file path/);
    let message = '';
    try {
      configFromEnv({ HOPTRACE_RMD_SOURCE: 'http://fcc:hunter2@example.test/rmd.csv?token=s3cr3t' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/HOPTRACE_RMD_SOURCE must be an absolute file path or an https:\/\/ URL/);
    expect(message).not.toMatch(/hunter2|s3cr3t/);
    expect(configFromEnv({ HOPTRACE_RMD_SOURCE: '/srv/rmd.csv' }).rmdSource).toEqual({
      kind: 'file',
      path: '/srv/rmd.csv',
    });
    expect(() => configFromEnv({ HOPTRACE_RMD_EVERY_HOURS: '0' })).toThrow(/HOPTRACE_RMD_EVERY_HOURS/);
  });

  it('a missing file, a refused file or a failed fetch is a logged job failure without secrets', async () => {
    const logged: Array<{ msg: string; extra?: Record<string, unknown> }> = [];
    const log = (msg: string, extra?: Record<string, unknown>) =>
      logged.push({ msg, ...(extra ? { extra } : {}) });
    const before = await h.db.$count(schema.rmdImports);
    expect(() => parseRmdSource('https://fcc:hunter2@127.0.0.1/rmd.csv')).toThrow(/credentials/);
    const url = parseRmdSource('https://127.0.0.1:9/rmd.csv?token=s3cr3t')!;
    const cases = [
      rmdReader({ kind: 'file', path: path.join(dir, 'missing.csv') }),
      () => Promise.resolve({ bytes: new TextEncoder().encode('name,colour\nx,y\n'), name: 'not-rmd.csv' }),
      rmdReader(url, { timeoutMs: 500 }),
    ];
    for (const read of cases) {
      h.clock.advance(DAY);
      await worker({ rmdWatch: { everyHours: 24, read, source: 'test' } }, log).tick();
    }
    const failures = logged.filter((l) => l.msg === 'job rmd.watch failed').map((l) => String(l.extra?.err));
    expect(failures).toHaveLength(3);
    expect(failures[0]).toContain(`cannot read ${path.join(dir, 'missing.csv')} (ENOENT)`);
    expect(failures[1]).toMatch(/refused, nothing was imported/);
    expect(failures[2]).toMatch(/fetching https:\/\/127\.0\.0\.1:9\/rmd\.csv failed \(blocked-address\)/);
    expect(JSON.stringify(logged)).not.toMatch(/s3cr3t/);
    expect(await h.db.$count(schema.rmdImports)).toBe(before);
  });
});
