import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, four levels above this file (packages/shaken/src/testing). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Third-party vectors live beside the checkout, never inside it (see ../shared/data/README.md). */
export const sharedDataDir = path.resolve(repoRoot, '../shared/data');
export const shakenDataDir = path.join(sharedDataDir, 'shaken');

/** Under CI the data and tools are part of the environment, so their absence is a failure. */
export const isCi = process.env.CI === 'true';

export const hasShakenData = existsSync(shakenDataDir);

/** Run a data-driven suite when the data exists, or under CI (where a missing file then fails). */
export const runDataSuite = hasShakenData || isCi;

export function dataSuiteName(name: string): string {
  return runDataSuite ? name : `${name} (skipped: ${shakenDataDir} not found; it is required when CI=true)`;
}

export function shakenData(...parts: string[]): string {
  return path.join(shakenDataDir, ...parts);
}

export const SECSIPIDX = 'secsipidx';

// secsipidx -version exits non-zero, so only a failure to start means it is missing.
export const hasSecsipidx = spawnSync(SECSIPIDX, ['-version'], { stdio: 'ignore' }).error === undefined;

/** Minimal RFC 4180 CSV: quoted fields, doubled quotes, commas and newlines inside quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += ch;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** CSV rows as objects keyed by the header row. */
export function readCsvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  return rows
    .filter((r) => r.length > 1 || r[0] !== '')
    .map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}
