import { verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, decodeBase64Url, decodePassport, signJws, signPassport } from './passport';
import { generateTestKeyPair } from './test-pki';

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('decodeBase64Url', () => {
  it('decodes canonical base64url', () => {
    expect(decodeBase64Url('aGk')?.toString()).toBe('hi');
    expect(decodeBase64Url('')?.length).toBe(0);
  });

  it('rejects padding, the standard alphabet and non-zero trailing bits', () => {
    expect(decodeBase64Url('aGk=')).toBeNull();
    expect(decodeBase64Url('a+/b')).toBeNull();
    // "aGl" and "aGk" decode to the same bytes in lenient decoders; only "aGk" is canonical.
    expect(decodeBase64Url('aGl')).toBeNull();
    expect(decodeBase64Url('a')).toBeNull();
  });
});

describe('decodePassport', () => {
  it('splits header, payload and signature', () => {
    const token = `${b64({ alg: 'ES256' })}.${b64({ attest: 'A' })}.${b64('sig')}`;
    const result = decodePassport(token);
    expect(result.ok && result.passport).toMatchObject({
      header: { alg: 'ES256' },
      payload: { attest: 'A' },
      signingInput: token.slice(0, token.lastIndexOf('.')),
    });
  });

  const bad: [string, unknown][] = [
    ['not a string', 42],
    ['two parts', `${b64({})}.${b64({})}`],
    ['compact form', `${b64({})}..${b64('s')}`],
    ['a JSON array header', `${b64([1])}.${b64({})}.${b64('s')}`],
    ['a JSON string payload', `${b64({})}.${b64('"x"')}.${b64('s')}`],
    ['payload not JSON', `${b64({})}.${b64('aaaaaaaaaaaaaaaa')}.${b64('s')}`],
    ['payload not UTF-8', `${b64({})}.${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.${b64('s')}`],
    ['padding', `${b64({})}=.${b64({})}.${b64('s')}`],
  ];
  it.each(bad)('rejects %s', (_name, token) => {
    expect(decodePassport(token).ok).toBe(false);
  });
});

describe('signing', () => {
  it('writes canonical JSON: sorted keys at every level, no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: 'x' }, z: undefined })).toBe(
      '{"a":{"c":"x","d":[2,{"e":0,"f":1}]},"b":1}',
    );
  });

  it('signs a SHAKEN PASSporT that ES256 verification accepts', () => {
    const keys = generateTestKeyPair();
    const token = signPassport({
      privateKey: keys.privateKey,
      x5u: 'https://cr.example/sp.pem',
      attest: 'C',
      origTn: '12025550143',
      destTns: ['13035550100', '13035550101'],
      iat: 1700000000,
      origid: 'a2b1c3d4-0000-4000-8000-000000000000',
    });
    const decoded = decodePassport(token);
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(decoded.passport.header).toEqual({
      alg: 'ES256',
      ppt: 'shaken',
      typ: 'passport',
      x5u: 'https://cr.example/sp.pem',
    });
    expect(decoded.passport.payload).toEqual({
      attest: 'C',
      dest: { tn: ['13035550100', '13035550101'] },
      iat: 1700000000,
      orig: { tn: '12025550143' },
      origid: 'a2b1c3d4-0000-4000-8000-000000000000',
    });
    expect(decoded.passport.signature).toHaveLength(64);
    expect(
      verify(
        'sha256',
        Buffer.from(decoded.passport.signingInput),
        { key: keys.publicKey, dsaEncoding: 'ieee-p1363' },
        decoded.passport.signature,
      ),
    ).toBe(true);
  });

  it('generates a UUID origid when none is given, and signs raw payloads for negative tests', () => {
    const keys = generateTestKeyPair();
    const token = signPassport({
      privateKey: keys.privateKey,
      x5u: 'https://x/y',
      attest: 'A',
      origTn: '1',
      destTns: ['2'],
      iat: 1,
    });
    const decoded = decodePassport(token);
    expect(decoded.ok && decoded.passport.payload.origid).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const raw = signJws({ alg: 'ES256' }, 'not json', keys.privateKey).split('.');
    expect(Buffer.from(raw[1] ?? '', 'base64url').toString()).toBe('not json');
    expect(
      signJws(
        { alg: 'ES256' },
        {},
        keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      ).split('.'),
    ).toHaveLength(3);
  });
});
