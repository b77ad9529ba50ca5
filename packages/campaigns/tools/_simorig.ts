// Detection speed and quality on the simulator's honeypot feed (what the product benchmark uses):
// npx tsx packages/campaigns/tools/simfeed.ts [calls]
// Background calls (null campaignKey) are unlabelled: they count for speed, not for the scores.
import { buildNetwork, defaultHoneypotSources, honeypotCalls } from '@hoptrace/sim';
import { detectAll, Detector, type DetectCall } from '../../../../../tmp/hp/a/b/orig/src/detector';
import { featuresOf } from '../../../../../tmp/hp/a/b/orig/src/features';
import { clusteringScores } from '../../../../../tmp/hp/a/b/orig/src/scores';
import { extractCallbackNumbers } from '../../../../../tmp/hp/a/b/orig/src/segments';

const count = Number(process.argv[2] ?? 200_000);
const network = buildNetwork({ seed: 20261206 });
// The product benchmark's period (bench/suites/campaigns.ts): the 30 days before 1 December 2026.
const to = new Date('2026-12-01T00:00:00Z');
const from = new Date(to.getTime() - 30 * 86_400_000);
let t0 = performance.now();
const calls: DetectCall[] = [];
const truth: Array<string | null> = [];
for (const c of honeypotCalls(network, {
  sources: defaultHoneypotSources(network),
  from,
  to,
  count,
  shaken: null,
})) {
  const r = c.record;
  calls.push({
    id: r.externalId,
    transcript: r.transcript,
    language: r.language,
    callingNumber: r.callingNumber,
    calledNumber: r.calledNumber,
    audioFingerprint: r.audioFingerprint,
  });
  truth.push(c.truth.campaignKey);
}
const genMs = performance.now() - t0;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const f3 = (x: number) => x.toFixed(3);
console.log(`simulator feed: ${fmt(calls.length)} calls generated in ${(genMs / 1000).toFixed(1)} s`);

// Feature extraction and callback-number extraction alone.
t0 = performance.now();
for (const c of calls) featuresOf(c.transcript);
const featUs = ((performance.now() - t0) * 1000) / calls.length;
t0 = performance.now();
for (const c of calls) if (c.transcript) extractCallbackNumbers(c.transcript);
const cbPerS = calls.length / ((performance.now() - t0) / 1000);

// Incremental, in batches of 1,000 with takeChanges as the database side would.
const detector = new Detector();
const incIds: Array<string | null> = [];
t0 = performance.now();
for (let i = 0; i < calls.length; i += 1_000) {
  for (const a of detector.assign(calls.slice(i, i + 1_000))) incIds.push(a.clusterId);
  detector.takeChanges();
}
const incremental = calls.length / ((performance.now() - t0) / 1000);

t0 = performance.now();
const ids = detectAll(calls);
const whole = calls.length / ((performance.now() - t0) / 1000);

const line = (label: string, ids: Array<string | null>) => {
  const s = clusteringScores(truth, ids);
  console.log(
    `  ${label.padEnd(12)} H ${f3(s.homogeneity)} C ${f3(s.completeness)} V ${f3(s.vMeasure)} ARI ${f3(s.adjustedRand)} ` +
      `clusters ${fmt(s.clusters)} (labelled calls), ${s.classes} campaigns, all clusters ${fmt(new Set(ids).size)}`,
  );
};
console.log(
  `  features ${featUs.toFixed(1)} µs/call; extractCallbackNumbers ${fmt(cbPerS)} calls/s; labelled ${fmt(truth.filter((t) => t !== null).length)}`,
);
console.log(`  incremental  ${fmt(incremental)} calls/s`);
line('incremental', incIds);
console.log(`  detectAll    ${fmt(whole)} calls/s`);
line('detectAll', ids);
