import { buildNetwork, defaultHoneypotSources, honeypotCalls } from '@hoptrace/sim';
import * as A from '../../../../../tmp/hp/a/b/orig/src/features';
import * as SA from '../../../../../tmp/hp/a/b/orig/src/segments';
import * as B from '../src/features';
import * as SB from '../src/segments';
import { loadPpone } from './ppone';
const ts = loadPpone().map((r) => r.transcript);
const network = buildNetwork({ seed: 20261206 });
for (const c of honeypotCalls(network, {
  sources: defaultHoneypotSources(network),
  from: new Date('2026-11-01T00:00:00Z'),
  to: new Date('2026-12-01T00:00:00Z'),
  count: 20000,
  shaken: null,
}))
  if (c.record.transcript) ts.push(c.record.transcript);
ts.push(
  "Officer Smith  here, Mr. Jones, name's Bob  Call eight three three three zero four one four four seven or 833-631-7911 \u00a0Dr. Who",
  '这是DHL国际快递最后语音通知 了解详情请按9 İstanbul ÀÉ',
  'x\u0001tel2025550143 \u0002 ok',
  'Sgt. Pepper, Sergeant   Major, my name is  Kevin Brown',
  'agent Orange: Inspector Gadget',
);
let bad = 0;
for (const t of ts) {
  const a = A.featuresOf(t),
    b = B.featuresOf(t);
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    if (bad++ < 3) console.log('features differ', t.slice(0, 200));
  }
  if (JSON.stringify(SA.templateSegments(t)) !== JSON.stringify(SB.templateSegments(t))) {
    if (bad++ < 6) console.log('segments differ', t.slice(0, 100));
  }
  if (JSON.stringify(SA.extractCallbackNumbers(t)) !== JSON.stringify(SB.extractCallbackNumbers(t))) {
    if (bad++ < 9) console.log('numbers differ', t.slice(0, 100));
  }
  if (JSON.stringify(A.tokenHashes(t)) !== JSON.stringify(B.tokenHashes(t))) {
    if (bad++ < 12) console.log('tokens differ', t.slice(0, 100));
  }
}
console.log('compared', ts.length, 'bad', bad);
const time = (label: string, f: (t: string) => unknown) => {
  for (let r = 0; r < 2; r++) {
    const t0 = performance.now();
    for (let k = 0; k < 3; k++) for (const t of ts) f(t);
    const us = ((performance.now() - t0) * 1000) / (3 * ts.length);
    if (r) console.log(label, us.toFixed(2), 'µs', Math.round(1e6 / us), '/s');
  }
};
time('old featuresOf', A.featuresOf);
time('new featuresOf', B.featuresOf);
const fs = new B.FeatureSet();
time('new scanFeatures', (t) => B.scanFeatures(t, fs));
time('old extractCallbackNumbers', SA.extractCallbackNumbers);
time('new extractCallbackNumbers', SB.extractCallbackNumbers);
