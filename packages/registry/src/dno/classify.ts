import { parsePhoneNumberFromString, validatePhoneNumberLength } from 'libphonenumber-js';

export type InvalidNumberReason =
  | 'empty'
  | 'non_digits'
  | 'too_short'
  | 'too_long'
  | 'invalid_area_code'
  | 'invalid_exchange'
  | 'invalid_country_code'
  | 'not_possible';

export const INVALID_NUMBER_REASONS: readonly InvalidNumberReason[] = [
  'empty',
  'non_digits',
  'too_short',
  'too_long',
  'invalid_area_code',
  'invalid_exchange',
  'invalid_country_code',
  'not_possible',
];

export type NumberClass =
  { kind: 'valid'; e164: string } | { kind: 'invalid'; reason: InvalidNumberReason; message: string };

// Separators people type between digit groups; anything else (letters, "ext", "#") is refused.
const TYPED_NUMBER = /^\+?[\d\s().\-/]+$/;

function invalid(reason: InvalidNumberReason, message: string): NumberClass {
  return { kind: 'invalid', reason, message };
}

/**
 * NANP structure, NPA-NXX-XXXX with N = 2–9, checked here rather than by libphonenumber: its
 * "possible" test only counts digits, and its "valid" test rejects area codes opened after its
 * metadata was built. N11 area codes are service codes (211 … 911) and never assigned.
 */
function nanp(ten: string): NumberClass {
  const npa = ten.slice(0, 3);
  if (npa[0] === '0' || npa[0] === '1')
    return invalid('invalid_area_code', `area code ${npa} cannot start with 0 or 1`);
  if (npa[1] === '1' && npa[2] === '1')
    return invalid('invalid_area_code', `${npa} is an N11 service code, not an area code`);
  const nxx = ten.slice(3, 6);
  if (nxx[0] === '0' || nxx[0] === '1')
    return invalid('invalid_exchange', `exchange ${nxx} cannot start with 0 or 1`);
  return { kind: 'valid', e164: `+1${ten}` };
}

function international(digits: string): NumberClass {
  if (digits.startsWith('1')) {
    if (digits.length < 11) return invalid('too_short', `+${digits} has too few digits for a NANP number`);
    if (digits.length > 11) return invalid('too_long', `+${digits} has too many digits for a NANP number`);
    return nanp(digits.slice(1));
  }
  if (digits.length > 15) return invalid('too_long', `${digits.length} digits: E.164 allows at most 15`);
  const text = `+${digits}`;
  switch (validatePhoneNumberLength(text)) {
    case 'INVALID_COUNTRY':
      return invalid('invalid_country_code', `+${digits} does not start with a country calling code`);
    case 'TOO_SHORT':
    case 'NOT_A_NUMBER':
      return invalid('too_short', `+${digits} is too short for its country`);
    case 'TOO_LONG':
      return invalid('too_long', `+${digits} is too long for its country`);
    case 'INVALID_LENGTH':
      return invalid('not_possible', `+${digits} has a length its country does not use`);
    case undefined:
      break;
  }
  const parsed = parsePhoneNumberFromString(text);
  if (!parsed?.isPossible()) return invalid('not_possible', `+${digits} is not a possible phone number`);
  return { kind: 'valid', e164: parsed.number };
}

/**
 * Classifies a number as a person typed it (a consumer complaint, a form, a CSV) and gives the
 * E.164 form of a valid one. Without a `+` or a `011` international prefix the number is read as
 * NANP: 10 digits, or 11 starting with the trunk prefix 1. "Valid" means well-formed, not
 * assigned: a spoofed caller ID is usually well-formed and checking it against the DNO list is
 * the next step.
 */
export function classifyNumber(raw: string): NumberClass {
  const trimmed = raw.trim();
  if (trimmed === '') return invalid('empty', 'no number given');
  if (!TYPED_NUMBER.test(trimmed))
    return invalid('non_digits', 'contains characters other than digits and separators');
  const digits = trimmed.replace(/\D/g, '');
  if (digits === '') return invalid('non_digits', 'contains no digits');
  if (trimmed.startsWith('+')) return international(digits);
  if (digits.startsWith('011') && digits.length > 11) return international(digits.slice(3));
  if (digits.length < 10)
    return invalid(
      'too_short',
      digits.length === 7
        ? '7 digits: the area code is missing'
        : `${digits.length} digits: a NANP number has 10`,
    );
  if (digits.length === 10) return nanp(digits);
  if (digits.length === 11 && digits.startsWith('1')) return nanp(digits.slice(1));
  return invalid('too_long', `${digits.length} digits: a NANP number has 10 (11 with a leading 1)`);
}
