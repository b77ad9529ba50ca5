import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TShakenResult } from '@hoptrace/contracts';
import { createVerifier } from '@hoptrace/shaken';
import { DEST, ORIG, startShakenFixture, type ShakenFixture } from '@hoptrace/shaken/testing';
import { createHarness, type Harness } from './testing/harness';

let fx: ShakenFixture;
let h: Harness;

beforeAll(async () => {
  fx = await startShakenFixture('7A2B');
  h = await createHarness(new Date().toISOString(), {
    verifier: createVerifier({
      trust: fx.trust,
      fetch: { allowHttp: true, allowPrivateNetworks: true, timeoutMs: 1000 },
    }),
  });
});
afterAll(async () => {
  await h.close();
  await fx.close();
});

describe('POST /api/v1/shaken/verify', () => {
  it('verifies a header signed by a provider whose certificate chains to the anchors, and names the signer', async () => {
    const callTime = new Date();
    const res = await h.analyst.post('/api/v1/shaken/verify', {
      identity: fx.identity({ now: callTime, origid: '123e4567-e89b-42d3-a456-426614174000' }),
      callTime: callTime.toISOString(),
      orig: '+1 (202) 555-0143',
      dest: `+${DEST}`,
    });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json<TShakenResult>();
    expect(r).toMatchObject({
      ok: true,
      verstat: 'TN-Validation-Passed',
      attestation: 'A',
      spc: '7A2B',
      origTn: ORIG,
    });
    expect(r.checks.every((c) => c.status === 'pass')).toBe(true);
  });

  it('says precisely what failed: a stale iat against the call time, a number that does not match', async () => {
    const signedAt = new Date(Date.now() - 10 * 60_000);
    const res = await h.analyst.post('/api/v1/shaken/verify', {
      identity: fx.identity({ now: signedAt }),
      callTime: new Date().toISOString(),
      orig: '+1 202 555 0199',
    });
    const r = res.json<TShakenResult>();
    expect(r.ok).toBe(false);
    expect(r.sip?.code).toBe(403);
    const failed = r.checks.filter((c) => c.status === 'fail').map((c) => c.code);
    expect(failed).toEqual(expect.arrayContaining(['passport.iat', 'call.orig']));
  });

  it('answers garbage with a verdict, not an error; bad requests with a problem', async () => {
    const garbage = await h.analyst.post('/api/v1/shaken/verify', { identity: 'not a header at all' });
    expect(garbage.statusCode).toBe(200);
    expect(garbage.json<TShakenResult>()).toMatchObject({ ok: false, sip: { code: 438 } });
    const bad = await h.analyst.post('/api/v1/shaken/verify', { identity: '', callTime: 'yesterday' });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json<{ errors: Array<{ path: string }> }>()
        .errors.map((e) => e.path)
        .sort(),
    ).toEqual(['callTime', 'identity']);
    const anonymous = await h.anonymous({
      method: 'POST',
      url: '/api/v1/shaken/verify',
      payload: { identity: 'x' },
    });
    expect(anonymous.statusCode).toBe(401);
  });
});
