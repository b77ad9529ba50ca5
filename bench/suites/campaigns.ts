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
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { scratchPostgres } from '../lib/postgres';
import { cpuSecondsOf, reapedCpuSeconds } from '../lib/proccpu';
import type { BenchResult } from '../lib/types';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PPONE = join(ROOT, '../shared/data/ppone/calls.jsonl');
const round = (n: number, digits = 0) => Number(n.toFixed(digits));

interface Run {
  seconds: number;
  out: string;
  /** CPU seconds of the hoptrace process, and of every PostgreSQL process meanwhile (NaN off Linux). */
  cpu: number;
  pgCpu: number;
}

/** Runs `hoptrace ARGS` against the database; wall time, CPU and what it printed. */
async function hoptrace(args: string[], url: string): Promise<Run> {
  const started = performance.now();
  const cpu0 = reapedCpuSeconds();
  const pg0 = cpuSecondsOf('postgres');
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
  return {
    seconds: (performance.now() - started) / 1000,
    out,
    cpu: reapedCpuSeconds() - cpu0,
    pgCpu: cpuSecondsOf('postgres') - pg0,
  };
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

/**
 * Starts a timed step from a clean checkpoint: otherwise the WAL the step before wrote (a raw COPY of
 * 300 MB) is flushed by a checkpoint in the middle of the next one, which is then measured slower.
 */
async function checkpoint(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CHECKPOINT');
  } catch {
    /* not a superuser: measured as it comes */
  } finally {
    await client.end();
  }
}

/** COPY of the file as it is into a table of its own columns: the floor an import is compared with. */
async function rawCopy(url: string, file: string): Promise<{ seconds: number; pgCpu: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const header = readFileSync(file, 'utf8').slice(0, 2000).split('\n')[0]!;
    const columns = header.split(',');
    await client.query(
      `CREATE TABLE raw_calls (${columns.map((c) => `${c} ${c === 'started_at' ? 'timestamptz' : 'text'}`).join(', ')})`,
    );
    const started = performance.now();
    const pg0 = cpuSecondsOf('postgres');
    const stream = client.query(copyFrom(`COPY raw_calls FROM STDIN WITH (FORMAT csv, HEADER true)`));
    const done = once(stream, 'finish');
    createReadStream(file, { highWaterMark: 1 << 20 }).pipe(stream);
    await done;
    return { seconds: (performance.now() - started) / 1000, pgCpu: cpuSecondsOf('postgres') - pg0 };
  } finally {
    await client.end();
  }
}

/**
 * The rows an import stored, COPYed again (binary, as the import sends them) into tables shaped
 * like hoptrace's own (`calls` with its indexes, `call_keys`), unpartitioned: what the storage
 * itself costs, without reading, checking and normalising the file.
 */
async function storageFloor(url: string, dir: string): Promise<{ seconds: number; pgCpu: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = [
      ['calls', 'floor_calls'],
      ['call_keys', 'floor_keys'],
    ] as const;
    for (const [from, to] of tables) {
      await client.query(`CREATE TABLE ${to} (LIKE ${from} INCLUDING ALL)`);
      const out = createWriteStream(join(dir, `${to}.bin`));
      const stream = client.query(copyTo(`COPY (SELECT * FROM ${from}) TO STDOUT (FORMAT binary)`));
      stream.pipe(out);
      await once(out, 'finish');
    }
    const started = performance.now();
    const pg0 = cpuSecondsOf('postgres');
    for (const [, to] of tables) {
      const stream = client.query(copyFrom(`COPY ${to} FROM STDIN (FORMAT binary)`));
      const done = once(stream, 'finish');
      createReadStream(join(dir, `${to}.bin`), { highWaterMark: 1 << 20 }).pipe(stream);
      await done;
    }
    const result = { seconds: (performance.now() - started) / 1000, pgCpu: cpuSecondsOf('postgres') - pg0 };
    for (const [, to] of tables) {
      await client.query(`DROP TABLE ${to}`);
      rmSync(join(dir, `${to}.bin`), { force: true });
    }
    return result;
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
    await checkpoint(pgdb.url);
    const raw = await rawCopy(pgdb.url, file);
    await checkpoint(pgdb.url);
    const imported = await hoptrace(['calls', 'import', file, '--source', 'bench-feed'], pgdb.url);
    const rate = written / imported.seconds;
    const rawRate = written / raw.seconds;
    // CPU a record (µs), apart from the wall time a loaded machine stretches: PostgreSQL's is counted
    // over all its processes, so it means something only on a server nothing else uses.
    const perRecord = (s: number) => round((s * 1e6) / written, 1);
    results.push(
      {
        name: 'raw COPY of the file (same rows)',
        value: round(rawRate),
        unit: 'records/s',
        notes: `${round(raw.seconds, 1)} s; PostgreSQL CPU ${perRecord(raw.pgCpu)} µs a record`,
      },
      {
        name: '`hoptrace calls import` (wall time, process start included)',
        value: round(rate),
        unit: 'records/s',
        target: '≥ 100,000',
        notes: `${round(imported.seconds, 1)} s; CPU a record: hoptrace ${perRecord(imported.cpu)} µs (process start included), PostgreSQL ${perRecord(imported.pgCpu)} µs; ${imported.out.trim().split('\n').pop()}`,
      },
      { name: 'import against raw COPY', value: round(rate / rawRate, 2), unit: '×', target: '≥ 0.5' },
    );
    await checkpoint(pgdb.url);
    const floor = await storageFloor(pgdb.url, dir);
    results.push(
      {
        name: "the stored rows COPYed into tables shaped like hoptrace's (storage floor)",
        value: round(written / floor.seconds),
        unit: 'records/s',
        notes: `${round(floor.seconds, 1)} s; PostgreSQL CPU ${perRecord(floor.pgCpu)} µs a record (calls with its primary key, call_keys with its key)`,
      },
      {
        name: 'import against the storage floor',
        value: round(rate / (written / floor.seconds), 2),
        unit: '×',
      },
    );
    await checkpoint(pgdb.url);
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
      // The file spells a few names two ways (`SSA-P1-TexasFraud (GovtImpers)` and
      // `SSA-P1-TexasFraud__GovtImpers_`): scored again with names compared by letters and digits only.
      const fold = (name: string | null) =>
        name === null ? null : name.toLowerCase().replace(/[^a-z0-9]+/g, '');
      const f = clusteringScores(truth.map(fold), predicted);
      results.push(
        {
          name: 'PPoNE quality: V-measure (campaigns as exported)',
          value: round(s.vMeasure, 3),
          unit: '',
          target: '≥ 0.85',
          notes: `homogeneity ${round(s.homogeneity, 3)}, completeness ${round(s.completeness, 3)}, ARI ${round(s.adjustedRand, 3)}; ${s.clusters} clusters for ${s.classes} names over ${s.n} labelled calls`,
        },
        {
          name: 'PPoNE quality: V-measure against names with their spelling variants joined',
          value: round(f.vMeasure, 3),
          unit: '',
          notes: `homogeneity ${round(f.homogeneity, 3)}, completeness ${round(f.completeness, 3)}, ARI ${round(f.adjustedRand, 3)}; ${f.classes} names`,
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
