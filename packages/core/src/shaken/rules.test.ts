import { describe, expect, it } from 'vitest';
import type { ShakenVerification } from './port';
import {
  credentialInconsistencies,
  passportOf,
  pathInconsistencies,
  receivedPathFlags,
  verdictOf,
  type ReceivedHop,
  type ShakenHop,
} from './rules';

const check = (code: string, status: 'pass' | 'fail' | 'indeterminate') => ({
  code,
  status,
  detail: '',
  sip: status === 'fail' ? 438 : null,
});
const result = (
  checks: ReturnType<typeof check>[],
  over: Partial<ShakenVerification> = {},
): ShakenVerification => ({
  ok: checks.every((c) => c.status === 'pass'),
  verstat: 'TN-Validation-Passed',
  sip: null,
  checks,
  attestation: 'A',
  origTn: '12025550143',
  destTns: ['13035550100'],
  iat: 1,
  origid: null,
  x5u: null,
  spc: '7A2B',
  certificate: null,
  revoked: false,
  ...over,
});

describe('verdict and credential inconsistencies', () => {
  it('valid when every check passes, invalid on a failure, error when only indeterminate or nothing ran', () => {
    expect(verdictOf(result([check('passport.signature', 'pass')]))).toBe('valid');
    expect(verdictOf(result([check('passport.signature', 'fail')]))).toBe('invalid');
    expect(verdictOf(result([check('cert.fetch', 'indeterminate')]))).toBe('error');
    expect(verdictOf(null)).toBe('error');
  });

  it('flags a bad signature, an expired or a revoked certificate', () => {
    expect(credentialInconsistencies(result([check('passport.signature', 'fail')]))).toEqual([
      'shaken_invalid_signature',
    ]);
    expect(credentialInconsistencies(result([check('cert.validity', 'fail')]))).toEqual([
      'shaken_cert_expired_or_revoked',
    ]);
    expect(credentialInconsistencies(result([check('cert.revocation', 'pass')], { revoked: true }))).toEqual([
      'shaken_cert_expired_or_revoked',
    ]);
    expect(credentialInconsistencies(result([check('cert.fetch', 'indeterminate')]))).toEqual([]);
  });
});

describe('path inconsistencies', () => {
  const h = (id: string, providerId: string, over: Partial<ShakenHop> = {}): ShakenHop => ({
    id,
    line: 'path',
    providerId,
    status: 'answered',
    answerKind: 'upstream',
    ...over,
  });
  const base = { signerProviderId: 'S', attest: 'A', outcome: 'origin_identified', numberHeld: {} };

  it('the signer as the identified origin is consistent', () => {
    expect(
      pathInconsistencies({ ...base, hops: [h('1', 'T'), h('2', 'S', { answerKind: 'origin' })] }),
    ).toEqual([]);
  });

  it('a signer downstream of the origin is not the origin; one never in the path is neither', () => {
    expect(
      pathInconsistencies({
        ...base,
        hops: [h('1', 'T'), h('2', 'S'), h('3', 'O', { answerKind: 'origin' })],
      }),
    ).toEqual(['shaken_signer_not_origin']);
    expect(
      pathInconsistencies({ ...base, hops: [h('1', 'T'), h('2', 'O', { answerKind: 'origin' })] }),
    ).toEqual(['shaken_signer_not_in_path', 'shaken_signer_not_origin']);
  });

  it('only a path walked to its end can miss the signer; a signer-line hop is not the path', () => {
    const hops = [h('1', 'T'), h('s', 'S', { line: 'signer', answerKind: 'origin' })];
    expect(pathInconsistencies({ ...base, outcome: 'non_responsive', hops })).toEqual([]);
    expect(pathInconsistencies({ ...base, outcome: 'foreign_origin', hops })).toEqual([
      'shaken_signer_not_in_path',
    ]);
  });

  it('A attestation on a number the origin says its customer does not hold', () => {
    const hops = [h('1', 'S', { answerKind: 'origin' })];
    expect(pathInconsistencies({ ...base, hops, numberHeld: { '1': false } })).toEqual([
      'shaken_attest_a_number_not_held',
    ]);
    expect(pathInconsistencies({ ...base, attest: 'B', hops, numberHeld: { '1': false } })).toEqual([]);
    expect(pathInconsistencies({ ...base, hops, numberHeld: { '1': true } })).toEqual([]);
  });

  it('without a known signer there is nothing to compare', () => {
    expect(
      pathInconsistencies({ ...base, signerProviderId: null, hops: [h('1', 'O', { answerKind: 'origin' })] }),
    ).toEqual([]);
  });
});

