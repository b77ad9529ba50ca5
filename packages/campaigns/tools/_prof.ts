import { buildNetwork, defaultHoneypotSources, honeypotCalls } from '@hoptrace/sim';
import * as B from '../src/features';
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
const fs = new B.FeatureSet();
const t0 = performance.now();
for (let k = 0; k < 10; k++) for (const t of ts) B.scanFeatures(t, fs);
console.log((((performance.now() - t0) * 1000) / (10 * ts.length)).toFixed(2), 'µs');
