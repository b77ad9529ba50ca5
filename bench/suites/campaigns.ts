import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusteringScores } from '@hoptrace/campaigns';
import {
  buildNetwork,
  callRecordCsvHeader,
  callRecordCsvLine,
  defaultHoneypotSources,
  honeypotCalls,
} from '@hoptrace/sim';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { scratchPostgres } from '../lib/postgres';
import type { BenchResult } from '../lib/types';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PPONE = join(ROOT, '../shared/data/ppone/calls.jsonl');
const round = (n: number, digits = 0) => Number(n.toFixed(digits));

/** Runs `hoptrace ARGS` against the database; wall time and what it printed. */
async function hoptrace(args: string[], url: string): Promise<{ seconds: number; out: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'apps/cli/bin/hoptrace.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`hoptrace ${args.join(' ')} exited ${code}: ${err.slice(0, 500)}`);
  return { seconds: (performance.now() - started) / 1000, out };
}

/** Honeypot records of the simulator as an import file (no Identity headers: signing a million costs minutes). */
async function writeFeed(file: string, count: number): Promise<number> {
  const network = buildNetwork({ seed: 20261206 });
  const to = new Date('2026-12-01T00:00:00Z');
  const out = createWriteStream(file);
  out.write(callRecordCsvHeader());
  let chunk = '';
  let n = 0;
  for (const call of honeypotCalls(network, {
    sources: defaultHoneypotSources(network),
    from: new Date(to.getTime() - 30 * 86_400_000),
    to,
    count,
    shaken: null,
  })) {
    chunk += callRecordCsvLine(call.record);
    n++;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return n;
}

/** COPY of the file as it is into a table of its own columns: the floor an import is compared with. */
async function rawCopy(url: string, file: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const header = readFileSync(file, 'utf8').slice(0, 2000).split('\n')[0]!;
    const columns = header.split(',');
    await client.query(
      `CREATE TABLE raw_calls (${columns.map((c) => `${c} ${c === 'started_at' ? 'timestamptz' : 'text'}`).join(', ')})`,
    );
    const started = performance.now();
    const stream = client.query(copyFrom(`COPY raw_calls FROM STDIN WITH (FORMAT csv, HEADER true)`));
    const done = once(stream, 'finish');
    createReadStream(file, { highWaterMark: 1 << 20 }).pipe(stream);
    await done;
    return (performance.now() - started) / 1000;
  } finally {
    await client.end();
  }
}

/**
 * Campaign intelligence at volume, on PostgreSQL: a simulated honeypot feed of 1M records (100k
 * quick) imported through `hoptrace calls import` against a raw COPY of the same file, the same
 * import again (all known), `hoptrace campaigns detect` over all of it, and the quality of detection
 * on the real PPoNE transcripts (V-measure and the rest against the FTC letters' campaign names).
 */
