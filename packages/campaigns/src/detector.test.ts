import { describe, expect, it } from 'vitest';
import { Detector, detectAll, profileOf, type DetectCall } from './detector';

const WARRANTY =
  'We have been trying to reach you concerning your vehicle extended warranty. You should have received something in the mail. Press 1 to speak to a warranty specialist now.';
const SSA =
  'This call is from the Social Security Administration. Your social security number has been suspended because of suspicious activity. Press 1 to speak with an officer.';
const AMAZON =
  'Hello, this is Amazon. This call is to authorize a payment of $999 for an Apple iPhone placed on your Amazon account. If you do not authorize this order, press 1.';

let seq = 0;
const call = (transcript: string | null, extra: Partial<DetectCall> = {}): DetectCall => ({
  id: `call-${seq++}`,
  transcript,
  ...extra,
});
const counter = (start = 0): { newId: () => string } => {
  let n = start;
  return { newId: () => `k${n++}` };
};

describe('Detector', () => {
  it('groups calls of one script, keeps scripts apart, and tolerates cut-off starts and changed amounts', () => {
    const d = new Detector({}, counter());
    const out = d.assign([
      call(WARRANTY),
      call(SSA),
      call(AMAZON),
      call(WARRANTY.replace('vehicle', 'car')),
      call(SSA.slice(40)),
      call(AMAZON.replace('$999', '$1,499.99')),
    ]);
    expect(out.map((a) => a.reason)).toEqual(['new', 'new', 'new', 'similar', 'similar', 'exact']);
    expect(out[3]?.clusterId).toBe(out[0]?.clusterId);
    expect(out[4]?.clusterId).toBe(out[1]?.clusterId);
    expect(out[5]?.clusterId).toBe(out[2]?.clusterId);
    expect(new Set(out.map((a) => a.clusterId)).size).toBe(3);
  });

  it('joins calls by audio fingerprint, and gives no_signal to a call with neither words nor fingerprint', () => {
    const d = new Detector({}, counter());
    const [a, b, c, e] = d.assign([
      call(WARRANTY, { audioFingerprint: 'fp-1' }),
      call(null, { audioFingerprint: 'fp-1' }),
      call('  ...  '),
      call(null, { audioFingerprint: 'fp-2' }),
    ]);
    expect(b).toMatchObject({ clusterId: a?.clusterId, reason: 'fingerprint', similarity: 1 });
    expect(c).toMatchObject({ clusterId: null, reason: 'no_signal' });
    expect(e?.reason).toBe('new');
  });

  it('does not let a shared caller number alone join different scripts', () => {
    const d = new Detector({}, counter());
    const [a, b] = d.assign([
      call(WARRANTY, { callingNumber: '+12025550143' }),
      call(SSA, { callingNumber: '+12025550143' }),
    ]);
    expect(a?.clusterId).not.toBe(b?.clusterId);
  });

  it('reports changes once, and a reloaded profile gives the same assignments', () => {
    const d = new Detector({}, counter());
    d.assign([call(WARRANTY), call(SSA), call(WARRANTY.slice(30))]);
    const changes = d.takeChanges();
    expect(changes.map((c) => [c.id, c.size, c.created])).toEqual([
      ['k0', 2, true],
      ['k1', 1, true],
    ]);
    expect(d.takeChanges()).toEqual([]);

    const restored = new Detector({}, counter(2));
    restored.load(JSON.parse(JSON.stringify(changes)) as typeof changes);
    restored.importState(JSON.parse(JSON.stringify(d.exportState())));
    const probe = [
      call(WARRANTY.replace('vehicle', 'car')),
      call(SSA.slice(20)),
      call(AMAZON),
      call('Press 1 to speak to a warranty specialist now.'),
    ];
    const strip = (xs: Array<{ clusterId: string | null; reason: string; similarity: number }>) =>
      xs.map((a) => [a.clusterId, a.reason, a.similarity.toFixed(9)]);
    expect(strip(restored.assign(probe))).toEqual(strip(d.assign(probe)));
    expect(restored.takeChanges()).toEqual(d.takeChanges());
  });

  it('merges: the absorbed cluster disappears and its calls follow', () => {
    const d = new Detector({}, counter());
    const [a, b] = d.assign([call(WARRANTY), call(SSA)]);
    d.takeChanges();
    d.merge(a?.clusterId as string, b?.clusterId as string);
    expect(d.has('k1')).toBe(false);
    expect(d.takeChanges()).toMatchObject([{ id: 'k0', size: 2, created: false }]);
    expect(d.assign([call(SSA)])[0]).toMatchObject({ clusterId: 'k0', reason: 'exact' });
    d.remove('k0');
    expect(d.has('k0')).toBe(false);
    expect(d.assign([call(SSA)])[0]?.reason).toBe('new');
  });

  it('proposes merging a variant that started apart, unless an analyst kept them apart', () => {
    const d = new Detector({ threshold: 0.95, mergeThreshold: 0.4 }, counter());
    d.assign([call(WARRANTY), call(WARRANTY.replace('vehicle', 'car')), call(WARRANTY.slice(60)), call(SSA)]);
    const proposals = d.proposeMerges();
    expect(proposals.length).toBeGreaterThan(0);
    for (const p of proposals) expect(p.similarity).toBeGreaterThanOrEqual(0.4);
    const key = (p: { keepId: string; absorbId: string }) => [p.keepId, p.absorbId].sort().join('|');
    const keptApart = new Set(proposals.map(key));
    for (const p of d.proposeMerges({ keptApart })) expect(keptApart.has(key(p))).toBe(false);
  });

  it('keeps a profile under 16 KB as JSON after 100,000 calls to one cluster', () => {
    const d = new Detector({ threshold: 0 }, counter());
    const words = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike'.split(' ');
    const batch: DetectCall[] = [];
    for (let i = 0; i < 100_000; i++) {
      const noise = `${words[i % words.length]}${i} ${words[(i * 7) % words.length]}${i * 3}`;
      batch.push(call(`${WARRANTY} ${noise}`, { audioFingerprint: `fp-${i}-${'x'.repeat(200)}` }));
    }
    const out = d.assign(batch);
    expect(new Set(out.map((a) => a.clusterId)).size).toBe(1);
    const [change] = d.takeChanges();
    expect(change?.size).toBe(100_000);
    expect(JSON.stringify(change?.profile).length).toBeLessThanOrEqual(16_384);
    expect(JSON.stringify(d.exportState()).length).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  it('does not throw on NUL bytes, control characters and broken surrogates', () => {
    const d = new Detector({}, counter());
    const nasty = [
      '\u0000\u0000\u0000',
      `${WARRANTY}\u0000\u0001\u0002\u001b[31m`,
      '\ud800 press 1 \udc00',
      '\u0007\t\r\n',
      '\u0001tel2025550143',
    ];
    const out = d.assign(nasty.map((t) => call(t)));
    expect(out).toHaveLength(nasty.length);
    expect(out[0]?.reason).toBe('no_signal');
    expect(out[1]?.clusterId).not.toBeNull();
    expect(JSON.parse(JSON.stringify(d.takeChanges()))).toBeTruthy();
  });

  it('profileOf builds one profile a detector can load', () => {
    const profile = profileOf([call(WARRANTY), call(WARRANTY.slice(50))]);
    const d = new Detector({}, counter());
    d.load([{ id: 'split-1', profile, size: 2 }]);
    expect(d.assign([call(WARRANTY.replace('now', 'today'))])[0]).toMatchObject({ clusterId: 'split-1' });
  });

  it('detectAll puts identical transcripts together and gives null for calls without signal', () => {
    const ids = detectAll([call(SSA), call(WARRANTY), call(''), call(SSA), call(WARRANTY.slice(25))]);
    expect(ids[0]).toBe(ids[3]);
    expect(ids[1]).toBe(ids[4]);
    expect(ids[2]).toBeNull();
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('tokenises Chinese by characters', () => {
    const zh = '这是DHL国际快递最后语音通知 您有一份重要快件派送均无人签收 了解详情请按9';
    const ids = detectAll([call(zh), call(zh.slice(6)), call(SSA)]);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[0]).not.toBe(ids[2]);
  });
});
