/**
 * The "done when" of the traceback core, end to end on a real process: start
 * `hoptrace start` on a fresh data directory (or DATABASE_URL), then, using only
 * the HTTP API, create six providers with a provider user and API key each, open
 * a traceback, answer five hops upstream and the sixth origin, and read back the
 * closed traceback. Exits non-zero on any deviation. Prints the timings.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ADMIN = { email: 'smoke-admin@hoptrace.test', password: 'smoke-password-0123' };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`smoke: ${message}`);
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'hoptrace-smoke-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}/api/v1`;
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['apps/cli/bin/hoptrace.js', 'start', '--no-demo', '--port', String(port)],
    {
      env: {
        ...process.env,
        HOPTRACE_DATA_DIR: dataDir,
        HOPTRACE_ADMIN_EMAIL: ADMIN.email,
        HOPTRACE_ADMIN_PASSWORD: ADMIN.password,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  child.stdout.on('data', (d: Buffer) => process.stdout.write(`  [server] ${d.toString()}`));
  try {
    let healthy = false;
    for (let i = 0; i < 600 && !healthy; i++) {
      try {
        const res = await fetch(`${base}/health`);
        healthy = res.ok && ((await res.json()) as { status: string }).status === 'ok';
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    check(healthy, 'the server never answered /api/v1/health');
    const upMs = Date.now() - started;

    const login = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    check(login.ok, `admin login failed: ${login.status}`);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const me = (await login.json()) as { user: { id: string } };

    async function call<T>(
      auth: string,
      method: string,
      path: string,
      body?: unknown,
      expect = 200,
    ): Promise<T> {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...(auth.startsWith('hoptrace_session=') ? { cookie: auth } : { authorization: `Bearer ${auth}` }),
        },
        body: body ? JSON.stringify(body) : null,
      });
      const text = await res.text();
      check(res.status === expect, `${method} ${path} answered ${res.status}, expected ${expect}: ${text}`);
      return JSON.parse(text) as T;
    }

    const adminKey = (
      await call<{ key: string }>(cookie, 'POST', `/users/${me.user.id}/api-keys`, { name: 'smoke' }, 201)
    ).key;
    const providers: Array<{ id: string; key: string }> = [];
    for (let i = 1; i <= 6; i++) {
      const p = await call<{ id: string }>(
        adminKey,
        'POST',
        '/providers',
        {
          name: `Smoke Fictional Carrier ${i}`,
          ocns: [`9${String(i).padStart(3, '0')}`],
          timezone: 'America/Chicago',
          contacts: [{ name: 'Desk', email: `desk@smoke${i}.example` }],
        },
        201,
      );
      const u = await call<{ user: { id: string } }>(
        adminKey,
        'POST',
        '/users',
        { email: `tb@smoke${i}.example`, name: `Carrier ${i}`, role: 'provider', providerId: p.id },
        201,
      );
      const k = await call<{ key: string }>(
        adminKey,
        'POST',
        `/users/${u.user.id}/api-keys`,
        { name: 'agent' },
        201,
      );
      providers.push({ id: p.id, key: k.key });
    }
    const tb = await call<{ id: string }>(
      adminKey,
      'POST',
      '/tracebacks',
      {
        call: {
          startedAt: new Date(Date.now() - 3_600_000).toISOString(),
          callingNumber: '(202) 555-0143',
          calledNumber: '+1 312 555 0188',
        },
        firstProviderId: providers[0]!.id,
      },
      201,
    );
    for (let i = 0; i < 6; i++) {
      const inbox = await call<{ items: Array<{ id: string; tracebackId: string }> }>(
        providers[i]!.key,
        'GET',
        '/hops?status=pending',
      );
      const hop = inbox.items.find((x) => x.tracebackId === tb.id);
      check(hop, `provider ${i + 1} has no pending hop`);
      const answer =
        i < 5
          ? { kind: 'upstream', upstreamProviderId: providers[i + 1]!.id }
          : {
              kind: 'origin',
              customer: { name: 'Fictional Dialer LLC', address: '1 Example Way', accountRef: 'ACCT-1' },
              action: 'terminated',
            };
      await call(providers[i]!.key, 'POST', `/hops/${hop.id}/answer`, answer);
    }
    const final = await call<{
      status: string;
      outcome: string;
      hops: Array<{ seq: number; providerId: string; requestedAt: string; answeredAt: string }>;
      origin?: { customer: { name: string } };
    }>(adminKey, 'GET', `/tracebacks/${tb.id}`);
    check(
      final.status === 'closed' && final.outcome === 'origin_identified',
      `traceback ended ${final.status}/${final.outcome}`,
    );
    check(
      final.hops.length === 6 &&
        final.hops.every(
          (h, i) => h.seq === i + 1 && h.providerId === providers[i]!.id && h.requestedAt && h.answeredAt,
        ),
      'six hops in order with their timestamps',
    );
    check(final.origin?.customer.name === 'Fictional Dialer LLC', 'the origin is shown to staff');
    console.log(
      `smoke: ok — server healthy after ${upMs} ms; traceback ${tb.id} closed origin_identified over 6 hops in ${Date.now() - started - upMs} ms`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
