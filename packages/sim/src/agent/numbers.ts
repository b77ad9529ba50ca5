import { normalizePhoneNumber } from '@hoptrace/contracts';

export type SwitchNumber = { ok: true; e164: string } | { ok: false; anonymous: boolean; reason: string };

const ANONYMOUS = /^(anonymous|restricted|private|unavailable|unknown|withheld)$/i;

/**
 * A number as a switch writes it, as E.164: `sip:+12025550143@10.0.0.1;user=phone`,
 * `<tel:+1-202-555-0143;npdi;rn=+12025559999>`, `"Name" <sip:2025550143@host>`, `0012025550143`,
 * `01112025550143`. `anonymous` and its kin are reported as such (the real number, if any, is in
 * P-Asserted-Identity), never read as a number.
 */
export function normalizeSwitchNumber(raw: string): SwitchNumber {
  let s = raw.trim();
  const angle = /<([^>]*)>/.exec(s);
  if (angle) s = angle[1]!.trim();
  s = s.replace(/^(sips?|tel):/i, '');
  // The user part: parameters (`;npdi`, `;rn=…`, `;user=phone`), headers (`?…`) and `@host` go.
  s = s.split('@')[0]!.split(';')[0]!.split('?')[0]!.trim();
  if (s === '' || ANONYMOUS.test(s))
    return { ok: false, anonymous: true, reason: `"${raw}" is anonymous (no number shown)` };
  if (/^(011|00)\d/.test(s.replace(/[\s.\-()]/g, '')))
    s = `+${s.replace(/[\s.\-()]/g, '').replace(/^(011|00)/, '')}`;
  const r = normalizePhoneNumber(s);
  return r.ok ? { ok: true, e164: r.e164 } : { ok: false, anonymous: false, reason: `"${raw}" ${r.reason}` };
}

/** E.164, or null when the number cannot be read (anonymous included). */
export function switchNumberOrNull(raw: string): string | null {
  const r = normalizeSwitchNumber(raw);
  return r.ok ? r.e164 : null;
}
