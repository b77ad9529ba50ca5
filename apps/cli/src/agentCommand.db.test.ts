import { createTestDatabase } from '@hoptrace/db/testing';
import { createHarness, type Harness } from '@hoptrace/server/testing/harness';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/hoptrace.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hoptrace-agent-'));

async function hoptrace(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('hoptrace agent', () => {
  let h: Harness;
  let url: string;
  let terminating: Awaited<ReturnType<Harness['provider']>>;
  let upstream: Awaited<ReturnType<Harness['provider']>>;
  let hopId: string;
  let uncoveredHopId: string;

  beforeAll(async () => {
    // The agent talks to a real socket, so the clock is the present.
    h = await createHarness(new Date().toISOString());
    terminating = await h.provider();
    upstream = await h.provider();
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    const res = await h.analyst.post('/api/v1/tracebacks', {
      call: {
        startedAt: startedAt.toISOString(),
        callingNumber: '+12025550143',
        calledNumber: '+13125550188',
      },
      firstProviderId: terminating.id,
    });
    hopId = res.json<{ hops: Array<{ id: string }> }>().hops[0]!.id;
    // A call the records say nothing about, at a moment they do not cover (none before it).
    const uncovered = await h.analyst.post('/api/v1/tracebacks', {
      call: {
        startedAt: startedAt.toISOString(),
        callingNumber: '+12025550143',
        calledNumber: '+13125550199',
      },
      firstProviderId: terminating.id,
    });
    uncoveredHopId = uncovered.json<{ hops: Array<{ id: string }> }>().hops[0]!.id;
    // The provider's switch writes numbers its own way and its clock is 1.5 s off.
    writeFileSync(
      join(dir, 'records.csv'),
      [
        'start_time,calling_number,called_number,inbound_peer,outbound_peer',
        `${new Date(startedAt.getTime() + 1500).toISOString()},(202) 555-0143,3125550188,TG7,SUBSCRIBER`,
        `${new Date(startedAt.getTime() + 90_000).toISOString()},(202) 555-0143,3125550188,TG8,SUBSCRIBER`,
      ].join('\n'),
    );
    writeFileSync(join(dir, 'peers.json'), JSON.stringify({ peers: { TG7: upstream.id } }));
    // A switch writing its local time without a zone.
    writeFileSync(
      join(dir, 'local.csv'),
      'start_time,calling_number,called_number,inbound_peer\n2026-11-01 08:03:01,2025550143,3125550188,TG7\n',
    );
    writeFileSync(join(dir, 'bad-peers.json'), JSON.stringify({ peers: { TG7: 'not-an-id' } }));
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const agent = (...extra: string[]) =>
    hoptrace(
      'agent',
      '--url',
      url,
      '--key',
      terminating.user.key,
      '--records',
      join(dir, 'records.csv'),
      '--peer-map',
      join(dir, 'peers.json'),
      '--tolerance-seconds',
      '10',
      '--once',
      ...extra,
    );

  it('decides in dry-run mode without answering, then answers and logs the decision', async () => {
    const dry = await agent('--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('"msg":"would answer (dry run)"');
    expect((await terminating.user.get(`/api/v1/hops/${hopId}`)).json()).toMatchObject({ status: 'pending' });

    const real = await agent();
    expect(real.code, real.stderr).toBe(0);
    const line = real.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'answered');
    expect(line).toMatchObject({ hopId, answer: { kind: 'upstream', upstreamProviderId: upstream.id } });
    expect((await terminating.user.get(`/api/v1/hops/${hopId}`)).json()).toMatchObject({
      status: 'answered',
      answer: { kind: 'upstream', upstreamProviderId: upstream.id },
    });
  });

  it('hands a call its records do not cover to a person instead of answering not_found', async () => {
    const run = await agent();
    expect(run.code, run.stderr).toBe(0);
    const line = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.hopId === uncoveredHopId);
    expect(line).toMatchObject({ msg: 'left for a person', reason: 'no_coverage' });
    expect(line?.detail).toMatch(/^no call records between .* UTC time/);
    expect((await terminating.user.get(`/api/v1/hops/${uncoveredHopId}`)).json()).toMatchObject({
      status: 'pending',
    });
  });

  it('--check reports the records and exits; unreadable records stop the agent with exit 1 and no stack trace', async () => {
    const ok = await agent('--check');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('sampled: 2 record(s)');
    expect(ok.stdout).toContain('unmapped peers: TG8');
    expect(ok.stdout).toContain('check passed');
    for (const extra of [[], ['--check']]) {
      const local = await hoptrace(
        'agent',
        '--url',
        url,
        '--key',
        terminating.user.key,
        '--records',
        join(dir, 'local.csv'),
        '--once',
        ...extra,
      );
      expect(local.code).toBe(1);
      expect(local.stderr).toContain('local.csv line 2: start time "2026-11-01 08:03:01" has no time zone');
      expect(local.stderr).toContain('--time-zone');
      expect(local.stderr).not.toMatch(/\n\s+at /);
    }
    const zoned = await hoptrace(
      'agent',
      '--url',
      url,
      '--key',
      terminating.user.key,
      '--records',
      join(dir, 'local.csv'),
      '--time-zone',
      'America/Chicago',
      '--check',
    );
    expect(zoned.code, zoned.stderr).toBe(0);
    expect(zoned.stdout).toContain('from 2026-11-01 08:03:01 to 2026-11-01 08:03:01 America/Chicago time');
    const badZone = await agent('--time-zone', 'Mars/Olympus', '--check');
    expect(badZone.code).toBe(2);
    expect(badZone.stderr).toContain('"Mars/Olympus" is not a time zone name');
  });

  it.skipIf(!process.env.DATABASE_URL)(
    '--check reports a table without the needed columns with exit 1',
    async () => {
      // A PostgreSQL of the test's own where the table named is not a call records table.
      const database = await createTestDatabase();
      try {
        const res = await hoptrace(
          'agent',
          '--url',
          url,
          '--key',
          terminating.user.key,
          '--pg-url',
          database.url!,
          '--pg-table',
          'providers',
          '--check',
        );
        expect(res.code).toBe(1);
        expect(res.stdout).toMatch(
          /problem: providers has no start_time column \(the call time\); it has id, /,
        );
        expect(res.stderr).toContain('the records check failed');
        expect(res.stderr).not.toMatch(/\n\s+at /);
      } finally {
        await database.close();
      }
    },
  );

  it('refuses bad options with exit code 2 and a message naming the problem', async () => {
    const noRecords = await hoptrace('agent', '--url', url, '--key', 'x');
    expect(noRecords.code).toBe(2);
    expect(noRecords.stderr).toContain('--records');
    const badMap = await hoptrace(
      'agent',
      '--url',
      url,
      '--key',
      'x',
      '--records',
      join(dir, 'records.csv'),
      '--peer-map',
      join(dir, 'bad-peers.json'),
    );
    expect(badMap.code).toBe(2);
    expect(badMap.stderr).toContain('peers.TG7');
    const both = await hoptrace(
      'agent',
      '--url',
      url,
      '--key',
      'x',
      '--records',
      join(dir, 'records.csv'),
      '--webhook-port',
      '0',
      '--poll-seconds',
      '5',
    );
    expect(both.code).toBe(2);
  });
});
