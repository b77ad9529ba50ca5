import { describe, expect, it } from 'vitest';
import { buildIdentityHeader, parseIdentityHeader, type IdentityHeader } from './identity-header';

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJhdHRlc3QiOiJBIn0.c2lnbmF0dXJl';
const INFO = 'https://cr.example.com/sp.pem';

function parsed(input: string): IdentityHeader {
  const result = parseIdentityHeader(input);
  if (!result.ok) throw new Error(result.reason);
  return result.header;
}

describe('parseIdentityHeader', () => {
  it('reads the full form with info, alg and ppt', () => {
    expect(parsed(`${TOKEN};info=<${INFO}>;alg=ES256;ppt=shaken`)).toEqual({
      token: TOKEN,
      form: 'full',
      info: INFO,
      alg: 'ES256',
      ppt: 'shaken',
      params: { info: INFO, alg: 'ES256', ppt: 'shaken' },
    });
  });

  it('accepts the header name, the compact name y, and any case', () => {
    for (const prefix of ['Identity: ', 'identity:', 'IDENTITY :  ', 'y: ', 'Y:']) {
      expect(parsed(`${prefix}${TOKEN};info=<${INFO}>`).token).toBe(TOKEN);
    }
  });

  it('unfolds continuation lines and ignores whitespace around separators', () => {
    const folded = `Identity: ${TOKEN}\r\n ;info=<${INFO}>\r\n\t; ALG = ES256 ;\n  ppt="shaken"  `;
    expect(parsed(folded)).toMatchObject({ token: TOKEN, info: INFO, alg: 'ES256', ppt: 'shaken' });
  });

  it('recognises the compact PASSporT form (empty payload)', () => {
    expect(parsed('eyJhbGciOiJFUzI1NiJ9..c2ln;info=<https://x/y>').form).toBe('compact');
  });

  it('reports absent parameters as null instead of failing', () => {
    expect(parsed(TOKEN)).toMatchObject({ info: null, alg: null, ppt: null });
  });

  it('keeps unknown parameters', () => {
    expect(parsed(`${TOKEN};info=<${INFO}>;foo=bar;flag`).params).toEqual({
      info: INFO,
      foo: 'bar',
      flag: '',
    });
  });

  const rejected: [string, string][] = [
    ['empty', ''],
    ['only the name', 'Identity:'],
    ['a bare line break', `${TOKEN};info=<${INFO}>\r\nVia: SIP/2.0/UDP x`],
    ['control characters', `${TOKEN}\u0000;info=<${INFO}>`],
    ['two values', `${TOKEN};info=<${INFO}>, ${TOKEN};info=<${INFO}>`],
    ['two parts', 'eyJhbGciOiJFUzI1NiJ9.c2ln;info=<https://x/y>'],
    ['four parts', `${TOKEN}.x;info=<${INFO}>`],
    ['an empty signature', 'eyJhbGciOiJFUzI1NiJ9.eyJ9.;info=<https://x/y>'],
    ['non-base64url characters', `${TOKEN}!;info=<${INFO}>`],
    ['info without angle brackets', `${TOKEN};info=${INFO}`],
    ['info without a value', `${TOKEN};info`],
    ['a duplicated parameter', `${TOKEN};info=<${INFO}>;ppt=shaken;PPT=shaken`],
    ['an unterminated quote', `${TOKEN};info=<${INFO}>;ppt="shaken`],
    ['an unterminated angle bracket', `${TOKEN};info=<${INFO}`],
    ['a bad parameter name', `${TOKEN};in fo=<${INFO}>`],
  ];
  it.each(rejected)('rejects %s', (_name, input) => {
    expect(parseIdentityHeader(input).ok).toBe(false);
  });

  it('rejects input longer than the limit, and non-strings', () => {
    expect(parseIdentityHeader(`${TOKEN};info=<${INFO}>`, 20).ok).toBe(false);
    expect(parseIdentityHeader(undefined).ok).toBe(false);
    expect(parseIdentityHeader({ token: TOKEN }).ok).toBe(false);
  });
});

describe('buildIdentityHeader', () => {
  it('writes the form secsipidx and SBCs emit, and parses back', () => {
    const header = buildIdentityHeader(TOKEN, { info: INFO });
    expect(header).toBe(`${TOKEN};info=<${INFO}>;alg=ES256;ppt=shaken`);
    expect(parsed(header)).toMatchObject({ token: TOKEN, info: INFO, alg: 'ES256', ppt: 'shaken' });
    expect(buildIdentityHeader(TOKEN, { info: INFO, withName: true })).toBe(`Identity: ${header}`);
  });
});
