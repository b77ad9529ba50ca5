import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestPki } from './test-pki';
import { parseTrustStore, readTrustStoreFile } from './trust';

const a = createTestPki({ spc: '1', crlUrl: 'https://crl.example/a' });
const b = createTestPki({ spc: '2', crlUrl: 'https://crl.example/b' });

function anchorCount(input: Parameters<typeof parseTrustStore>[0]): number {
  const parsed = parseTrustStore(input);
  return parsed.ok ? parsed.store.anchors.length : 0;
}

describe('parseTrustStore', () => {
  it('reads a PEM bundle, an array of PEMs and DER, without duplicates', () => {
    expect(anchorCount(a.root.pem + b.root.pem + a.root.pem)).toBe(2);
    expect(anchorCount([a.root.pem, b.root.der])).toBe(2);
  });

  it('reads STI-PA style JSON trust lists', () => {
    expect(anchorCount(JSON.stringify({ crts: [a.root.pem, b.root.pem] }))).toBe(2);
    expect(anchorCount(JSON.stringify({ certificates: [Buffer.from(a.root.der).toString('base64')] }))).toBe(
      1,
    );
    expect(anchorCount(JSON.stringify([a.root.pem]))).toBe(1);
  });

  it('keeps the good entries of a damaged list and reports the rest', () => {
    const parsed = parseTrustStore(
      JSON.stringify({
        crts: [
          a.root.pem,
          42,
          'not a certificate',
          '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
        ],
      }),
    );
    expect(parsed.ok && parsed.store.anchors).toHaveLength(1);
    expect(parsed.warnings).toHaveLength(3);
  });

  it('fails when no anchor can be read', () => {
    expect(parseTrustStore('').ok).toBe(false);
    expect(parseTrustStore('{"crts": 5}')).toMatchObject({ ok: false, reason: 'no usable trust anchor' });
    expect(parseTrustStore('{not json').ok).toBe(false);
  });

  it('reads a file, and says when it cannot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shaken-trust-'));
    try {
      writeFileSync(join(dir, 'roots.pem'), a.root.pem);
      expect((await readTrustStoreFile(join(dir, 'roots.pem'))).ok).toBe(true);
      expect(await readTrustStoreFile(join(dir, 'missing.pem'))).toMatchObject({ ok: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseTrustStore with input of the wrong type', () => {
  it('returns a result', () => {
    expect(parseTrustStore(null as unknown as string).ok).toBe(false);
    expect(parseTrustStore({ anchors: 7 } as unknown as string).ok).toBe(false);
  });
});
