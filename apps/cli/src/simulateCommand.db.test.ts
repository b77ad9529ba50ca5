import { describe, expect, it } from 'vitest';
import { formatDuration, simulate } from './simulateCommand';

describe('hoptrace simulate', () => {
  it('runs a scenario with agents through the API and prints the outcome mix and time to outcome', async () => {
    let printed = '';
    const summary = await simulate({ tracebacks: 40, seed: 3, out: (s) => (printed += s) });
    expect(summary.tracebacks).toBe(40);
    expect(summary.answers.wrong_upstream).toBe(0);
    expect(summary.answers.agent).toBeGreaterThan(0);
    expect(Object.values(summary.outcomes).reduce((a, b) => a + b, 0)).toBe(40);
    expect(printed).toContain('outcome mix');
    expect(printed).toMatch(/median \d/);
    expect(printed).toMatch(/p99 +\d/);
  }, 120_000);

  it('formats durations for people', () => {
    expect(formatDuration(1500)).toBe('1.5 s');
    expect(formatDuration(90 * 60_000)).toBe('1.5 h');
    expect(formatDuration(3 * 86_400_000)).toBe('3.0 d');
  });
});
