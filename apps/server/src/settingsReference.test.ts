import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from './settingsReference';
import { README, renderSettingsSection } from './testing/settingsReadme';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The product's own source files (not tests, not test support, not built bundles). */
function sources(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry === 'node_modules' || entry === 'dist' || entry === 'testing' || entry === 'testdata') continue;
    if (statSync(path).isDirectory()) sources(path, out);
    else if (/\.(ts|tsx|js)$/.test(entry) && !/\.test\.tsx?$/.test(entry)) out.push(path);
  }
  return out;
}

/** Environment variables the code reads: HOPTRACE_*, and the few conventional names. */
function variablesRead(): Set<string> {
  const names = new Set<string>();
  const dirs = ['apps/cli/src', 'apps/cli/bin', 'apps/server/src', 'packages'].map((d) => join(ROOT, d));
  for (const file of dirs.flatMap((d) => sources(d))) {
    if (file.endsWith('settingsReference.ts')) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\b(HOPTRACE_[A-Z0-9_]*[A-Z0-9]|DATABASE_URL|SMTP_URL|LOG_LEVEL)\b/g))
      names.add(m[1]!);
    for (const m of text.matchAll(/\benv\.(PORT|HOST)\b/g)) names.add(m[1]!);
  }
  return names;
}

describe('the configuration reference', () => {
  it('is the README table, generated from SETTINGS (npm run docs:settings)', async () => {
    const readme = readFileSync(README, 'utf8');
    expect(await renderSettingsSection(readme), 'run npm run docs:settings').toBe(readme);
  });

  it('names every variable the code reads, and only those', () => {
    const documented = new Set(SETTINGS.map((s) => s.name));
    const read = variablesRead();
    expect([...read].filter((n) => !documented.has(n)).sort(), 'read but not in SETTINGS').toEqual([]);
    expect([...documented].filter((n) => !read.has(n)).sort(), 'in SETTINGS but never read').toEqual([]);
    expect(documented.size).toBe(SETTINGS.length);
  });
});
