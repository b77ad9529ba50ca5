import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIdentityHeader } from './identity-header';
import { signPassport } from './passport';
import { createTestPki } from './test-pki';
import { DEST, ORIG, startShakenFixture, type ShakenFixture } from './testing/fixture';
import { SECSIPIDX, hasSecsipidx, isCi } from './testing/shared-data';

/**
 * Interop with Debian's secsipidx (asipto, Go): it signs, we verify; we sign, it verifies.
 * secsipidx 1.2.0's `-c` reads the key from `-fpubkey` (it does not fetch x5u from the command
 * line), so the x5u download path is exercised through its HTTP check service, which fetches the
 * certificate from our loopback server and validates the chain with --cert-verify.
 */

const runSuite = hasSecsipidx || isCi;
const suiteName = runSuite
  ? 'secsipidx interop'
  : 'secsipidx interop (skipped: secsipidx is not installed; apt-get install secsipidx — required when CI=true)';

function secsipidx(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(SECSIPIDX, args, { encoding: 'utf8', timeout: 15_000 });
  return { status: run.status, stdout: run.stdout.trim(), stderr: run.stderr.trim() };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/`);
      await response.body?.cancel();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`secsipidx did not listen on ${port}`);
}

async function startSecsipidxServer(args: string[]): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(SECSIPIDX, ['-http-srv', `127.0.0.1:${port}`, ...args], {
    stdio: 'ignore',
  });
  await waitForPort(port);
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

describe.skipIf(!runSuite)(suiteName, () => {
  let fx: ShakenFixture;
  let dir: string;

  beforeAll(async () => {
    expect(hasSecsipidx, 'secsipidx must be installed (apt-get install secsipidx)').toBe(true);
    fx = await startShakenFixture('1234');
    dir = mkdtempSync(join(tmpdir(), 'shaken-secsipidx-'));
    writeFileSync(join(dir, 'leaf.key'), fx.pki.leaf.privateKeyPem);
    writeFileSync(join(dir, 'leaf.pem'), fx.pki.leaf.pem);
    writeFileSync(join(dir, 'root.pem'), fx.pki.root.pem);
    writeFileSync(join(dir, 'intermediate.pem'), fx.pki.intermediate.pem);
    writeFileSync(
      join(dir, 'stranger-root.pem'),
      createTestPki({ spc: '1', crlUrl: fx.pki.crlUrl }).root.pem,
    );
  });

  afterAll(async () => {
    await fx.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('headers secsipidx signs verify with ours', () => {
    it('passes a full Identity header from secsipidx -S, chain and CRL included', async () => {
      const signed = secsipidx([
        '-S',
        '-o',
        ORIG,
        '-d',
        DEST,
        '-a',
        'B',
        '-x5u',
        fx.x5u,
        '-k',
        join(dir, 'leaf.key'),
      ]);
      expect(signed.status).toBe(0);
      const result = await fx
        .verifier()
        .verifyIdentity({ identity: signed.stdout, callTime: new Date(), orig: ORIG, dest: DEST });
      expect(result.problems).toEqual([]);
      expect(result.ok).toBe(true);
      expect(result).toMatchObject({
        attestation: 'B',
        origTn: ORIG,
        destTns: [DEST],
        spc: '1234',
        revoked: false,
      });
      expect(result.origid).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('passes a bare PASSporT from secsipidx -s (origid given)', async () => {
      const origid = '8b4e6f0a-2d1c-4e5f-9a7b-3c2d1e0f9a8b';
      const signed = secsipidx([
        '-s',
        '-o',
        ORIG,
        '-d',
        DEST,
        '-a',
        'A',
        '-orig-id',
        origid,
        '-x5u',
        fx.x5u,
        '-k',
        join(dir, 'leaf.key'),
      ]);
      expect(signed.status).toBe(0);
      const result = await fx.verifier().verifyPassport({ passport: signed.stdout, callTime: new Date() });
      expect(result.ok).toBe(true);
      expect(result.origid).toBe(origid);
    });

    it('rejects a secsipidx header signed with a key that does not match the x5u certificate', async () => {
      const other = createTestPki({ spc: '1', crlUrl: fx.pki.crlUrl });
      writeFileSync(join(dir, 'other.key'), other.leaf.privateKeyPem);
      const signed = secsipidx([
        '-S',
        '-o',
        ORIG,
        '-d',
        DEST,
        '-a',
        'A',
        '-x5u',
        fx.x5u,
        '-k',
        join(dir, 'other.key'),
      ]);
      const result = await fx.verifier().verifyIdentity({ identity: signed.stdout, callTime: new Date() });
      expect(result.sip?.code).toBe(438);
      expect(result.problems.map((c) => c.code)).toEqual(['passport.signature']);
    });

    it('judges a secsipidx PASSporT against the call time', async () => {
      // -S always stamps the current time; -s takes -iat.
      const iat = Math.floor(Date.now() / 1000) - 3600;
      const origid = '0f0e0d0c-0b0a-4908-8706-050403020100';
      const signed = secsipidx([
        '-s',
        '-o',
        ORIG,
        '-d',
        DEST,
        '-a',
        'A',
        '-iat',
        String(iat),
        '-orig-id',
        origid,
        '-x5u',
        fx.x5u,
        '-k',
        join(dir, 'leaf.key'),
      ]);
      const verifier = fx.verifier();
      const now = await verifier.verifyPassport({ passport: signed.stdout, callTime: new Date() });
      expect(now.sip).toEqual({ code: 403, reason: 'Stale Date' });
      const then = await verifier.verifyPassport({
        passport: signed.stdout,
        callTime: new Date(iat * 1000 + 5000),
      });
      expect(then.ok).toBe(true);
      expect(then.iat).toBe(iat);
    });
  });

  describe('headers we sign verify with secsipidx', () => {
    function ourHeader(): string {
      return buildIdentityHeader(
        signPassport({
          privateKey: fx.pki.leaf.privateKey,
          x5u: fx.x5u,
          attest: 'A',
          origTn: ORIG,
          destTns: [DEST],
          iat: Math.floor(Date.now() / 1000),
        }),
        { info: fx.x5u },
      );
    }

    function tampered(header: string): string {
      const [token = '', ...params] = header.split(';');
      const [h, p, s = ''] = token.split('.');
      return [`${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`, ...params].join(';');
    }

    it('secsipidx -c accepts our header with the certificate as the key, and rejects a tampered one', () => {
      const good = join(dir, 'good.txt');
      const bad = join(dir, 'bad.txt');
      writeFileSync(good, ourHeader());
      writeFileSync(bad, tampered(ourHeader()));
      const accepted = secsipidx([
        '-c',
        '-fidentity',
        good,
        '-fpubkey',
        join(dir, 'leaf.pem'),
        '-expire',
        '60',
      ]);
      expect(accepted.stdout).toBe('ok');
      expect(accepted.status).toBe(0);
      const rejected = secsipidx([
        '-c',
        '-fidentity',
        bad,
        '-fpubkey',
        join(dir, 'leaf.pem'),
        '-expire',
        '60',
      ]);
      expect(rejected.status).not.toBe(0);
      expect(rejected.stdout).toContain('not-ok');
    });

    it("secsipidx's check service fetches our x5u from the loopback server and validates the chain", async () => {
      const verifyArgs = [
        '-expire',
        '60',
        '-timeout',
        '3',
        '-cert-verify',
        '13',
        '-ca-inter',
        join(dir, 'intermediate.pem'),
      ];
      const trusted = await startSecsipidxServer([...verifyArgs, '-ca-file', join(dir, 'root.pem')]);
      const hitsBefore = fx.server.hits('/sp.pem');
      try {
        const check = (body: string) =>
          fetch(`http://127.0.0.1:${trusted.port}/v1/check`, { method: 'POST', body });
        const ok = await check(ourHeader());
        expect(ok.status, await ok.text()).toBe(200);
        expect(fx.server.hits('/sp.pem')).toBeGreaterThan(hitsBefore);
        const forged = await check(tampered(ourHeader()));
        expect(forged.status).not.toBe(200);
      } finally {
        await trusted.stop();
      }
      const untrusting = await startSecsipidxServer([
        ...verifyArgs,
        '-ca-file',
        join(dir, 'stranger-root.pem'),
      ]);
      try {
        const refused = await fetch(`http://127.0.0.1:${untrusting.port}/v1/check`, {
          method: 'POST',
          body: ourHeader(),
        });
        expect(refused.status).not.toBe(200);
      } finally {
        await untrusting.stop();
      }
    });

    it("our verifier fetches the certificate from secsipidx's own HTTP file service", async () => {
      writeFileSync(join(dir, 'chain.pem'), fx.pki.chainPem);
      const server = await startSecsipidxServer(['-http-dir', dir]);
      try {
        const x5u = `http://127.0.0.1:${server.port}/v1/pub/chain.pem`;
        const identity = buildIdentityHeader(
          signPassport({
            privateKey: fx.pki.leaf.privateKey,
            x5u,
            attest: 'C',
            origTn: ORIG,
            destTns: [DEST],
            iat: Math.floor(Date.now() / 1000),
          }),
          { info: x5u },
        );
        const result = await fx.verifier().verifyIdentity({ identity, callTime: new Date() });
        expect(result.problems).toEqual([]);
        expect(result.attestation).toBe('C');
      } finally {
        await server.stop();
      }
    });
  });
});