export async function run(opts: { quick: boolean }): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const count = Number(process.env.CALLS_BENCH_ROWS ?? (opts.quick ? 100_000 : 1_000_000));
  const dir = mkdtempSync(join(tmpdir(), 'hoptrace-calls-'));
  const file = join(dir, 'feed.csv');
  const pgdb = await scratchPostgres();
  if (!pgdb)
    return [
      { name: 'campaigns: import', value: NaN, unit: 'records/s', notes: 'skipped: no PostgreSQL reachable' },
    ];
  try {
    let t = performance.now();
    const written = await writeFeed(file, count);
    const mb = statSync(file).size / 2 ** 20;
    results.push({
      name: 'feed file written (simulator)',
      value: round((performance.now() - t) / 1000, 1),
      unit: 's',
      notes: `${written} records, ${round(mb)} MB CSV`,
    });
    await hoptrace(['migrate'], pgdb.url);
    const raw = await rawCopy(pgdb.url, file);
    const imported = await hoptrace(['calls', 'import', file, '--source', 'bench-feed'], pgdb.url);
    const rate = written / imported.seconds;
    const rawRate = written / raw;
    results.push(
      {
        name: 'raw COPY of the file (same rows)',
        value: round(rawRate),
        unit: 'records/s',
        notes: `${round(raw, 1)} s`,
      },
      {
        name: '`hoptrace calls import` (wall time, process start included)',
        value: round(rate),
        unit: 'records/s',
        target: '≥ 100,000',
        notes: `${round(imported.seconds, 1)} s; ${imported.out.trim().split('\n').pop()}`,
      },
      { name: 'import against raw COPY', value: round(rate / rawRate, 2), unit: '×', target: '≥ 0.5' },
    );
    const again = await hoptrace(['calls', 'import', file, '--source', 'bench-feed'], pgdb.url);
    results.push({
      name: 'the same file again (all already known)',
      value: round(written / again.seconds),
      unit: 'records/s',
      notes: again.out.trim().split('\n').pop(),
    });
    t = performance.now();
    const detected = await hoptrace(['campaigns', 'detect'], pgdb.url);
    const detectSeconds = (performance.now() - t) / 1000;
    results.push({
      name: `full detection over ${written} calls (\`hoptrace campaigns detect\`)`,
      value: round(detectSeconds, 1),
      unit: 's',
      target: count >= 1_000_000 ? '< 120' : undefined,
      notes: detected.out.trim().split('\n').pop(),
    });
    // The CLI reports the rate of its batches (incremental assignment with every write), before
    // the consolidation at the end of the run.
    const incremental = /batches \((\d+)\/s\)/.exec(detected.out)?.[1];
    results.push(
      {
        name: 'incremental assignment with the database (batches: read, assign, verdicts, rollups, commit)',
        value: incremental ? Number(incremental) : NaN,
        unit: 'calls/s',
        target: '≥ 20,000',
      },
      {
        name: 'full detection rate (process start and consolidation included)',
        value: round(written / detectSeconds),
        unit: 'calls/s',
      },
    );

    if (existsSync(PPONE)) {
      await hoptrace(['calls', 'import', PPONE, '--source', 'ppone'], pgdb.url);
      await hoptrace(['campaigns', 'detect'], pgdb.url);
      const exportFile = join(dir, 'ppone-export.jsonl');
      await hoptrace(['calls', 'export', '--source', 'ppone', '--out', exportFile], pgdb.url);
      const exported = new Map(
        readFileSync(exportFile, 'utf8')
          .trim()
          .split('\n')
          .map(
            (l) =>
              JSON.parse(l) as { externalId: string; campaignId: string | null; candidateId: string | null },
          )
          .map((e) => [e.externalId, e]),
      );
      const truth: Array<string | null> = [];
      const predicted: Array<string | null> = [];
      const predictedWithCandidates: Array<string | null> = [];
      for (const line of readFileSync(PPONE, 'utf8').trim().split('\n')) {
        const row = JSON.parse(line) as { id: string; campaignName: string | null };
        const e = exported.get(row.id);
        truth.push(row.campaignName);
        predicted.push(e?.campaignId ?? null);
        predictedWithCandidates.push(e?.campaignId ?? e?.candidateId ?? null);
      }
      const s = clusteringScores(truth, predicted);
      const c = clusteringScores(truth, predictedWithCandidates);
      results.push(
        {
          name: 'PPoNE quality: V-measure (campaigns as exported)',
          value: round(s.vMeasure, 3),
          unit: '',
          target: '≥ 0.85',
          notes: `homogeneity ${round(s.homogeneity, 3)}, completeness ${round(s.completeness, 3)}, ARI ${round(s.adjustedRand, 3)}; ${s.clusters} clusters for ${s.classes} names over ${s.n} labelled calls`,
        },
        {
          name: 'PPoNE quality: V-measure (candidates counted as clusters)',
          value: round(c.vMeasure, 3),
          unit: '',
          notes: `homogeneity ${round(c.homogeneity, 3)}, completeness ${round(c.completeness, 3)}, ARI ${round(c.adjustedRand, 3)}`,
        },
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await pgdb.drop();
  }
  return results;
}
