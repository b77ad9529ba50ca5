// Campaign detection speed on synthetic noisy calls: npx tsx packages/campaigns/bench.ts [calls]
//
// Calls are the PPoNE transcripts perturbed as speech-to-text and the scripts' varying parts perturb
// them: words dropped and replaced, cut-off starts, other amounts, numbers and agent names. Nearly
// every call is unique, so exact matching does not help. Sentences of different transcripts are also
// spliced into new scripts, so that the detector holds a few thousand clusters.
import { detectAll, Detector, type DetectCall } from './src/index';
import { loadPpone, pponeAvailable } from './tools/ppone';

const total = Number(process.env.N ?? process.argv[2] ?? 200_000);
const warm = Math.min(50_000, Math.floor(total / 4));

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FALLBACK = [
  'Hi, this is Jessica calling you from Spectrum. We have a limited time offer, press 1 to hear more.',
  'This call is from the Social Security Administration. Your number has been suspended, press 1 now.',
  'Hello, this is Amazon. An order of $999 for an iPhone was placed on your account. Press 1 to cancel.',
];
const NAMES = [
  'Jessica',
  'Sarah Jones',
  'Daniel',
  'Amanda Barnes',
  'Emma Miller',
  'Vanessa',
  'Becky',
  'Mike',
];

const random = rng(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
const transcripts = pponeAvailable() ? loadPpone().map((r) => r.transcript) : FALLBACK;
const vocabulary = [...new Set(transcripts.join(' ').split(/\s+/))].filter((w) => w.length > 2);

// New scripts: a transcript with sentences of two others spliced in, about 3,000 of them.
const sentences = transcripts.map((t) => t.split(/(?<=[.?!])\s+/).filter((s) => s.length > 0));
const scripts: string[] = [...transcripts];
while (scripts.length < 3_000) {
  const a = [...pick(sentences)];
  const b = pick(sentences);
  const c = pick(sentences);
  a.splice(Math.floor(random() * (a.length + 1)), 0, pick(b) ?? '', pick(c) ?? '');
  scripts.push(a.join(' '));
}

function perturb(script: string): string {
  let words = script.split(/\s+/).filter((w) => w !== '');
  // A cut-off start: the recording began mid-sentence.
  if (random() < 0.3) words = words.slice(Math.floor(random() * words.length * 0.4));
  const out: string[] = [];
  for (const w of words) {
    const r = random();
    if (r < 0.05) continue;
    if (r < 0.1) out.push(pick(vocabulary));
    else if (/\d/.test(w)) out.push(w.replace(/\d/g, () => String(Math.floor(random() * 10))));
    else out.push(w);
  }
  if (random() < 0.5) out.splice(Math.floor(random() * out.length), 0, 'this', 'is', pick(NAMES));
  if (random() < 0.3) out.push(`order ${Math.floor(random() * 1e8)}, $${(random() * 2000).toFixed(2)}.`);
  return out.join(' ');
}

const calls: DetectCall[] = [];
// Dated over 30 days in arrival order, as a feed: the date window (maxGapDays) is checked for every
// candidate, and holds nothing apart.
const start = Date.UTC(2026, 10, 1);
const span = 30 * 86_400_000;
for (let i = 0; i < total + warm; i++)
  calls.push({
    id: `b${i}`,
    transcript: perturb(pick(scripts)),
    startedAt: start + Math.floor((i * span) / (total + warm)),
  });
const distinct = new Set(calls.map((c) => c.transcript)).size;

// Incremental: warm the detector (JIT and clusters), then time assignment in batches of 1,000.
const detector = new Detector();
for (let i = 0; i < warm; i += 1_000) detector.assign(calls.slice(i, i + 1_000));
detector.takeChanges();
const clustersBefore = detector.size;
let t0 = performance.now();
for (let i = warm; i < warm + total; i += 1_000) {
  detector.assign(calls.slice(i, i + 1_000));
  detector.takeChanges();
}
const incremental = total / ((performance.now() - t0) / 1000);

// Whole-set detection over the same calls from nothing, merges included.
t0 = performance.now();
const ids = detectAll(calls.slice(warm));
const whole = total / ((performance.now() - t0) / 1000);

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(
  `campaigns bench: ${fmt(total)} calls (${fmt(distinct)} distinct transcripts of ${fmt(total + warm)}), ${fmt(scripts.length)} scripts`,
);
console.log(
  `  incremental assign: ${fmt(incremental)} calls/s against ${fmt(clustersBefore)} → ${fmt(detector.size)} clusters`,
);
console.log(`  detectAll:          ${fmt(whole)} calls/s, ${fmt(new Set(ids).size)} clusters`);
