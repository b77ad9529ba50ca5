import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startShakenFixture, type ShakenFixture } from '@hoptrace/shaken/testing';
import { DEMO_SEED, buildNetwork, demoShaken, generateCalls } from '@hoptrace/sim';
import { runCli } from './main';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/hoptrace.js', import.meta.url));
let fx: ShakenFixture;
let dir: string;

beforeAll(async () => {
  fx = await startShakenFixture('3C4D');
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-shaken-'));
  // An STI-PA trust list carries the STI-CA roots and the STI-PA's own certificate, which signs the CRL.
  writeFileSync(join(dir, 'anchors.pem'), `${fx.pki.root.pem}\n${fx.pki.crlSigner.pem}`);
  writeFileSync(join(dir, 'root.pem'), fx.pki.root.pem);
  writeFileSync(join(dir, 'sti-pa.pem'), fx.pki.crlSigner.pem);
  writeFileSync(join(dir, 'intermediate.pem'), fx.pki.intermediate.pem);
  writeFileSync(join(dir, 'sp.key'), fx.pki.leaf.privateKeyPem);
  // The leaf alone at an x5u: the chain needs the intermediate from elsewhere.
  fx.server.route('/leaf-only.pem', { body: fx.pki.leaf.pem });
});
afterAll(async () => {
  await fx.close();
  rmSync(dir, { recursive: true, force: true });
});

async function hoptrace(args: string[], input?: string) {
  try {
    const p = run(process.execPath, [BIN, ...args], {
      env: { ...process.env, HOPTRACE_STI_TRUST_ANCHORS: '' },
    });
    if (input !== undefined) {
      p.child.stdin?.end(input);
    }
    const { stdout } = await p;
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('hoptrace shaken verify', { timeout: 60_000 }, () => {
  it('exits 0 and names the signer for a good header given as an argument', async () => {
    const r = await hoptrace([
      'shaken',
      'verify',
      fx.identity(),
      '--trust',
      join(dir, 'anchors.pem'),
      '--allow-http',
      '--allow-private',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, spc: '3C4D', attestation: 'A' });
  });

  it('reads the header from stdin, and exits 1 when it does not verify (no anchors given)', async () => {
    const r = await hoptrace(
      ['shaken', 'verify', '--allow-http', '--allow-private', '--json'],
      `Identity: ${fx.identity()}\n`,
    );
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout) as { ok: boolean; checks: Array<{ code: string; status: string }> };
    expect(result.ok).toBe(false);
    expect(result.checks.find((c) => c.code === 'cert.chain')?.status).toBe('fail');
  });

  it('refuses a bad trust file and a bad call time with exit code 2', async () => {
    writeFileSync(join(dir, 'junk.pem'), 'not a certificate');
    const junk = await inProcess(['shaken', 'verify', 'x', '--trust', join(dir, 'junk.pem')]);
    expect(junk.code).toBe(2);
    expect(junk.stderr).toContain('HOPTRACE_STI_TRUST_ANCHORS');
    const time = await inProcess(['shaken', 'verify', 'x', '--call-time', 'teatime']);
    expect(time.code).toBe(2);
    expect(time.stderr).toContain('--call-time');
    // A missing file is worded as every command words it (issue 19.8).
    for (const option of ['--trust', '--intermediates', '--crl-signer']) {
      const missing = await inProcess(['shaken', 'verify', 'x', option, 'missing.pem']);
      expect(missing.code, option).toBe(2);
      expect(missing.stderr.trim(), option).toBe(
        `hoptrace: ${option}: cannot read missing.pem: no such file`,
      );
    }
  });
});

/** The CLI in this process (no binary to start): exit code, standard output and error. */
async function inProcess(args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  const code = await runCli(['node', 'hoptrace', ...args], {
    stdout,
    stderr,
    cwd: dir,
    withDatabase: () => Promise.reject(new Error('no database in these tests')),
  });
  return { code, stdout: out, stderr: err };
}

const LOOPBACK = ['--allow-http', '--allow-private'];

describe('hoptrace shaken verify: the verdict and what it trusts', { timeout: 60_000 }, () => {
  it('starts with a one-line verdict naming the signer', async () => {
    const r = await inProcess(['shaken', 'verify', fx.identity(), '--trust', 'anchors.pem', ...LOOPBACK]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `valid: attestation A, orig 12025550143, signed by SPC 3C4D (TN-Validation-Passed)\n`,
    );
  });

  it('takes the STI-PA CRL signer apart from the trust anchors (without it the CRL signature has no key)', async () => {
    const without = await inProcess(['shaken', 'verify', fx.identity(), '--trust', 'root.pem', ...LOOPBACK]);
    expect(without.code).toBe(1);
    expect(without.stdout.split('\n')[0]).toMatch(
      /^invalid \(TN-Validation-Failed 437 [^)]*\): cert\.revocation: CRL .* does not verify/,
    );
    const withSigner = await inProcess([
      'shaken',
      'verify',
      fx.identity(),
      '--trust',
      'root.pem',
      '--crl-signer',
      'sti-pa.pem',
      '--json',
      ...LOOPBACK,
    ]);
    expect(withSigner.code).toBe(0);
    expect(JSON.parse(withSigner.stdout)).toMatchObject({ ok: true, revoked: false });
  });

  it('builds the chain with --intermediates when the x5u serves the leaf alone', async () => {
    const identity = fx.identity({ x5u: fx.server.url('/leaf-only.pem') });
    const args = ['shaken', 'verify', identity, '--trust', 'anchors.pem', ...LOOPBACK];
    const alone = await inProcess(args);
    expect(alone.code).toBe(1);
    expect(alone.stdout).toMatch(/^invalid \(TN-Validation-Failed 437 [^)]*\): cert\.chain: /);
    const withIntermediate = await inProcess([...args, '--intermediates', 'intermediate.pem']);
    expect(withIntermediate.stdout.split('\n')[0]).toMatch(/^valid: /);
    expect(withIntermediate.code).toBe(0);
  });

  it("verifies the demo's own headers offline, as the portal shows them (--no-demo: not trusted)", async () => {
    // The instance this CLI stands for is embedded (no DATABASE_URL), as `hoptrace start` runs the demo.
    vi.stubEnv('DATABASE_URL', '');
    const sim = demoShaken();
    const network = buildNetwork({ seed: DEMO_SEED });
    const { calls } = generateCalls(network, {
      count: 200,
      from: new Date('2026-05-01T00:00:00Z'),
      to: new Date('2026-11-20T00:00:00Z'),
    });
    const call = calls.find((c) => c.signature && !c.signature.forged && c.signature.certificate === 'valid');
    if (!call) throw new Error('no validly signed call in the demo sample');
    const args = [
      'shaken',
      'verify',
      sim.identityFor(call) ?? '',
      '--call-time',
      call.startedAt.toISOString(),
    ];
    const r = await inProcess(args);
    expect(r.stdout.split('\n')[0]).toMatch(/^valid: attestation [ABC], orig \d+, signed by SPC \w+/);
    expect(r.code).toBe(0);
    const refused = await inProcess([...args, '--no-demo']);
    expect(refused.code).toBe(1);
    vi.unstubAllEnvs();
  });
});

