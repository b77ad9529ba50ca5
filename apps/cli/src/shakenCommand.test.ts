import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShakenFixture, type ShakenFixture } from '@hoptrace/shaken/testing';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/hoptrace.js', import.meta.url));
let fx: ShakenFixture;
let dir: string;

beforeAll(async () => {
  fx = await startShakenFixture('3C4D');
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-shaken-'));
  // An STI-PA trust list carries the STI-CA roots and the STI-PA's own certificate, which signs the CRL.
  writeFileSync(join(dir, 'anchors.pem'), `${fx.pki.root.pem}\n${fx.pki.crlSigner.pem}`);
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
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, spc: '3C4D', attestation: 'A' });
  });

  it('reads the header from stdin, and exits 1 when it does not verify (no anchors given)', async () => {
    const r = await hoptrace(
      ['shaken', 'verify', '--allow-http', '--allow-private'],
      `Identity: ${fx.identity()}\n`,
    );
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout) as { ok: boolean; checks: Array<{ code: string; status: string }> };
    expect(result.ok).toBe(false);
    expect(result.checks.find((c) => c.code === 'cert.chain')?.status).toBe('fail');
  });

  it('refuses a bad trust file and a bad call time with exit code 2', async () => {
    writeFileSync(join(dir, 'junk.pem'), 'not a certificate');
    const junk = await hoptrace(['shaken', 'verify', 'x', '--trust', join(dir, 'junk.pem')]);
    expect(junk.code).toBe(2);
    expect(junk.stderr).toContain('HOPTRACE_STI_TRUST_ANCHORS');
    const time = await hoptrace(['shaken', 'verify', 'x', '--call-time', 'teatime']);
    expect(time.code).toBe(2);
    expect(time.stderr).toContain('--call-time');
  });
});
