import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DETECTOR_OPTIONS,
  Detector,
  detectAll,
  pairKey,
  profileOf,
  type DetectCall,
} from './detector';

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

  it('merges wording variants at a lower similarity when they give the same callback number', () => {
    // Two recordings of one campaign: the same office and number, in other words.
    const a = (n: string) =>
      `This is officer Daniel with the Federal Tax Compliance Office. A lawsuit has been filed under your name for unpaid back taxes of $24,300. To avoid an arrest warrant, call our department immediately at ${n}. Your case number is 58213.`;
    const b = (n: string) =>
      `This message is from the Federal Tax Compliance Office. There is a legal case filed against you for back taxes of $31,700. If you ignore this call, a warrant will be issued for your arrest. Call us back at ${n}.`;
    const run = (numberB: string) => {
      const d = new Detector({}, counter());
      const [x, , y] = d.assign([call(a('833-555-0142')), call(a('833-555-0142')), call(b(numberB))]);
      expect(y?.clusterId).not.toBe(x?.clusterId); // too different to join by text alone
      return d.proposeMerges();
    };
    const proposals = run('(833) 555-0142');
    expect(proposals).toEqual([
      { keepId: 'k0', absorbId: 'k1', similarity: expect.any(Number) as number, reason: 'callback' },
    ]);
    const similarity = proposals[0]?.similarity as number;
    expect(similarity).toBeGreaterThanOrEqual(DEFAULT_DETECTOR_OPTIONS.evidenceThreshold);
    expect(similarity).toBeLessThan(DEFAULT_DETECTOR_OPTIONS.mergeThreshold);
    expect(run('888-555-0177')).toEqual([]);
  });

  it('keeps a callback number proposal apart when an analyst did', () => {
    const d = new Detector({ threshold: 0.95 }, counter());
    d.assign([call(`${WARRANTY} Call 833-555-0142.`), call(`${WARRANTY.slice(40)} Call 833-555-0142.`)]);
    const [p] = d.proposeMerges();
    expect(p).toMatchObject({ keepId: 'k0', absorbId: 'k1', reason: 'callback' });
    expect(d.proposeMerges({ keptApart: new Set([pairKey('k0', 'k1')]) })).toEqual([]);
  });

  it('does not tie a recording to the words a speech model writes for silence', () => {
    const d = new Detector({}, counter());
    const out = d.assign([
      call('Thank you.', { audioFingerprint: 'fp-warranty' }),
      call(WARRANTY, { audioFingerprint: 'fp-warranty' }),
      call('Thank you.'),
      call(null, { audioFingerprint: 'fp-warranty' }),
      call('Thank you.', { audioFingerprint: 'fp-ssa' }),
    ]);
    // Identical transcripts stay together; the recording's calls go with its words, not the silence.
    expect(out.map((a) => [a.clusterId, a.reason])).toEqual([
      ['k0', 'new'],
      ['k1', 'new'],
      ['k0', 'exact'],
      ['k1', 'fingerprint'],
      ['k0', 'exact'],
    ]);
  });

  it('leaves a fingerprint with the first cluster that had it, and proposes the clusters that share it', () => {
    const d = new Detector({}, counter());
    const variant = WARRANTY.replace(
      'You should have received something in the mail.',
      'We sent you a letter.',
    );
    const out = d.assign([
      call(WARRANTY, { audioFingerprint: 'fp-1' }),
      call(SSA),
      call(SSA, { audioFingerprint: 'fp-1' }), // exact to the SSA cluster, same audio as the first call
      call(null, { audioFingerprint: 'fp-1' }),
    ]);
    expect(out.map((a) => a.clusterId)).toEqual(['k0', 'k1', 'k1', 'k0']);
    // Sharing audio is not enough without some likeness of text: no SSA → warranty merge.
    expect(d.proposeMerges()).toEqual([]);

    const e = new Detector({ threshold: 0.95 }, counter());
    e.assign([
      call(WARRANTY, { audioFingerprint: 'fp-1' }),
      call(WARRANTY, { audioFingerprint: 'fp-2' }),
      call(variant),
      call(variant, { audioFingerprint: 'fp-2' }),
    ]);
    expect(e.proposeMerges()).toMatchObject([{ keepId: 'k0', absorbId: 'k1', reason: 'fingerprint' }]);
  });

  it('orders proposals so that one pass in order applies them all (a chain of variants)', () => {
    const words = WARRANTY.split(' ');
    const cut = (from: number) => words.slice(from).join(' ');
    const d = new Detector({ threshold: 0.99, mergeThreshold: 0.3 }, counter());
    // Three clusters of decreasing size, each a shorter cut of the same script.
    d.assign([call(WARRANTY), call(WARRANTY), call(WARRANTY), call(cut(4)), call(cut(4)), call(cut(8))]);
    expect(d.size).toBe(3);
    const proposals = d.proposeMerges();
    expect(proposals.map((p) => [p.keepId, p.absorbId])).toEqual([
      ['k1', 'k2'],
      ['k0', 'k1'],
    ]);
    // As packages/core applies them: in order, skipping a pair whose cluster is gone.
    for (const p of proposals) if (d.has(p.keepId) && d.has(p.absorbId)) d.merge(p.keepId, p.absorbId);
    expect(d.size).toBe(1);
  });

  it('keeps a script apart from the same words more than maxGapDays later, except identical transcripts', () => {
    const d = new Detector({ maxGapDays: 90 }, counter());
    const variant = WARRANTY.replace('vehicle', 'car');
    const out = d.assign([
      call(WARRANTY, { startedAt: '2021-01-10' }),
      call(variant, { startedAt: new Date('2021-03-01T12:00:00Z') }),
      // 91 days after the cluster's last call: another campaign, though the words are alike.
      call(WARRANTY.replace('vehicle', 'truck'), { startedAt: '2021-05-31' }),
      // The same recording as the first call: always its cluster.
      call(WARRANTY, { startedAt: '2023-01-01' }),
      // No date: not held apart.
      call(WARRANTY.replace('vehicle', 'auto'), { startedAt: null }),
      // Within 90 days of the second cluster (and more than 90 after the first's last dated call
      // but the first cluster now runs to 2023 by its exact call; nearer in words wins).
      call(WARRANTY.replace('vehicle', 'truck').replace('now', 'today'), { startedAt: '2021-06-15' }),
    ]);
    expect(out.map((a) => [a.clusterId, a.reason])).toEqual([
      ['k0', 'new'],
      ['k0', 'similar'],
      ['k1', 'new'],
      ['k0', 'exact'],
      [expect.stringMatching(/^k[01]$/), 'similar'],
      ['k1', 'similar'],
    ]);
    // Without dates, or with maxGapDays 0, they are one.
    const plain = new Detector({ maxGapDays: 0 }, counter());
    const again = plain.assign([
      call(WARRANTY, { startedAt: '2021-01-10' }),
      call(WARRANTY.replace('vehicle', 'truck'), { startedAt: '2022-05-31' }),
    ]);
    expect(again[1]).toMatchObject({ clusterId: 'k0', reason: 'similar' });
  });

  it('proposes no merge across a gap of more than maxGapDays, and keeps the dates in the profile', () => {
    const d = new Detector({ threshold: 0.99, mergeThreshold: 0.4, maxGapDays: 90 }, counter());
    d.assign([
      call(WARRANTY, { startedAt: '2021-01-10' }),
      call(WARRANTY, { startedAt: '2021-02-10' }),
      call(WARRANTY.replace('vehicle', 'car'), { startedAt: '2021-04-01' }),
      call(WARRANTY.replace('vehicle', 'truck'), { startedAt: '2022-01-01' }),
    ]);
    expect(d.proposeMerges().map((p) => [p.keepId, p.absorbId])).toEqual([['k0', 'k1']]);
    const changes = d.takeChanges();
    const k0 = changes.find((c) => c.id === 'k0')?.profile as Record<string, unknown>;
    expect([k0.d0, k0.d1]).toEqual([Date.UTC(2021, 0, 10) / 86_400_000, Date.UTC(2021, 1, 10) / 86_400_000]);
    // A reloaded detector keeps the dates: the late variant still stays apart.
    const restored = new Detector({ maxGapDays: 90 }, counter(10));
    restored.load(changes.map((c) => ({ id: c.id, profile: c.profile, size: c.size })));
    expect(
      restored.assign([call(WARRANTY.replace('now', 'today'), { startedAt: '2021-12-20' })])[0],
    ).toMatchObject({ clusterId: 'k2', reason: 'similar' });
    // Merged, the range covers both.
    restored.merge('k0', 'k1');
    const merged = restored.takeChanges().find((c) => c.id === 'k0')?.profile as Record<string, unknown>;
    expect([merged.d0, merged.d1]).toEqual([
      Date.UTC(2021, 0, 10) / 86_400_000,
      Date.UTC(2021, 3, 1) / 86_400_000,
    ]);
  });

  it('loads version 1 profiles (without callback numbers) and writes version 2', () => {
    const d = new Detector({}, counter());
    d.assign([call(`${WARRANTY} Call 833-555-0142.`), call(`${WARRANTY.slice(20)} Call 833-555-0142.`)]);
    const [change] = d.takeChanges();
    const profile = change?.profile as Record<string, unknown>;
    expect(profile).toMatchObject({ v: 2, t: [expect.any(Number)], tc: [2] });
    const { t: _t, tc: _tc, ...rest } = profile;
    const v1 = { ...rest, v: 1 } as never;
    const restored = new Detector({}, counter(5));
    restored.load([{ id: 'old', profile: v1, size: 2 }]);
    expect(restored.assign([call(WARRANTY.replace('now', 'today'))])[0]).toMatchObject({ clusterId: 'old' });
    expect(restored.takeChanges()[0]?.profile).toMatchObject({ v: 2, t: [], tc: [] });
    expect(() => restored.load([{ id: 'x', profile: { ...rest, v: 3 }, size: 1 }])).toThrow(
      /unknown profile version 3/,
    );
  });

  it('keeps a profile under 16 KB as JSON after 100,000 calls to one cluster', () => {
    const d = new Detector({ threshold: 0 }, counter());
    const words = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike'.split(' ');
    const batch: DetectCall[] = [];
    for (let i = 0; i < 100_000; i++) {
      // Every call gives another callback number too: the profile keeps only the most said.
      const noise = `${words[i % words.length]}${i} ${words[(i * 7) % words.length]}${i * 3} call 833-555-${String(i % 10_000).padStart(4, '0')}`;
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
