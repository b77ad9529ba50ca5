import { normalizePhoneNumber } from './contracts';
import { formatPhone } from './phone';

export type PhonePreview =
  { kind: 'empty' } | { kind: 'ok'; e164: string; display: string } | { kind: 'error'; message: string };

/**
 * What a typed or pasted number will be stored as, or why it will be refused,
 * as the user types: the same normalisation the API applies.
 */
export function previewPhone(input: string): PhonePreview {
  if (!input.trim()) return { kind: 'empty' };
  const r = normalizePhoneNumber(input);
  if (!r.ok) return { kind: 'error', message: `This ${r.reason}` };
  return { kind: 'ok', e164: r.e164, display: formatPhone(r.e164) };
}
