// Quality of campaign detection on PPoNE: npx tsx packages/campaigns/tools/eval.ts [key=value ...]
import { detectAll, type DetectorOptions } from '../src/detector';
import { clusteringScores } from '../src/scores';
import { loadPpone, toCall } from './ppone';

const rows = loadPpone();
const opts: Partial<DetectorOptions> = {};
for (const arg of process.argv.slice(2)) {
  const [k, v] = arg.split('=');
  (opts as Record<string, number>)[k as string] = Number(v);
}
const t0 = performance.now();
const pred = detectAll(rows.map(toCall), opts);
const ms = performance.now() - t0;
const s = clusteringScores(
  rows.map((r) => r.campaignName),
  pred,
);
const f = (x: number) => x.toFixed(3);
console.log(
  JSON.stringify(opts),
  `H=${f(s.homogeneity)} C=${f(s.completeness)} V=${f(s.vMeasure)} ARI=${f(s.adjustedRand)} clusters=${s.clusters} classes=${s.classes} ${ms.toFixed(0)}ms`,
);
