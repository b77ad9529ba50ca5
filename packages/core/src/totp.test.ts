import { normalizeSecondFactorCode } from '@hoptrace/contracts';
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  hashRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  openSecret,
  parseSecretKey,
  sealSecret,
  SecretKeyError,
  totpStepOf,
  totpUrl,
} from './totp';
import { totpRetryAt } from './commands/secondFactor';

// RFC 6238 appendix B: the SHA-1 seed "12345678901234567890" in base32, and its 8-digit codes; an app's
// 6-digit code is the same value mod 10^6 (the last six digits).
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_VECTORS: Array<[seconds: number, code8: string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
];

describe('TOTP (RFC 6238)', () => {
  it('accepts the RFC test vectors at their time and tells their time step', () => {
    for (const [seconds, code8] of RFC_VECTORS) {
      const at = new Date(seconds * 1000);
      expect(totpStepOf(RFC_SECRET, code8.slice(2), at)).toBe(Math.floor(seconds / 30));
    }
  });

  it('accepts one step either side (clock drift), refuses two steps away and wrong codes', () => {
    const at = new Date(1234567890 * 1000);
    const step = Math.floor(1234567890 / 30);
    const codeAt = (s: number) => {
      const counter = Buffer.alloc(8);
      counter.writeBigUInt64BE(BigInt(s));
      const mac = createHmac('sha1', Buffer.from('12345678901234567890')).update(counter).digest();
      const o = mac[19]! & 0xf;
      return String((mac.readUInt32BE(o) & 0x7fffffff) % 1e6).padStart(6, '0');
    };
    expect(totpStepOf(RFC_SECRET, codeAt(step - 1), at)).toBe(step - 1);
    expect(totpStepOf(RFC_SECRET, codeAt(step + 1), at)).toBe(step + 1);
    expect(totpStepOf(RFC_SECRET, codeAt(step + 2), at)).toBeNull();
    expect(totpStepOf(RFC_SECRET, codeAt(step - 2), at)).toBeNull();
    const wrong = String((Number(codeAt(step)) + 1) % 1e6).padStart(6, '0');
    expect(totpStepOf(RFC_SECRET, wrong, at)).toBeNull();
  });

  it('makes 160-bit base32 secrets and otpauth URLs that apps read', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(secret);
    const url = new URL(totpUrl(secret, 'analyst@example.test'));
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe('/hoptrace:analyst@example.test');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      secret,
      issuer: 'hoptrace',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });
});

describe('recovery codes', () => {
  it('are ten distinct xxxx-xxxx-xxxx-xxxx codes that normalise to one form however typed', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$/);
    const code = codes[0]!;
    const normalized = normalizeSecondFactorCode(code);
    expect(normalized).toEqual({ kind: 'recovery', code: code.replaceAll('-', '') });
    expect(normalizeSecondFactorCode(` ${code.toUpperCase().replaceAll('-', ' ')} `)).toEqual(normalized);
    expect(hashRecoveryCode(normalized!.code)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads i and l as 1 and o as 0; refuses what is neither a code nor a recovery code', () => {
    expect(normalizeSecondFactorCode('abcd-efgh-ijkl-mnop')).toEqual({
      kind: 'recovery',
      code: 'abcdefgh1jk1mn0p',
    });
    expect(normalizeSecondFactorCode('123 456')).toEqual({ kind: 'totp', code: '123456' });
    for (const bad of [
      '',
      '12345',
      '1234567',
      'abcd-efgh-ijkl-mnu0',
      'abcd-efgh',
      '12345\u0000',
      'x'.repeat(64),
    ])
      expect(normalizeSecondFactorCode(bad), bad).toBeNull();
  });
});

describe('sealing secrets', () => {
  const key = parseSecretKey(Buffer.alloc(32, 7).toString('base64'));
  const userId = '7d0f5d1e-1111-4222-8333-444455556666';

  it('seals with the key, bound to the user; opens only with the same key and user', () => {
    const sealed = sealSecret('JBSWY3DPEHPK3PXP', userId, key);
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(openSecret(sealed, userId, key)).toBe('JBSWY3DPEHPK3PXP');
    expect(() => openSecret(sealed, userId, undefined)).toThrow(SecretKeyError);
    expect(() => openSecret(sealed, userId, parseSecretKey('ab'.repeat(32)))).toThrow(SecretKeyError);
    expect(() => openSecret(sealed, crypto.randomUUID(), key)).toThrow(SecretKeyError);
  });

  it('without a key keeps the secret marked plain, and still opens it once a key is set', () => {
    const stored = sealSecret('JBSWY3DPEHPK3PXP', userId, undefined);
    expect(stored).toBe('plain.JBSWY3DPEHPK3PXP');
    expect(openSecret(stored, userId, key)).toBe('JBSWY3DPEHPK3PXP');
  });

  it('takes a key as 64 hex digits or base64 of 32 bytes; refuses anything else', () => {
    expect(parseSecretKey('00'.repeat(32))).toHaveLength(32);
    expect(parseSecretKey(Buffer.alloc(32, 1).toString('base64url'))).toHaveLength(32);
    for (const bad of ['', 'short', '00'.repeat(31), Buffer.alloc(16).toString('base64')])
      expect(() => parseSecretKey(bad), bad).toThrow(/32 bytes/);
  });
});

describe('backoff after wrong codes', () => {
  it('lets five wrong codes through, then waits 1, 2, 4 … minutes, at most an hour', () => {
    const at = new Date('2026-11-02T15:00:00Z');
    expect(totpRetryAt(4, at)).toBeNull();
    expect(totpRetryAt(5, at)?.getTime()).toBe(at.getTime() + 60_000);
    expect(totpRetryAt(7, at)?.getTime()).toBe(at.getTime() + 4 * 60_000);
    expect(totpRetryAt(30, at)?.getTime()).toBe(at.getTime() + 3_600_000);
  });
});
