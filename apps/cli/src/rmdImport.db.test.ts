import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/hoptrace.js', import.meta.url));
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const EXPORT = path.resolve(root, '../shared/data/rmd/rmd-export-2025-01.csv');
const BAD = path.resolve(root, 'packages/registry/src/testdata/rmd-missing-columns.csv');
if (!existsSync(EXPORT)) {
  if (process.env.CI === 'true') throw new Error(`RMD data missing: ${EXPORT}`);
  console.log(`skipping the CLI RMD import test: ${EXPORT} is absent`);
}
const dir = mkdtempSync(path.join(tmpdir(), 'hoptrace-rmd-'));
const env = { ...process.env, HOPTRACE_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '' };

async function hoptrace(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hoptrace rmd import', () => {
  it('refuses a file that is not a usable RMD export with exit code 2, naming the problem', async () => {
    const res = await hoptrace('rmd', 'import', BAD);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/refused, nothing imported: .*missing/i);
    expect((await hoptrace('rmd', 'import', path.join(dir, 'nope.csv'))).stderr).toMatch(/no such file/);
  }, 90_000);

  it.skipIf(!existsSync(EXPORT))(
    'imports the export and reports what changed; a second run changes nothing',
    async () => {
      const first = await hoptrace('rmd', 'import', EXPORT, '--noticed-at', '2025-01-31');
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(
        /\d+ filings read \(keyed by filingNumber\): \d+ added, 0 changed, 0 removed/,
      );
      const second = await hoptrace('rmd', 'import', EXPORT);
      expect(second.stdout).toMatch(/: 0 added, 0 changed, 0 removed, \d+ unchanged/);
    },
    120_000,
  );
});
