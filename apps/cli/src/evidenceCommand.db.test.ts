import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unzipSync, zipSync } from 'fflate';
import type { TEvidencePackageCreated, THop, TTraceback } from '@hoptrace/contracts';
import { createHarness, type Harness } from '@hoptrace/server/testing/harness';
import { runBinary, runMain, type Env } from './testing/cli';

/**
 * `hoptrace evidence verify` as a real process on a package built by the server: exit 0 when it is intact,
 * 1 naming the file when one byte of any file changed, clear messages (no stack) for what is not a package.
 * Also report.pdf rendered to an image (pdftoppm) and read back as text (pdftotext), and `rotate-key`.
 */

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'hoptrace-evidence-'));
const customer = {
  name: 'Pellucid Harbor Voice Ltd',
  address: '3 Nonesuch Lane, Nowhere',
  contact: 'abuse@pellucid.example',
  accountRef: 'PH-00917',
};
const loa = Buffer.from('%PDF-1.4\n% call detail records (test)\n%%EOF\n', 'latin1');

/** `evidence verify` needs no database: in this process (testing/cli.ts), the real binary for the first case. */
const env = (extra: Env) => ({
  HOPTRACE_DATA_DIR: join(dir, 'no-database-here'),
  DATABASE_URL: '',
  ...extra,
});
const hoptrace = (args: string[], extra: Env = {}) => runMain(args, env(extra));
const binary = (args: string[], extra: Env = {}) => runBinary(args, env(extra));

let h: Harness;
let traceback: TTraceback;
let zipPath: string;
let keyPath: string;
let files: Record<string, Uint8Array>;

/** A copy of the package with one file's middle byte changed (the archive rebuilt around it). */
function tampered(path: string): string {
  const copy = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, new Uint8Array(v)]));
  const data = copy[path]!;
  const i = Math.floor(data.length / 2);
  data[i] = data[i]! ^ 0x01;
  const out = join(dir, `tampered-${path.replace(/\W/g, '_')}.zip`);
  writeFileSync(out, zipSync(copy));
  return out;
}

const expectNoStack = (s: string) => expect(s).not.toMatch(/\n\s+at /);

