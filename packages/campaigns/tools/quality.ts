// Every quality measure of decision 0014 in one run:
//   npx tsx packages/campaigns/tools/quality.ts [sim=200000] [seeds=10] [key=value detector options ...]
// PPoNE in arrival order with `detectAll` and the way the product runs it (incremental batches, then
// one consolidation pass as packages/core applies it), shuffled arrival orders, held-out halves of
// the distinct transcripts, and the simulator's feed (sim=0 leaves it out).
import { buildNetwork, defaultHoneypotSources, honeypotCalls } from '@hoptrace/sim';
import { detectAll, Detector, type DetectCall, type DetectorOptions } from '../src/detector';
import { clusteringScores, type ClusteringScores } from '../src/scores';
import { loadPpone, toCall, type PponeRow } from './ppone';

const opts: Partial<DetectorOptions> = {};
let simCount = 200_000;
let seeds = 10;
for (const arg of process.argv.slice(2)) {
  const [k, v] = arg.split('=') as [string, string];
  if (k === 'sim') simCount = Number(v);
  else if (k === 'seeds') seeds = Number(v);
  else (opts as Record<string, number>)[k] = Number(v);
}

const f3 = (x: number) => x.toFixed(3);
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const line = (label: string, s: ClusteringScores, extra = '') =>
  console.log(
    `${label.padEnd(40)} H ${f3(s.homogeneity)} C ${f3(s.completeness)} V ${f3(s.vMeasure)} ARI ${f3(s.adjustedRand)} clusters ${fmt(s.clusters)}${extra}`,
  );

/**
 * The product's way (packages/core/src/campaigns/detection.ts): calls assigned batch by batch, each
 * batch in time order; after every `consolidateEvery` batches (0: only at the end) one consolidation
 * pass: the proposals of `proposeMerges`, applied in order, skipping those whose clusters are gone.
 */
function product(
  calls: DetectCall[],
  o: Partial<DetectorOptions>,
  batch: number,
  consolidateEvery: number,
): { ids: Array<string | null>; sizes: Map<string, number> } {
  let next = 0;
  const detector = new Detector(o, { newId: () => `c${next++}` });
  const ids: Array<string | null> = [];
  const into = new Map<string, string>();
  const find = (id: string): string => {
    let at = id;
    for (let to = into.get(at); to !== undefined; to = into.get(at)) at = to;
    return at;
  };
  const consolidate = () => {
    for (const p of detector.proposeMerges()) {
      if (!detector.has(p.keepId) || !detector.has(p.absorbId)) continue;
      detector.merge(p.keepId, p.absorbId);
      into.set(p.absorbId, p.keepId);
    }
    detector.takeChanges();
  };
  let batches = 0;
  for (let i = 0; i < calls.length; i += batch) {
    for (const a of detector.assign(calls.slice(i, i + batch))) ids.push(a.clusterId);
    detector.takeChanges();
    if (consolidateEvery > 0 && ++batches % consolidateEvery === 0) consolidate();
  }
  consolidate();
  const resolved = ids.map((id) => (id === null ? null : find(id)));
  const sizes = new Map<string, number>();
  for (const id of resolved) if (id !== null) sizes.set(id, (sizes.get(id) ?? 0) + 1);
  return { ids: resolved, sizes };
}

/** Identical transcripts in different clusters (the exact-match guarantee: must be 0). */
function exactViolations(calls: DetectCall[], ids: Array<string | null>): number {
  const seen = new Map<string, string | null>();
  let bad = 0;
  calls.forEach((c, i) => {
    if (!c.transcript) return;
    const s = seen.get(c.transcript);
    if (s === undefined) seen.set(c.transcript, ids[i] ?? null);
    else if (s !== ids[i]) bad++;
  });
  return bad;
}

