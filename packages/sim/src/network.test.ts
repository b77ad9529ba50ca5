import { describe, expect, it } from 'vitest';
import { generateCalls } from './calls';
import { ANSWER_MODES, buildNetwork, DEFAULT_SIM_CONFIG } from './network';

const FROM = new Date('2026-05-01T00:00:00Z');
const TO = new Date('2026-11-01T00:00:00Z');

describe('simulator calibration (fixed seed)', () => {
  const network = buildNetwork({ seed: 20261123 });
  const { calls, records } = generateCalls(network, { count: 3000, from: FROM, to: TO });

  it('walks about 5–6 hops per traceback, as the ITG reports (4.9–5.9)', () => {
    const avg = calls.reduce((s, c) => s + c.path.length, 0) / calls.length;
    expect(avg).toBeGreaterThanOrEqual(5);
    expect(avg).toBeLessThanOrEqual(6);
  });

  it('has a minority of foreign origins', () => {
    const share = calls.filter((c) => c.foreign).length / calls.length;
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThan(0.3);
    expect(
      calls.filter((c) => c.foreign).every((c) => network.byKey.get(c.path[0]!)!.kind === 'foreign'),
    ).toBe(true);
  });

  it('gives each answer mode its configured share of the US providers', () => {
    const us = network.providers.filter((p) => p.kind !== 'foreign');
    for (const mode of ANSWER_MODES) {
      const share = us.filter((p) => p.answerMode === mode).length / us.length;
      expect(Math.abs(share - DEFAULT_SIM_CONFIG.answerModes[mode]), mode).toBeLessThanOrEqual(
        1 / us.length + 1e-9,
      );
    }
    const custom = buildNetwork({ seed: 1, answerModes: { agent: 1, manual: 0, late: 0, never: 0 } });
    expect(custom.providers.filter((p) => p.kind !== 'foreign').every((p) => p.answerMode === 'agent')).toBe(
      true,
    );
  });

  it('is reproducible from its seed and leaves a record at every provider a call crosses', () => {
    const again = generateCalls(buildNetwork({ seed: 20261123 }), { count: 3000, from: FROM, to: TO });
    expect(again.calls.map((c) => c.path.join())).toEqual(calls.map((c) => c.path.join()));
    const call = calls.find((c) => !c.missingAt)!;
    for (const key of call.path) {
      const p = network.byKey.get(key)!;
      expect(
        records
          .get(key)!
          .some((r) => r.calledNumber.replace(/\D/g, '').endsWith(call.calledNumber.slice(-10))),
        p.name,
      ).toBe(true);
    }
  });

  it('uses fictional names and the 555-01XX ranges only', () => {
    for (const p of network.providers) {
      expect(p.name).toMatch(/ Fictional$/);
      expect(p.email).toMatch(/\.example$/);
    }
    for (const c of calls) {
      expect(c.callingNumber).toMatch(/^\+1\d{3}5550(1\d\d)$/);
      expect(c.calledNumber).toMatch(/^\+1\d{3}5550(1\d\d)$/);
    }
  });
});
