import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  buildDnoIndex,
  classifyNumber,
  invalidNpaEntries,
  loadNanpaNpaReport,
  nanpStructuralEntries,
  parseRmdFile,
  readCsvFile,
} from '@hoptrace/registry';
import type { DnoEntry } from '@hoptrace/registry';
import type { BenchResult } from '../lib/types';

const sharedData = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data');
const dataFile = (...parts: string[]) => path.join(sharedData, ...parts);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** A repeatable stream of numbers, so runs compare. */
function lcg(seed: number): () => number {
  // mulberry32: 32-bit integer arithmetic, so the sequence does not collapse in double precision.
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomNanp(random: () => number): number {
  const npa = 200 + Math.floor(random() * 800);
  const nxx = 200 + Math.floor(random() * 800);
  return npa * 10_000_000 + nxx * 10_000 + Math.floor(random() * 10_000);
}

/** The FTC complaint numbers that classify as valid, or as many random NANP numbers without the data. */
async function batchNumbers(): Promise<{ numbers: string[]; source: string }> {
  const file = dataFile('ftc-dnc', 'reported-numbers-90days-2025-12-11.csv');
  if (existsSync(file)) {
    const numbers: string[] = [];
    let header = true;
    await readCsvFile(file, (fields) => {
      if (header) header = false;
      else {
        const result = classifyNumber(fields[0] ?? '');
        if (result.kind === 'valid') numbers.push(result.e164);
      }
    });
    return { numbers, source: 'the FTC complaint numbers (valid ones)' };
  }
  const random = lcg(11);
  return {
    numbers: Array.from({ length: 295_000 }, () => `+1${randomNanp(random)}`),
    source: 'random NANP numbers (../shared/data absent)',
  };
}

async function dnoEntries(): Promise<{ entries: DnoEntry[]; npaRanges: number }> {
  const random = lcg(7);
  const singles: DnoEntry[] = Array.from({ length: 100_000 }, (_, i) => {
    const e164 = `+1${randomNanp(random)}`;
    return {
      id: `s${i}`,
      category: i % 10 === 0 ? 'subscriber_requested' : 'allocated_unused',
      start: e164,
      end: e164,
    };
  });
  const ranges: DnoEntry[] = Array.from({ length: 1_000 }, (_, i) => {
    const start = randomNanp(random) - (randomNanp(random) % 1000);
    return { id: `r${i}`, category: 'unallocated', start: `+1${start}`, end: `+1${start + 999}` };
  });
  const nanpaFile = dataFile('nanpa', 'npa_report.csv');
  const npa = existsSync(nanpaFile) ? invalidNpaEntries(await loadNanpaNpaReport(nanpaFile)) : [];
  return { entries: [...singles, ...ranges, ...npa, ...nanpStructuralEntries()], npaRanges: npa.length };
}

async function dnoBench(quick: boolean): Promise<BenchResult[]> {
  const { entries, npaRanges } = await dnoEntries();
  const buildTimes: number[] = [];
  let index = buildDnoIndex(entries);
  for (let i = 0; i < (quick ? 2 : 5); i++) {
    const t0 = performance.now();
    index = buildDnoIndex(entries);
    buildTimes.push(performance.now() - t0);
  }
  const { numbers, source } = await batchNumbers();

  // Untimed passes first, so the measurement sees optimised code rather than the JIT warming up.
  let hits = 0;
  for (let i = 0; i < 2; i++) hits = index.checkBatch(numbers).filter((e) => e !== null).length;
  const rates: number[] = [];
  for (let i = 0; i < (quick ? 3 : 15); i++) {
    const t0 = performance.now();
    index.checkBatch(numbers);
    rates.push(numbers.length / ((performance.now() - t0) / 1000));
  }

  // Half the batch on the list (alternating singles and numbers inside the blocks), half not.
  const listed = entries.filter((e) => e.id.startsWith('s') || e.id.startsWith('r')).map((e) => e.start);
  const mixed = numbers.map((n, i) => (i % 2 === 0 ? (listed[(i / 2) % listed.length] ?? n) : n));
  index.checkBatch(mixed);
  const mixedRates: number[] = [];
  for (let i = 0; i < (quick ? 3 : 15); i++) {
    const t0 = performance.now();
    index.checkBatch(mixed);
    mixedRates.push(mixed.length / ((performance.now() - t0) / 1000));
  }

  const raw = numbers.map((n) => n.slice(2).replace(/^(\d{3})(\d{3})(\d{4})$/, '($1) $2-$3'));
  const classifyRates: number[] = [];
  for (let i = 0; i < (quick ? 2 : 5); i++) {
    const t0 = performance.now();
    for (const r of raw) classifyNumber(r);
    classifyRates.push(raw.length / ((performance.now() - t0) / 1000));
  }

  const mix = `${index.stats.singles} singles, ${index.stats.ranges} ranges (1000 blocks, ${npaRanges} NANPA never-assignable NPAs, ${nanpStructuralEntries().length} NANP-structure) → ${index.stats.segments} segments`;
  return [
    {
      name: 'registry: DNO batch check',
      value: Math.round(median(rates)),
      unit: 'numbers/s',
      target: '>= 1000000',
      notes: `one core, checkBatch of ${numbers.length} E.164 numbers from ${source}; ${hits} on the list; index: ${mix}; median of ${rates.length} passes`,
    },
    {
      name: 'registry: DNO batch check, half on the list',
      value: Math.round(median(mixedRates)),
      unit: 'numbers/s',
      target: '>= 1000000',
      notes: `the same batch with every other number replaced by a listed one; median of ${mixedRates.length} passes`,
    },
    {
      name: 'registry: DNO index build',
      value: Math.round(median(buildTimes)),
      unit: 'ms',
      notes: `${entries.length} entries; the index is rebuilt on every change`,
    },
    {
      name: 'registry: number classification',
      value: Math.round(median(classifyRates)),
      unit: 'numbers/s',
      notes: 'classifyNumber on "(NPA) NXX-XXXX" input, before a batch check',
    },
  ];
}

async function rmdBench(quick: boolean): Promise<BenchResult[]> {
  const files = [
    { file: 'rmd-all-filings-7cols.csv', label: '7-column FCC listing' },
    { file: 'rmd-export-2025-01.csv', label: '23-column export' },
  ];
  const results: BenchResult[] = [];
  for (const { file, label } of files) {
    const full = dataFile('rmd', file);
    if (!existsSync(full)) {
      results.push({
        name: `registry: RMD parse, ${label}`,
        value: NaN,
        unit: 'rows/s',
        notes: `${full} absent`,
      });
      continue;
    }
    await parseRmdFile(full);
    const rates: number[] = [];
    let rows = 0;
    for (let i = 0; i < (quick ? 2 : 7); i++) {
      const result = await parseRmdFile(full);
      if (!result.ok) throw new Error(`${file}: ${JSON.stringify(result.fileProblems)}`);
      rows = result.stats.rows;
      rates.push(rows / (result.stats.elapsedMs / 1000));
    }
    results.push({
      name: `registry: RMD parse, ${label}`,
      value: Math.round(median(rates)),
      unit: 'rows/s',
      notes: `${file}, ${rows} rows, streamed from disk, parsed and normalised; median of ${rates.length} runs`,
    });
  }
  return results;
}

/**
 * The DNO index on one core (batch checks of every valid FTC complaint number against 100k
 * single numbers, 1k blocks and the NANPA ranges) and the RMD import's parse rate.
 */
export async function run(opts: { quick: boolean }): Promise<BenchResult[]> {
  return [...(await dnoBench(opts.quick)), ...(await rmdBench(opts.quick))];
}