function shuffle<T>(xs: T[], seed: number): T[] {
  let s = seed * 2654435761;
  const rand = () => (s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0) / 4294967296;
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const stats = (vs: number[]) => {
  const mean = vs.reduce((a, b) => a + b, 0) / vs.length;
  const sd = Math.sqrt(vs.reduce((a, b) => a + (b - mean) ** 2, 0) / vs.length);
  return `mean ${f3(mean)} sd ${f3(sd)} min ${f3(Math.min(...vs))} max ${f3(Math.max(...vs))}`;
};

const rows = loadPpone();
const truthOf = (rs: PponeRow[]) => rs.map((r) => r.campaignName);
console.log(`options ${JSON.stringify(opts)}`);
console.log('== PPoNE, arrival order');
{
  const calls = rows.map(toCall);
  const ids = detectAll(calls, opts);
  line('detectAll', clusteringScores(truthOf(rows), ids), ` exact-violations ${exactViolations(calls, ids)}`);
  for (const [label, batch, every] of [
    ['product: one batch, consolidate', 5000, 0],
    ['product: batches of 50, consolidate each', 50, 1],
  ] as const) {
    const r = product(calls, opts, batch, every);
    line(label, clusteringScores(truthOf(rows), r.ids), ` exact-violations ${exactViolations(calls, r.ids)}`);
    // As exported: calls of candidates (fewer than minCalls) have no campaign.
    const minCalls = opts.minCalls ?? 5;
    const exported = r.ids.map((id) => (id !== null && (r.sizes.get(id) ?? 0) >= minCalls ? id : null));
    line(`  as exported (< ${minCalls} calls: none)`, clusteringScores(truthOf(rows), exported));
  }
}

console.log('== PPoNE, held-out halves (distinct transcripts by index)');
{
  const distinct = [...new Set(rows.map((r) => r.transcript))];
  for (const odd of [true, false]) {
    const keep = new Set(distinct.filter((_, i) => i % 2 === (odd ? 1 : 0)));
    const half = rows.filter((r) => keep.has(r.transcript));
    line(
      odd ? 'odd half, detectAll' : 'even half, detectAll',
      clusteringScores(truthOf(half), detectAll(half.map(toCall), opts)),
    );
  }
}

if (seeds > 0) {
  console.log(`== PPoNE, shuffled arrival orders (${seeds} seeds), V`);
  const all: number[] = [];
  const prod: number[] = [];
  let bad = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const rs = shuffle(rows, seed);
    const calls = rs.map(toCall);
    const ids = detectAll(calls, opts);
    bad += exactViolations(calls, ids);
    all.push(clusteringScores(truthOf(rs), ids).vMeasure);
    const r = product(calls, opts, 50, 1);
    bad += exactViolations(calls, r.ids);
    prod.push(clusteringScores(truthOf(rs), r.ids).vMeasure);
  }
  console.log(`detectAll                                ${stats(all)}`);
  console.log(`product, batches of 50, consolidate each ${stats(prod)}  exact-violations ${bad}`);
}

if (simCount > 0) {
  const network = buildNetwork({ seed: 20261206 });
  const to = new Date('2026-12-01T00:00:00Z');
  const from = new Date(to.getTime() - 30 * 86_400_000);
  const calls: DetectCall[] = [];
  const truth: Array<string | null> = [];
  for (const c of honeypotCalls(network, {
    sources: defaultHoneypotSources(network),
    from,
    to,
    count: simCount,
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
      startedAt: r.startedAt,
    });
    truth.push(c.truth.campaignKey);
  }
  console.log(`== simulator feed, ${fmt(calls.length)} calls`);
  let t0 = performance.now();
  const ids = detectAll(calls, opts);
  const rate = () => ` ${fmt(calls.length / ((performance.now() - t0) / 1000))} calls/s`;
  line(
    'detectAll',
    clusteringScores(truth, ids),
    `${rate()}, exact-violations ${exactViolations(calls, ids)}`,
  );
  t0 = performance.now();
  let n = 0;
  const noMerge = new Detector(opts, { newId: () => `i${n++}` });
  const inc: Array<string | null> = [];
  for (let i = 0; i < calls.length; i += 1000)
    for (const a of noMerge.assign(calls.slice(i, i + 1000))) inc.push(a.clusterId);
  line('incremental, no consolidation', clusteringScores(truth, inc), rate());
  for (const [label, batch, every] of [
    ['product: batches of 5000, consolidate end', 5000, 0],
    ['product: batches of 1000, consolidate each', 1000, 1],
  ] as const) {
    t0 = performance.now();
    const r = product(calls, opts, batch, every);
    line(
      label,
      clusteringScores(truth, r.ids),
      `${rate()}, exact-violations ${exactViolations(calls, r.ids)}`,
    );
  }
}
