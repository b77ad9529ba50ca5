import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZTracebackOpen, ZWebhookCreate } from '@hoptrace/contracts';
import {
  actorFor,
  createApiKey,
  createProvider,
  createUser,
  createWebhook,
  openTraceback,
  systemActor,
  systemClock,
  type Actor,
  type CommandContext,
} from '@hoptrace/core';
import { countOutbox, schema, type Db } from '@hoptrace/db';
import { createTestDatabase } from '@hoptrace/db/testing';
import { eq, inArray } from 'drizzle-orm';
import { startMailbox } from './testing/mailbox';
import { startReceiver } from './testing/receiver';
import { ensureWebBuild } from './webBuild';

/**
 * Two web and two worker processes (`hoptrace start --role web|worker`, real child processes) on one
 * PostgreSQL database: answers under load with one web process killed, notices sent once with one
 * worker killed, API key revocation and the sign-in rate limit holding across processes.
 * PostgreSQL only: an embedded database has one owner process (decision 0021).
 */

const BIN = fileURLToPath(new URL('../../cli/bin/hoptrace.js', import.meta.url));
const TRACEBACKS = 60;
const ANSWERING_PROVIDERS = 4;
const CONTACTS_PER_PROVIDER = 3;
const LOGIN_LIMIT = 6;
/** Generous: CI runs this beside other work on a slow, shared machine. */
const START_TIMEOUT_MS = 90_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

interface Child {
  name: string;
  proc: ChildProcess;
  /** The web process's address, once it printed "hoptrace is up at". */
  url: string | null;
  output: string[];
  ready: Promise<void>;
}

const children: Child[] = [];

