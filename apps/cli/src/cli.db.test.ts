import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findUserByEmail, openDatabase, schema } from '@hoptrace/db';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/hoptrace.js', import.meta.url));
const data = (f: string) => fileURLToPath(new URL(`./testdata/${f}`, import.meta.url));
// The CLI is a door of its own: drive the real binary on an embedded database in a temporary directory.
const dir = mkdtempSync(join(tmpdir(), 'hoptrace-cli-'));
const env = { ...process.env, HOPTRACE_DATA_DIR: join(dir, 'data'), DATABASE_URL: '' };

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

// Each case starts the real binary several times (tsx and PGlite boot each time): slow on a loaded machine.
describe('the hoptrace command', { timeout: 180_000 }, () => {
  it('prints its version and help', async () => {
    expect((await hoptrace('--version')).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await hoptrace('--help');
    expect(help.code).toBe(0);
    for (const cmd of ['start', 'migrate', 'user', 'provider']) expect(help.stdout).toContain(cmd);
  });

  it('migrates, creates users, and refuses bad input with exit code 2 and a clear message', async () => {
    expect((await hoptrace('migrate')).stdout).toContain('migrations applied (pglite)');
    const ok = await hoptrace(
      'user',
      'create',
      '--email',
      'ana@example.test',
      '--role',
      'analyst',
      '--password',
      'a-long-password-1',
    );
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('created analyst ana@example.test');
    const dup = await hoptrace('user', 'create', '--email', 'ANA@example.test', '--role', 'analyst');
    expect(dup).toMatchObject({ code: 2 });
    expect(dup.stderr).toContain('already exists');
    const badRole = await hoptrace('user', 'create', '--email', 'x@example.test', '--role', 'wizard');
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('--role');
    const noProvider = await hoptrace('user', 'create', '--email', 'p@example.test', '--role', 'provider');
    expect(noProvider.code).toBe(2);
    expect(noProvider.stderr).toContain('--provider: a provider user must name its provider');
    const noAgency = await hoptrace('user', 'create', '--email', 'e@example.test', '--role', 'enforcement');
    expect(noAgency.code).toBe(2);
    expect(noAgency.stderr).toContain('--agency: an enforcement user must name its agency');
    const unknownAgency = await hoptrace(
      'user',
      'create',
      '--email',
      'e@example.test',
      '--role',
      'enforcement',
      '--agency',
      'State AG Robocall Unit (test)',
    );
    expect(unknownAgency.code).toBe(2);
    expect(unknownAgency.stderr).toContain('--agency: no agency named "State AG Robocall Unit (test)"');
    const badKind = await hoptrace('agency', 'create', '--name', 'X', '--kind', 'galactic');
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toContain('--kind');
    const ag = await hoptrace(
      'agency',
      'create',
      '--name',
      'State AG Robocall Unit (test)',
      '--kind',
      'state',
      '--jurisdiction',
      'Ohio',
    );
    expect(ag.code, ag.stderr).toBe(0);
    expect(ag.stdout).toContain('created agency State AG Robocall Unit (test)');
    const officer = await hoptrace(
      'user',
      'create',
      '--email',
      'e@example.test',
      '--role',
      'enforcement',
      '--agency',
      'State AG Robocall Unit (test)',
    );
    expect(officer.code, officer.stderr).toBe(0);
    expect(officer.stdout).toContain('for State AG Robocall Unit (test)');
    const shortPw = await hoptrace(
      'user',
      'create',
      '--email',
      's@example.test',
      '--role',
      'analyst',
      '--password',
      'short',
    );
    expect(shortPw.stderr).toContain('--password: must be at least 12 characters');
  });

  it('removes a lost second factor (user reset-mfa); an unknown email is refused', async () => {
    const database = await openDatabase({ dataDir: join(dir, 'data') });
    try {
      const ana = await findUserByEmail(database.db, 'ana@example.test');
      await database.db.insert(schema.userTotp).values({
        userId: ana!.id,
        secret: 'plain.JBSWY3DPEHPK3PXP',
        enabledAt: new Date(),
      });
    } finally {
      await database.close();
    }
    const reset = await hoptrace('user', 'reset-mfa', '--email', 'ANA@example.test');
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain('second factor of ana@example.test removed');
    const unknown = await hoptrace('user', 'reset-mfa', '--email', 'nobody@example.test');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--email: no user nobody@example.test');
  });

  it('imports providers from CSV, and a second import changes nothing', async () => {
    const first = await hoptrace('provider', 'import', data('providers-good.csv'));
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('2 created, 0 skipped, 0 invalid');
    const again = await hoptrace('provider', 'import', data('providers-good.csv'));
    expect(again.stdout).toContain('0 created, 2 skipped, 0 invalid');
  });

  it('refuses a file with invalid rows as a whole, naming each row and field', async () => {
    const r = await hoptrace('provider', 'import', data('providers-bad.csv'));
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('line 3: invalid');
    expect(r.stdout).toMatch(/line 4: invalid .*timezone/);
    expect(r.stdout).toMatch(/line 4: invalid .*contacts\.0\.email/);
    expect(r.stdout).toContain('nothing written');
    const skip = await hoptrace('provider', 'import', data('providers-bad.csv'), '--skip-invalid');
    expect(skip.code).toBe(0);
    expect(skip.stdout).toContain('1 created, 0 skipped, 2 invalid');
  });

  it('explains a file that is not a provider CSV, or missing', async () => {
    const other = join(dir, 'other.csv');
    writeFileSync(other, 'number,frn\nRMD1,2\n');
    const r = await hoptrace('provider', 'import', other);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the first line is not a header with a "name" column');
    // A file without its header row: the one provider line is not read as a header, nor as "0 created".
    const headless = join(dir, 'headless.csv');
    writeFileSync(headless, 'Fictional Telecom,,US,1234\n');
    const h = await hoptrace('provider', 'import', headless);
    expect(h.code).toBe(2);
    expect(h.stderr).toContain('expected a header row with the columns name, dba_names');
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    expect((await hoptrace('provider', 'import', empty)).stderr).toContain('the file is empty');
    const missing = await hoptrace('provider', 'import', join(dir, 'nope.csv'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.csv');
  });
});
