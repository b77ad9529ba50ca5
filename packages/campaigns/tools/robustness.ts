// Robustness of campaign detection on PPoNE: npx tsx packages/campaigns/tools/robustness.ts
// Threshold sweep, parameters chosen on one half of the distinct transcripts and scored on the
// other, shuffled arrival orders, and a plain TF-IDF baseline (leader clustering, cosine).
import { detectAll, type DetectorOptions } from '../src/detector';
import { featuresOf } from '../src/features';
import { clusteringScores } from '../src/scores';
import { loadPpone, toCall, type PponeRow } from './ppone';

const rows = loadPpone();
const f3 = (x: number) => x.toFixed(3);
const score = (rs: PponeRow[], ids: Array<string | null>) =>
  clusteringScores(
    rs.map((r) => r.campaignName),
    ids,
  );
const line = (label: string, s: ReturnType<typeof score>) =>
  console.log(
    `${label.padEnd(34)} H ${f3(s.homogeneity)} C ${f3(s.completeness)} V ${f3(s.vMeasure)} ARI ${f3(s.adjustedRand)} clusters ${s.clusters}`,
  );
const run = (rs: PponeRow[], o: Partial<DetectorOptions>) => score(rs, detectAll(rs.map(toCall), o));

console.log('== threshold sweep (mergeThreshold = threshold)');
for (const t of [0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6])
  line(`threshold ${t}`, run(rows, { threshold: t, mergeThreshold: t }));
console.log('== missWeight sweep');
for (const m of [0, 0.1, 0.25, 0.5, 1]) line(`missWeight ${m}`, run(rows, { missWeight: m }));

console.log('== halves: distinct transcripts by index, odd to choose, even to report');
const distinct = [...new Set(rows.map((r) => r.transcript))];
const half = (odd: boolean) => {
  const keep = new Set(distinct.filter((_, i) => i % 2 === (odd ? 1 : 0)));
  return rows.filter((r) => keep.has(r.transcript));
};
const [odd, even] = [half(true), half(false)];
let best = { t: 0, v: -1 };
for (const t of [0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6]) {
  const v = run(odd, { threshold: t, mergeThreshold: t }).vMeasure;
  if (v > best.v) best = { t, v };
}
console.log(`chosen on odd half: threshold ${best.t} (V ${f3(best.v)})`);
line('even half, chosen threshold', run(even, { threshold: best.t, mergeThreshold: best.t }));
line('even half, defaults', run(even, {}));

console.log('== shuffled arrival orders (defaults)');
const vs: number[] = [];
for (let seed = 1; seed <= 10; seed++) {
  let s = seed * 2654435761;
  const rand = () => (s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0) / 4294967296;
  const shuffled = [...rows];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j] as PponeRow, shuffled[i] as PponeRow];
  }
  vs.push(run(shuffled, {}).vMeasure);
}
const mean = vs.reduce((a, b) => a + b, 0) / vs.length;
const sd = Math.sqrt(vs.reduce((a, b) => a + (b - mean) ** 2, 0) / vs.length);
console.log(
  `V over 10 seeds: mean ${f3(mean)}, sd ${f3(sd)}, min ${f3(Math.min(...vs))}, max ${f3(Math.max(...vs))}`,
);

console.log('== baseline: TF-IDF cosine over raw words (no masking), leader clustering');
const docs = rows.map((r) => {
  const words = r.transcript.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const bag = new Map<string, number>();
  for (const w of words) bag.set(w, (bag.get(w) ?? 0) + 1);
  return bag;
});
const df = new Map<string, number>();
for (const d of docs) for (const w of d.keys()) df.set(w, (df.get(w) ?? 0) + 1);
const vecs = docs.map((d) => {
  const v = new Map<string, number>();
  let norm = 0;
  for (const [w, c] of d) {
    const x = (1 + Math.log(c)) * Math.log((1 + docs.length) / (1 + (df.get(w) ?? 0)));
    v.set(w, x);
    norm += x * x;
  }
  norm = Math.sqrt(norm) || 1;
  for (const [w, x] of v) v.set(w, x / norm);
  return v;
});
const cos = (a: Map<string, number>, b: Map<string, number>) => {
  let s = 0;
  for (const [w, x] of a) s += x * (b.get(w) ?? 0);
  return s;
};
for (const t of [0.3, 0.4, 0.5, 0.6]) {
  const leaders: number[] = [];
  const ids = vecs.map((v, i) => {
    let bestJ = -1;
    let bestS = t;
    for (const j of leaders) {
      const s = cos(v, vecs[j] as Map<string, number>);
      if (s >= bestS) [bestJ, bestS] = [j, s];
    }
    if (bestJ < 0) leaders.push((bestJ = i));
    return `L${bestJ}`;
  });
  line(`tf-idf leader cosine ≥ ${t}`, score(rows, ids));
}

console.log('== baseline: MinHash Jaccard of masked word bigrams, leader clustering');
const K = 64;
const sigs = rows.map((r) => {
  const sig = new Array<number>(K).fill(0xffffffff);
  for (const f of featuresOf(r.transcript).features)
    for (let k = 0; k < K; k++) {
      const h = Math.imul(f ^ (k * 0x9e3779b1), 0x85ebca6b) >>> 0;
      if (h < (sig[k] as number)) sig[k] = h;
    }
  return sig;
});
for (const t of [0.2, 0.3, 0.4, 0.5]) {
  const leaders: number[] = [];
  const ids = sigs.map((s, i) => {
    let bestJ = -1;
    let bestS = t;
    for (const j of leaders) {
      const o = sigs[j] as number[];
      let eq = 0;
      for (let k = 0; k < K; k++) if (s[k] === o[k]) eq++;
      if (eq / K >= bestS) [bestJ, bestS] = [j, eq / K];
    }
    if (bestJ < 0) leaders.push((bestJ = i));
    return `M${bestJ}`;
  });
  line(`minhash leader jaccard ≥ ${t}`, score(rows, ids));
}
