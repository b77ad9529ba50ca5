/**
 * `npm run openapi -- [--out FILE]`: writes the API's OpenAPI document as the server serves it at
 * /api/openapi.json (to FILE, or standard output), from the app itself on an embedded database in memory;
 * no server listens.
 * `npm run lint:openapi`: writes it to a temporary file and lints it with Redocly CLI's recommended rules
 * (redocly.yaml; telemetry and update checks off), exiting non-zero on any error or warning.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '@hoptrace/core';
import { openDatabase } from '@hoptrace/db';
import { buildApp } from '../apps/server/src/app';

interface RedoclyReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer?: string }[] }[];
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function openapiDocument(): Promise<unknown> {
  const database = await openDatabase({});
  try {
    const app = await buildApp({ db: database.db, clock: new ManualClock('2026-01-01T00:00:00Z') });
    await app.ready();
    const doc = app.swagger();
    await app.close();
    return doc;
  } finally {
    await database.close();
  }
}

const args = process.argv.slice(2);
const json = `${JSON.stringify(await openapiDocument(), null, 2)}\n`;
if (args[0] === '--lint') {
  const dir = mkdtempSync(join(tmpdir(), 'hoptrace-openapi-'));
  const file = join(dir, 'openapi.json');
  writeFileSync(file, json);
  const run = spawnSync(
    join(root, 'node_modules/.bin/redocly'),
    [
      'lint',
      '--extends=recommended',
      '--config',
      join(root, 'redocly.yaml'),
      '--format=json',
      '--max-problems=1000',
      file,
    ],
    {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    },
  );
  rmSync(dir, { recursive: true, force: true });
  let report: RedoclyReport;
  try {
    report = JSON.parse(run.stdout) as RedoclyReport;
  } catch {
    process.stderr.write(`redocly lint did not report (exit ${run.status}):\n${run.stderr}${run.stdout}`);
    process.exit(1);
  }
  for (const p of report.problems)
    process.stdout.write(`${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ''}: ${p.message}\n`);
  const { errors, warnings } = report.totals;
  const operations = Object.values((JSON.parse(json) as { paths: Record<string, object> }).paths).reduce(
    (n, ops) => n + Object.keys(ops).length,
    0,
  );
  process.stdout.write(
    `openapi.json (${operations} operations): ${errors} errors, ${warnings} warnings under Redocly's recommended rules\n`,
  );
  // Redocly exits 0 on warnings; CI wants none (a justified exception goes in redocly.yaml).
  process.exit(errors + warnings === 0 && run.status === 0 ? 0 : 1);
} else if (args[0] === '--out' && args[1]) {
  writeFileSync(args[1], json);
  process.stderr.write(`${args[1]}: OpenAPI document written\n`);
} else if (args.length === 0) process.stdout.write(json);
else {
  process.stderr.write('usage: npm run openapi -- [--out FILE] | npm run lint:openapi\n');
  process.exit(2);
}
