import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runBinary, runMain } from './testing/cli';

const data = (f: string) => fileURLToPath(new URL(`./testdata/${f}`, import.meta.url));
// On an embedded database in a temporary directory: the command in this process as bin/hoptrace.js runs it
// (testing/cli.ts), and the real binary for the first import.
const dir = mkdtempSync(join(tmpdir(), 'hoptrace-calls-'));
const env = { HOPTRACE_DATA_DIR: join(dir, 'data'), DATABASE_URL: '' };
const hoptrace = (...args: string[]) => runMain(args, env);
const binary = (...args: string[]) => runBinary(args, env);

interface Exported {
  externalId: string;
  id: string;
  campaignId: string | null;
  assignment: 'campaign' | 'legitimate' | 'candidate' | 'unassigned';
}

async function exported(source: string): Promise<Exported[]> {
  const out = join(dir, `${source}.jsonl`);
  const r = await hoptrace('calls', 'export', '--source', source, '--out', out);
  expect(r.code, r.stderr).toBe(0);
  const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
  expect(r.stdout).toContain(`${lines.length} calls written to ${out}`);
  return lines.map((l) => JSON.parse(l) as Exported);
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hoptrace calls', { timeout: 240_000 }, () => {
  it('imports a CSV, reporting refused rows by line and field, and stores the good ones', async () => {
    const r = await binary('calls', 'import', data('calls-mixed.csv'), '--source', 'trap-csv');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'line 5 (hp-3): refused: column started_at: "2026-02-30" is not a calendar day',
    );
    expect(r.stdout).toContain('line 7: refused: row: has 2 fields where the header has 7');
    expect(r.stdout).toMatch(/trap-csv \(new source\): 3 accepted, 0 already known, 2 refused/);
    const calls = await exported('trap-csv');
    expect(calls.map((c) => c.externalId).sort()).toEqual(['hp-1', 'hp-2', 'hp-4']);
    for (const c of calls) {
      expect(c).toHaveProperty('campaignId', null);
      expect(c.assignment).toBe('unassigned');
    }

    const again = await hoptrace('calls', 'import', data('calls-mixed.csv'), '--source', 'trap-csv');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/trap-csv: 0 accepted, 3 already known, 2 refused/);
    expect(await exported('trap-csv')).toHaveLength(3);
  });

  it('with --strict refuses the whole file (exit 2) and stores nothing', async () => {
    const r = await hoptrace(
      'calls',
      'import',
      data('calls-mixed.csv'),
      '--source',
      'trap-strict',
      '--strict',
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('line 5 (hp-3): refused: column started_at');
    expect(r.stdout).toContain('0 accepted, 0 already known, 2 refused; nothing written (--strict)');
    // Not even the source it named for the first time is kept.
    const none = await hoptrace('calls', 'export', '--source', 'trap-strict');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('call source "trap-strict" not found');
  });

  it('imports JSONL, by extension or with --format', async () => {
    const r = await hoptrace('calls', 'import', data('calls.jsonl'), '--source', 'trap-jsonl');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/3 accepted, 0 already known, 0 refused/);
    const copy = join(dir, 'calls-jsonl.data');
    writeFileSync(copy, readFileSync(data('calls.jsonl')));
    const named = await hoptrace('calls', 'import', copy, '--source', 'trap-jsonl', '--format', 'jsonl');
    expect(named.stdout).toMatch(/0 accepted, 3 already known, 0 refused/);
    expect((await exported('trap-jsonl')).map((c) => c.externalId).sort()).toEqual(['j-1', 'j-2', 'j-3']);
  });

  it('refuses a missing file, a folder and a name it cannot read a format from, with exit 2', async () => {
    const missing = await hoptrace('calls', 'import', join(dir, 'nope.csv'), '--source', 'trap-x');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`hoptrace: cannot read ${join(dir, 'nope.csv')}: no such file\n`);
    const folder = join(dir, 'folder.csv');
    mkdirSync(folder);
    const isDir = await hoptrace('calls', 'import', folder, '--source', 'trap-x');
    expect(isDir.code).toBe(2);
    expect(isDir.stderr).toContain('folder.csv: it is a folder, not a file');
    const unknown = await hoptrace('calls', 'import', data('calls-unknown.txt'), '--source', 'trap-x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'cannot tell the format from the name; pass --format csv or --format jsonl',
    );
    const badFormat = await hoptrace(
      'calls',
      'import',
      data('calls-unknown.txt'),
      '--source',
      'trap-x',
      '--format',
      'xls',
    );
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('--format must be csv or jsonl, got "xls"');
    const badSource = await hoptrace('calls', 'import', data('calls.jsonl'), '--source', 'has space');
    expect(badSource.code).toBe(2);
    expect(badSource.stderr).toContain('--source:');
  });

  it('refuses a file with broken quoting with exit 2, naming the line', async () => {
    const r = await hoptrace('calls', 'import', data('calls-broken-quoting.csv'), '--source', 'trap-broken');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/calls-broken-quoting\.csv: line 3: text after a closing quote/);
  });

  it('detects campaigns; then every exported call has a campaign or says where it stands', async () => {
    const scripts = [
      (i: number) =>
        `Hello this is an important message about your car's extended warranty. Press one now to speak with an agent, reference ${1000 + i}.`,
      (i: number) =>
        `This is the Social Security Administration. Your number has been suspended due to suspicious activity. Call us back at 888-555-01${String(i % 100).padStart(2, '0')} immediately.`,
    ];
    const lines: string[] = [];
    for (let i = 0; i < 24; i++)
      lines.push(
        JSON.stringify({
          externalId: `cd-${i}`,
          startedAt: new Date(Date.UTC(2026, 10, 20, 9, i * 7)).toISOString(),
          callingNumber: `+1312555${String(1000 + i).slice(-4)}`,
          calledNumber: '+16465550199',
          transcript: scripts[i % 2]!(i),
        }),
      );
    lines.push(JSON.stringify({ externalId: 'cd-silent', startedAt: '2026-11-20T12:00:00Z' }));
    const file = join(dir, 'campaign-set.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const imported = await hoptrace('calls', 'import', file, '--source', 'trap-campaigns');
    expect(imported.stdout, imported.stderr).toMatch(/25 accepted/);

    const detect = await hoptrace('campaigns', 'detect');
    expect(detect.code, detect.stderr).toBe(0);
    expect(detect.stdout).toMatch(/\d+ calls in \d+ batches/);

    const calls = await exported('trap-campaigns');
    expect(calls).toHaveLength(25);
    for (const c of calls) {
      expect(c, c.externalId).toHaveProperty('externalId');
      expect(['campaign', 'legitimate', 'candidate', 'unassigned'], c.externalId).toContain(c.assignment);
      if (c.assignment === 'campaign' || c.assignment === 'legitimate')
        expect(c.campaignId).toMatch(/^[0-9a-f-]{36}$/);
      else expect(c.campaignId).toBeNull();
    }
    expect(calls.find((c) => c.externalId === 'cd-silent')!.assignment).toBe('unassigned');
    // Twelve calls of each script: each script is one campaign.
    const scripted = calls.filter((c) => c.externalId !== 'cd-silent');
    const campaignOf = (i: number) => scripted.find((c) => c.externalId === `cd-${i}`)!.campaignId;
    expect(scripted.every((c) => c.assignment === 'campaign')).toBe(true);
    expect(new Set(scripted.map((c) => c.campaignId)).size).toBe(2);
    for (let i = 2; i < 24; i++) expect(campaignOf(i), `cd-${i}`).toBe(campaignOf(i % 2));
    // Every call of the source was exported once.
    expect(new Set(calls.map((c) => c.id)).size).toBe(25);
  });

  it('refuses to export a source that does not exist', async () => {
    const r = await hoptrace('calls', 'export', '--source', 'no-such-trap');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no-such-trap');
  });
});
