// Scores a `hoptrace calls export` file against PPoNE's campaignName, as bench/suites/campaigns.ts:
//   npx tsx packages/campaigns/tools/score-export.ts EXPORT.jsonl
import { readFileSync } from 'node:fs';
import { clusteringScores } from '../src/scores';
import { loadPpone } from './ppone';

const file = process.argv[2];
if (!file) throw new Error('usage: score-export.ts EXPORT.jsonl');
const exported = new Map(
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map(
      (l) => JSON.parse(l) as { externalId: string; campaignId: string | null; candidateId: string | null },
    )
    .map((e) => [e.externalId, e]),
);
const rows = loadPpone();
const truth = rows.map((r) => r.campaignName);
const f3 = (x: number) => x.toFixed(3);
for (const [label, pick] of [
  ['campaigns as exported', (e?: { campaignId: string | null }) => e?.campaignId ?? null],
  [
    'candidates counted as clusters',
    (e?: { campaignId: string | null; candidateId: string | null }) =>
      e?.campaignId ?? e?.candidateId ?? null,
  ],
] as const) {
  const predicted = rows.map((r) => pick(exported.get(r.id)));
  const s = clusteringScores(truth, predicted);
  // Identical transcripts in different groups (null counts as a group of its own per call).
  const seen = new Map<string, string | null>();
  let bad = 0;
  rows.forEach((r, i) => {
    const p = predicted[i] ?? null;
    const s0 = seen.get(r.transcript);
    if (s0 === undefined) seen.set(r.transcript, p);
    else if (s0 !== p || p === null) bad += s0 !== p ? 1 : 0;
  });
  console.log(
    `${label.padEnd(32)} H ${f3(s.homogeneity)} C ${f3(s.completeness)} V ${f3(s.vMeasure)} ARI ${f3(s.adjustedRand)} clusters ${s.clusters} (${s.classes} names, ${s.n} calls) split-identical ${bad}`,
  );
}