beforeAll(async () => {
  h = await createHarness();
  const a = await h.provider();
  const b = await h.provider();
  traceback = await h.openTraceback(a.id);
  const up = await a.user.post(`/api/v1/hops/${traceback.hops[0]!.id}/answer`, {
    kind: 'upstream',
    upstreamProviderId: b.id,
  });
  expect(up.statusCode, up.body).toBe(200);
  const hopB = (await b.user.get('/api/v1/hops?status=pending')).json<{ items: THop[] }>().items[0]!.id;
  const att = await b.user.request({
    method: 'POST',
    url: `/api/v1/hops/${hopB}/attachments?name=CDR.pdf`,
    payload: loa,
    headers: { 'content-type': 'application/pdf' },
  });
  expect(att.statusCode, att.body).toBe(201);
  const origin = await b.user.post(`/api/v1/hops/${hopB}/answer`, {
    kind: 'origin',
    customer,
    action: 'blocked',
  });
  expect(origin.statusCode, origin.body).toBe(200);
  const built = await h.analyst.post(`/api/v1/tracebacks/${traceback.id}/evidence-packages`, {});
  expect(built.statusCode, built.body).toBe(201);
  const zip = (await h.analyst.get(built.json<TEvidencePackageCreated>().downloadUrl)).rawPayload;
  zipPath = join(dir, 'package.zip');
  writeFileSync(zipPath, zip);
  keyPath = join(dir, 'public-key.pem');
  writeFileSync(keyPath, (await h.anonymous({ method: 'GET', url: '/api/v1/evidence/public-key' })).body);
  files = unzipSync(zip);
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('hoptrace evidence verify', () => {
  it('exit 0 on the package as built, with the published key and without it (saying what that proves)', async () => {
    const fingerprint = String(
      (await h.anonymous({ method: 'GET', url: '/api/v1/evidence/public-key' })).headers['x-key-fingerprint'],
    );
    const withKey = await binary(['evidence', 'verify', zipPath, '--public-key', keyPath]);
    expect(withKey, withKey.stderr).toMatchObject({ code: 0 });
    expect(withKey.stdout).toBe(`verified: 5 files, signed by key ${fingerprint}\n`);
    const own = await hoptrace(['evidence', 'verify', zipPath]);
    expect(own.code, own.stderr).toBe(0);
    expect(own.stdout).toContain(`verified: 5 files, signed by key ${fingerprint}`);
    expect(own.stdout).toContain('proves the files are intact, not who built them');
  });

  it('exit 1 naming the file when one byte changed in any of them', async () => {
    const attachment = Object.keys(files).find((f) => f.startsWith('attachments/'))!;
    expect(attachment).toMatch(/\/CDR\.pdf$/);
    for (const path of [
      'report.pdf',
      'traceback.json',
      'manifest.json',
      attachment,
      'manifest.sig',
      'schema.json',
    ]) {
      const res = await hoptrace(['evidence', 'verify', tampered(path), '--public-key', keyPath]);
      expect(res.code, `${path}: ${res.stdout}${res.stderr}`).toBe(1);
      expect(res.stderr).toMatch(new RegExp(`^hoptrace: NOT VERIFIED: ${path.replace(/[.]/g, '\\.')} `));
      expect(res.stdout).toBe('');
    }
    // The package's own key, changed, does not get past its manifest entry either.
    const res = await hoptrace(['evidence', 'verify', tampered('public-key.pem')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('NOT VERIFIED: public-key.pem ');
  });

  it('exit 1 for a file missing or added, a key that did not sign it, and what is not a package; 2 for usage', async () => {
    const without = { ...files };
    delete without['traceback.json'];
    writeFileSync(join(dir, 'missing.zip'), zipSync(without));
    writeFileSync(join(dir, 'extra.zip'), zipSync({ ...files, 'notes.txt': Buffer.from('added later') }));
    const noManifest = { ...files };
    delete noManifest['manifest.json'];
    writeFileSync(join(dir, 'no-manifest.zip'), zipSync(noManifest));
    writeFileSync(join(dir, 'not-a-zip.zip'), 'this is not a zip file\n');
    const zip = readFileSync(zipPath);
    writeFileSync(join(dir, 'truncated.zip'), zip.subarray(0, Math.floor(zip.length / 2)));
    writeFileSync(
      join(dir, 'other-key.pem'),
      generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    );
    const cases: Array<[string[], number, RegExp]> = [
      [['missing.zip', '--public-key', keyPath], 1, /NOT VERIFIED: traceback\.json is missing/],
      [
        ['extra.zip', '--public-key', keyPath],
        1,
        /NOT VERIFIED: notes\.txt is in the archive but not in the manifest/,
      ],
      [['no-manifest.zip'], 1, /NOT VERIFIED: manifest\.json is missing/],
      [['not-a-zip.zip'], 1, /NOT VERIFIED: .*not-a-zip\.zip is not a readable ZIP archive/],
      [['truncated.zip'], 1, /NOT VERIFIED: .*truncated\.zip is not a readable ZIP archive/],
      [
        [zipPath, '--public-key', join(dir, 'other-key.pem')],
        1,
        /NOT VERIFIED: manifest\.sig was made with key [0-9a-f]{64}, not with/,
      ],
      [[zipPath, '--public-key', zipPath], 1, /NOT VERIFIED: --public-key is not a PEM public key/],
      [['does-not-exist.zip'], 2, /^hoptrace: cannot read .*does-not-exist\.zip: no such file\n$/],
      [[], 2, /missing required argument 'file'/],
    ];
    for (const [args, code, message] of cases) {
      const res = await hoptrace([
        'evidence',
        'verify',
        ...args.map((x) => (x.includes('/') || x.startsWith('-') ? x : join(dir, x))),
      ]);
      expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(code);
      expect(res.stderr).toMatch(message);
      expectNoStack(res.stderr);
    }
  });
});

/** The pixels of an 8-bit grey or RGB(A) PNG, one byte per channel: enough to see whether a page is blank. */
function decodePng(png: Buffer): { width: number; height: number; channels: number; pixels: Uint8Array } {
  let at = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8);
      channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[data[9]!]!;
    } else if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const cur = raw[y * (stride + 1) + 1 + x]!;
      const left = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const upLeft = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      const p = left + up - upLeft;
      const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
      const paeth = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      const add = [0, left, up, (left + up) >> 1, paeth][filter]!;
      pixels[y * stride + x] = (cur + add) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

describe('report.pdf', () => {
  it('page 1 renders to an image that is not blank (pdftoppm)', async () => {
    const pdf = join(dir, 'report.pdf');
    writeFileSync(pdf, files['report.pdf']!);
    await run('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', pdf, join(dir, 'page')]);
    const png = decodePng(readFileSync(join(dir, 'page-1.png')));
    expect(png.width).toBeGreaterThan(300);
    let dark = 0;
    for (let i = 0; i < png.pixels.length; i += png.channels) if (png.pixels[i]! < 128) dark++;
    const share = dark / (png.width * png.height);
    // Text on white: some ink, far from all of it.
    expect(share).toBeGreaterThan(0.005);
    expect(share).toBeLessThan(0.5);
  });

  it("its text holds the call's numbers, the path and the origin (pdftotext)", async () => {
    const pdf = join(dir, 'report.pdf');
    writeFileSync(pdf, files['report.pdf']!);
    const { stdout } = await run('pdftotext', ['-layout', pdf, '-']);
    const text = stdout.replace(/\s+/g, ' ');
    expect(text).toContain(traceback.call.callingNumber);
    expect(text).toContain(traceback.call.calledNumber);
    expect(text).toContain(`Traceback ${traceback.id}`);
    expect(text).toContain(customer.name);
    expect(text).toContain(customer.accountRef);
    expect(text).toContain('Action taken: blocked');
    expect(text).toMatch(/answered \S+ \S+ UTC through the API/);
    expect(text).toContain('hop.answered');
  });
});

describe('hoptrace evidence rotate-key', () => {
  it('makes a key on a fresh database, then retires it for a new one', async () => {
    const env = { HOPTRACE_DATA_DIR: join(dir, 'data') };
    const first = await hoptrace(['evidence', 'rotate-key'], env);
    expect(first.code, first.stderr).toBe(0);
    const fp = /current key ([0-9a-f]{64})/.exec(first.stdout)![1]!;
    expect(first.stdout).not.toContain('retired');
    expect(first.stdout).toContain('-----BEGIN PUBLIC KEY-----');
    const second = await hoptrace(['evidence', 'rotate-key'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`retired key ${fp}`);
    expect(second.stdout).not.toContain(`current key ${fp}`);
  }, 120_000);
});
