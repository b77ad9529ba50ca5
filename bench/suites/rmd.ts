import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importRmd, systemActor, systemClock } from '@hoptrace/core';
import { openDatabase } from '@hoptrace/db';
import { scratchPostgres } from '../lib/postgres';
import type { BenchResult } from '../lib/types';

const rmdDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data/rmd');

/**
 * `importRmd` end to end on real PostgreSQL: parse, diff against the stored filings, write the
 * changes, match against the directory, in one transaction. First the 23-column export into an
 * empty database, then the 7-column listing over it (the 9,494-row file: mostly unchanged).
 */
export async function run(_opts: { quick: boolean }): Promise<BenchResult[]> {
  const files = ['rmd-export-2025-01.csv', 'rmd-all-filings-7cols.csv'].map((f) => path.join(rmdDir, f));
  if (!files.every((f) => existsSync(f)))
    return [{ name: 'rmd: import', value: NaN, unit: 'rows/s', notes: `skipped: ${rmdDir} is absent` }];
  const pgdb = await scratchPostgres();
  if (!pgdb)
    return [{ name: 'rmd: import', value: NaN, unit: 'rows/s', notes: 'skipped: no PostgreSQL reachable' }];
  const database = await openDatabase({ url: pgdb.url });
  try {
    await database.migrate();
    const ctx = { db: database.db, clock: systemClock, actor: systemActor('bench') };
    const results: BenchResult[] = [];
    for (const file of files) {
      const report = await importRmd({ ...ctx, input: { file } });
      const s = report.stats;
      results.push({
        name: `rmd: import ${path.basename(file)}`,
        value: Math.round(s.rows / (report.elapsedMs / 1000)),
        unit: 'rows/s',
        notes: `${s.rows} rows in ${Math.round(report.elapsedMs)} ms: ${s.added} added, ${s.changed} changed, ${s.removed} removed, ${s.unchanged} unchanged (PostgreSQL, one transaction)`,
      });
    }
    return results;
  } finally {
    await database.close();
    await pgdb.drop();
  }
}