describe('receivedPathFlags (what the providers along the path received)', () => {
  const H1 = 'aaa.bbb.ccc;info=<https://a.example/x.pem>;alg=ES256;ppt=shaken';
  const H2 = 'ddd.eee.fff;info=<https://b.example/y.pem>;alg=ES256;ppt=shaken';
  const hop = (id: string, over: Partial<ReceivedHop> = {}): ReceivedHop => ({
    id,
    line: 'path',
    providerId: `p-${id}`,
    status: 'answered',
    answerKind: 'upstream',
    namedByHopId: null,
    receivedIdentity: null,
    spc: null,
    signerProviderId: null,
    attest: null,
    credential: [],
    numberHeld: null,
    ...over,
  });
  const signed = (h: string, signer: string, over: Partial<ReceivedHop> = {}) => ({
    receivedIdentity: h,
    spc: `spc-${signer}`,
    signerProviderId: signer,
    attest: 'A',
    ...over,
  });

  it('compares PASSporTs, not their parameters or folding', () => {
    expect(passportOf(`Identity: aaa.bbb.\r\n ccc;info=<x>`)).toBe(passportOf(`aaa.bbb.ccc;alg=ES256`));
    expect(passportOf(H1)).not.toBe(passportOf(H2));
  });

  it('names the provider that passed a signed header on without it, or with another', () => {
    const flags = receivedPathFlags({
      terminatingHeader: null,
      hops: [
        hop('1', { receivedIdentity: 'none' }),
        hop('2', { namedByHopId: '1', ...signed(H1, 'S') }),
        hop('3', { namedByHopId: '2', ...signed(H2, 'T') }),
      ],
    });
    expect(flags).toEqual([
      { hopId: '2', code: 'shaken_header_dropped', providerId: 'p-2' },
      { hopId: '3', code: 'shaken_header_replaced', providerId: 'p-3' },
    ]);
  });

  it('takes the traceback header for a terminating hop that reported none; a header first seen downstream is no flag', () => {
    const hops = [hop('1'), hop('2', { namedByHopId: '1', ...signed(H1, 'S') })];
    expect(receivedPathFlags({ terminatingHeader: `Identity: ${H1}`, hops })).toEqual([]);
    expect(receivedPathFlags({ terminatingHeader: H2, hops })).toEqual([
      { hopId: '2', code: 'shaken_header_replaced', providerId: 'p-2' },
    ]);
    expect(
      receivedPathFlags({
        terminatingHeader: H1,
        hops: [hop('1'), hop('2', { namedByHopId: '1', receivedIdentity: 'none' })],
      }),
    ).toEqual([]);
  });

  it('once the origin is known: a signer not the origin and an A attestation on a number not held, against the signer', () => {
    const flags = receivedPathFlags({
      terminatingHeader: null,
      hops: [
        hop('1', signed(H1, 'S')),
        hop('2', { namedByHopId: '1', answerKind: 'origin', numberHeld: false, receivedIdentity: 'none' }),
      ],
    });
    expect(flags).toEqual([
      { hopId: '1', code: 'shaken_path_signer_not_origin', providerId: 'S' },
      { hopId: '1', code: 'shaken_path_attest_a_number_not_held', providerId: 'S' },
    ]);
    // Signed by the origin itself: nothing.
    expect(
      receivedPathFlags({
        terminatingHeader: null,
        hops: [hop('1', signed(H1, 'p-2')), hop('2', { namedByHopId: '1', answerKind: 'origin' })],
      }),
    ).toEqual([]);
  });

  it('an expired certificate counts against the signer; a forged signature names nobody and proves nothing about the signer', () => {
    const flags = receivedPathFlags({
      terminatingHeader: null,
      hops: [
        hop('1', signed(H1, 'S', { credential: ['shaken_cert_expired_or_revoked'] })),
        hop('2', { namedByHopId: '1', ...signed(H1, 'S', { credential: ['shaken_invalid_signature'] }) }),
        hop('3', { namedByHopId: '2', answerKind: 'origin' }),
      ],
    });
    expect(flags).toEqual([
      { hopId: '1', code: 'shaken_path_cert_expired_or_revoked', providerId: 'S' },
      { hopId: '1', code: 'shaken_path_signer_not_origin', providerId: 'S' },
      { hopId: '2', code: 'shaken_path_invalid_signature', providerId: null },
    ]);
  });
});
