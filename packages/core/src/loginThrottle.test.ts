import { describe, expect, it } from 'vitest';
import { ACCOUNT_THROTTLE, ADDRESS_THROTTLE, blockMs, loginThrottleKeys } from './loginThrottle';
import { weakPasswordReason } from './passwords';

describe('the sign-in throttle', () => {
  it('lets the free failures through, then doubles the wait up to its cap', () => {
    expect([5, 6, 7, 8].map((n) => blockMs(ADDRESS_THROTTLE, n))).toEqual([0, 1_000, 2_000, 4_000]);
    expect(blockMs(ADDRESS_THROTTLE, 1_000)).toBe(15 * 60_000);
    expect(blockMs(ACCOUNT_THROTTLE, 10)).toBe(0);
    expect(blockMs(ACCOUNT_THROTTLE, 11)).toBe(1_000);
    expect(blockMs(ACCOUNT_THROTTLE, 40)).toBe(5 * 60_000);
  });

  it('keys rows by hashes that hold neither the email nor the address, one account in any case', () => {
    const keys = loginThrottleKeys('Analyst@Example.test', '198.51.100.7');
    expect(JSON.stringify(keys)).not.toMatch(/analyst|example|198/i);
    expect(loginThrottleKeys(' analyst@example.TEST', '198.51.100.7')).toEqual(keys);
    expect(loginThrottleKeys('analyst@example.test', '198.51.100.8').account).toBe(keys.account);
    expect(loginThrottleKeys('analyst@example.test', '198.51.100.8').pair).not.toBe(keys.pair);
  });
});

describe('password strength', () => {
  it('refuses common and guessable passwords and the user’s own details, and says why', () => {
    for (const weak of ['Password1234', 'qwertyuiop123', '1234567890ab', 'correcthorse1'])
      expect(weakPasswordReason(weak), weak).toMatch(/too easy to guess/);
    expect(weakPasswordReason('maria.gonzalez@carrier.example', ['maria.gonzalez@carrier.example'])).toMatch(
      /personal/,
    );
    expect(weakPasswordReason('amber-orchard-telescope-7')).toBeNull();
  });
});
