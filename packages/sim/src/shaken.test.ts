import { describe, expect, it } from 'vitest';
import { generateCalls } from './calls';
import { buildNetwork } from './network';
import { createSimShaken, createSimVerifier, signs } from './shaken';

const network = buildNetwork({ seed: 20261123 });
const window = { from: new Date('2026-05-01T00:00:00Z'), to: new Date('2026-11-20T00:00:00Z') };

describe('the simulator signs its calls (STIR/SHAKEN)', () => {
  it('gives every signing provider certificates whose SPC is its OCN, the same on every run', () => {
    const a = createSimShaken(network);
    const b = createSimShaken(network);
    for (const p of network.providers.filter(signs)) {
      const url = a.x5uOf(p.key, 'valid')!;
      expect(url).toContain(`/certs/${p.ocn}.pem`);
      expect(b.x5uOf(p.key, 'valid')).toBe(url);
    }
    expect(
      network.providers.filter((p) => p.kind === 'terminating').every((p) => !a.x5uOf(p.key, 'valid')),
    ).toBe(true);
    // Keys and serials derive from the seed: certificates differ at most in their signature bytes.
    expect(a.root.serialHex).toBe(b.root.serialHex);
    expect(a.root.publicKey.export({ format: 'jwk' })).toEqual(b.root.publicKey.export({ format: 'jwk' }));
    // Calls and their signing plans are reproducible too.
    const c1 = generateCalls(network, { count: 50, ...window }).calls.map((c) => c.signature);
    const c2 = generateCalls(network, { count: 50, ...window }).calls.map((c) => c.signature);
    expect(c1).toEqual(c2);
  });

  it('signs in realistic proportions, and the headers verify as planned at the call time', async () => {
    const sim = createSimShaken(network);
    const verifier = createSimVerifier(sim);
    const { calls } = generateCalls(network, { count: 300, ...window });
    const tally: Record<string, number> = {};
    let downstream = 0;
    for (const call of calls) {
      const s = call.signature;
      const header = sim.identityFor(call);
      if (!s) {
        expect(header).toBeUndefined();
        tally.unsigned = (tally.unsigned ?? 0) + 1;
        continue;
      }
      if (s.signerKey !== call.path[0]) downstream++;
      const r = await verifier.verifyIdentity({
        identity: header!,
        callTime: call.startedAt,
        orig: call.callingNumber,
        dest: call.calledNumber,
      });
      const failed = r.checks.filter((c) => c.status === 'fail').map((c) => c.code);
      if (s.forged) expect(failed).toContain('passport.signature');
      else if (s.certificate === 'expired') expect(failed).toEqual(['cert.validity']);
      else if (s.certificate === 'revoked') expect(failed).toEqual(['cert.revocation']);
      else {
        expect(r.ok, JSON.stringify(r.problems)).toBe(true);
        expect(r.spc).toBe(network.byKey.get(s.signerKey)!.ocn);
        expect(r.origid).toBe(s.origid);
      }
      tally[s.attest] = (tally[s.attest] ?? 0) + 1;
    }
    const signed = calls.length - (tally.unsigned ?? 0);
    expect(signed / calls.length).toBeGreaterThan(0.7);
    expect(tally.A!).toBeGreaterThan(tally.B!);
    expect(tally.C).toBeGreaterThan(0);
    expect(downstream).toBeGreaterThan(10);
    expect(calls.some((c) => c.signature?.certificate === 'expired')).toBe(true);
    expect(calls.some((c) => c.signature?.certificate === 'revoked')).toBe(true);
  });
});