describe('hoptrace shaken sign', { timeout: 60_000 }, () => {
  it('signs a header that verifies, with the claims given', async () => {
    const signed = await inProcess([
      'shaken',
      'sign',
      '--key',
      'sp.key',
      '--x5u',
      fx.x5u,
      '--orig',
      '+1 (202) 555-0143',
      '--dest',
      '13035550100',
      '--attest',
      'b',
      '--origid',
      '123e4567-e89b-42d3-a456-426614174000',
    ]);
    expect(signed.stderr).toBe('');
    expect(signed.code).toBe(0);
    const header = signed.stdout.trim();
    expect(header).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+;info=<.+>;alg=ES256;ppt=shaken$/);
    const verified = await inProcess([
      'shaken',
      'verify',
      header,
      '--trust',
      'anchors.pem',
      '--orig',
      '12025550143',
      '--dest',
      '13035550100',
      '--json',
      ...LOOPBACK,
    ]);
    expect(JSON.parse(verified.stdout)).toMatchObject({
      ok: true,
      attestation: 'B',
      origTn: '12025550143',
      destTns: ['13035550100'],
      origid: '123e4567-e89b-42d3-a456-426614174000',
      spc: '3C4D',
    });
  });

  it('refuses a bad key, attestation, number, time or URL with one line and exit 2', async () => {
    writeFileSync(join(dir, 'rsa.key'), 'not a key');
    const base = [
      'shaken',
      'sign',
      '--key',
      'sp.key',
      '--x5u',
      fx.x5u,
      '--orig',
      '12025550143',
      '--dest',
      '13035550100',
    ];
    const cases: Array<[string[], string]> = [
      [['--key', 'rsa.key'], '--key rsa.key: not an EC P-256 private key'],
      [['--key', 'missing.key'], '--key: cannot read missing.key: no such file'],
      [['--attest', 'D'], '--attest must be A, B or C'],
      [['--orig', 'call me'], '--orig must be a telephone number'],
      [['--iat', 'yesterday'], '--iat must be an ISO 8601 time'],
      [['--x5u', 'file:///etc/passwd'], '--x5u must be an http(s) URL'],
      [['--origid', 'x\u0000y'], '--origid must be a UUID'],
    ];
    for (const [change, message] of cases) {
      const r = await inProcess([...base, ...change]);
      expect(r.code, message).toBe(2);
      expect(r.stderr, message).toContain(message);
      expect(r.stderr.trim().split('\n'), message).toHaveLength(1);
      expect(r.stdout, message).toBe('');
    }
  });
});
