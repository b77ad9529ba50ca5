// Which labels a clustering mixes and splits: npx tsx packages/campaigns/tools/inspect.ts [key=value ...]
import { detectAll, type DetectorOptions } from '../src/detector';
import { loadPpone, toCall } from './ppone';

const rows = loadPpone();
const opts: Partial<DetectorOptions> = {};
for (const arg of process.argv.slice(2)) {
  const [k, v] = arg.split('=');
  (opts as Record<string, number>)[k as string] = Number(v);
}
const pred = detectAll(rows.map(toCall), opts);
const byCluster = new Map<string, Map<string, number>>();
const byLabel = new Map<string, Map<string, number>>();
rows.forEach((r, i) => {
  const p = pred[i] ?? `none${i}`;
  const l = r.campaignName ?? '(null)';
  const m = byCluster.get(p) ?? new Map<string, number>();
  m.set(l, (m.get(l) ?? 0) + 1);
  byCluster.set(p, m);
  const k = byLabel.get(l) ?? new Map<string, number>();
  k.set(p, (k.get(p) ?? 0) + 1);
  byLabel.set(l, k);
});
console.log('== clusters mixing labels');
for (const [c, m] of [...byCluster].sort((a, b) => b[1].size - a[1].size)) {
  if (m.size < 2) continue;
  const ex = rows[pred.indexOf(c)]?.transcript.slice(0, 90);
  console.log(
    c,
    [...m]
      .sort((a, b) => b[1] - a[1])
      .map(([l, n]) => `${l}:${n}`)
      .join(' '),
    '|',
    ex,
  );
}
console.log('== labels split over clusters');
for (const [l, m] of [...byLabel].sort((a, b) => b[1].size - a[1].size)) {
  if (m.size < 2) continue;
  console.log(
    l,
    [...m]
      .sort((a, b) => b[1] - a[1])
      .map(([c, n]) => `${c}:${n}`)
      .join(' '),
  );
}
// Entropy each label loses to splitting (completeness) and each cluster to mixing (homogeneity).
const n = rows.filter((r) => r.campaignName !== null).length;
const loss = (m: Map<string, number>, skipNull: boolean): number => {
  let tot = 0;
  let s = 0;
  for (const [k, v] of m) if (!(skipNull && k === '(null)')) tot += v;
  for (const [k, v] of m) if (!(skipNull && k === '(null)')) s -= (v / n) * Math.log(v / tot);
  return s;
};
console.log('== C loss by label');
console.log(
  [...byLabel]
    .filter(([l]) => l !== '(null)')
    .map(([l, m]) => [l, loss(m, false)] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([l, x]) => `${l}=${x.toFixed(4)}`)
    .join('\n'),
);
console.log('== H loss by cluster');
console.log(
  [...byCluster]
    .map(([c, m]) => [c, loss(m, true)] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([l, x]) => `${l}=${x.toFixed(4)}`)
    .join('\n'),
);
