import { describe, expect, it } from 'vitest';
import { parseCrl } from './crl';
import type { CredentialFetcher } from './fetcher';
import { buildIdentityHeader, parseIdentityHeader } from './identity-header';
import { lintShakenCertificate } from './lint';
import { decodePassport, signPassport } from './passport';
import type { VerificationResult } from './result';
import { createTestPki } from './test-pki';
import { decodeTnAuthList, extractSpc } from './tn-auth-list';
import { parseTrustStore } from './trust';
import { createVerifier } from './verify';
import { parseCertificates } from './x509';

/**
 * Random and mutated input must never throw and never pass. The generator is seeded
 * (mulberry32), so a failure names its seed and iteration and reproduces exactly.
 */

const SEED = 0x5eed_2024;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  string(alphabet: string, maxLength: number): string {
    let out = '';
    const length = this.int(maxLength + 1);
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }
  bytes(maxLength: number): Uint8Array {
    const out = new Uint8Array(this.int(maxLength + 1));
    for (let i = 0; i < out.length; i++) out[i] = this.int(256);
    return out;
  }
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const HEADERISH = `${B64URL}.;=<>"\\, \t\r\n:/+%@Iidentity`;

function mutateString(rng: Random, input: string, alphabet: string): string {
  const chars = [...input];
  const edits = 1 + rng.int(3);
  for (let e = 0; e < edits; e++) {
    const at = rng.int(chars.length + 1);
    switch (rng.int(5)) {
      case 0:
        chars[at] = rng.pick([...alphabet]);
        break;
      case 1:
        chars.splice(at, 1);
        break;
      case 2:
        chars.splice(at, 0, rng.pick([...alphabet]));
        break;
      case 3:
        chars.splice(at, rng.int(20));
        break;
      default: {
        const from = rng.int(chars.length + 1);
        chars.splice(at, 0, ...chars.slice(from, from + rng.int(12)));
      }
    }
  }
  return chars.join('');
}

function mutateBytes(rng: Random, input: Uint8Array): Uint8Array {
  const out = Uint8Array.from(input);
  switch (rng.int(3)) {
    case 0:
      for (let i = 0, n = 1 + rng.int(4); i < n; i++) {
        const at = rng.int(out.length);
        out[at] = (out[at] as number) ^ (1 << rng.int(8));
      }
      return out;
    case 1:
      return out.subarray(0, rng.int(out.length));
    default: {
      const at = rng.int(out.length);
      out[at] = rng.int(256);
      return out;
    }
  }
}

