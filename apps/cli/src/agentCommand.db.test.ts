import { createServer, type AddressInfo } from 'node:net';
import { createTestDatabase } from '@hoptrace/db/testing';
import { createHarness, type Harness } from '@hoptrace/server/testing/harness';
import { formatInZone } from '@hoptrace/sim';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBinary, runMain, type CliResult } from './testing/cli';

const BIN = fileURLToPath(new URL('../bin/hoptrace.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hoptrace-agent-'));

/** `hoptrace ARGS` in this process (testing/cli.ts); the first case and the SIGHUP case run the real binary. */
const hoptrace = (...args: string[]): Promise<CliResult> => runMain(args);

describe('hoptrace agent', { timeout: 120_000 }, () => {
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

  const agentArgs = (...extra: string[]) => [
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
  ];
  const agent = (...extra: string[]) => hoptrace(...agentArgs(...extra));

  it('decides in dry-run mode without answering, then answers and logs the decision (the real binary)', async () => {
    const dry = await runBinary(agentArgs('--dry-run'));
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('"msg":"would answer (dry run)"');
    expect((await terminating.user.get(`/api/v1/hops/${hopId}`)).json()).toMatchObject({ status: 'pending' });

    const real = await runBinary(agentArgs());
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

  it('a refused key or an unreachable server: one clear line and exit 1, never exit 0 or a stack trace', async () => {
    const args = ['--records', join(dir, 'records.csv'), '--time-zone', 'UTC', '--once'];
    const wrongKey = await hoptrace('agent', '--url', url, '--key', 'htk_not-a-real-key', ...args);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('hoptrace agent: the server refused the API key (401)');
    expect(wrongKey.stderr).not.toMatch(/\n\s+at /);
    // A port nothing listens on: taken and let go again.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const down = await hoptrace('agent', '--url', `http://127.0.0.1:${port}`, '--key', 'x', ...args);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`hoptrace agent: cannot reach http://127.0.0.1:${port} (ECONNREFUSED)`);
    expect(down.stderr).not.toMatch(/\n\s+at /);
  });

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

  it('reads an Asterisk Master.csv in the switch zone and a generic CSV by mapping, and answers', async () => {
    const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 1_800_000);
    const res = await h.analyst.post('/api/v1/tracebacks', {
      call: {
        startedAt: startedAt.toISOString(),
        callingNumber: '+12025550143',
        calledNumber: '+13125550111',
      },
      firstProviderId: terminating.id,
    });
    const asteriskHop = res.json<{ hops: Array<{ id: string }> }>().hops[0]!.id;
    // cdr_csv's fixed positions, the start in the switch's wall clock (America/Chicago), a record
    // either side of the call so its moment is covered.
    const row = (offsetMs: number, src: string, dst: string, channel: string) => {
      const local = formatInZone(startedAt.getTime() + offsetMs, 'America/Chicago');
      return `"","${src}","${dst}","from-trunk","""Fictional"" <${src}>","${channel}","","Dial","","${local}","${local}","${local}",60,58,"ANSWERED","DOCUMENTATION","1.1",""`;
    };
    writeFileSync(
      join(dir, 'Master.csv'),
      [
        row(-120_000, '2025550100', '3125550100', 'SIP/trunk-b-00000001'),
        row(1000, '2025550143', '3125550111', 'PJSIP/trunk-a-00000002'),
        row(120_000, '2025550101', '3125550101', 'SIP/trunk-b-00000003'),
      ].join('\n'),
    );
    writeFileSync(join(dir, 'trunks.json'), JSON.stringify({ peers: { 'trunk-a': upstream.id } }));
    const asterisk = (...extra: string[]) =>
      hoptrace(
        'agent',
        '--url',
        url,
        '--key',
        terminating.user.key,
        '--records',
        join(dir, 'Master.csv'),
        '--cdr-format',
        'asterisk-csv',
        '--peer-map',
        join(dir, 'trunks.json'),
        '--tolerance-seconds',
        '10',
        '--once',
        ...extra,
      );
    const noZone = await asterisk('--check');
    expect(noZone.code).toBe(1);
    expect(noZone.stderr).toMatch(/Master\.csv line 1: start time .* has no time zone/);
    const check = await asterisk('--time-zone', 'America/Chicago', '--check');
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain('(Asterisk cdr_csv)');
    expect(check.stdout).toContain('unmapped peers: trunk-b');
    const run = await asterisk('--time-zone', 'America/Chicago');
    expect(run.code, run.stderr).toBe(0);
    expect((await terminating.user.get(`/api/v1/hops/${asteriskHop}`)).json()).toMatchObject({
      status: 'answered',
      answer: { kind: 'upstream', upstreamProviderId: upstream.id },
    });

    // A provider's own CSV read by a mapping (positions, epoch seconds).
    writeFileSync(
      join(dir, 'own.csv'),
      `${Math.floor(startedAt.getTime() / 1000) + 1};2025550143;3125550111;trunk-a\n`,
    );
    writeFileSync(
      join(dir, 'mapping.json'),
      JSON.stringify({
        columns: { start_time: 1, calling_number: 2, called_number: 3, inbound_peer: 4 },
        delimiter: ';',
        timeFormat: 'epoch',
      }),
    );
    const generic = await hoptrace(
      'agent',
      '--url',
      url,
      '--key',
      terminating.user.key,
      '--records',
      join(dir, 'own.csv'),
      '--cdr-format',
      'generic',
      '--mapping',
      join(dir, 'mapping.json'),
      '--peer-map',
      join(dir, 'trunks.json'),
      '--check',
    );
    expect(generic.code, generic.stderr).toBe(0);
    expect(generic.stdout).toContain('sampled: 1 record(s)');
    expect(generic.stdout).toContain('unmapped peers: none');
  });

  it('refuses a format on the wrong kind of source, generic without a mapping, and a bad mapping, with exit 2', async () => {
    const base = ['agent', '--url', url, '--key', 'x', '--records', join(dir, 'records.csv')];
    const table = await hoptrace(...base, '--cdr-format', 'kamailio-acc');
    expect(table.code).toBe(2);
    expect(table.stderr).toContain('--cdr-format kamailio-acc is a table: give --pg-url URL --pg-table acc');
    const file = await hoptrace(
      'agent',
      '--url',
      url,
      '--key',
      'x',
      '--pg-url',
      'postgresql://127.0.0.1:1/x',
      '--pg-table',
      'cdr',
      '--cdr-format',
      'asterisk-csv',
    );
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('--cdr-format asterisk-csv is a file: give --records FILE');
    const noMapping = await hoptrace(...base, '--cdr-format', 'generic');
    expect(noMapping.code).toBe(2);
    expect(noMapping.stderr).toContain('--cdr-format generic needs --mapping FILE');
    writeFileSync(join(dir, 'bad-mapping.json'), JSON.stringify({ columns: { start_time: 'a' } }));
    const badMapping = await hoptrace(
      ...base,
      '--cdr-format',
      'generic',
      '--mapping',
      join(dir, 'bad-mapping.json'),
    );
    expect(badMapping.code).toBe(2);
    expect(badMapping.stderr).toContain('columns.calling_number');
    const unknown = await hoptrace(...base, '--cdr-format', 'opensips');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--cdr-format must be one of hoptrace, asterisk-csv');
  });

  it("refuses a Kamailio mapping without acc's extra columns, with exit 2", async () => {
    const base = ['agent', '--url', url, '--key', 'x', '--records', join(dir, 'records.csv')];
    // A kamailio.cfg without acc's log_extra says nothing of where the numbers are.
    writeFileSync(join(dir, 'kamailio.cfg'), '#!KAMAILIO\nloadmodule "acc.so"\n');
    const noExtra = await hoptrace(
      ...base,
      '--cdr-format',
      'kamailio-acc-log',
      '--mapping',
      join(dir, 'kamailio.cfg'),
    );
    expect(noExtra.code).toBe(2);
    expect(noExtra.stderr).toContain('neither JSON nor a kamailio.cfg with modparam("acc", "log_extra", …)');
  });

  it('reloads the peer map on SIGHUP and when its file changes, keeping the old one when the new does not read', async () => {
    const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 1_200_000);
    const iso = (offsetMs: number) => new Date(startedAt.getTime() + offsetMs).toISOString();
    writeFileSync(
      join(dir, 'reload.csv'),
      [
        'start_time,calling_number,called_number,inbound_peer',
        `${iso(-120_000)},2025550100,3125550100,trunk-x`,
        `${iso(1000)},2025550143,3125550122,trunk-r`,
        `${iso(120_000)},2025550101,3125550101,trunk-x`,
      ].join('\n'),
    );
    const mapFile = join(dir, 'reload-peers.json');
    writeFileSync(mapFile, JSON.stringify({ peers: {} }));
    const child = spawn(process.execPath, [
      BIN,
      'agent',
      '--url',
      url,
      '--key',
      terminating.user.key,
      '--records',
      join(dir, 'reload.csv'),
      '--peer-map',
      mapFile,
      '--tolerance-seconds',
      '10',
      '--poll-seconds',
      '1',
    ]);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const until = async (what: RegExp) => {
      for (let i = 0; i < 150 && !what.test(out); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(what);
    };
    try {
      await until(/"msg":"agent started"/);
      writeFileSync(mapFile, '{"peers": {"trunk-r": "not-an-id"}}');
      child.kill('SIGHUP');
      await until(/peer map not reloaded: the previous one stays in force.*peers\.trunk-r/);
      writeFileSync(mapFile, JSON.stringify({ peers: { 'trunk-r': upstream.id } }));
      child.kill('SIGHUP');
      await until(/"msg":"peer map reloaded","why":"SIGHUP","peers":1/);
      const res = await h.analyst.post('/api/v1/tracebacks', {
        call: {
          startedAt: startedAt.toISOString(),
          callingNumber: '+12025550143',
          calledNumber: '+13125550122',
        },
        firstProviderId: terminating.id,
      });
      const reloadHop = res.json<{ hops: Array<{ id: string }> }>().hops[0]!.id;
      await until(new RegExp(`"msg":"answered","hopId":"${reloadHop}"`));
      expect((await terminating.user.get(`/api/v1/hops/${reloadHop}`)).json()).toMatchObject({
        answer: { kind: 'upstream', upstreamProviderId: upstream.id },
      });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
