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
