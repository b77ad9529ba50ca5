/**
 * Telephone-number comparison between a PASSporT and the call it rides on.
 *
 * The rule: reduce both sides to digits, then they match when the digit strings are equal, or when
 * one is a 10-digit NANP number and the other is the same number with the country code 1 in front
 * (`2025550143` = `12025550143` = `+1 (202) 555-0143`). No other prefix is dropped: `442079460958`
 * does not match `2079460958`, because guessing at national prefixes outside NANP would let a
 * PASSporT for one number vouch for another.
 */

const SIP_USER = /^(?:<)?(?:sips?|tel):([^@;>?]*)/i;

/**
 * Digits of a number as written in a PASSporT or a SIP header: accepts plain numbers,
 * `+1-202-555-0143`, `tel:+12025550143`, `sip:+12025550143@host;user=phone` and `<sip:...>`.
 * Returns the empty string when there are no digits.
 */
export function tnDigits(value: string): string {
  if (typeof value !== 'string') return '';
  const trimmed = value.trim();
  const match = SIP_USER.exec(trimmed);
  const user = match ? (match[1] ?? '') : trimmed;
  return user.replace(/\D/g, '');
}

export function tnMatches(a: string, b: string): boolean {
  const x = tnDigits(a);
  const y = tnDigits(b);
  if (x === '' || y === '') return false;
  if (x === y) return true;
  return (x.length === 10 && y === `1${x}`) || (y.length === 10 && x === `1${y}`);
}

/** A `tn` claim value: digits, optionally with a leading `+` (not canonical, but harmless). */
export function isTnClaim(value: string): boolean {
  return typeof value === 'string' && /^\+?[0-9]{1,15}$/.test(value);
}
