import { Writable } from 'node:stream';
import { buildNetwork } from '@hoptrace/sim';
import { describe, expect, it } from 'vitest';
import { main } from './main';
import { progressBar } from './rmdImport';
import { formatDuration, simulate, simulateLoop } from './simulateCommand';

const MINUTE = 60_000;

describe('hoptrace simulate', () => {
  it('runs a scenario with agents through the API and prints the outcome mix and time to outcome', async () => {
    let printed = '';
    // Progress on stderr (issue 19.8): not a terminal, a line at each tenth of the tracebacks opened.
    let progress = '';
    const stderr = new Writable({
      write(chunk: Buffer, _enc, done) {
        progress += chunk.toString();
        done();
      },
    });
    const summary = await simulate({ tracebacks: 40, seed: 3, out: (s) => (printed += s), stderr });
    expect(progress.split('\n').filter(Boolean)).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((t) => `${t * 10}%: ${t * 4} tracebacks opened`),
    );
    expect(summary.tracebacks).toBe(40);
    expect(summary.answers.wrong_upstream).toBe(0);
    expect(summary.answers.agent).toBeGreaterThan(0);
    expect(Object.values(summary.outcomes).reduce((a, b) => a + b, 0)).toBe(40);
    expect(printed).toContain('outcome mix');
    expect(printed).toMatch(/median \d/);
    expect(printed).toMatch(/p99 +\d/);
  }, 120_000);

  it('runs the campaign loop: each campaign detected from its calls, traced within a period, to its true origin', async () => {
    let printed = '';
    const seed = 5;
    const { summary, campaigns } = await simulateLoop({
      days: 1,
      campaigns: 3,
      callsPerDay: 600,
      seed,
      out: (s) => (printed += s),
    });
    const network = buildNetwork({ seed, campaigns: 3 });
    // Campaigns that called the honeypots enough for detection to find them, whatever their variants.
    const heard = campaigns.filter((c) => c.calls >= 20);
    expect(heard.length).toBeGreaterThanOrEqual(2);
    for (const c of heard) {
      expect(c.detectedAt, c.name).not.toBeNull();
      expect(c.openedAt, c.name).not.toBeNull();
      // Detection needs five calls; auto-open runs every 5 minutes (the policy's default) after it.
      expect(c.detectedAt!.getTime()).toBeGreaterThanOrEqual(c.fifthCallAt!.getTime());
      expect(c.openedAt!.getTime() - c.detectedAt!.getTime()).toBeLessThanOrEqual(5 * MINUTE);
      const origin = network.campaigns.find((k) => k.key === c.key)!.originProviderKey;
      expect(c.origins.map((o) => o.providerKey)).toEqual(c.origins.map(() => origin));
    }
    expect(summary.opened).toBe(heard.length);
    expect(summary.originAnswers.total).toBeGreaterThan(0);
    expect(summary.outcomes.origin_identified).toBeGreaterThan(0);
    expect(summary.answers.wrong_upstream).toBe(0);
    // The honeypots received the calls signed: auto-open traced verified calls and asked their signers.
    expect(summary.signerHops).toBeGreaterThan(0);
    expect(printed).toMatch(/first call → signer's origin +median .*signer hops\)/);
    // Lawful senders and one-off calls were kept out: every traceback traces a campaign's call.
    expect(campaigns.reduce((n, c) => n + c.tracebacks, 0)).toBe(summary.tracebacks);
    expect(printed).toMatch(/first call → traceback opened +median \d/);
    expect(printed).toMatch(/first call → origin identified +median /);
  }, 120_000);

  it('refuses options of the other mode and out-of-range numbers with exit code 2', async () => {
    expect(await main(['node', 'hoptrace', 'simulate', '--loop', '--tracebacks', '5'])).toBe(2);
    expect(await main(['node', 'hoptrace', 'simulate', '--days', '2'])).toBe(2);
    expect(await main(['node', 'hoptrace', 'simulate', '--loop', '--campaigns', '99'])).toBe(2);
  });

  it('draws the progress bar in place on a terminal', () => {
    let drawn = '';
    const tty = Object.assign(
      new Writable({
        write(chunk: Buffer, _enc, done) {
          drawn += chunk.toString();
          done();
        },
      }),
      { isTTY: true },
    );
    const bar = progressBar(tty, { unit: 'tracebacks opened', lines: true });
    for (let i = 1; i <= 4; i++) bar.update({ bytesRead: i, totalBytes: 4, records: i });
    bar.done();
    expect(drawn).toBe(
      [1, 2, 3, 4]
        .map(
          (i) =>
            `\r[${'#'.repeat(Math.round((i / 4) * 30)).padEnd(30, '.')}] ${String(i * 25).padStart(3)}%  ${i} tracebacks opened`,
        )
        .join('') + '\n',
    );
  });

  it('formats durations for people', () => {
    expect(formatDuration(1500)).toBe('1.5 s');
    expect(formatDuration(90 * 60_000)).toBe('1.5 h');
    expect(formatDuration(3 * 86_400_000)).toBe('3.0 d');
  });
});
