import { describe, expect, it } from 'vitest';
import { decodeIdentityHeader } from './identity';

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const header = { alg: 'ES256', typ: 'passport', ppt: 'shaken', x5u: 'https://cert.example/sti.pem' };
const claims = {
  attest: 'A',
  orig: { tn: '12025550143' },
  dest: { tn: ['13125550188'] },
  iat: 1_793_000_000,
  origid: '123e4567-e89b-12d3-a456-426614174000',
};

describe('decodeIdentityHeader', () => {
  it('reads the claims of a SHAKEN PASSporT with its parameters', () => {
    const value = `${b64url(header)}.${b64url(claims)}.c2ln;info=<https://cert.example/sti.pem>;alg=ES256;ppt=shaken`;
    expect(decodeIdentityHeader(value)).toEqual({
      ok: true,
      attest: 'A',
      origTn: '12025550143',
      destTn: '13125550188',
      iat: new Date(1_793_000_000_000).toISOString(),
      x5u: 'https://cert.example/sti.pem',
    });
    expect(decodeIdentityHeader(`Identity: ${value}`).ok).toBe(true);
  });

  it('falls back to the info parameter and tolerates missing claims', () => {
    const value = `${b64url({ alg: 'ES256' })}.${b64url({})}.sig;info=<https://cert.example/x.pem>`;
    expect(decodeIdentityHeader(value)).toMatchObject({
      ok: true,
      attest: undefined,
      x5u: 'https://cert.example/x.pem',
    });
  });

  it('says what is wrong with something that is not a PASSporT', () => {
    expect(decodeIdentityHeader('hello')).toMatchObject({ ok: false });
    expect(decodeIdentityHeader('a.b.c').ok).toBe(false);
    expect(decodeIdentityHeader(`${b64url(header)}.!!.sig`).ok).toBe(false);
  });
});