function startChild(name: string, role: 'web' | 'worker', env: NodeJS.ProcessEnv): Child {
  const proc = spawn(process.execPath, [BIN, 'start', '--role', role, '--no-demo', '--port', '0'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child: Child = { name, proc, url: null, output: [], ready: Promise.resolve() };
  child.ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`${name} did not start within ${START_TIMEOUT_MS} ms:\n${child.output.join('')}`)),
      START_TIMEOUT_MS,
    );
    const onLine = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      child.output.push(text);
      const up = /hoptrace is up at (http:\/\/\S+)/.exec(text);
      if (up?.[1]) child.url = up[1];
      if (
        (role === 'web' && child.url) ||
        (role === 'worker' && /worker: clock sweeps and notices/.test(text))
      ) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout.on('data', onLine);
    proc.stderr.on('data', (c: Buffer) => child.output.push(c.toString('utf8')));
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it was up:\n${child.output.join('')}`));
    });
  });
  children.push(child);
  return child;
}

const exited = (p: ChildProcess) =>
  new Promise<void>((resolve) =>
    p.exitCode !== null || p.signalCode !== null ? resolve() : p.once('exit', () => resolve()),
  );

async function killChild(child: Child, signal: NodeJS.Signals) {
  if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill(signal);
  await exited(child.proc);
}

interface ProviderClient {
  providerId: string;
  userId: string;
  key: string;
  keyId: string;
}

describe.runIf(process.env.DATABASE_URL)(
  'two web and two worker processes on one PostgreSQL (skipped without DATABASE_URL: an embedded database has one owner process)',
  () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let db: Db;
    let mailbox: Awaited<ReturnType<typeof startMailbox>>;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    const dataDirs: string[] = [];
    let webA: Child;
    let webB: Child;
    let workers: Child[] = [];
    let adminKey: string;
    let answering: ProviderClient[] = [];
    let upstreamId: string;
    let spare: ProviderClient;
    let env: (name: string) => NodeJS.ProcessEnv;

    beforeAll(async () => {
      database = await createTestDatabase();
      db = database.db;
      mailbox = await startMailbox();
      receiver = await startReceiver();
      // Built once here rather than by both web processes at once on a fresh clone.
      await ensureWebBuild(() => undefined);

      const clock = systemClock;
      const ctx = (actor: Actor): CommandContext => ({ db, clock, actor });
      const system = ctx(systemActor('test'));
      const admin = await createUser({
        ...system,
        input: { email: 'admin@mp.example', name: 'Admin', role: 'admin' },
      });
      adminKey = (
        await createApiKey({ ...system, userId: admin.id, input: { name: 'admin', scopes: ['api'] } })
      ).key;
      const analyst = actorFor(
        await createUser({
          ...system,
          input: { email: 'analyst@mp.example', name: 'Analyst', role: 'analyst' },
        }),
        'api',
      );
      const providerWithKey = async (n: number, contacts: number): Promise<ProviderClient> => {
        const p = await createProvider({
          ...ctx(analyst),
          input: {
            name: `Fictional Multiprocess Carrier ${n}`,
            dbaNames: [],
            country: 'US',
            ocns: [String(7100 + n)],
            contacts: Array.from({ length: contacts }, (_, i) => ({
              name: `Desk ${i}`,
              email: `desk${i}@carrier${n}.example`,
            })),
            escalationContacts: [],
            timezone: 'America/Chicago',
          },
        });
        const u = await createUser({
          ...system,
          input: {
            email: `tb@carrier${n}.example`,
            name: `Carrier ${n}`,
            role: 'provider',
            providerId: p.id,
          },
        });
        const k = await createApiKey({ ...system, userId: u.id, input: { name: 'agent', scopes: ['api'] } });
        return { providerId: p.id, userId: u.id, key: k.key, keyId: k.row.id };
      };
      answering = [];
      for (let i = 0; i < ANSWERING_PROVIDERS; i++)
        answering.push(await providerWithKey(i, CONTACTS_PER_PROVIDER));
      const upstream = await providerWithKey(ANSWERING_PROVIDERS, 2);
      upstreamId = upstream.providerId;
      spare = await providerWithKey(ANSWERING_PROVIDERS + 1, 1);
      // The upstream provider also has a webhook: every hop it is asked for is a delivery too.
      await createWebhook({
        ...ctx(actorFor(admin, 'api')),
        providerId: upstreamId,
        input: ZWebhookCreate.parse({ url: receiver.url('/hooks/upstream') }),
        refuseUrl: () => Promise.resolve(null),
      });
      for (let i = 0; i < TRACEBACKS; i++)
        await openTraceback({
          ...ctx(analyst),
          input: ZTracebackOpen.parse({
            call: {
              startedAt: new Date(Date.now() - 3_600_000).toISOString(),
              callingNumber: `+1202555${String(1000 + i)}`,
              calledNumber: '+13125550188',
            },
            firstProviderId: answering[i % ANSWERING_PROVIDERS]!.providerId,
          }),
        });

      env = (name) => {
        const dataDir = mkdtempSync(join(tmpdir(), `hoptrace-mp-${name}-`));
        dataDirs.push(dataDir);
        return {
          ...process.env,
          // As the systemd unit runs it (and the server's doctor judges it).
          NODE_ENV: 'production',
          DATABASE_URL: database.url!,
          HOPTRACE_DATA_DIR: dataDir,
          SMTP_URL: mailbox.url,
          HOPTRACE_PUBLIC_URL: 'https://traceback.mp.example',
          HOPTRACE_WEBHOOK_ALLOW_HTTP: 'true',
          HOPTRACE_WEBHOOK_ALLOW_PRIVATE: 'true',
          HOPTRACE_API_KEY_CACHE_SECONDS: '1',
          HOPTRACE_LOGIN_RATE_LIMIT: String(LOGIN_LIMIT),
          HOPTRACE_IDEMPOTENCY_LEASE_MS: '3000',
          HOPTRACE_OUTBOX_LEASE_MS: '3000',
          LOG_LEVEL: 'warn',
        };
      };
      webA = startChild('web A', 'web', env('web-a'));
      webB = startChild('web B', 'web', env('web-b'));
      await Promise.all([webA.ready, webB.ready]);
    }, 240_000);

    afterAll(async () => {
      // Also on failure: no child outlives the test.
      await Promise.all(children.map((c) => killChild(c, 'SIGKILL')));
      await mailbox?.stop();
      await receiver?.close();
      await database?.close();
      for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    const call = (base: string, key: string, method: string, path: string, body?: unknown, headers = {}) =>
      fetch(`${base}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(60_000),
      });

    it('a key revoked through web A is refused by web B once its cache time (1 s) has passed', async () => {
      // B has checked the key and caches it.
      expect((await call(webB.url!, spare.key, 'GET', '/hops?status=pending')).status).toBe(200);
      const revoked = await call(
        webA.url!,
        adminKey,
        'DELETE',
        `/users/${spare.userId}/api-keys/${spare.keyId}`,
      );
      expect(revoked.status, await revoked.clone().text()).toBe(200);
      // The process that revoked it refuses it at once.
      expect((await call(webA.url!, spare.key, 'GET', '/hops?status=pending')).status).toBe(401);
      // B's entry was filled before the revocation: a second later it has run out, however slow the machine.
      await sleep(1_200);
      const refused = await call(webB.url!, spare.key, 'GET', '/hops?status=pending');
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { detail: string }).detail).toMatch(/revoked/);
    });

    it(`failed sign-ins split across both web processes hit one limit of ${LOGIN_LIMIT} a minute`, async () => {
      // The limit counts in fixed one-minute windows: start early in one, so the attempts share it.
      const intoMinute = Date.now() % 60_000;
      if (intoMinute > 40_000) await sleep(60_000 - intoMinute + 200);
      const statuses: number[] = [];
      const tries = LOGIN_LIMIT + 3;
      for (let i = 0; i < tries; i++) {
        const base = (i % 2 ? webB : webA).url!;
        const res = await fetch(`${base}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          // A new unknown account each time: the per-account throttle stays out of it, only the address limit counts.
          body: JSON.stringify({ email: `nobody${i}@mp.example`, password: 'not the password at all' }),
          signal: AbortSignal.timeout(60_000),
        });
        statuses.push(res.status);
        if (res.status === 429) expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      }
      // Each process alone saw at most LOGIN_LIMIT / 2 + 2 attempts: only a shared count refuses any.
      expect(statuses).toEqual([
        ...Array<number>(LOGIN_LIMIT).fill(401),
        ...Array<number>(tries - LOGIN_LIMIT).fill(429),
      ]);
    });

    it('answers under load over both web processes, web A killed midway: every acknowledged answer kept, cut-off ones applied once on B; each notice sent once', async () => {
      workers = [
        startChild('worker 1', 'worker', env('worker-1')),
        startChild('worker 2', 'worker', env('worker-2')),
      ];
      await Promise.all(workers.map((w) => w.ready));
      const hops = await db
        .select({ id: schema.hops.id, providerId: schema.hops.providerId })
        .from(schema.hops)
        .where(eq(schema.hops.status, 'pending'));
      expect(hops).toHaveLength(TRACEBACKS);
      const expected = new Map(
        hops.map((h) => [
          h.id,
          {
            kind: 'upstream' as const,
            upstreamProviderId: upstreamId,
            comment: `multiprocess answer to ${h.id}`,
          },
        ]),
      );
      const stats = { acknowledged: 0, replayed: 0, connectionErrors: 0, inProgress409: 0, readBack: 0 };
      const ackedOn = new Map<string, string>();
      let killedA = false;
      const alive = new Set([webA.url!, webB.url!]);
      const killAt = Math.floor(TRACEBACKS / 3);

      async function answerOne(hopId: string, key: string, first: string) {
        const body = expected.get(hopId)!;
        const idempotencyKey = `mp-${hopId}`;
        let target = first;
        for (let attempt = 0; attempt < 40; attempt++) {
          if (!alive.has(target)) target = [...alive][0]!;
          let res: Response;
          try {
            res = await call(target, key, 'POST', `/hops/${hopId}/answer`, body, {
              'idempotency-key': idempotencyKey,
            });
          } catch {
            // Cut off (the process died under it) or refused: a real client tries the other one.
            stats.connectionErrors++;
            alive.delete(target);
            continue;
          }
          if (res.ok) {
            const hop = (await res.json()) as { id: string; status: string };
            expect(hop).toMatchObject({ id: hopId, status: 'answered' });
            if (res.headers.get('idempotent-replayed') === 'true') stats.replayed++;
            stats.acknowledged++;
            ackedOn.set(hopId, target === webA.url ? 'A' : 'B');
            if (stats.acknowledged === killAt && !killedA) {
              killedA = true;
              await killChild(webA, 'SIGKILL');
            }
            return;
          }
          const problem = (await res.json()) as { detail?: string };
          if (res.status === 409 && res.headers.get('retry-after')) {
            // The key's first request was on A when it died: its claim lapses after the lease, then B runs it.
            stats.inProgress409++;
            await sleep(Number(res.headers.get('retry-after')) * 1000);
            continue;
          }
          if (res.status === 409 && /already been answered/.test(problem.detail ?? '')) {
            // A committed it and died before answering: read it back, as a client would.
            const read = await call(target, key, 'GET', `/hops/${hopId}`);
            expect(read.status).toBe(200);
            expect(await read.json()).toMatchObject({
              status: 'answered',
              answer: { kind: 'upstream', comment: body.comment },
            });
            stats.readBack++;
            return;
          }
          throw new Error(`answer to ${hopId} on ${target}: ${res.status} ${JSON.stringify(problem)}`);
        }
        throw new Error(`answer to ${hopId} never went through`);
      }

      // Each provider's client answers its hops two at a time, alternating between the processes.
      const byProvider = answering.map((p) => ({
        p,
        queue: hops.filter((h) => h.providerId === p.providerId),
      }));
      let turn = 0;
      await Promise.all(
        byProvider.flatMap(({ p, queue }) =>
          [0, 1].map(async () => {
            for (let h = queue.shift(); h; h = queue.shift())
              await answerOne(h.id, p.key, turn++ % 2 ? webB.url! : webA.url!);
          }),
        ),
      );
      expect(killedA).toBe(true);
      expect(webA.proc.signalCode).toBe('SIGKILL');

      // Every answer is in the database once, with exactly what was sent.
      const stored = await db
        .select()
        .from(schema.hops)
        .where(inArray(schema.hops.id, [...expected.keys()]));
      for (const h of stored) {
        const sent = expected.get(h.id)!;
        expect(h).toMatchObject({
          status: 'answered',
          answerKind: sent.kind,
          upstreamProviderId: sent.upstreamProviderId,
          comment: sent.comment,
        });
      }
      expect(stored).toHaveLength(TRACEBACKS);
      const next = await db
        .select({ tracebackId: schema.hops.tracebackId })
        .from(schema.hops)
        .where(eq(schema.hops.providerId, upstreamId));
      // Applied once: one next hop per traceback, none twice.
      expect(next).toHaveLength(TRACEBACKS);
      expect(new Set(next.map((n) => n.tracebackId)).size).toBe(TRACEBACKS);
      const answeredEvents = await db
        .select({ tracebackId: schema.events.tracebackId })
        .from(schema.events)
        .where(eq(schema.events.type, 'hop.answered'));
      expect(answeredEvents).toHaveLength(TRACEBACKS);

      // The workers drain the outbox: every notice sent, each exactly once.
      await waitFor(async () => (await countOutbox(db, 'pending')) === 0, 90_000, 'the outbox to drain');
      const rows = await db.select().from(schema.outbox);
      const emails = rows.filter((r) => r.channel === 'email');
      const hooks = rows.filter((r) => r.channel === 'webhook');
      // Hop requests: the first providers' contacts, then the upstream's two contacts and its webhook
      // (besides each contact's welcome when its provider was made, issue 19.5: also sent once).
      const requests = emails.filter((r) => r.topic !== 'provider.welcome');
      expect(requests).toHaveLength(TRACEBACKS * CONTACTS_PER_PROVIDER + TRACEBACKS * 2);
      expect(hooks).toHaveLength(TRACEBACKS);
      expect(rows.every((r) => r.status === 'sent')).toBe(true);
      await waitFor(
        () => mailbox.received.length >= emails.length,
        30_000,
        'the mailbox to hold every email',
      );
      const perMessage = new Map<string, number>();
      for (const m of mailbox.received) perMessage.set(m.messageId!, (perMessage.get(m.messageId!) ?? 0) + 1);
      expect([...perMessage.keys()].sort()).toEqual(emails.map((e) => e.messageId).sort());
      expect([...perMessage.values()].every((n) => n === 1)).toBe(true);
      const perDelivery = new Map<string, number>();
      for (const r of receiver.received) {
        const id = String(r.headers['hoptrace-delivery']);
        perDelivery.set(id, (perDelivery.get(id) ?? 0) + 1);
      }
      expect([...perDelivery.keys()].sort()).toEqual(hooks.map((h) => h.id).sort());
      expect([...perDelivery.values()].every((n) => n === 1)).toBe(true);

      const onA = [...ackedOn.values()].filter((v) => v === 'A').length;
      // Both processes carried the load before the kill, and B alone after it.
      expect(onA).toBeGreaterThan(0);
      console.log(
        `many processes: ${stats.acknowledged} answers acknowledged (${onA} by web A before its SIGKILL, ${stats.replayed} replayed), ` +
          `${stats.connectionErrors} cut off or refused and retried on B, ${stats.inProgress409} waits on a claim of the dead process, ` +
          `${stats.readBack} committed by A and read back; ${emails.length} emails and ${hooks.length} webhooks sent, each once`,
      );
      expect(stats.acknowledged + stats.readBack).toBe(TRACEBACKS);
    }, 240_000);

    it('a worker killed with SIGKILL mid-dispatch: the other sends the rest, nothing lost, a resend keeps its Message-ID', async () => {
      const before = mailbox.received.length;
      const sentBefore = await countOutbox(db, 'sent');
      // Hop requests to the answering providers' contacts: a new batch of notices for the two workers.
      const opened: string[] = [];
      const NEW = 60;
      const open = async (i: number) => {
        const res = await call(webB.url!, adminKey, 'POST', '/tracebacks', {
          call: {
            startedAt: new Date(Date.now() - 3_600_000).toISOString(),
            callingNumber: `+1202555${String(3000 + i)}`,
            calledNumber: '+13125550188',
          },
          firstProviderId: answering[i % ANSWERING_PROVIDERS]!.providerId,
        });
        expect(res.status, await res.clone().text()).toBe(201);
        opened.push(((await res.json()) as { id: string }).id);
      };
      // Notices come in while the workers send: worker 1 dies in the middle of the flow.
      for (let i = 0; i < NEW / 4; i++) await open(i);
      await waitFor(() => mailbox.received.length > before, 60_000, 'the first of the new notices');
      await killChild(workers[0]!, 'SIGKILL');
      const atKill = mailbox.received.length - before;
      for (let i = NEW / 4; i < NEW; i++) await open(i);
      const expectedRows = NEW * CONTACTS_PER_PROVIDER;
      await waitFor(
        async () => (await countOutbox(db, 'sent')) === sentBefore + expectedRows,
        90_000,
        'every new notice sent by the surviving worker',
      );
      const rows = await db.select().from(schema.outbox).where(inArray(schema.outbox.tracebackId, opened));
      expect(rows).toHaveLength(expectedRows);
      expect(rows.every((r) => r.status === 'sent')).toBe(true);
      await waitFor(() => mailbox.received.length - before >= expectedRows, 30_000, 'the mailbox');
      const ids = mailbox.received.slice(before).map((m) => m.messageId!);
      const distinct = new Set(ids);
      expect([...distinct].sort()).toEqual(rows.map((r) => r.messageId).sort());
      // Only a message the dead worker had claimed can come twice: it is claimed again once the lease
      // lapses (attempts > 1), and resent with the same Message-ID (a mail system drops the copy).
      const reclaimed = rows.filter((r) => r.attempts > 1).length;
      const duplicates = ids.length - distinct.size;
      expect(duplicates).toBeLessThanOrEqual(reclaimed);
      console.log(
        `worker kill: ${atKill} of ${expectedRows} new notices delivered before the SIGKILL, the rest by the other worker; ` +
          `${reclaimed} claimed again after the dead worker's lease, ${duplicates} resent with the same Message-ID`,
      );
    }, 180_000);
  },
);