describe('fuzz', () => {
  const CRL_URL = 'https://sti-pa.example/crl';
  const X5U = 'https://cr.example/sp.pem';
  const pki = createTestPki({ spc: '1234', crlUrl: CRL_URL });
  const served = new Map<string, Uint8Array>([
    [X5U, new Uint8Array(Buffer.from(pki.chainPem))],
    [CRL_URL, pki.createCrl().der],
  ]);
  const fetcher: CredentialFetcher = {
    fetch: (url) => {
      const body = served.get(url);
      return Promise.resolve(
        body
          ? { ok: true, url, body, fromCache: true, expiresAt: null }
          : {
              ok: false,
              url,
              kind: 'http-status',
              transient: false,
              reason: 'HTTP 404',
              status: 404,
              fromCache: false,
            },
      );
    },
  };
  const trust = parseTrustStore({ anchors: pki.root.pem, crlSigners: pki.crlSigner.pem });
  if (!trust.ok) throw new Error(trust.reason);
  const verifier = createVerifier({ trust: trust.store, fetcher });
  const callTime = new Date();
  const iat = Math.floor(callTime.getTime() / 1000);
  const token = signPassport({
    privateKey: pki.leaf.privateKey,
    x5u: X5U,
    attest: 'A',
    origTn: '12025550143',
    destTns: ['13035550100'],
    iat,
  });
  const valid = buildIdentityHeader(token, { info: X5U });

  function assertSane(result: VerificationResult, context: string): void {
    expect(
      result.checks.some((c) => c.code === 'internal'),
      `${context}: internal error`,
    ).toBe(false);
    expect(result.ok).toBe(result.verstat === 'TN-Validation-Passed');
  }

  it('starts from a header that passes (so "never passes" below means something)', async () => {
    const result = await verifier.verifyIdentity({ identity: valid, callTime });
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('the header parser and PASSporT decoder never throw on random input', () => {
    const rng = new Random(SEED);
    for (let i = 0; i < 5000; i++) {
      const input = i % 2 === 0 ? rng.string(HEADERISH, 300) : mutateString(rng, valid, HEADERISH);
      const context = `seed ${SEED} iteration ${i}`;
      const parsed = parseIdentityHeader(input);
      expect(typeof parsed.ok, context).toBe('boolean');
      const decoded = decodePassport(parsed.ok ? parsed.header.token : input);
      expect(typeof decoded.ok, context).toBe('boolean');
    }
  });

  it('random headers never throw and never pass', async () => {
    const rng = new Random(SEED + 1);
    for (let i = 0; i < 1500; i++) {
      const segments = [rng.string(B64URL, 120), rng.string(B64URL, 200), rng.string(B64URL, 90)];
      const params = rng.pick(['', `;info=<${X5U}>;alg=ES256;ppt=shaken`, rng.string(HEADERISH, 60)]);
      const identity = rng.int(4) === 0 ? rng.string(HEADERISH, 400) : `${segments.join('.')}${params}`;
      const result = await verifier.verifyIdentity({ identity, callTime });
      assertSane(result, `seed ${SEED + 1} iteration ${i}`);
      expect(result.ok, `seed ${SEED + 1} iteration ${i}: ${identity}`).toBe(false);
    }
  });

  it('a mutated token never passes; mutated parameters pass only when equivalent', async () => {
    const rng = new Random(SEED + 2);
    const [validToken = '', ...validParams] = valid.split(';');
    const paramsText = `;${validParams.join(';')}`;
    for (let i = 0; i < 3000; i++) {
      const context = `seed ${SEED + 2} iteration ${i}`;
      const mutateToken = rng.int(3) !== 0;
      const mutatedToken = mutateToken ? mutateString(rng, validToken, B64URL + '.') : validToken;
      const mutatedParams = mutateToken ? paramsText : mutateString(rng, paramsText, HEADERISH);
      const identity = `${mutatedToken}${mutatedParams}`;
      const result = await verifier.verifyIdentity({ identity, callTime });
      assertSane(result, context);
      if (mutatedToken !== validToken) {
        expect(result.ok, `${context}: ${identity}`).toBe(false);
      } else if (result.ok) {
        const parsed = parseIdentityHeader(identity);
        expect(
          parsed.ok && [parsed.header.info, parsed.header.alg ?? 'ES256', parsed.header.ppt],
          context,
        ).toEqual([X5U, 'ES256', 'shaken']);
      }
    }
  });

  it('certificate, CRL and TNAuthList parsers never throw on mutated DER', () => {
    const rng = new Random(SEED + 3);
    const samples = [
      pki.leaf.der,
      pki.intermediate.der,
      pki.root.der,
      pki.createCrl({ revoked: [{ serialHex: pki.leaf.serialHex }] }).der,
    ];
    for (let i = 0; i < 3000; i++) {
      const context = `seed ${SEED + 3} iteration ${i}`;
      const input = rng.int(5) === 0 ? rng.bytes(400) : mutateBytes(rng, rng.pick(samples));
      expect(typeof parseCertificates(input).ok, context).toBe('boolean');
      expect(typeof lintShakenCertificate(input).parsed, context).toBe('boolean');
      expect(typeof extractSpc(input).ok, context).toBe('boolean');
      expect(typeof parseCrl(input).ok, context).toBe('boolean');
      expect(typeof decodeTnAuthList(input.subarray(0, 40)).ok, context).toBe('boolean');
    }
  });

  it('a mutated certificate or CRL never lets a call pass', async () => {
    const rng = new Random(SEED + 4);
    const withIntermediate = parseTrustStore({
      anchors: pki.root.pem,
      intermediates: pki.intermediate.pem,
      crlSigners: pki.crlSigner.pem,
    });
    if (!withIntermediate.ok) throw new Error(withIntermediate.reason);
    const serving = (certificate: Uint8Array, crl: Uint8Array) =>
      createVerifier({
        trust: withIntermediate.store,
        fetcher: {
          fetch: (url) =>
            Promise.resolve(
              url === X5U || url === CRL_URL
                ? { ok: true, url, body: url === X5U ? certificate : crl, fromCache: false, expiresAt: null }
                : {
                    ok: false,
                    url,
                    kind: 'http-status',
                    transient: false,
                    reason: 'HTTP 404',
                    fromCache: false,
                  },
            ),
        },
      });
    const crlDer = pki.createCrl().der;
    // The unmutated DER leaf passes, so every rejection below is caused by the mutation.
    expect((await serving(pki.leaf.der, crlDer).verifyIdentity({ identity: valid, callTime })).ok).toBe(true);
    for (let i = 0; i < 400; i++) {
      const context = `seed ${SEED + 4} iteration ${i}`;
      const mutateCertificate = rng.int(2) === 0;
      const certificate = mutateCertificate ? mutateBytes(rng, pki.leaf.der) : pki.leaf.der;
      const crl = mutateCertificate ? crlDer : mutateBytes(rng, crlDer);
      if (Buffer.compare(certificate, pki.leaf.der) === 0 && Buffer.compare(crl, crlDer) === 0) continue;
      const result = await serving(certificate, crl).verifyIdentity({ identity: valid, callTime });
      assertSane(result, context);
      expect(result.ok, context).toBe(false);
    }
  });
});

describe('values of the wrong type (JavaScript callers, deserialised input)', () => {
  const junk: unknown[] = [undefined, null, 0, 42, true, {}, [], ['x'], { length: 3 }, Symbol('s')];

  it('every parser returns a result instead of throwing', () => {
    for (const value of junk) {
      const v = value as string;
      expect(parseIdentityHeader(v).ok).toBe(false);
      expect(decodePassport(v).ok).toBe(false);
      expect(lintShakenCertificate(v).parsed).toBe(false);
      expect(extractSpc(v).ok).toBe(false);
      expect(parseTrustStore(v).ok).toBe(false);
      expect(parseCertificates(v as unknown as Uint8Array).ok).toBe(false);
      expect(parseCrl(v as unknown as Uint8Array).ok).toBe(false);
      expect(decodeTnAuthList(v as unknown as Uint8Array).ok).toBe(false);
    }
  });
});
