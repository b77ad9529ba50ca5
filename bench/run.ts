/**
 * `npm run bench [-- --quick] [-- --only NAME]`: runs every suite in bench/suites
 * (or only bench/suites/NAME.ts) and writes bench/results/latest.json and
 * latest.md, and a dated copy (`<date>[-quick][-NAME].json`).
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import type { BenchResult, BenchSuite } from './lib/types';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const dir = fileURLToPath(new URL('./suites/', import.meta.url));
const outDir = fileURLToPath(new URL('./results/', import.meta.url));

const suites = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((name) => !only || name === only)
  .sort();

const results: Array<BenchResult & { suite: string }> = [];
for (const name of suites) {
  process.stdout.write(`bench: ${name}…\n`);
  const started = Date.now();
  try {
    const suite = (await import(`./suites/${name}.ts`)) as BenchSuite;
    for (const r of await suite.run({ quick })) {
      results.push({ suite: name, ...r });
      process.stdout.write(`  ${r.name}: ${r.value} ${r.unit}${r.target ? ` (target ${r.target})` : ''}\n`);
    }
  } catch (err) {
    results.push({ suite: name, name: `${name}: failed`, value: NaN, unit: '', notes: String(err) });
    process.stdout.write(`  failed: ${String(err)}\n`);
  }
  process.stdout.write(`  (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

const meta = {
  at: new Date().toISOString(),
  quick,
  node: process.version,
  cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
};
mkdirSync(outDir, { recursive: true });
const json = JSON.stringify({ meta, results }, null, 2);
writeFileSync(`${outDir}latest.json`, json);
// A run of one suite keeps its own dated file, so it never overwrites the day's run of every suite.
writeFileSync(`${outDir}${meta.at.slice(0, 10)}${quick ? '-quick' : ''}${only ? `-${only}` : ''}.json`, json);
const md = [
  `# Benchmarks — ${meta.at}${quick ? ' (quick)' : ''}`,
  '',
  `Node ${meta.node}, ${meta.cpus}, ${meta.memoryGiB} GiB${only ? `; only the ${only} suite` : ''}.`,
  '',
  '| suite | measure | value | unit | target | notes |',
  '| --- | --- | ---: | --- | --- | --- |',
  ...results.map(
    (r) =>
      `| ${r.suite} | ${r.name} | ${Number.isNaN(r.value) ? '—' : r.value} | ${r.unit} | ${r.target ?? ''} | ${r.notes ?? ''} |`,
  ),
  '',
].join('\n');
writeFileSync(`${outDir}latest.md`, md);
process.stdout.write(`bench: wrote bench/results/latest.json and latest.md\n`);
