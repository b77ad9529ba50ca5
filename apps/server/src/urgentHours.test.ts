import { describe, expect, it } from 'vitest';
import { ConfigError, urgentHoursFromEnv } from './server';

describe('HOPTRACE_URGENT_HOURS', () => {
  it('defaults to 4 and takes whole hours from 1 to 72', () => {
    expect(urgentHoursFromEnv({})).toBe(4);
    expect(urgentHoursFromEnv({ HOPTRACE_URGENT_HOURS: ' 2 ' })).toBe(2);
    expect(urgentHoursFromEnv({ HOPTRACE_URGENT_HOURS: '72' })).toBe(72);
  });

  it('refuses anything else, naming the variable', () => {
    for (const v of ['0', '73', '1.5', 'four', '-3'])
      expect(() => urgentHoursFromEnv({ HOPTRACE_URGENT_HOURS: v }), v).toThrow(/HOPTRACE_URGENT_HOURS/);
    expect(() => urgentHoursFromEnv({ HOPTRACE_URGENT_HOURS: 'x' })).toThrow(ConfigError);
  });
});
